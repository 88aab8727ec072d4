"""Capped serializers: output that standard parsers read back, and honest truncation."""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox
import pytest
from peacetalks.sparql.results import write_boolean, write_solutions, write_triples

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

    _, rows, truncated = write_solutions(Counting(), "text/csv", cap=5)  # type: ignore[arg-type]
    assert (rows, truncated, consumed) == (5, True, 6)


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
