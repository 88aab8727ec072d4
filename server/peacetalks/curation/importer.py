"""`peacetalks import FILE.csv`: every row checked, then one canonical Turtle file.

All or nothing: the rows are resolved and turned into triples (`statements`), the result is
added to the graph the file goes into and checked with the SHACL shapes and
`queries/checks/*-violation.rq`; only when no problem is left is
`graph/import-{name}.ttl` written (its own named graph, like every file of `graph/`).
Re-importing the same file replaces that file; problems the graph had before are not
blamed on the rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from peacetalks.api.binding import ID_BASE
from peacetalks.curation.resolve import Resolver
from peacetalks.curation.spreadsheet import RowError, SpreadsheetError, read_rows
from peacetalks.curation.statements import COLUMN_OF_PREDICATE, Built, rows_to_triples
from peacetalks.dataset import canonical, validation
from peacetalks.dataset.loading import Source, graph_iri_for, load_sources, shipped_sources
from peacetalks.sparql.results import COMMON_PREFIXES, used_prefixes

PREFIXES = {
    **{k: v for k, v in COMMON_PREFIXES.items() if k not in ("rdf", "sd", "void")},
    **{
        kind: f"{ID_BASE}{kind}/"
        for kind in (
            "actor",
            "event",
            "figure",
            "issue",
            "outlet",
            "post",
            "source",
            "stance",
            "statement",
        )
    },
}
"""Prefixes of the written Turtle (those it uses), as in graph/statements-*.ttl (no `rdf:`:
the canonical writer spells rdf:type `a`)."""

CHECK_COLUMNS = {
    "date-said-after-reported-violation": "date",
    "statement-source-not-cited-violation": "digest",
    "statement-without-relay-violation": "digest",
    "statement-source-without-url-violation": "source",
    "news-article-without-url-or-date-violation": "source",
    "quote-without-translation-flag-violation": "quote_is_translation",
    "statement-without-bilingual-summary-violation": "summary_en",
    "conflict-without-disagreement-violation": "conflicts_with",
    "actor-without-label-violation": "speaker",
    "digest-claim-not-from-digest-violation": "digest_claim",
}
"""Violation check → the column its rows are reported in (else `statement`)."""


@dataclass(frozen=True)
class ImportResult:
    """What an import wrote: the file, its named graph, the statements and triples."""

    path: Path
    graph: str
    statements: int
    triples: int


def output_path(root: Path, csv_path: Path, name: str | None = None) -> Path:
    """`graph/import-{name}.ttl`, the name from the CSV file's stem unless given."""
    stem = name or csv_path.stem
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "statements"
    return root / "graph" / f"import-{slug}.ttl"


def graph_store(sources: list[Source]) -> ox.Store:
    """An in-memory store of `sources`, one named graph each, without inferences (rows are
    checked against what curators wrote)."""
    store = ox.Store()
    load_sources(store, sources)
    return store


def import_rows(csv_path: Path, root: Path, name: str | None = None) -> ImportResult:
    """Check every row of `csv_path` against the graph under `root` (`ontology/`, `graph/`,
    `queries/checks/`) and write the import file; `SpreadsheetError` lists every problem,
    and then nothing is written."""
    target = output_path(root, csv_path, name)
    rows = read_rows(csv_path)
    if not rows:
        raise SpreadsheetError([RowError(0, "-", "no statement rows")])
    base_sources = [s for s in shipped_sources(root) if s.path.resolve() != target.resolve()]
    base = graph_store(base_sources)
    built = rows_to_triples(rows, Resolver(base))
    if built.errors:
        raise SpreadsheetError(built.errors)
    graph = graph_iri_for(target, root)
    after = ox.Store()
    after.extend(base)
    after.extend(
        ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph)) for t in built.triples
    )
    errors = _check_errors(base, after, root, built) + _shacl_errors(base_sources, root, built)
    if errors:
        raise SpreadsheetError(errors)
    text = turtle_text(built.triples, target, csv_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    count = sum(1 for iri in built.row_of if iri.startswith(ID_BASE + "statement/"))
    return ImportResult(target, graph, count, len(built.triples))


def turtle_text(triples: list[ox.Triple], target: Path, csv_path: Path) -> str:
    """The canonical Turtle of `triples` with a header naming the spreadsheet."""
    body = ox.serialize(
        triples, format=ox.RdfFormat.TURTLE, prefixes=used_prefixes(triples, PREFIXES)
    )
    assert body is not None
    header = (
        f"# graph/{target.name} — statements imported from {csv_path.name} "
        "by `peacetalks import`.\n"
        "# Edit the spreadsheet and import it again rather than this file "
        "(graph/README.md, Curating).\n\n"
    )
    return canonical.canonical_text(header + body.decode("utf-8"))


def _row_for(built: Built, values: list[str]) -> int:
    rows = [built.row_of[v] for v in values if v in built.row_of]
    return min(rows) if rows else 0


def _check_errors(before: ox.Store, after: ox.Store, root: Path, built: Built) -> list[RowError]:
    """Rows of `queries/checks/` that the import adds (absent from the graph before)."""
    checks = root / "queries" / "checks"
    old = {
        (c.name, tuple(sorted(r.items())))
        for c in validation.run_violation_checks(before, checks)
        for r in c.rows
    }
    errors = []
    for check in validation.run_violation_checks(after, checks):
        for r in check.rows:
            if (check.name, tuple(sorted(r.items()))) in old:
                continue
            detail = ", ".join(f"{k}={v}" for k, v in r.items())
            errors.append(
                RowError(
                    _row_for(built, list(r.values())),
                    CHECK_COLUMNS.get(check.name, "statement"),
                    f"check {check.name.removesuffix('-violation')} fails: {detail}",
                )
            )
    return errors


def _expand(text: str | None) -> str:
    """An IRI as pyshacl's report writes it (`<…>` or `prefix:local`) → the full IRI."""
    if not text:
        return ""
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1]
    prefix, _, local = text.partition(":")
    return PREFIXES.get(prefix, prefix + ":") + local


def _shacl_errors(base_sources: list[Source], root: Path, built: Built) -> list[RowError]:
    """SHACL results whose focus node is a node the rows describe."""
    ontology = (root / "ontology").resolve()
    data = validation.load_graph(
        s.path for s in base_sources if not s.path.resolve().is_relative_to(ontology)
    )
    nt = ox.serialize(built.triples, format=ox.RdfFormat.N_TRIPLES)
    assert nt is not None
    data.parse(data=nt.decode("utf-8"), format="nt")
    report = validation.shacl_validate(
        data,
        shapes_path=root / "ontology" / "shapes.ttl",
        ontology_graph=validation.load_ontology(root / "ontology"),
        # only the rows' nodes: a result on any other node is dropped below anyway
        focus_nodes=[n for n in built.row_of if not n.startswith("_:")],
    )
    errors = []
    for v in report.violations:
        row = _row_for(built, [_expand(v.focus_node)])
        if not row:
            continue
        column = COLUMN_OF_PREDICATE.get(_expand(v.result_path), "statement")
        errors.append(
            RowError(row, column, f"shape {v.source_shape.rsplit('#', 1)[-1]}: {v.message}")
        )
    return errors
