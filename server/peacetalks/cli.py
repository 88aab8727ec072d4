"""The `peacetalks` command: serve, build, query, validate, export, import, format, push.

Flags override the `PEACETALKS_*` environment variables (see `peacetalks.settings`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from peacetalks import __version__, resources
from peacetalks.settings import Settings

QUERY_FORMATS = {
    "table": None,
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "nquads": "application/n-quads",
    "trig": "application/trig",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    for name in ("host", "port", "workers", "query_timeout", "max_rows", "cache_dir"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    if getattr(args, "no_inference", False):
        overrides["inference"] = False
    try:
        settings = Settings(**overrides)
    except ValidationError as e:  # one line per bad setting, named as the user set it
        for error in e.errors():
            name = "PEACETALKS_" + "_".join(str(part) for part in error["loc"]).upper()
            print(f"peacetalks: bad setting {name}: {error['msg']}", file=sys.stderr)
        raise SystemExit(2) from None
    extra = getattr(args, "data", None)
    if extra:
        settings = settings.model_copy(update={"data": [*settings.data, *extra]})
    return settings


def _fail(what: str, message: object) -> SystemExit:
    """One red line on stderr (no traceback) and the exit status 2 to raise."""
    from rich.console import Console

    Console(stderr=True, soft_wrap=True).print(f"[bold red]{what}:[/] {message}", highlight=False)
    return SystemExit(2)


def _load(settings: Settings, phases: Any = None) -> Any:
    from peacetalks.dataset.cache import CacheUnwritable
    from peacetalks.dataset.loading import DataFileError
    from peacetalks.dataset.store import load_dataset

    try:
        return load_dataset(settings, progress=sys.stderr.isatty(), phases=phases)
    except (DataFileError, CacheUnwritable) as e:
        raise _fail("cannot load data", e) from e


def cmd_serve(args: argparse.Namespace) -> int:
    from peacetalks.backend import open_backend
    from peacetalks.dataset.store import Phases
    from peacetalks.errors import PeacetalksError
    from peacetalks.logs import configure_logging

    settings = _settings(args)
    configure_logging(settings.log_level)
    try:
        with Phases(sys.stderr.isatty()) as bar:  # parsing, inference, cache, workers
            # With PEACETALKS_BACKEND the engine holds the dataset: nothing is built here.
            # The query workers start loading now, while FastAPI and uvicorn are imported.
            backend = open_backend(settings, None if settings.backend else _load(settings, bar))
            try:
                import uvicorn

                from peacetalks.app import create_app
                from peacetalks.security import uvicorn_limits

                workers, ready = backend.starting, [0]

                def one_ready() -> None:
                    ready[0] += 1
                    bar.step(f"workers: {ready[0]} of {workers} ready")

                bar.start(f"workers: 0 of {workers} ready", total=workers or None)
                backend.wait_ready(one_ready)
                app = create_app(settings, backend=backend)
            except BaseException:
                backend.close()
                raise
    except PeacetalksError as e:  # e.g. a worker found the cache changed under it
        raise _fail("cannot start", e.message) from e
    except (OSError, ValueError) as e:  # one clear line, not a traceback
        raise _fail("cannot start", f"{type(e).__name__}: {e}") from e
    dataset = app.state.dataset
    print(
        f"peacetalks {__version__} listening on http://{settings.host}:{settings.port}/ "
        f"(dataset {dataset.version}, {dataset.total} triples, {settings.workers} query workers, "
        f"network: {app.state.executor.network})",
        flush=True,
    )
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        **uvicorn_limits(settings.request_timeout),
    )
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    settings = _settings(args)
    dataset = _load(settings)
    print(
        f"dataset {dataset.version}: {dataset.total} triples in {len(dataset.graph_counts)} "
        f"graphs ({'cache reused' if dataset.from_cache else 'built'}) → {dataset.nquads_path}"
    )
    for graph, count in sorted(dataset.graph_counts.items()):
        print(f"  {count:>8}  {graph}")
    return 0


def _print_table(body: bytes) -> None:
    from rich.console import Console
    from rich.table import Table

    doc = json.loads(body)
    console = Console()
    if "boolean" in doc:
        console.print(str(doc["boolean"]).lower())
        return
    table = Table(*doc["head"]["vars"])
    for binding in doc["results"]["bindings"]:
        table.add_row(*(binding.get(v, {}).get("value", "") for v in doc["head"]["vars"]))
    console.print(table)


def cmd_query(args: argparse.Namespace) -> int:
    from rich.console import Console

    from peacetalks.errors import PeacetalksError
    from peacetalks.sparql import guard, negotiation
    from peacetalks.sparql.executor import QueryExecutor, QueryRequest

    text = args.query
    if Path(text).is_file():
        text = Path(text).read_text(encoding="utf-8")
    settings = _settings(args).model_copy(update={"workers": 0})
    dataset = _load(settings)
    try:
        info = guard.check_query(
            text,
            max_length=settings.max_query_length,
            known_graphs=dataset.graphs,
            protocol_dataset=False,
        )
        wanted = QUERY_FORMATS[args.format]
        if wanted is None:  # a table for results, Turtle for graphs
            wanted = "text/turtle" if info.kind == "graph" else "application/sparql-results+json"
        media_type = negotiation.negotiate(None, info.kind, format_param=wanted)
        result = QueryExecutor(dataset, settings).run(QueryRequest(text, media_type))
    except PeacetalksError as e:
        Console(stderr=True).print(f"[bold red]error:[/] {e.message}", highlight=False)
        return 1
    if args.format == "table" and result.kind != "graph":
        _print_table(result.body)
    else:
        sys.stdout.buffer.write(result.body)
    if result.truncated:
        Console(stderr=True).print(f"[yellow]truncated at {settings.max_rows} rows[/]")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Parse everything (the build), SHACL-validate the curated data against the shapes,
    run `queries/checks/*-violation.rq` over the dataset (peacetalks.dataset.validation) and
    the reference checks of the canned queries (peacetalks.api.query_checks)."""
    from rich.console import Console

    from peacetalks.dataset import validation
    from peacetalks.dataset.store import input_sources

    console = Console()
    settings = _settings(args)
    dataset = _load(settings)
    console.print(f"parsed: {dataset.total} triples in {len(dataset.graph_counts)} graphs")
    ontology = resources.ontology_dir().resolve()
    data_files = [
        s.path for s in input_sources(settings) if not s.path.resolve().is_relative_to(ontology)
    ]
    report = validation.shacl_validate(
        validation.load_graph(data_files),
        ontology_graph=validation.load_ontology(resources.ontology_dir()),
    )
    ok = report.conforms
    if report.conforms:
        console.print("SHACL: conforms")
    else:
        console.print(f"[red]SHACL: {len(report.violations)} violation(s)[/]")
        for v in report.violations:
            console.print(f"  {v.focus_node} {v.result_path or ''}: {v.message}", highlight=False)
    for check in validation.run_violation_checks(dataset.store, resources.checks_dir()):
        if check.passed:
            console.print(f"check {check.name}: ok")
        else:
            ok = False
            console.print(f"[red]check {check.name}: {len(check.rows)} violation(s)[/]")
            for row in check.rows[:20]:
                console.print(f"  {row}", highlight=False)
    ok = _lint_queries(console) and ok
    console.print("[green]valid[/]" if ok else "[bold red]INVALID[/]")
    return 0 if ok else 1


def _lint_queries(console: Any) -> bool:
    """The canned queries under the reference checks (rdflib's algebra, `query_checks`)."""
    from peacetalks.api import query_checks
    from peacetalks.api.catalog import Catalog

    catalog = Catalog.load(resources.queries_dir())
    problems = query_checks.lint(catalog.values())
    if not problems:
        console.print(f"canned queries: {len(catalog)} pass the reference checks")
    for problem in problems:
        console.print(f"[red]canned query {problem}[/]", highlight=False)
    return not problems


def cmd_export(args: argparse.Namespace) -> int:
    """Write a dump (peacetalks.linked_data.export): same bytes as GET /dump; with
    `--statements`, the statements as spreadsheet rows (peacetalks.curation)."""
    if args.statements:
        return _export_statements(args)
    from peacetalks.linked_data import export

    return export.run(args, _load(_settings(args)))


def _export_statements(args: argparse.Namespace) -> int:
    from peacetalks.curation import importer, spreadsheet, statements
    from peacetalks.dataset.loading import DataFileError
    from peacetalks.dataset.store import input_sources

    if args.format or args.graphs != "all":
        print("error: --statements writes CSV rows; drop --format and --graphs", file=sys.stderr)
        return 2
    try:
        store = importer.graph_store(input_sources(_settings(args)))
        rows = statements.statement_rows(store)
    except (DataFileError, statements.ExportError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    text = spreadsheet.write_rows(args.output, rows)
    if args.output is None:
        sys.stdout.write(text)
    print(f"{len(rows)} statements → {args.output or 'stdout'}", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Statements from a spreadsheet into graph/ (peacetalks.curation.importer), or with
    `--template` an empty spreadsheet with two example rows."""
    from peacetalks.curation import importer, spreadsheet, statements
    from peacetalks.dataset import canonical
    from peacetalks.dataset.loading import DataFileError, shipped_sources

    root = args.root or resources.data_root()
    try:
        if args.template:
            store = importer.graph_store(shipped_sources(root))
            rows = statements.statement_rows(store, only=statements.TEMPLATE_STATEMENTS)
            out = args.output or Path("statements-template.csv")
            spreadsheet.write_rows(out, rows)
            print(f"template with {len(rows)} example rows → {out}")
            return 0
        if args.file is None:
            print("error: give a CSV file to import (or --template)", file=sys.stderr)
            return 2
        result = importer.import_rows(args.file, root, args.name)
    except spreadsheet.SpreadsheetError as e:
        print(f"{args.file}: {len(e.errors)} problem(s), nothing written", file=sys.stderr)
        for error in e.errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    except (DataFileError, statements.ExportError, canonical.CanonicalError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(
        f"{result.statements} statements, {result.triples} triples → {result.path} "
        f"(graph <{result.graph}>); checked: SHACL shapes and queries/checks"
    )
    return 0


def cmd_format(args: argparse.Namespace) -> int:
    """`python -m peacetalks.dataset.canonical` over the given Turtle files (default: ontology/,
    graph/)."""
    from peacetalks.dataset import canonical

    files = args.files or sorted(
        p for d in (resources.ontology_dir(), resources.graph_dir()) for p in d.glob("*.ttl")
    )
    if not files:
        print("no Turtle files to format", file=sys.stderr)
        return 0
    return int(canonical.main([*(["--check"] if args.check else []), *map(str, files)]))


def cmd_push(args: argparse.Namespace) -> int:
    """Build (or reuse) the dataset and put it into the engine at `--to` (Graph Store Protocol)."""
    from peacetalks.backend.push import push
    from peacetalks.errors import PeacetalksError

    settings = _settings(args)
    if args.store_url:
        settings = settings.model_copy(update={"backend_store_url": args.store_url})
    dataset = _load(settings)
    try:
        record = push(dataset, args.to, settings, progress=sys.stderr.isatty())
    except PeacetalksError as e:
        raise _fail("push failed", e.message) from e
    except OSError as e:  # httpx's connection errors are OSErrors underneath
        raise _fail("push failed", f"{type(e).__name__}: {e}") from e
    print(
        f"pushed dataset {record['version']} to {args.to}: {dataset.total} triples in "
        f"{len(record['graph_counts'])} graphs, every count read back equal "
        f"({record['push_seconds']:.1f} s)"
    )
    for graph in record["removed_graphs"]:
        print(f"  removed {graph} (no longer in the dataset)")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """`bench/run.py` with the remaining arguments (a source checkout only: see bench/README.md)."""
    import subprocess

    script = resources.PACKAGE_DIR.parent / "bench" / "run.py"
    if not resources.is_checkout() or not script.is_file():
        print("peacetalks bench needs a source checkout (bench/run.py)", file=sys.stderr)
        return 2
    return subprocess.call([sys.executable, str(script), *args.bench_args])


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="peacetalks", description=__doc__)
    p.add_argument("--version", action="version", version=f"peacetalks {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    def data_flags(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--data", nargs="+", type=Path, metavar="PATH", help="extra RDF files/dirs")
        sp.add_argument("--cache-dir", type=Path, help="dataset cache directory")
        sp.add_argument("--no-inference", action="store_true", help="skip OWL RL inference")

    s = sub.add_parser("serve", help="build (if stale) and serve the SPARQL endpoint")
    s.add_argument("--host")
    s.add_argument("--port", type=int)
    s.add_argument("--workers", type=int, help="query worker processes")
    s.add_argument("--query-timeout", type=float, help="seconds per query")
    s.add_argument("--max-rows", type=int, help="row cap per response")
    data_flags(s)
    s.set_defaults(func=cmd_serve)

    b = sub.add_parser("build", help="build the dataset cache (ontology + graph + inferences)")
    data_flags(b)
    b.set_defaults(func=cmd_build)

    q = sub.add_parser("query", help="run a SPARQL query locally")
    q.add_argument("query", help="SPARQL text or a file holding it")
    q.add_argument("--format", choices=list(QUERY_FORMATS), default="table")
    q.add_argument("--max-rows", type=int)
    data_flags(q)
    q.set_defaults(func=cmd_query)

    v = sub.add_parser(
        "validate",
        help="parse, SHACL-validate, run the violation checks and the canned-query checks",
    )
    data_flags(v)
    v.set_defaults(func=cmd_validate)

    from peacetalks.linked_data import export

    e = sub.add_parser("export", help="write a dump of the dataset (any RDF format)")
    export.add_arguments(e)
    e.add_argument(
        "--statements",
        action="store_true",
        help="write the statements as spreadsheet rows (CSV), the columns `import` reads",
    )
    data_flags(e)
    e.set_defaults(func=cmd_export)

    im = sub.add_parser("import", help="add statements from a spreadsheet (CSV) to graph/")
    im.add_argument("file", nargs="?", type=Path, help="the CSV file, one statement a row")
    im.add_argument("--template", action="store_true", help="write an empty spreadsheet")
    im.add_argument("-o", "--output", type=Path, help="with --template: where to write it")
    im.add_argument("--name", help="import name: graph/import-NAME.ttl (default: file stem)")
    im.add_argument("--root", type=Path, help="directory holding ontology/, graph/, queries/")
    im.set_defaults(func=cmd_import)

    f = sub.add_parser(
        "format", help="rewrite the Turtle files canonically (peacetalks.dataset.canonical)"
    )
    f.add_argument("--check", action="store_true", help="only report files not canonical")
    f.add_argument("files", nargs="*", type=Path, help="default: ontology/*.ttl graph/*.ttl")
    f.set_defaults(func=cmd_format)

    ps = sub.add_parser(
        "push", help="load the dataset into an external SPARQL engine (Graph Store Protocol)"
    )
    ps.add_argument("--to", required=True, metavar="URL", help="the engine's SPARQL query URL")
    ps.add_argument("--store-url", help="its Graph Store Protocol URL (default: engine profile)")
    data_flags(ps)
    ps.set_defaults(func=cmd_push)

    bn = sub.add_parser(
        "bench", help="run the benchmark (bench/run.py; --help for its options)", add_help=False
    )
    bn.add_argument("bench_args", nargs=argparse.REMAINDER, help="passed to bench/run.py")
    bn.set_defaults(func=cmd_bench)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"]:  # every option after `bench` belongs to bench/run.py
        return cmd_bench(argparse.Namespace(bench_args=argv[1:]))
    args = parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
