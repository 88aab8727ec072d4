"""`/.well-known/void`: metadata, statistics checked against an independent count (rdflib over
the N-Triples dump), subsets per named graph, vocabularies, links; and the service
description's pointer to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import rdflib
from fastapi.testclient import TestClient
from ld_common import CRIMEA, PT, PUTIN, dataset_of, shipped_client
from peacetalks.dataset.loading import INFERRED_GRAPH
from peacetalks.linked_data.dumps import DUMP_FORMATS
from peacetalks.linked_data.void import DATASET_IRI
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, VOID

D = rdflib.URIRef(DATASET_IRI)
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    yield from shipped_client()


@pytest.fixture(scope="module")
def void(client: TestClient) -> rdflib.Graph:
    r = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    return rdflib.Graph().parse(data=r.text, format="turtle")


@pytest.fixture(scope="module")
def union(client: TestClient) -> rdflib.Graph:
    """All graphs as one rdflib graph, from the N-Triples dump."""
    return rdflib.Graph().parse(data=client.get("/dump?format=nt").text, format="nt")


def number(void: rdflib.Graph, subject: rdflib.term.Node, prop: rdflib.URIRef) -> int:
    value = void.value(subject, prop)
    assert value is not None, f"no {prop} on {subject}"
    return int(value)


def test_dataset_metadata(void: rdflib.Graph) -> None:
    assert (D, RDF.type, VOID.Dataset) in void
    assert void.value(D, DCTERMS.license) == rdflib.URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert {lit.language for lit in void.objects(D, DCTERMS.title)} >= {"en", "ja"}
    assert void.value(D, DCTERMS.description) is not None
    assert void.value(D, DCTERMS.creator) is not None
    assert void.value(D, DCTERMS.modified).datatype == rdflib.XSD.dateTime  # type: ignore[union-attr]
    assert str(void.value(D, VOID.uriSpace)) == "https://w3id.org/peacetalks/id/"
    assert str(void.value(D, VOID.sparqlEndpoint)).endswith("/sparql")


def test_sources_are_the_articles(void: rdflib.Graph, union: rdflib.Graph) -> None:
    articles = set(union.subjects(RDF.type, rdflib.URIRef(PT + "Article")))
    assert articles
    assert set(void.objects(D, DCTERMS.source)) == articles
    assert rdflib.URIRef("https://w3id.org/peacetalks/id/source/digest-001") in articles


def test_statistics_match_an_independent_count(void: rdflib.Graph, union: rdflib.Graph) -> None:
    space = "https://w3id.org/peacetalks/id/"
    assert number(void, D, VOID.triples) == len(union)
    assert number(void, D, VOID.distinctSubjects) == len(set(union.subjects()))
    assert number(void, D, VOID.distinctObjects) == len(set(union.objects()))
    assert number(void, D, VOID.properties) == len(set(union.predicates()))
    assert number(void, D, VOID.classes) == len(set(union.objects(None, RDF.type)))
    entities = {s for s in union.subjects() if isinstance(s, rdflib.URIRef) and s.startswith(space)}
    assert number(void, D, VOID.entities) == len(entities)


def test_class_and_property_partitions(void: rdflib.Graph, union: rdflib.Graph) -> None:
    statement = rdflib.URIRef(PT + "Statement")
    speaker = rdflib.URIRef(PT + "speaker")
    classes = {void.value(p, VOID["class"]): p for p in void.objects(D, VOID.classPartition)}
    properties = {void.value(p, VOID.property): p for p in void.objects(D, VOID.propertyPartition)}
    assert number(void, classes[statement], VOID.entities) == len(
        set(union.subjects(RDF.type, statement))
    )
    assert number(void, properties[speaker], VOID.triples) == len(
        list(union.triples((None, speaker, None)))
    )
    assert len(properties) == number(void, D, VOID.properties)


def test_one_subset_per_named_graph(void: rdflib.Graph, client: TestClient) -> None:
    counts = dataset_of(client).graph_counts
    subsets = set(void.objects(D, VOID.subset))
    for graph, count in counts.items():
        g = rdflib.URIRef(graph)
        assert g in subsets
        assert number(void, g, VOID.triples) == count


def test_inferred_subset_is_marked(void: rdflib.Graph) -> None:
    inferred = rdflib.URIRef(INFERRED_GRAPH)
    assert "inferred" in str(void.value(inferred, RDFS.comment)).lower()
    activity = void.value(inferred, PROV.wasGeneratedBy)
    assert activity is not None
    assert "OWL 2 RL" in str(void.value(activity, RDFS.label))
    assert str(void.value(activity, DCTERMS.conformsTo)).endswith("owl-profile/RL")
    assert any("graphs=inferred" in str(u) for u in void.objects(inferred, VOID.dataDump))


def test_vocabularies(void: rdflib.Graph, union: rdflib.Graph) -> None:
    used = {str(v) for v in void.objects(D, VOID.vocabulary)}
    for ns in (
        "http://www.w3.org/ns/prov#",
        "http://www.w3.org/2004/02/skos/core#",
        "http://www.w3.org/ns/org#",
        "https://schema.org/",
        "http://purl.org/dc/terms/",
        PT,
    ):
        assert ns in used
    time_used = any(str(p).startswith("http://www.w3.org/2006/time#") for p in union.predicates())
    assert ("http://www.w3.org/2006/time#" in used) == time_used


def test_a_data_dump_per_format_and_each_resolves(void: rdflib.Graph, client: TestClient) -> None:
    dumps = {str(u) for u in void.objects(D, VOID.dataDump)}
    assert len(dumps) == len(DUMP_FORMATS)
    for url in dumps:
        path = url.split("://", 1)[1].split("/", 1)[1]
        r = client.get("/" + path, headers={"If-None-Match": '"none"'})
        assert r.status_code == 200, url
        assert r.headers["content-type"].split(";")[0] == str(
            void.value(rdflib.URIRef(url), DCTERMS["format"])
        )


def test_example_resources_and_wikidata_linkset(void: rdflib.Graph, union: rdflib.Graph) -> None:
    examples = set(void.objects(D, VOID.exampleResource))
    assert {rdflib.URIRef(PUTIN), rdflib.URIRef(CRIMEA)} <= examples
    linksets = [s for s in void.objects(D, VOID.subset) if (s, RDF.type, VOID.Linkset) in void]
    assert len(linksets) == 1
    links = {
        (s, o)
        for s, o in union.subject_objects(SKOS.exactMatch)
        if str(o).startswith("http://www.wikidata.org/entity/")
    }
    assert number(void, linksets[0], VOID.triples) == len(links)


@pytest.mark.parametrize(
    "accept", ["application/ld+json", "application/n-triples", "application/rdf+xml"]
)
def test_void_is_negotiable(client: TestClient, void: rdflib.Graph, accept: str) -> None:
    r = client.get("/.well-known/void", headers={"Accept": accept})
    assert r.headers["content-type"].split(";")[0] == accept
    fmt = {
        "application/ld+json": "json-ld",
        "application/n-triples": "nt",
        "application/rdf+xml": "xml",
    }
    again = rdflib.Graph().parse(data=r.text, format=fmt[accept])
    assert len(again) == len(void)


def test_service_description_links_void_and_formats(client: TestClient) -> None:
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    sd = rdflib.Graph().parse(data=r.text, format="turtle", publicID="http://testserver/sparql")
    SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    datasets = list(sd.objects(None, SD.defaultDataset))
    assert any(
        str(o).endswith("/.well-known/void") for d in datasets for o in sd.objects(d, RDFS.seeAlso)
    )
    formats = {str(f).rsplit("/", 1)[-1] for f in sd.objects(None, SD.resultFormat)}
    assert {"SPARQL_Results_JSON", "Turtle", "JSON-LD", "RDF_XML", "N-Quads"} <= formats
    assert (None, SD.feature, SD.UnionDefaultGraph) in sd
    assert (None, SD.feature, SD.BasicFederatedQuery) not in sd
