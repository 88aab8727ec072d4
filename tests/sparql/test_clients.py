"""Real clients (SPARQLWrapper, rdflib's SPARQLStore) against `peacetalks serve` on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from serving import serve
from SPARQLWrapper import CSV, JSON, RDFXML, TURTLE, XML, SPARQLWrapper

DATA = Path(__file__).parents[1] / "data" / "server"
EX = "http://example.org/"
PERSONS = f"SELECT ?s WHERE {{ ?s a <{EX}Person> }} ORDER BY ?s"
CONSTRUCT = f"CONSTRUCT WHERE {{ <{EX}bob> ?p ?o }}"

pytestmark = pytest.mark.network


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m peacetalks.cli serve` over the tiny fixture data; stopped after the module."""
    settings = {
        "PEACETALKS_SHIPPED_DATA": "false",
        "PEACETALKS_DATA": f"{DATA / 'tiny.ttl'}:{DATA / 'quads.trig'}",
        "PEACETALKS_CACHE_DIR": str(tmp_path_factory.mktemp("serve-cache")),
        "PEACETALKS_WORKERS": "1",
        "PEACETALKS_LOG_LEVEL": "warning",
    }
    with serve(settings) as base:
        yield base + "/sparql"


def _wrapper(url: str, query: str, fmt: str) -> SPARQLWrapper:
    sparql = SPARQLWrapper(url)
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    return sparql


def test_sparqlwrapper_json(endpoint: str) -> None:
    result = _wrapper(endpoint, PERSONS, JSON).queryAndConvert()
    assert [b["s"]["value"] for b in result["results"]["bindings"]] == [EX + "alice", EX + "bob"]  # type: ignore[index]


def test_sparqlwrapper_json_post(endpoint: str) -> None:
    sparql = _wrapper(endpoint, PERSONS, JSON)
    sparql.setMethod("POST")
    assert len(sparql.queryAndConvert()["results"]["bindings"]) == 2  # type: ignore[index]


def test_sparqlwrapper_xml(endpoint: str) -> None:
    doc = _wrapper(endpoint, PERSONS, XML).queryAndConvert()
    uris = [n.firstChild.data for n in doc.getElementsByTagName("uri")]  # type: ignore[union-attr]
    assert uris == [EX + "alice", EX + "bob"]


def test_sparqlwrapper_csv(endpoint: str) -> None:
    text = _wrapper(endpoint, PERSONS, CSV).queryAndConvert()
    assert text.decode().split("\r\n")[:3] == ["s", EX + "alice", EX + "bob"]  # type: ignore[union-attr]


def test_sparqlwrapper_ask(endpoint: str) -> None:
    assert _wrapper(endpoint, f"ASK {{ <{EX}alice> ?p ?o }}", JSON).queryAndConvert()["boolean"]  # type: ignore[index]


def test_sparqlwrapper_construct_turtle(endpoint: str) -> None:
    data = _wrapper(endpoint, CONSTRUCT, TURTLE).queryAndConvert()
    graph = rdflib.Graph().parse(data=data, format="turtle")  # type: ignore[arg-type]
    assert (
        rdflib.URIRef(EX + "bob"),
        rdflib.URIRef(EX + "knows"),
        rdflib.URIRef(EX + "alice"),
    ) in graph


def test_sparqlwrapper_construct_rdfxml(endpoint: str) -> None:
    graph = _wrapper(endpoint, CONSTRUCT, RDFXML).queryAndConvert()
    assert isinstance(graph, rdflib.Graph) and len(graph) >= 3


def test_sparqlwrapper_update_refused(endpoint: str) -> None:
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    sparql = SPARQLWrapper(endpoint, updateEndpoint=endpoint)
    sparql.setQuery("INSERT DATA { <http://a> <http://b> <http://c> }")
    sparql.setMethod("POST")
    with pytest.raises((SPARQLWrapperException, Exception)) as info:
        sparql.query()
    assert "403" in str(info.value) or "read-only" in str(info.value)


def test_rdflib_sparqlstore_select(endpoint: str) -> None:
    graph = rdflib.Graph(store=SPARQLStore(query_endpoint=endpoint))
    rows = list(graph.query(PERSONS))
    assert [str(r[0]) for r in rows] == [EX + "alice", EX + "bob"]  # type: ignore[index]


def test_rdflib_sparqlstore_triples(endpoint: str) -> None:
    graph = rdflib.Graph(store=SPARQLStore(query_endpoint=endpoint))
    labels = set(graph.objects(rdflib.URIRef(EX + "alice"), rdflib.RDFS.label))
    assert rdflib.Literal("Alice", lang="en") in labels


def test_rdflib_sparqlstore_construct(endpoint: str) -> None:
    graph = rdflib.Graph(store=SPARQLStore(query_endpoint=endpoint))
    result = graph.query(CONSTRUCT)
    assert len(result.graph) >= 3  # type: ignore[arg-type]
