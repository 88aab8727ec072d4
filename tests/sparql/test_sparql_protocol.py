"""`/sparql` protocol matrix: one short test per cell (method × content type × outcome)."""

from __future__ import annotations

import json

import rdflib
from fastapi.testclient import TestClient

ASK = "ASK { ?s ?p ?o }"
SELECT = "SELECT ?s WHERE { ?s a <http://example.org/Person> }"
CONSTRUCT = "CONSTRUCT WHERE { <http://example.org/bob> ?p ?o }"
FORM = {"content-type": "application/x-www-form-urlencoded"}
DIRECT = {"content-type": "application/sparql-query"}


def _type(r: object) -> str:
    return r.headers["content-type"].split(";")[0]  # type: ignore[attr-defined]


def test_get_query(tiny_client: TestClient) -> None:
    r = tiny_client.get("/sparql", params={"query": ASK})
    assert r.status_code == 200 and r.json()["boolean"] is True


def test_get_query_accept_csv(tiny_client: TestClient) -> None:
    r = tiny_client.get("/sparql", params={"query": SELECT}, headers={"accept": "text/csv"})
    assert r.status_code == 200 and _type(r) == "text/csv" and r.text.startswith("s\r\n")


def test_get_query_accept_tsv(tiny_client: TestClient) -> None:
    r = tiny_client.get(
        "/sparql", params={"query": SELECT}, headers={"accept": "text/tab-separated-values"}
    )
    assert r.status_code == 200 and r.text.startswith("?s\n")


def test_get_query_accept_xml(tiny_client: TestClient) -> None:
    r = tiny_client.get(
        "/sparql", params={"query": SELECT}, headers={"accept": "application/sparql-results+xml"}
    )
    assert r.status_code == 200 and "<sparql" in r.text


def test_get_query_accept_bad(tiny_client: TestClient) -> None:
    r = tiny_client.get("/sparql", params={"query": SELECT}, headers={"accept": "image/png"})
    assert r.status_code == 406
    assert "application/sparql-results+json" in r.text and "text/csv" in r.text


def test_get_query_accept_wildcard(tiny_client: TestClient) -> None:
    r = tiny_client.get("/sparql", params={"query": SELECT}, headers={"accept": "*/*"})
    assert _type(r) == "application/sparql-results+json"


def test_get_query_accept_q_values(tiny_client: TestClient) -> None:
    accept = "application/sparql-results+json;q=0.2, text/csv;q=0.8"
    r = tiny_client.get("/sparql", params={"query": SELECT}, headers={"accept": accept})
    assert _type(r) == "text/csv"


def test_get_query_format_param_overrides_accept(tiny_client: TestClient) -> None:
    r = tiny_client.get(
        "/sparql", params={"query": SELECT, "format": "tsv"}, headers={"accept": "text/csv"}
    )
    assert _type(r) == "text/tab-separated-values"


def test_get_query_bad_format_param(tiny_client: TestClient) -> None:
    r = tiny_client.get("/sparql", params={"query": SELECT, "format": "yaml"})
    assert r.status_code == 406


def test_get_construct_default_turtle(tiny_client: TestClient) -> None:
    r = tiny_client.get("/sparql", params={"query": CONSTRUCT})
    assert r.status_code == 200 and _type(r) == "text/turtle"
    assert len(rdflib.Graph().parse(data=r.text, format="turtle")) >= 3


def test_get_construct_each_rdf_format(tiny_client: TestClient) -> None:
    for name, media, parser in [
        ("ntriples", "application/n-triples", "nt"),
        ("nquads", "application/n-quads", "nquads"),
        ("trig", "application/trig", "trig"),
        ("jsonld", "application/ld+json", "json-ld"),
        ("rdfxml", "application/rdf+xml", "xml"),
    ]:
        r = tiny_client.get("/sparql", params={"query": CONSTRUCT, "format": name})
        assert r.status_code == 200 and _type(r) == media, name
        graph = rdflib.Dataset() if parser in ("nquads", "trig") else rdflib.Graph()
        graph.parse(data=r.content, format=parser)


def test_get_construct_accept_results_type_is_406(tiny_client: TestClient) -> None:
    r = tiny_client.get("/sparql", params={"query": CONSTRUCT}, headers={"accept": "text/csv"})
    assert r.status_code == 406 and "text/turtle" in r.text


def test_get_describe(tiny_client: TestClient) -> None:
    r = tiny_client.get(
        "/sparql",
        params={"query": "DESCRIBE <http://example.org/alice>"},
        headers={"accept": "application/n-triples"},
    )
    assert r.status_code == 200 and "<http://example.org/alice>" in r.text


def test_post_form_query(tiny_client: TestClient) -> None:
    r = tiny_client.post("/sparql", data={"query": ASK})
    assert r.status_code == 200 and r.json()["boolean"] is True


def test_post_direct_query(tiny_client: TestClient) -> None:
    r = tiny_client.post("/sparql", content=SELECT, headers=DIRECT)
    assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 2


def test_post_direct_query_utf8_charset(tiny_client: TestClient) -> None:
    headers = {"content-type": "application/sparql-query; charset=UTF-8"}
    r = tiny_client.post("/sparql", content=ASK.encode(), headers=headers)
    assert r.status_code == 200


def test_post_direct_query_other_charset(tiny_client: TestClient) -> None:
    headers = {"content-type": "application/sparql-query; charset=UTF-16"}
    r = tiny_client.post("/sparql", content=ASK.encode("utf-16"), headers=headers)
    assert r.status_code == 415


def test_post_direct_not_utf8(tiny_client: TestClient) -> None:
    r = tiny_client.post("/sparql", content=b"ASK { \xff }", headers=DIRECT)
    assert r.status_code == 400


def test_post_wrong_content_type(tiny_client: TestClient) -> None:
    r = tiny_client.post("/sparql", content=ASK, headers={"content-type": "text/plain"})
    assert r.status_code == 415


def test_post_without_content_type(tiny_client: TestClient) -> None:
    r = tiny_client.post("/sparql", content=ASK)
    assert r.status_code == 415


def test_post_form_without_query(tiny_client: TestClient) -> None:
    r = tiny_client.post("/sparql", data={"default-graph-uri": "http://example.org/g1"})
    assert r.status_code == 400


def test_post_direct_with_query_param(tiny_client: TestClient) -> None:
    r = tiny_client.post("/sparql", params={"query": ASK}, content=ASK, headers=DIRECT)
    assert r.status_code == 400


def test_get_multiple_queries(tiny_client: TestClient) -> None:
    r = tiny_client.get("/sparql", params=[("query", ASK), ("query", ASK)])
    assert r.status_code == 400


def test_get_query_and_update(tiny_client: TestClient) -> None:
    r = tiny_client.get("/sparql", params={"query": ASK, "update": "CLEAR ALL"})
    assert r.status_code == 400


def test_post_form_query_and_update(tiny_client: TestClient) -> None:
    r = tiny_client.post("/sparql", data={"query": ASK, "update": "CLEAR ALL"})
    assert r.status_code == 400


def test_get_update_read_only(tiny_client: TestClient) -> None:
    r = tiny_client.get("/sparql", params={"update": "CLEAR ALL"})
    assert r.status_code == 403 and "read-only" in r.text


def test_post_form_update_read_only(tiny_client: TestClient) -> None:
    r = tiny_client.post("/sparql", data={"update": "INSERT DATA { <a:a> <a:b> <a:c> }"})
    assert r.status_code == 403 and "read-only" in r.text


def test_post_sparql_update_read_only(tiny_client: TestClient) -> None:
    r = tiny_client.post(
        "/sparql",
        content="INSERT DATA { <a:a> <a:b> <a:c> }",
        headers={"content-type": "application/sparql-update"},
    )
    assert r.status_code == 403 and "this endpoint is read-only" in r.text


def test_default_graph_uri(tiny_client: TestClient) -> None:
    r = tiny_client.get(
        "/sparql",
        params={
            "query": "SELECT ?s WHERE { ?s ?p ?o }",
            "default-graph-uri": "http://example.org/g1",
        },
    )
    assert [b["s"]["value"] for b in r.json()["results"]["bindings"]] == ["http://example.org/dave"]


def test_default_graph_uri_unknown_is_empty(tiny_client: TestClient) -> None:
    r = tiny_client.get("/sparql", params={"query": ASK, "default-graph-uri": "http://no/such"})
    assert r.status_code == 200 and r.json()["boolean"] is False


def test_named_graph_uri(tiny_client: TestClient) -> None:
    r = tiny_client.post(
        "/sparql",
        params={"named-graph-uri": "http://example.org/g1"},
        content="SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
        headers=DIRECT,
    )
    assert [b["g"]["value"] for b in r.json()["results"]["bindings"]] == ["http://example.org/g1"]


def test_protocol_dataset_overrides_from(tiny_client: TestClient) -> None:
    query = "SELECT ?s FROM <http://nowhere/graph> WHERE { ?s ?p ?o }"
    r = tiny_client.get(
        "/sparql", params={"query": query, "default-graph-uri": "http://example.org/g1"}
    )
    assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 1


def test_from_known_graph(tiny_client: TestClient) -> None:
    query = "SELECT ?s FROM <http://example.org/g1> WHERE { ?s ?p ?o }"
    r = tiny_client.get("/sparql", params={"query": query})
    assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 1


def test_syntax_error(tiny_client: TestClient) -> None:
    r = tiny_client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"})
    assert r.status_code == 400 and "1:" in r.text


def test_syntax_error_json(tiny_client: TestClient) -> None:
    r = tiny_client.get(
        "/sparql",
        params={"query": "SELECT * WHERE {\n ?s ?p }"},
        headers={"accept": "application/json"},
    )
    body = r.json()
    assert r.status_code == 400 and body["error"] == "query_syntax_error" and body["line"] == 2


def test_relative_iris_resolve_against_endpoint(tiny_client: TestClient) -> None:
    r = tiny_client.get("/sparql", params={"query": "SELECT (<x> AS ?i) WHERE {}"})
    assert r.json()["results"]["bindings"][0]["i"]["value"] == "http://testserver/x"


def test_row_headers_present(tiny_client: TestClient) -> None:
    r = tiny_client.get("/sparql", params={"query": SELECT})
    assert r.headers["x-peacetalks-truncated"] == "false"
    assert r.headers["x-peacetalks-row-limit"] == "1000"


def test_service_description_turtle(tiny_client: TestClient) -> None:
    r = tiny_client.get("/sparql")
    assert r.status_code == 200 and _type(r) == "text/turtle"
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    endpoint = rdflib.URIRef("http://testserver/sparql")
    assert (endpoint, sd.endpoint, endpoint) in g
    assert (endpoint, sd.feature, sd.UnionDefaultGraph) in g
    assert (endpoint, sd.feature, sd.BasicFederatedQuery) not in g
    assert (endpoint, sd.supportedLanguage, sd.SPARQL11Query) in g
    assert (
        endpoint,
        sd.defaultEntailmentRegime,
        rdflib.URIRef("http://www.w3.org/ns/entailment/Simple"),
    ) in g
    formats = set(g.objects(endpoint, sd.resultFormat))
    assert rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_CSV") in formats
    assert rdflib.URIRef("http://www.w3.org/ns/formats/Turtle") in formats
    inferred = rdflib.URIRef("https://w3id.org/peacetalks/graph/inferred")
    [named] = list(g.subjects(sd.name, inferred))
    assert "OWL 2 RL" in str(g.value(named, rdflib.RDFS.comment))
    assert "SERVICE" in str(g.value(endpoint, rdflib.RDFS.comment))


def test_service_description_negotiated(tiny_client: TestClient) -> None:
    r = tiny_client.get("/sparql", headers={"accept": "application/ld+json"})
    assert _type(r) == "application/ld+json" and json.loads(r.text)
    r = tiny_client.get("/sparql", headers={"accept": "application/rdf+xml"})
    assert _type(r) == "application/rdf+xml"
