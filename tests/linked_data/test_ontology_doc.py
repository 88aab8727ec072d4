"""`GET /ontology`: RDF by negotiation, pyLODE HTML for browsers, our own page as fallback."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path

import html5lib
import pyoxigraph as ox
import pytest
import rdflib
from fastapi.testclient import TestClient
from ld_common import PT, shipped_client
from peacetalks.linked_data import ontology_doc
from peacetalks.linked_data.html import ontology_page
from peacetalks.linked_data.ontology_doc import OntologyDocs, ontology_triples

HAS_PYLODE = importlib.util.find_spec("pylode") is not None


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    yield from shipped_client()


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [("text/turtle", "turtle"), ("application/rdf+xml", "xml"), ("application/ld+json", "json-ld")],
)
def test_ontology_rdf(client: TestClient, accept: str, fmt: str) -> None:
    r = client.get("/ontology", headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == accept
    g = rdflib.Graph().parse(data=r.text, format=fmt)
    assert len(g) == len(ontology_triples())
    onto = rdflib.URIRef("https://w3id.org/peacetalks/ontology")
    assert (onto, rdflib.RDF.type, rdflib.OWL.Ontology) in g
    assert (rdflib.URIRef(PT + "Statement"), rdflib.RDF.type, rdflib.OWL.Class) in g
    scheme = rdflib.URIRef("https://w3id.org/peacetalks/id/issue")
    assert (scheme, rdflib.RDF.type, rdflib.SKOS.ConceptScheme) in g


def test_ontology_html_for_browsers(client: TestClient) -> None:
    r = client.get("/ontology", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html5lib.HTMLParser(strict=True).parse(r.text)
    assert re.search(r'<html lang="en">', r.text)
    assert "Statement" in r.text
    assert "peacetalks ontology" in r.text
    docs = client.app.state.linked_data.docs  # type: ignore[attr-defined]
    assert docs.generator == ("pyLODE" if HAS_PYLODE else "fallback")


@pytest.mark.skipif(not HAS_PYLODE, reason="pyLODE not installed")
def test_pylode_output_is_cached_on_disk(tmp_path: Path) -> None:
    first = OntologyDocs(tmp_path).html()
    cached = list(tmp_path.glob("ontology-*.html"))
    assert len(cached) == 1
    again = OntologyDocs(tmp_path)
    assert again.html() == first
    assert again.generator == "pyLODE"


def test_fallback_when_pylode_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(path: Path) -> str:
        raise RuntimeError("pyLODE exploded")

    monkeypatch.setattr(ontology_doc, "pylode_html", broken)
    docs = OntologyDocs(tmp_path)
    text = docs.html()
    assert docs.generator == "fallback"
    assert 'id="Statement"' in text
    assert not list(tmp_path.glob("ontology-*.html"))


def test_fallback_page_is_valid_and_complete() -> None:
    triples = ontology_triples()
    text = ontology_page(triples)
    html5lib.HTMLParser(strict=True).parse(text)
    assert '<html lang="en">' in text
    classes = {
        t.subject.value
        for t in triples
        if t.predicate.value.endswith("#type")
        and t.object.value == "http://www.w3.org/2002/07/owl#Class"
        and t.subject.value.startswith(PT)
    }
    assert classes
    for iri in classes:
        assert f'id="{iri[len(PT) :]}"' in text


@pytest.mark.skipif(not HAS_PYLODE, reason="pyLODE not installed")
def test_pylode_page_does_not_run_languages_together(tmp_path: Path) -> None:
    """pyLODE joined every label of a term: "account説明(報道上の主張)". The page is in
    English; the Japanese labels are in the RDF."""
    text = OntologyDocs(tmp_path).html()
    assert "Account" in text or "account" in text
    assert "account説明" not in text
    assert not re.search(r"[A-Za-z][\u3040-\u30ff\u4e00-\u9fff]", text)  # "word日本語" run together


def test_fallback_page_escapes_what_the_ontology_says() -> None:
    """Labels and definitions are text: markup in them is shown, never run."""
    term = ox.NamedNode(PT + "Hostile")
    triples = [
        *ontology_triples(),
        ox.Triple(
            term,
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode("http://www.w3.org/2002/07/owl#Class"),
        ),
        ox.Triple(
            term,
            ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
            ox.Literal("<script>alert(1)</script>", language="en"),
        ),
        ox.Triple(
            term,
            ox.NamedNode("http://www.w3.org/2004/02/skos/core#definition"),
            ox.Literal('a "quoted" & <b>bold</b> claim', language="en"),
        ),
    ]
    text = ontology_page(triples)
    html5lib.HTMLParser(strict=True).parse(text)
    assert "<script>alert" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;b&gt;bold&lt;/b&gt;" in text and "<b>bold" not in text
    assert 'id="Hostile"' in text
