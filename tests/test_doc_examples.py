"""Every example in README.md, queries/README.md, ontology/README.md and docs/architecture.md
runs as written.

Each fenced block of the four documents is claimed by exactly one check in `CHECKS` (a new
block that nobody claims fails `test_every_block_is_claimed`, so a doc cannot grow an
example that no test runs). Shell examples run through bash against `peacetalks serve` on a
free loopback port (the docs' `http://127.0.0.1:8000` becomes that address), Python
examples by `exec`, the catalog header example through the catalog's own loader, the Turtle
example against the served graph, and the layout trees and diagrams against the files and
the ontology they describe.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from peacetalks.api.catalog import load_query
from peacetalks.cli import parser
from serving import SERVER, serve

ROOT = Path(__file__).parents[1]
DOCS = ("README.md", "queries/README.md", "ontology/README.md", "docs/architecture.md")
DOC_BASE = "http://127.0.0.1:8000"
PT = "https://w3id.org/peacetalks/"


@dataclass(frozen=True)
class Block:
    doc: str
    line: int  # of the opening fence
    lang: str
    text: str

    def __str__(self) -> str:
        return f"{self.doc}:{self.line}"


def doc_blocks() -> list[Block]:
    found = []
    for doc in DOCS:
        lines = (ROOT / doc).read_text(encoding="utf-8").splitlines()
        opening: tuple[int, str] | None = None
        body: list[str] = []
        for number, line in enumerate(lines, 1):
            if not line.startswith("```"):
                if opening:
                    body.append(line)
                continue
            if opening is None:
                opening, body = (number, line[3:].strip()), []
            else:
                found.append(Block(doc, opening[0], opening[1], "\n".join(body) + "\n"))
                opening = None
        assert opening is None, f"{doc}:{opening[0]}: unclosed code fence"
    return found


# (doc, fence language, a phrase the block contains) -> the check that runs it. Order matters
# only for readability: a block must match exactly one row.
CHECKS: dict[tuple[str, str, str], str] = {
    ("README.md", "sh", "pip install . &&"): "quick-start server (started below as written)",
    ("README.md", "sh", "python -m pytest"): "CI's test command (tests/test_cli.py, .ci/run)",
    ("README.md", "sh", "curl"): "shell",
    ("README.md", "python", "import"): "python",
    ("README.md", "sh", "peacetalks import"): "curating (tests/curation/test_docs.py)",
    ("README.md", "text", "peacetalks serve ["): "CLI synopsis",
    ("queries/README.md", "sparql", "#+ summary"): "catalog header",
    ("queries/README.md", "sparql", "FILTER(sameTerm"): "optional-parameter idioms",
    ("queries/README.md", "json", '"rows"'): "answer shape",
    ("ontology/README.md", "text", "pt:Statement"): "ontology diagram",
    ("ontology/README.md", "turtle", "a pt:Statement"): "statement in the graph",
    ("docs/architecture.md", "text", "graph/*.ttl"): "repository tree",
    ("docs/architecture.md", "text", "__main__.py"): "package tree",
}


def claims(block: Block) -> list[str]:
    return [
        check
        for (doc, lang, phrase), check in CHECKS.items()
        if block.doc == doc and block.lang == lang and phrase in block.text
    ]


def blocks_for(check: str) -> list[Block]:
    return [b for b in doc_blocks() if claims(b) == [check]]


def test_every_block_is_claimed() -> None:
    unclaimed = {str(b): claims(b) for b in doc_blocks() if len(claims(b)) != 1}
    assert not unclaimed, f"code blocks claimed by no check or by several: {unclaimed}"
    used = {check for b in doc_blocks() for check in claims(b)}
    assert used == set(CHECKS.values()), f"checks with no block: {set(CHECKS.values()) - used}"


# --- the server the examples talk to ---------------------------------------------------------


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`peacetalks serve` on the shipped data, as the quick start runs it (a free port instead
    of 8000, a scratch cache directory)."""
    (quick,) = blocks_for("quick-start server (started below as written)")
    assert quick.text.strip().endswith("peacetalks serve"), "the quick start serves with defaults"
    cache = tmp_path_factory.mktemp("docs-cache")
    env = {"PEACETALKS_CACHE_DIR": str(cache), "PEACETALKS_LOG_LEVEL": "warning"}
    os.environ["PEACETALKS_CACHE_DIR"] = str(cache)  # the docs' `peacetalks export` reuses it
    try:
        with serve(env) as url:
            yield url
    finally:
        os.environ.pop("PEACETALKS_CACHE_DIR", None)


# --- shell -----------------------------------------------------------------------------------


def shell_commands(block: Block) -> list[str]:
    """The block's commands: continuation lines joined, trailing `# comments` dropped."""
    joined = block.text.replace("\\\n", " ")
    commands = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        if words:
            commands.append(shlex.join(words))
    return commands


def _csv_rows(out: str) -> list[list[str]]:
    return [line.split(",") for line in out.strip().splitlines()]


def _graph_counts(out: str, cwd: Path) -> None:
    header, *rows = _csv_rows(out)
    assert header == ["g", "n"] and rows
    graphs = {g for g, _ in rows}
    assert f"{PT}graph/inferred" in graphs and all(int(n) > 0 for _, n in rows)


def _ten_statements(out: str, cwd: Path) -> None:
    graph = rdflib.Graph().parse(data=out, format="turtle")
    assert len(graph) == 10
    assert set(graph.objects()) == {rdflib.URIRef(PT + "ontology#Statement")}


def _crimea(out: str, cwd: Path) -> None:
    answer = json.loads(out)
    assert answer["params"]["issue"] == PT + "id/issue/crimea"
    slugs = {issue["slug"] for row in answer["rows"] for issue in row["issues"]}
    assert "crimea" in slugs


def _putin_on_territory(out: str, cwd: Path) -> None:
    header, *rows = _csv_rows(out)
    assert rows and "speaker" in header
    speakers = {row[header.index("speaker")] for row in rows}
    assert speakers == {PT + "id/actor/vladimir-putin"}


def _timeline_ja(out: str, cwd: Path) -> None:
    answer = json.loads(out)
    assert answer["rows"] and answer["params"]["lang"] == "ja"
    dates = [r["date"]["value"] for r in answer["rows"] if r["date"]]
    assert dates and all("2025" <= d[:10] <= "2025-03-18" for d in dates)


def _common_ground(out: str, cwd: Path) -> None:
    answer = json.loads(out)
    assert answer["params"]["actor"].endswith("/donald-trump")
    assert answer["params"]["other"].endswith("/volodymyr-zelensky")
    assert answer["rows"]


def _dump_file(out: str, cwd: Path) -> None:
    (dump,) = [p for p in cwd.iterdir() if p.suffix == ".trig"]
    graph = rdflib.Dataset().parse(dump, format="trig")
    assert len(graph) > 1000


def _export_file(out: str, cwd: Path) -> None:
    store = ox.Store()
    store.load(path=cwd / "peacetalks.nq", format=ox.RdfFormat.N_QUADS)
    assert len(store) > 1000


# A phrase of each documented command -> what its output must show.
SHELL_EXPECT: dict[str, Callable[[str, Path], None]] = {
    "GROUP BY ?g": _graph_counts,
    "CONSTRUCT WHERE": _ten_statements,
    "who-said-what?issue=crimea": _crimea,
    "issue=territory&actor=": _putin_on_territory,
    "api/timeline?": _timeline_ja,
    "api/common-ground?": _common_ground,
    "curl -OJ": _dump_file,
    "peacetalks export": _export_file,
}

# curl fails on HTTP errors (a 4xx/5xx example must not pass by printing an error body);
# `peacetalks` is this checkout's CLI.
SHELL_PRELUDE = f"""set -euo pipefail
curl() {{ command curl --silent --show-error --fail-with-body "$@"; }}
peacetalks() {{ PYTHONPATH={shlex.quote(str(SERVER))} {shlex.quote(sys.executable)} \
  -m peacetalks.cli "$@"; }}
"""


def shell_cases() -> list[tuple[Block, str]]:
    return [(b, c) for b in blocks_for("shell") for c in shell_commands(b)]


@pytest.mark.network
@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize(
    ("block", "command"), shell_cases(), ids=[f"{b}:{c[:60]}" for b, c in shell_cases()]
)
def test_shell_example(block: Block, command: str, base: str, tmp_path: Path) -> None:
    (check,) = [f for phrase, f in SHELL_EXPECT.items() if phrase in command]
    script = SHELL_PRELUDE + command.replace(DOC_BASE, base)
    run = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, f"{block}: {command}\n{run.stderr}{run.stdout[-2000:]}"
    check(run.stdout, tmp_path)


def test_every_shell_example_has_an_expectation() -> None:
    commands = [c for _, c in shell_cases()]
    for command in commands:
        matching = [p for p in SHELL_EXPECT if p in command]
        assert len(matching) == 1, f"{command!r} matches {matching}"
    assert all(any(p in c for c in commands) for p in SHELL_EXPECT), "stale SHELL_EXPECT rows"


# --- python ----------------------------------------------------------------------------------


def _labels_printed(lines: list[str]) -> None:
    assert len(lines) == 5 and all(line.startswith(("http", "https")) for line in lines)


def _crimea_rows_printed(lines: list[str]) -> None:
    assert lines
    for line in lines:
        date, stance, rest = line.split(" ", 2)
        assert re.fullmatch(r"\d{4}(-\d\d){0,2}", date), line
        assert re.fullmatch(r"[a-z-]+", stance), line  # the slug, not a label dict
        speaker, outlet = rest.split(" · ")
        assert speaker and outlet and "{" not in rest and "None" not in rest, line


PYTHON_EXPECT: dict[str, Callable[[list[str]], None]] = {
    "SPARQLWrapper": _labels_printed,
    "httpx.get": _crimea_rows_printed,
}


@pytest.mark.network
@pytest.mark.parametrize("block", blocks_for("python"), ids=str)
def test_python_example(block: Block, base: str) -> None:
    (check,) = [f for phrase, f in PYTHON_EXPECT.items() if phrase in block.text]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block.text.replace(DOC_BASE, base), str(block), "exec"), {})
    check(out.getvalue().splitlines())


# --- CLI synopsis ----------------------------------------------------------------------------


def test_cli_synopsis_matches_the_parser() -> None:
    (block,) = blocks_for("CLI synopsis")
    commands = next(
        a for a in parser()._actions if isinstance(a, argparse._SubParsersAction)
    ).choices
    for line in block.text.replace("\n       ", " ").splitlines():
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        assert words[0] == "peacetalks" and words[1] in commands, line
        usage = commands[words[1]].format_help()
        for option in re.findall(r"--[a-z][a-z-]*", line.split("#", 1)[0]):
            assert option in usage, f"`peacetalks {words[1]}` has no {option}"
    documented = set(re.findall(r"^peacetalks (\w+)", block.text, re.M))
    assert documented == set(commands), "the synopsis and the parser list other commands"


# --- queries/README.md -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def served_store(base: str) -> ox.Store:
    """The served dataset, from its N-Quads dump."""
    store = ox.Store()
    dump = httpx.get(base + "/dump", params={"format": "nq", "graphs": "all"}, timeout=60)
    assert dump.status_code == 200
    store.load(dump.content, format=ox.RdfFormat.N_QUADS)
    return store


@pytest.mark.network
def test_catalog_header_example_is_a_valid_canned_query(
    tmp_path: Path, served_store: ox.Store
) -> None:
    (block,) = blocks_for("catalog header")
    path = tmp_path / "example.rq"
    path.write_text(block.text, encoding="utf-8")
    query = load_query(path)  # every rule of the catalog applies
    assert [p.name for p in query.params] == ["issue", "to", "lang"]
    solutions = served_store.query(
        query.paged_text(100, 0),
        substitutions={
            ox.Variable("issue"): ox.NamedNode(PT + "id/issue/crimea"),
            ox.Variable("lang"): ox.Literal("en"),
        },
        use_default_graph_as_union=True,
    )
    assert isinstance(solutions, ox.QuerySolutions)
    assert len(list(solutions)) > 0


def test_optional_parameter_idioms_are_the_ones_the_queries_use() -> None:
    (block,) = blocks_for("optional-parameter idioms")
    queries = " ".join(
        " ".join(p.read_text(encoding="utf-8").split()) for p in (ROOT / "queries").glob("*.rq")
    )
    statement = ""
    for line in block.text.splitlines():
        code = line.split("  #", 1)[0].strip()
        statement = f"{statement} {code}".strip()
        if statement.count("{") == statement.count("}") and statement.count("(") == statement.count(
            ")"
        ):
            assert statement in queries, f"no canned query uses {statement!r}"
            statement = ""
    assert not statement


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


@pytest.mark.network
def test_answer_shape_example_matches_a_live_answer(base: str) -> None:
    (block,) = blocks_for("answer shape")
    documented = set(re.findall(r'"(\w+)":', block.text))
    answer = httpx.get(base + "/api/who-said-what", params={"issue": "crimea"}, timeout=30)
    assert answer.status_code == 200
    live = answer.json()
    missing = documented - _keys(live)
    assert not missing, f"queries/README.md shows keys the API does not answer: {missing}"
    assert live["params"]["issue"] == PT + "id/issue/crimea"
    shown = re.search(r'"rows": \[\{"statement": (\{.*?\}\})', block.text)
    assert shown and set(json.loads(shown.group(1).replace("…", ""))) == set(
        live["rows"][0]["statement"]
    )


# --- ontology/README.md ----------------------------------------------------------------------


def _graph_prefixes() -> str:
    lines: dict[str, str] = {}
    for path in sorted((ROOT / "graph").glob("*.ttl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("@prefix"):
                lines[line.split()[1]] = line
    return "\n".join(lines.values()) + "\n"


@pytest.mark.network
def test_turtle_example_is_in_the_graph(served_store: ox.Store) -> None:
    (block,) = blocks_for("statement in the graph")
    example = ox.Store()
    example.load(_graph_prefixes() + block.text, format=ox.RdfFormat.TURTLE)
    assert len(example) > 10
    missing = [
        str(q.triple)
        for q in example
        if not any(served_store.quads_for_pattern(q.subject, q.predicate, q.object))
    ]
    assert not missing, f"ontology/README.md's example is not in the graph: {missing}"


def test_ontology_diagram_names_defined_terms() -> None:
    (block,) = blocks_for("ontology diagram")
    ontology = " ".join(p.read_text(encoding="utf-8") for p in (ROOT / "ontology").glob("*.ttl"))
    defined = set(re.findall(r"^(pt:\w+) ", ontology, re.M))
    named = set(re.findall(r"\bpt:\w+", block.text))
    assert named and not named - defined, f"not defined in ontology/: {named - defined}"
    used = set(re.findall(r"\b(?:skos|org|prov|sem|schema|dcterms):\w+", block.text))
    assert all(term in ontology for term in used), [t for t in used if t not in ontology]


# --- docs/architecture.md --------------------------------------------------------------------


def test_repository_tree_lists_real_paths() -> None:
    (block,) = blocks_for("repository tree")
    for line in block.text.splitlines():
        path = line.split()[0]
        assert list(ROOT.glob(path.rstrip("/"))), f"docs/architecture.md names {path}: not found"


def test_package_tree_is_the_package() -> None:
    (block,) = blocks_for("package tree")
    documented, package = set(), ""
    for line in block.text.splitlines()[1:]:
        indent = len(line) - len(line.lstrip())
        names = []
        for word in line.split():
            if not re.fullmatch(r"\w+\.py|\w+/", word):
                break
            names.append(word)
        if not names:  # a description's continuation line
            assert indent > 20, f"docs/architecture.md: unreadable tree line {line!r}"
            continue
        for name in names:
            if indent == 2 and name.endswith("/"):
                package = name
                documented.add(name)
            else:
                documented.add((package if indent > 2 else "") + name)
    root = SERVER / "peacetalks"
    actual = {f"{p.name}/" for p in root.iterdir() if (p / "__init__.py").exists()}
    actual |= {
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if not (p.name == "__init__.py" and p.parent != root)
    }
    assert documented == actual, (
        f"docs/architecture.md lists {sorted(documented - actual)} that do not exist and "
        f"omits {sorted(actual - documented)}"
    )
