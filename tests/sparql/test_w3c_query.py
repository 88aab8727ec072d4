"""The W3C SPARQL 1.1 query evaluation tests, sent through `/sparql` in every result format.

For each evaluation test of the 14 directories in `../shared/w3c/sparql11-query/` (or
`$PEACETALKS_W3C_DIR`), the test's data is loaded the way a user loads a file
(`shipped_data=False`, the data file, no inference) and the query is POSTed to `/sparql`
asking for each format that applies: SPARQL JSON, XML, CSV and TSV for SELECT and ASK;
Turtle, N-Triples, RDF/XML, JSON-LD, N-Quads and TriG for CONSTRUCT. Every answer must
equal what pyoxigraph computes in-process on the same store (`tests/answers.py`: multisets
with blank nodes matched, order where the query orders, graphs isomorphic; CSV compared
with what CSV can carry).

Separately, the in-process answer is compared with the W3C expected result; the tests the
engine itself fails are listed in `ENGINE_FAILURES` with the reason, and asserted, so a
change either way (a new failure, or a fix upstream) is seen.

Tests with `qt:graphData` load an N-Quads file holding the default graph and the named
graphs under their W3C names (the file IRIs) and name that dataset with the protocol's
`default-graph-uri` / `named-graph-uri`. The query's base IRI is its file's IRI (sent as a
`BASE` line, since the protocol has no base parameter).

Speed: one app per data file (queries in-process, `workers=0`, through the real router,
negotiation and serializers), reused by all its tests; the canned-query catalog, which
`/sparql` does not use, is parsed once. `test_real_server_sample` repeats one directory
against a real `peacetalks serve` (worker processes, sockets). `tests/conftest.py` prints
the summary line.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from answers import (
    CSV,
    GRAPH_TYPES,
    SOLUTION_TYPES,
    Answer,
    Table,
    as_csv,
    from_engine,
    read_answer,
    read_graph,
    read_result_file,
    same_answer,
    same_graph,
    to_rdflib,
)
from fastapi.testclient import TestClient
from peacetalks.api.catalog import Catalog
from peacetalks.app import create_app
from peacetalks.settings import Settings
from rdflib.namespace import RDF
from serving import serve
from w3c import MF, QT, W3C_DIR, items

QUERY_DIR = W3C_DIR / "sparql11-query"
DIRECTORIES = [
    "aggregates",
    "bind",
    "bindings",
    "cast",
    "construct",
    "csv-tsv-res",
    "exists",
    "functions",
    "grouping",
    "json-res",
    "negation",
    "project-expression",
    "property-path",
    "subquery",
]
EVALUATION_TYPES = {MF.QueryEvaluationTest, MF.CSVResultFormatTest}
RS = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/result-set#")
ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)
DATASET_CLAUSE = re.compile(r"\bFROM\s+(NAMED\s+)?<", re.IGNORECASE)

NUMBER_SPELLING = (
    "number spelling: the engine writes numbers and booleans in canonical form (1 for the "
    "decimal 1.0, 32100 for the double 3.21E4, false for the boolean 0); equal by value"
)
ENGINE_FAILURES: dict[str, str] = {
    "aggregates/agg-groupconcat-04": "engine behaviour: GROUP_CONCAT of literals that share "
    'a language tag keeps the tag ("1 2"@en), so FILTER(?g = "1 2") is false',
    "aggregates/agg-groupconcat-06": "engine behaviour: as agg-groupconcat-04, one literal",
    "aggregates/agg-sum-02": NUMBER_SPELLING,
    "aggregates/agg-avg-02": NUMBER_SPELLING,
    "aggregates/agg-min-01": NUMBER_SPELLING,
    "aggregates/agg-min-02": NUMBER_SPELLING,
    "aggregates/agg-max-01": NUMBER_SPELLING,
    "aggregates/agg-max-02": NUMBER_SPELLING,
    "aggregates/agg-err-02": NUMBER_SPELLING,
    "aggregates/agg-max-distinct": NUMBER_SPELLING,
    "aggregates/agg-min-distinct": NUMBER_SPELLING,
    "aggregates/agg-empty-group-count-graph": "engine behaviour: an aggregate subquery inside "
    "GRAPH ?g gives one row with ?g unbound (W3C: one row per named graph, 0 where none match)",
    "bindings/graph": "engine behaviour: inside GRAPH ?g, a VALUES row with ?g UNDEF is not "
    "joined with the graph names (?g stays unbound)",
    "cast/cast-bool": NUMBER_SPELLING,
    "cast/cast-int": NUMBER_SPELLING,
    "cast/cast-float": NUMBER_SPELLING,
    "cast/cast-double": NUMBER_SPELLING,
    "cast/cast-decimal": NUMBER_SPELLING,
    "cast/cast-string": NUMBER_SPELLING,
    "csv-tsv-res/csv03": NUMBER_SPELLING,
    "csv-tsv-res/tsv03": "engine behaviour: the data's 1.0e6 comes back as 1000000 and "
    '"-3"^^xsd:negativeInteger as an xsd:integer',
    "functions/plus-1-corrected": NUMBER_SPELLING,
    "functions/plus-2-corrected": NUMBER_SPELLING,
    "functions/bnode01": "engine behaviour: BNODE(str) gives the same blank node for the same "
    "string in different solutions (the spec scopes it to one solution)",
    "functions/coalesce01": NUMBER_SPELLING,
    "negation/graph-minus": "engine behaviour: inside GRAPH ?g, MINUS removes the row although "
    "its two sides share no variable (W3C keeps it)",
    "property-path/zero_or_more_set_start": "engine behaviour: a zero-length path to a term "
    "that is not in the graph matches nothing",
    "property-path/zero_or_more_set_end": "engine behaviour: as zero_or_more_set_start",
    "property-path/zero_or_one_set_start": "engine behaviour: as zero_or_more_set_start",
    "property-path/zero_or_one_set_end": "engine behaviour: as zero_or_more_set_start",
}
"""W3C tests whose expected result pyoxigraph 0.5.13 does not give, and why. Each is
asserted to still differ (and, for number spelling, to agree by value), so a change in
either direction fails a test."""


@dataclass(frozen=True)
class QueryTest:
    """One evaluation test: its query, default-graph data, named graphs and expected result."""

    name: str  # directory/test
    query: Path
    data: Path | None
    graph_data: tuple[Path, ...]
    result: Path | None

    @property
    def group(self) -> tuple[Path | None, tuple[Path, ...]]:
        return self.data, self.graph_data

    @property
    def text(self) -> str:
        return self.query.read_text(encoding="utf-8")

    @property
    def ordered(self) -> bool:
        return bool(ORDER_BY.search(self.text))

    @property
    def has_dataset_clause(self) -> bool:
        """FROM / FROM NAMED: the query names its own dataset (which protocol graphs would
        override), so no `default-graph-uri` is sent."""
        return bool(DATASET_CLAUSE.search(self.text))


def _path(node: object) -> Path:
    return Path(str(node).removeprefix("file://"))


def load_tests() -> list[QueryTest]:
    tests = []
    for directory in DIRECTORIES:
        manifest = QUERY_DIR / directory / "manifest.ttl"
        g = rdflib.Graph().parse(manifest, format="turtle", publicID=manifest.as_uri())
        head = g.value(next(g.subjects(RDF.type, MF.Manifest)), MF.entries)
        for entry in items(g, head):
            if g.value(entry, RDF.type) not in EVALUATION_TYPES:
                continue
            action = g.value(entry, MF.action)
            data = g.value(action, QT.data)
            result = g.value(entry, MF.result)
            tests.append(
                QueryTest(
                    name=f"{directory}/{str(entry).rsplit('#', 1)[-1]}",
                    query=_path(g.value(action, QT.query)),
                    data=_path(data) if data is not None else None,
                    graph_data=tuple(sorted(_path(d) for d in g.objects(action, QT.graphData))),
                    result=_path(result) if result is not None else None,
                )
            )
    return tests


TESTS = load_tests() if QUERY_DIR.is_dir() else []
FORMATS_BY_KIND = {"solutions": SOLUTION_TYPES, "boolean": SOLUTION_TYPES, "graph": GRAPH_TYPES}


# ------------------------------------------------------------------------ one app per data


@dataclass
class Setup:
    """The app of one data group and the protocol dataset its requests name."""

    client: TestClient
    store: ox.Store
    default_graph: list[str] | None
    named_graphs: list[str]

    def engine(self, test: QueryTest) -> object:
        """The engine's in-process answer (solutions, boolean or triples) on the same store."""
        options: dict[str, Any] = {"base_iri": test.query.as_uri()}
        if test.has_dataset_clause:
            pass  # the engine applies FROM / FROM NAMED itself
        elif self.default_graph is None:
            options["use_default_graph_as_union"] = True
        else:
            options["default_graph"] = [ox.NamedNode(g) for g in self.default_graph]
            options["named_graphs"] = [ox.NamedNode(g) for g in self.named_graphs]
        return self.store.query(test.text, **options)

    def params(self, test: QueryTest) -> dict[str, list[str]]:
        """The protocol dataset of `test` (none when the query has FROM clauses)."""
        if self.default_graph is None or test.has_dataset_clause:
            return {}
        return {"default-graph-uri": self.default_graph, "named-graph-uri": self.named_graphs}


def _with_named_graphs(data: Path | None, graphs: tuple[Path, ...], tmp: Path) -> Path:
    """An N-Quads file: `data` in the default graph, each of `graphs` under its file IRI."""
    quads: list[ox.Quad] = []
    for path, graph in [(data, None), *((g, ox.NamedNode(g.as_uri())) for g in graphs)]:
        if path is None:
            continue
        fmt = ox.RdfFormat.from_extension(path.suffix.lstrip("."))
        for t in ox.parse(path=path, format=fmt, base_iri=path.as_uri()):
            quads.append(ox.Quad(t.subject, t.predicate, t.object, graph))
    out = tmp / "dataset.nq"
    out.write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"")
    return out


@pytest.fixture(scope="module")
def setups(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[QueryTest], Setup]]:
    """`setups(test)`: the (cached) app over that test's data."""
    built: dict[tuple[Path | None, tuple[Path, ...]], Setup] = {}
    with ExitStack() as stack, pytest.MonkeyPatch.context() as patch:
        # /sparql never reads the canned queries; parse them once, not once per app
        patch.setattr(Catalog, "load", staticmethod(functools.cache(Catalog.load)))

        def setup(test: QueryTest) -> Setup:
            if test.group in built:
                return built[test.group]
            tmp = tmp_path_factory.mktemp("w3c-query")
            if test.graph_data:
                files = [_with_named_graphs(test.data, test.graph_data, tmp)]
            else:
                files = [test.data] if test.data is not None else []
            settings = Settings(
                shipped_data=False,
                data=files,
                cache_dir=tmp / "cache",
                inference=False,
                workers=0,
            )
            app = create_app(settings)
            client = stack.enter_context(TestClient(app))
            default_graph = named = None
            if test.graph_data:
                default_graph = [g for g in app.state.dataset.graphs if "/graph/extra/" in g]
                named = [g.as_uri() for g in test.graph_data]
            built[test.group] = Setup(client, app.state.dataset.store, default_graph, named or [])
            return built[test.group]

        yield setup


def _kind(result: object) -> str:
    if isinstance(result, ox.QuerySolutions):
        return "solutions"
    return "boolean" if isinstance(result, ox.QueryBoolean) else "graph"


def differences(
    test: QueryTest, expected: object, send: Callable[[str], httpx.Response]
) -> list[str]:
    """Each format whose answer over HTTP differs from the engine's `expected` one."""
    kind = _kind(expected)
    engine_answer = from_engine(expected) if kind != "graph" else to_rdflib(expected)
    problems = []
    for media_type in FORMATS_BY_KIND[kind]:
        response = send(media_type)
        got = response.headers.get("content-type", "").split(";")[0]
        if response.status_code != 200 or got != media_type:
            problems.append(f"{media_type}: {response.status_code} {got} {response.text[:200]}")
            continue
        if kind == "graph":
            same = same_graph(engine_answer, read_graph(response.content, media_type))
        else:
            want = as_csv(engine_answer) if media_type == CSV else engine_answer
            got_answer = read_answer(response.content, media_type)
            same = same_answer(want, got_answer, ordered=test.ordered)
        if not same:
            problems.append(f"{media_type}: differs\n{response.text[:600]}")
    return problems


def http_sender(
    client: httpx.Client | TestClient, url: str, test: QueryTest, params: dict[str, list[str]]
) -> Callable[[str], httpx.Response]:
    """POST the test's query (with its file IRI as BASE) asking for one media type."""
    body = f"BASE <{test.query.as_uri()}>\n" + test.text

    def send(media_type: str) -> httpx.Response:
        return client.post(
            url,
            params=params,
            content=body.encode(),
            headers={"content-type": "application/sparql-query", "accept": media_type},
        )

    return send


requires_suite = pytest.mark.skipif(
    not QUERY_DIR.is_dir(), reason=f"W3C query tests not found at {QUERY_DIR}"
)


@requires_suite
@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_http_equals_engine(test: QueryTest, setups: Callable[[QueryTest], Setup]) -> None:
    setup = setups(test)
    send = http_sender(setup.client, "/sparql", test, setup.params(test))
    assert differences(test, setup.engine(test), send) == []


# ------------------------------------------------------------------------ the W3C answers


def _ox_term(node: rdflib.term.Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(node, rdflib.URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, rdflib.BNode):
        return ox.BlankNode(str(node))
    assert isinstance(node, rdflib.Literal)
    if node.language:
        return ox.Literal(str(node), language=node.language)
    datatype = ox.NamedNode(str(node.datatype)) if node.datatype else None
    return ox.Literal(str(node), datatype=datatype)


def read_result_set(graph: rdflib.Graph) -> Table:
    """A result set written in the W3C `rs:` RDF vocabulary (two tests use it)."""
    rs = next(graph.subjects(RDF.type, RS.ResultSet))
    variables = tuple(sorted(str(v) for v in graph.objects(rs, RS.resultVariable)))
    rows = []
    for solution in graph.objects(rs, RS.solution):
        bound = {
            str(graph.value(b, RS.variable)): _ox_term(graph.value(b, RS.value))
            for b in graph.objects(solution, RS.binding)
        }
        rows.append(tuple(bound.get(v) for v in variables))
    return Table(variables, tuple(rows))


def w3c_expected(test: QueryTest) -> Answer | rdflib.Graph:
    assert test.result is not None
    if test.result.suffix != ".ttl":
        return read_result_file(test.result.read_bytes(), test.result.suffix)
    graph = rdflib.Graph().parse(test.result, format="turtle", publicID=test.result.as_uri())
    if (None, RDF.type, RS.ResultSet) in graph:
        return read_result_set(graph)
    return graph


def engine_vs_w3c(test: QueryTest, result: object) -> tuple[object, object]:
    """(W3C expected, engine answer), in comparable forms."""
    expected = w3c_expected(test)
    if isinstance(expected, rdflib.Graph):
        return expected, to_rdflib(result)
    answer = from_engine(result)
    if test.result is not None and test.result.suffix == ".csv":
        answer = as_csv(answer)
    return expected, answer


def matches(test: QueryTest, expected: object, answer: object, by_value: bool = False) -> bool:
    if isinstance(expected, rdflib.Graph):
        return same_graph(expected, answer)
    return same_answer(expected, answer, ordered=test.ordered, by_value=by_value)


W3C_TESTS = [t for t in TESTS if t.result is not None]


@requires_suite
@pytest.mark.parametrize("test", W3C_TESTS, ids=[t.name for t in W3C_TESTS])
def test_engine_against_w3c(test: QueryTest, setups: Callable[[QueryTest], Setup]) -> None:
    expected, answer = engine_vs_w3c(test, setups(test).engine(test))
    if test.name in ENGINE_FAILURES:
        assert not matches(test, expected, answer), (
            f"now gives the W3C answer: remove {test.name} from ENGINE_FAILURES"
        )
        if ENGINE_FAILURES[test.name] == NUMBER_SPELLING:
            assert matches(test, expected, answer, by_value=True), "differs beyond spelling"
    else:
        assert matches(test, expected, answer), (
            f"the engine's answer differs from {test.result}:\n{expected}\n{answer}"
        )


@requires_suite
def test_suite_found() -> None:
    """Say clearly how many tests ran, so a missing directory cannot pass vacuously."""
    assert len({t.name.split("/")[0] for t in TESTS}) == len(DIRECTORIES)
    assert len(TESTS) == 235
    assert set(ENGINE_FAILURES) <= {t.name for t in W3C_TESTS}


# ------------------------------------------------------------------------ a real server

SAMPLE = "functions"
"""The directory repeated against a real `peacetalks serve` (the largest, 75 tests)."""


@pytest.mark.network
@requires_suite
def test_real_server_sample(
    tmp_path_factory: pytest.TempPathFactory, setups: Callable[[QueryTest], Setup]
) -> None:
    sample = [t for t in TESTS if t.name.startswith(SAMPLE + "/") and not t.graph_data]
    by_data: dict[Path | None, list[QueryTest]] = {}
    for t in sample:
        by_data.setdefault(t.data, []).append(t)
    data, tests = max(by_data.items(), key=lambda kv: len(kv[1]))
    assert data is not None and len(tests) >= 20
    settings = {
        "PEACETALKS_SHIPPED_DATA": "false",
        "PEACETALKS_DATA": str(data),
        "PEACETALKS_INFERENCE": "false",
        "PEACETALKS_CACHE_DIR": str(tmp_path_factory.mktemp("w3c-serve")),
        "PEACETALKS_WORKERS": "1",
        "PEACETALKS_LOG_LEVEL": "warning",
    }
    problems = {}
    with serve(settings) as base, httpx.Client(timeout=30) as client:
        for test in tests:
            send = http_sender(client, base + "/sparql", test, {})
            if found := differences(test, setups(test).engine(test), send):
                problems[test.name] = found
    assert problems == {}
