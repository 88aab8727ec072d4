"""Awkward literals through `/sparql` in every result format.

The fixture is `tests/data/server/awkward-literals.ttl`.

Each answer is read back with a standard parser (SPARQL XML and RDF/XML with expat, which
applies XML's line-end normalisation and rejects forbidden characters) and must equal the
engine's in-process answer. Characters XML 1.0 cannot carry get a 406 naming the character
and the formats that can carry it, never malformed XML. The app runs one query worker, so
answers and errors cross the worker pipe as in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from answers import (
    CSV,
    GRAPH_TYPES,
    SOLUTION_TYPES,
    XML,
    as_csv,
    from_engine,
    read_answer,
    read_graph,
    read_xml,
    same_answer,
    same_graph,
    to_rdflib,
)
from fastapi.testclient import TestClient
from peacetalks.app import create_app
from peacetalks.errors import NotRepresentable
from peacetalks.settings import Settings
from peacetalks.sparql.results import write_solutions, write_triples

# An error answer must not leave pyoxigraph objects to be freed on another thread than
# the one that made them (the remote backend parses the engine's answer on a worker thread).
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")

FIXTURE = Path(__file__).parents[1] / "data" / "server" / "awkward-literals.ttl"
PREFIX = "PREFIX ex: <http://example.org/awkward#>\n"
CARRIED = PREFIX + "SELECT ?s ?o ?missing WHERE { ?s ex:v ?o OPTIONAL { ?s ex:none ?missing } }"
CARRIED_GRAPH = PREFIX + "CONSTRUCT { ?s ex:v ?o } WHERE { ?s ex:v ?o }"
CONTROL = PREFIX + "SELECT ?s ?o WHERE { ?s ex:control ?o }"
CONTROL_GRAPH = PREFIX + "CONSTRUCT { ?s ex:control ?o } WHERE { ?s ex:control ?o }"
XML_GRAPH = "application/rdf+xml"
NOT_XML = {  # subject in the fixture -> the character XML 1.0 cannot carry
    "soh": "U+0001",
    "bs": "U+0008",
    "ff": "U+000C",
    "us": "U+001F",
    "fffe": "U+FFFE",
}


@pytest.fixture(scope="module")
def app_and_store(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TestClient, ox.Store]]:
    settings = Settings(
        shipped_data=False,
        data=[FIXTURE],
        cache_dir=tmp_path_factory.mktemp("awkward"),
        inference=False,
        workers=1,
    )
    app = create_app(settings)
    with TestClient(app) as client:
        yield client, app.state.dataset.store


def _ask(client: TestClient, query: str, media_type: str) -> tuple[int, str, bytes]:
    r = client.post(
        "/sparql",
        content=query.encode(),
        headers={"content-type": "application/sparql-query", "accept": media_type},
    )
    return r.status_code, r.headers["content-type"].split(";")[0], r.content


def _engine(store: ox.Store, query: str) -> object:
    return store.query(query, use_default_graph_as_union=True)


ROUND_TRIPS = [
    *((CARRIED, m, 25) for m in SOLUTION_TYPES),
    *((CARRIED_GRAPH, m, 25) for m in GRAPH_TYPES),
    *((CONTROL, m, 5) for m in SOLUTION_TYPES if m != XML),
    *((CONTROL_GRAPH, m, 5) for m in GRAPH_TYPES if m != XML_GRAPH),
]
"""(query, format, rows): every literal in every format that can carry it."""


@pytest.mark.parametrize(
    ("query", "media_type", "rows"),
    ROUND_TRIPS,
    ids=[f"{'control' if 'control' in q else 'v'}-{m}" for q, m, _ in ROUND_TRIPS],
)
def test_literals_round_trip(
    app_and_store: tuple[TestClient, ox.Store], query: str, media_type: str, rows: int
) -> None:
    client, store = app_and_store
    status, got, body = _ask(client, query, media_type)
    assert (status, got) == (200, media_type), body[:300]
    if media_type in GRAPH_TYPES:
        engine_graph = to_rdflib(_engine(store, query))
        assert len(engine_graph) == rows
        assert same_graph(engine_graph, read_graph(body, media_type))
        return
    engine = from_engine(_engine(store, query))
    assert not isinstance(engine, bool) and len(engine.rows) == rows
    expected = as_csv(engine) if media_type == CSV else engine
    assert same_answer(expected, read_answer(body, media_type), ordered=False)


def test_carriage_return_survives_xml(app_and_store: tuple[TestClient, ox.Store]) -> None:
    """The defect of issue 18: a raw CR in XML is read back as LF by every XML parser."""
    client, _ = app_and_store
    query = PREFIX + "SELECT ?o WHERE { VALUES ?s { ex:cr ex:crlf } ?s ex:v ?o }"
    _, _, body = _ask(client, query, XML)
    assert b"\r" not in body and body.count(b"&#13;") == 2
    table = read_xml(body)
    assert not isinstance(table, bool)
    values = sorted(row[0].value for row in table.rows)  # type: ignore[union-attr]
    assert values == ["cr only\r", "line one\r\nline two"]


@pytest.mark.parametrize(("subject", "char"), NOT_XML.items())
@pytest.mark.parametrize("media_type", [XML, XML_GRAPH])
def test_xml_cannot_carry_control_characters(
    app_and_store: tuple[TestClient, ox.Store], subject: str, char: str, media_type: str
) -> None:
    """A clear 406 naming the character and the formats that carry it, not malformed XML."""
    client, _ = app_and_store
    verb = "SELECT ?o WHERE" if media_type == XML else "CONSTRUCT WHERE"
    query = PREFIX + f"{verb} {{ ex:{subject} ex:control ?o }}"
    r = client.post(
        "/sparql",
        content=query.encode(),
        headers={"content-type": "application/sparql-query", "accept": media_type},
    )
    assert r.status_code == 406, r.content[:300]
    assert r.headers["content-type"].startswith("text/plain")
    assert char in r.text and "XML 1.0 cannot carry" in r.text
    assert ("application/sparql-results+json" if media_type == XML else "text/turtle") in r.text
    carrier = "application/sparql-results+json" if media_type == XML else "text/turtle"
    assert _ask(client, query, carrier)[:2] == (200, carrier)


def test_error_is_json_when_asked(app_and_store: tuple[TestClient, ox.Store]) -> None:
    client, _ = app_and_store
    r = client.post(
        "/sparql",
        content=CONTROL.encode(),
        headers={
            "content-type": "application/sparql-query",
            "accept": "application/sparql-results+xml, application/json;q=0.1",
        },
    )
    # XML is preferred and negotiated; the error body follows the client's JSON acceptance
    assert r.status_code == 406
    assert r.json()["error"] == "not_representable"


def test_writers_directly() -> None:
    """The serializers themselves, without HTTP: CR escaped, forbidden characters refused."""
    store = ox.Store()
    store.load(path=FIXTURE, format=ox.RdfFormat.TURTLE)
    body, rows, _ = write_solutions(store.query(CARRIED), XML, cap=100)
    assert rows == 25 and b"\r" not in body
    triples = list(store.query(CARRIED_GRAPH))  # type: ignore[arg-type]
    body, _, _ = write_triples(iter(triples), XML_GRAPH, cap=100)
    assert b"\r" not in body and b"&#13;" in body
    with pytest.raises(NotRepresentable, match=r"XML 1\.0 cannot carry"):
        write_solutions(store.query(CONTROL), XML, cap=100)
