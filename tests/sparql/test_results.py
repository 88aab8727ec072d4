"""Capped serializers: output that standard parsers read back, and honest truncation."""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox
import pytest
from peacetalks.sparql.results import (
    write_boolean,
    write_solutions,
    write_solutions_py,
    write_triples,
)

EX = "http://example.org/"
TERMS = [
    ox.NamedNode(EX + "a"),
    ox.BlankNode("b0"),
    ox.Literal("plain"),
    ox.Literal("Alice", language="en"),
    ox.Literal("42", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
    ox.Literal('comma, "quote"\ttab\nnewline <&>'),
]


@pytest.fixture
def store() -> ox.Store:
    s = ox.Store()
    for i, term in enumerate(TERMS):
        s.add(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"), term))
    return s


def _select(store: ox.Store) -> ox.QuerySolutions:
    result = store.query("SELECT ?s ?o ?unbound WHERE { ?s ?p ?o } ORDER BY ?s")
    assert isinstance(result, ox.QuerySolutions)
    return result


MEDIA = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}


@pytest.mark.parametrize("media_type", list(MEDIA))
def test_solutions_round_trip_through_pyoxigraph(store: ox.Store, media_type: str) -> None:
    body, rows, truncated = write_solutions(_select(store), media_type, cap=100)
    assert (rows, truncated) == (len(TERMS), False)
    parsed = ox.parse_query_results(body, format=MEDIA[media_type])
    assert isinstance(parsed, ox.QuerySolutions)
    assert [v.value for v in parsed.variables] == ["s", "o", "unbound"]
    objects = sorted(str(row["o"]) for row in parsed)
    expected = sorted(str(row["o"]) for row in _select(store))
    # blank node labels may be renamed by the parser; compare the rest exactly
    assert [o for o in objects if not o.startswith("_:")] == [
        o for o in expected if not o.startswith("_:")
    ]


def test_json_shape(store: ox.Store) -> None:
    body, _, _ = write_solutions(_select(store), "application/sparql-results+json", cap=100)
    doc = json.loads(body)
    assert doc["head"]["vars"] == ["s", "o", "unbound"]
    objects = [b["o"] for b in doc["results"]["bindings"]]
    assert {"type": "literal", "value": "Alice", "xml:lang": "en"} in objects
    assert {"type": "bnode", "value": "b0"} in objects
    assert {
        "type": "literal",
        "value": "42",
        "datatype": "http://www.w3.org/2001/XMLSchema#integer",
    } in objects
    assert all("unbound" not in b for b in doc["results"]["bindings"])


def test_csv_is_rfc4180_with_bare_values(store: ox.Store) -> None:
    body, _, _ = write_solutions(_select(store), "text/csv", cap=100)
    assert body.endswith(b"\r\n")
    rows = list(csv.reader(io.StringIO(body.decode(), newline="")))
    assert rows[0] == ["s", "o", "unbound"]
    values = {r[1] for r in rows[1:]}
    assert {EX + "a", "_:b0", "plain", "Alice", "42", 'comma, "quote"\ttab\nnewline <&>'} == values


def test_tsv_escapes_tabs_and_newlines(store: ox.Store) -> None:
    body, _, _ = write_solutions(_select(store), "text/tab-separated-values", cap=100)
    lines = body.decode().split("\n")
    assert lines[0] == "?s\t?o\t?unbound"
    assert all(line.count("\t") == 2 for line in lines[1:-1])
    assert '"Alice"@en' in body.decode()


def test_cap_truncates_and_says_so(store: ox.Store) -> None:
    body, rows, truncated = write_solutions(_select(store), "application/sparql-results+json", 2)
    assert (rows, truncated) == (2, True)
    assert len(json.loads(body)["results"]["bindings"]) == 2


def test_cap_equal_to_size_is_not_truncation(store: ox.Store) -> None:
    _, rows, truncated = write_solutions(_select(store), "text/csv", cap=len(TERMS))
    assert (rows, truncated) == (len(TERMS), False)


def test_cap_reads_only_cap_plus_one_solutions() -> None:
    consumed = 0

    class Counting:
        variables = (ox.Variable("x"),)

        def __iter__(self):  # type: ignore[no-untyped-def]
            nonlocal consumed
            while True:
                consumed += 1
                yield {"x": ox.Literal(str(consumed))}

    rows_, truncated = write_solutions_py(Counting(), ["x"], "text/csv", cap=5)[1:]  # type: ignore[arg-type]
    assert (rows_, truncated, consumed) == (5, True, 6)


def test_the_native_writer_is_stopped_soon_after_the_cap() -> None:
    """pyoxigraph's writer is stopped within one 8 KiB buffer of rows past the cap: of
    20 000 solutions, almost all are still unread."""
    s = ox.Store()
    s.extend(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"), ox.Literal(str(i)))
             for i in range(20_000))  # fmt: skip
    for media_type in MEDIA_TYPES:
        solutions = s.query("SELECT * WHERE { ?s ?p ?o }")
        assert isinstance(solutions, ox.QuerySolutions)
        _, rows, truncated = write_solutions(solutions, media_type, cap=5)
        assert (rows, truncated) == (5, True)
        assert sum(1 for _ in solutions) > 19_000, media_type


MEDIA_TYPES = [*MEDIA, "text/csv"]
AWKWARD = [
    "x" * 8185 + '\\"}{',  # escapes and braces across the writer's 8 KiB buffer boundary
    '"' * 5000 + "\r\n" * 3000,
    "</result><result>" * 700,
    "{" * 9000,
    "a\tb\nc",
    "\\",
]


def _rows(body: bytes, media_type: str) -> list[list[str | None]]:
    if media_type == "text/csv":
        return [r for r in csv.reader(io.StringIO(body.decode(), newline=""))][1:]
    parsed = ox.parse_query_results(body, format=MEDIA[media_type])
    assert isinstance(parsed, ox.QuerySolutions)
    names = [v.value for v in parsed.variables]
    return [[None if row[n] is None else str(row[n]) for n in names] for row in parsed]


@pytest.mark.parametrize("media_type", MEDIA_TYPES)
@pytest.mark.parametrize("cap", [1, 2, 5, 11, 12, 13, 40])
def test_native_capped_writer_agrees_with_the_python_one(media_type: str, cap: int) -> None:
    """Whatever the cap and wherever the writer's buffer splits a row, the native body holds
    exactly the first `cap` rows the Python writer writes, and the same truncation flag."""
    s = ox.Store()
    values = [*AWKWARD, *AWKWARD]
    for i, v in enumerate(values):
        s.add(ox.Quad(ox.NamedNode(f"{EX}s{i:02}"), ox.NamedNode(EX + "p"), ox.Literal(v)))
    query = "SELECT ?s ?o ?none WHERE { ?s ?p ?o } ORDER BY ?s"
    native, rows, truncated = write_solutions(s.query(query), media_type, cap)  # type: ignore[arg-type]
    variables = ["s", "o", "none"]
    reference, rows_py, truncated_py = write_solutions_py(
        s.query(query), variables, media_type, cap
    )  # type: ignore[arg-type]
    assert (rows, truncated) == (rows_py, truncated_py) == (min(cap, 12), cap < 12)
    if media_type == "text/csv":  # bare values: compare with the Python writer's
        assert _rows(native, media_type) == _rows(reference, media_type)
    else:  # the terms themselves (pyoxigraph's XML parser drops a LF of the Python writer's)
        expected = [[str(r["s"]), str(r["o"]), None] for r in s.query(query)][:cap]  # type: ignore[union-attr]
        assert _rows(native, media_type) == expected
    assert len(_rows(native, media_type)) == rows


@pytest.mark.parametrize(
    ("media_type", "text"),
    [
        ("application/sparql-results+json", '"boolean": true'),
        ("application/sparql-results+xml", "<boolean>true</boolean>"),
        ("text/csv", "true"),
    ],
)
def test_boolean(media_type: str, text: str) -> None:
    assert text in write_boolean(True, media_type).decode()


def test_boolean_json_parses() -> None:
    parsed = ox.parse_query_results(
        write_boolean(False, "application/sparql-results+json"), format=ox.QueryResultsFormat.JSON
    )
    assert bool(parsed) is False


@pytest.mark.parametrize(
    ("media_type", "fmt"),
    [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/n-quads", ox.RdfFormat.N_QUADS),
        ("application/trig", ox.RdfFormat.TRIG),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    ],
)
def test_triples_round_trip(store: ox.Store, media_type: str, fmt: ox.RdfFormat) -> None:
    triples = store.query("CONSTRUCT WHERE { ?s ?p ?o }")
    body, rows, truncated = write_triples(triples, media_type, cap=100)  # type: ignore[arg-type]
    assert (rows, truncated) == (len(TERMS), False)
    assert len(list(ox.parse(body, format=fmt))) == len(TERMS)


def test_triples_cap(store: ox.Store) -> None:
    triples = store.query("CONSTRUCT WHERE { ?s ?p ?o }")
    body, rows, truncated = write_triples(triples, "application/n-triples", cap=3)  # type: ignore[arg-type]
    assert (rows, truncated) == (3, True)
    assert len(list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))) == 3
