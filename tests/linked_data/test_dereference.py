"""`GET /id/{kind}/{slug}`: descriptions by content negotiation, HTML pages, listings, 404s."""

from __future__ import annotations

import re
from collections.abc import Iterator

import html5lib
import pytest
import rdflib
from fastapi.testclient import TestClient
from ld_common import CRIMEA, ID, LD_DATA, PT, PUTIN, UKRAINE, dataset_of, select, shipped_client
from peacetalks.linked_data.describe import KINDS, resources_of_kind
from peacetalks.settings import Settings

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
RDFLIB = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    yield from shipped_client()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An app over tests/data/ld/hostile.ttl only: labels full of markup."""
    settings = Settings(
        shipped_data=False,
        data=[LD_DATA / "hostile.ttl"],
        cache_dir=tmp_path_factory.mktemp("ld-hostile"),
        workers=0,
        inference=False,
    )
    yield from shipped_client(settings)


def path(iri: str) -> str:
    return "/id/" + iri.removeprefix(ID)


def graph_of(r, media_type: str = "text/turtle") -> rdflib.Graph:  # type: ignore[no-untyped-def]
    return rdflib.Graph().parse(data=r.text, format=RDFLIB[media_type])


def valid_html(text: str) -> None:
    """Parses as HTML5 without a single parse error, with a `lang` on <html>."""
    html5lib.HTMLParser(strict=True).parse(text)
    assert re.search(r'<html lang="[a-z]{2}">', text)


# ----------------------------------------------------------------------------- RDF


def test_turtle_description_of_putin(client: TestClient) -> None:
    r = client.get(path(PUTIN), headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert "Accept" in r.headers["vary"]
    assert r.headers["content-location"] == path(PUTIN) + ".ttl"
    g = graph_of(r)
    putin = rdflib.URIRef(PUTIN)
    labels = {(str(o), o.language) for o in g.objects(putin, rdflib.RDFS.label)}
    assert ("Vladimir Putin", "en") in labels
    assert any(lang == "ja" for _, lang in labels)


def test_description_holds_incoming_statements(client: TestClient) -> None:
    g = graph_of(client.get(path(PUTIN), headers={"Accept": "text/turtle"}))
    said = select(
        dataset_of(client).store,
        "SELECT DISTINCT ?st WHERE { ?st pt:speaker actor:vladimir-putin }",
    )
    assert said
    speaker = rdflib.URIRef(PT + "speaker")
    assert {str(s) for s in g.subjects(speaker, rdflib.URIRef(PUTIN))} == {r["st"] for r in said}


def test_description_labels_what_it_links_to(client: TestClient) -> None:
    g = graph_of(client.get(path(CRIMEA), headers={"Accept": "text/turtle"}))
    crimea = rdflib.URIRef(CRIMEA)
    neighbours = {o for o in g.objects(crimea) if isinstance(o, rdflib.URIRef)}
    neighbours |= {s for s in g.subjects(None, crimea) if isinstance(s, rdflib.URIRef)}
    store = dataset_of(client).store
    labelled = {
        r["x"]
        for r in select(
            store, "SELECT DISTINCT ?x WHERE { ?x <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
        )
    }
    for n in neighbours:
        if str(n) in labelled:
            assert g.value(n, rdflib.RDFS.label) is not None, n


def test_inferred_flag_adds_inferences(client: TestClient) -> None:
    plain = graph_of(client.get(path(PUTIN), headers={"Accept": "text/turtle"}))
    r = client.get(path(PUTIN) + "?inferred=true", headers={"Accept": "text/turtle"})
    assert r.headers["content-location"] == path(PUTIN) + ".ttl?inferred=true"
    full = graph_of(r)
    agent = rdflib.URIRef("http://www.w3.org/ns/prov#Agent")
    assert (rdflib.URIRef(PUTIN), rdflib.RDF.type, agent) in full
    assert (rdflib.URIRef(PUTIN), rdflib.RDF.type, agent) not in plain
    assert len(full) > len(plain)


def test_bad_inferred_value_is_400(client: TestClient) -> None:
    assert (
        client.get(path(PUTIN) + "?inferred=maybe", headers={"Accept": "text/turtle"}).status_code
        == 400
    )


@pytest.mark.parametrize("media_type", list(RDFLIB))
def test_every_rdf_format_gives_the_same_graph(client: TestClient, media_type: str) -> None:
    turtle = graph_of(client.get(path(UKRAINE), headers={"Accept": "text/turtle"}))
    r = client.get(path(UKRAINE), headers={"Accept": media_type})
    assert r.headers["content-type"].split(";")[0] == media_type
    assert len(graph_of(r, media_type)) == len(turtle)


@pytest.mark.parametrize(
    ("ext", "media_type"),
    [
        ("ttl", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("nt", "application/n-triples"),
        ("rdf", "application/rdf+xml"),
        ("html", "text/html"),
    ],
)
def test_format_specific_documents(client: TestClient, ext: str, media_type: str) -> None:
    r = client.get(f"{path(PUTIN)}.{ext}", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media_type


def test_link_header_lists_alternates(client: TestClient) -> None:
    link = client.get(path(PUTIN), headers={"Accept": "text/turtle"}).headers["link"]
    for ext, mt in [
        ("ttl", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("html", "text/html"),
    ]:
        assert f'<{path(PUTIN)}.{ext}>; rel="alternate"; type="{mt}"' in link


def test_curl_default_gets_turtle(client: TestClient) -> None:
    r = client.get(path(PUTIN), headers={"Accept": "*/*"})
    assert r.headers["content-type"].startswith("text/turtle")


def test_unacceptable_is_406(client: TestClient) -> None:
    assert client.get(path(PUTIN), headers={"Accept": "application/pdf"}).status_code == 406


def test_concept_scheme_is_described(client: TestClient) -> None:
    r = client.get("/id/issue", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    g = graph_of(r)
    assert (rdflib.URIRef(ID + "issue"), rdflib.RDF.type, rdflib.SKOS.ConceptScheme) in g
    location = r.headers["content-location"]
    assert location == "/id/issue.ttl"
    assert client.get(location).headers["content-type"].startswith("text/turtle")


# ----------------------------------------------------------------------------- HTML


def test_actor_page(client: TestClient) -> None:
    r = client.get(path(PUTIN), headers={"Accept": BROWSER})
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["content-location"] == path(PUTIN) + ".html"
    page = r.text
    valid_html(page)
    assert "<h1>Vladimir Putin</h1>" in page
    assert re.search(r'<p class="label" lang="ja">[^<]+</p>', page)
    store = dataset_of(client).store
    said = select(store, "SELECT DISTINCT ?st WHERE { ?st pt:speaker actor:vladimir-putin }")
    assert f"Statements by Vladimir Putin ({len(said)})" in page
    for row in said:
        assert f'href="{path(row["st"])}"' in page
    assert 'href="https://w3id.org/peacetalks/id/' not in page
    assert 'class="external" rel="external" href="http://www.wikidata.org/entity/' in page


def test_issue_page_includes_narrower_issues(client: TestClient) -> None:
    store = dataset_of(client).store
    rows = select(
        store,
        "SELECT DISTINCT ?st WHERE { ?st a pt:Statement ; pt:issue ?i . "
        "?i <http://www.w3.org/2004/02/skos/core#broader>+ issue:territory }",
    )
    assert rows, "some statement is about an issue narrower than territory"
    page = client.get("/id/issue/territory", headers={"Accept": BROWSER}).text
    valid_html(page)
    assert "including narrower issues" in page
    for row in rows:
        assert f'href="{path(row["st"])}"' in page


def test_crimea_page_lists_who_said_what(client: TestClient) -> None:
    store = dataset_of(client).store
    rows = select(
        store, "SELECT DISTINCT ?st ?who WHERE { ?st pt:issue issue:crimea ; pt:speaker ?who }"
    )
    page = client.get(path(CRIMEA), headers={"Accept": BROWSER}).text
    valid_html(page)
    for row in rows:
        assert f'href="{path(row["st"])}"' in page
        assert f'href="{path(row["who"])}"' in page


def test_event_page_lists_participants_and_statements(client: TestClient) -> None:
    store = dataset_of(client).store
    rows = select(
        store,
        "SELECT ?e (COUNT(DISTINCT ?st) AS ?n) WHERE { ?st pt:atEvent ?e } "
        "GROUP BY ?e ORDER BY DESC(?n) ?e LIMIT 1",
    )
    assert rows
    event = rows[0]["e"]
    page = client.get(path(event), headers={"Accept": BROWSER}).text
    valid_html(page)
    assert f"Said at this event ({rows[0]['n']})" in page
    for p in select(store, f"SELECT ?p WHERE {{ <{event}> pt:participant ?p }}"):
        assert f'href="{path(p["p"])}"' in page


def test_source_page_lists_what_it_supports(client: TestClient) -> None:
    store = dataset_of(client).store
    source = ID + "source/digest-001"
    rows = select(
        store,
        "SELECT DISTINCT ?st WHERE { ?st a pt:Statement . "
        f"{{ ?st <http://www.w3.org/ns/prov#wasDerivedFrom> <{source}> }} UNION "
        f"{{ ?st pt:relayedBy <{source}> }} }}",
    )
    page = client.get(path(source), headers={"Accept": BROWSER}).text
    valid_html(page)
    assert f"Statements this source supports ({len(rows)})" in page


def test_markup_in_data_is_escaped(hostile: TestClient) -> None:
    page = hostile.get("/id/actor/mallory", headers={"Accept": BROWSER}).text
    valid_html(page)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Mallory &amp; &#34;Co&#34;" in page
    assert "&lt;b&gt;マロリー&lt;/b&gt;" in page
    assert "a &lt; b &amp;&amp; c &gt; d" in page
    assert 'href="http://www.wikidata.org/entity/Q1?a=1&amp;b=2"' in page
    assert "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;h1&gt;broken" in page
    listing = hostile.get("/id/actor/", headers={"Accept": BROWSER}).text
    valid_html(listing)
    assert "<script>" not in listing


# ----------------------------------------------------------------------------- listings, 404


def test_kind_listing(client: TestClient) -> None:
    store = dataset_of(client).store
    expected = resources_of_kind(store, "actor")
    data = client.get("/id/actor/", headers={"Accept": "application/json"}).json()
    assert data["count"] == len(expected)
    assert {r["iri"] for r in data["resources"]} == set(expected)
    page = client.get("/id/actor/", headers={"Accept": BROWSER}).text
    valid_html(page)
    assert f'href="{path(PUTIN)}"' in page


def test_kinds_index(client: TestClient) -> None:
    data = client.get("/id/", headers={"Accept": "application/json"}).json()
    assert data["actor"]["count"] == len(resources_of_kind(dataset_of(client).store, "actor"))
    valid_html(client.get("/id/", headers={"Accept": BROWSER}).text)


def test_unknown_slug_is_a_helpful_404(client: TestClient) -> None:
    r = client.get("/id/actor/vladimir-puttin", headers={"Accept": BROWSER})
    assert r.status_code == 404
    valid_html(r.text)
    assert f'href="{path(PUTIN)}"' in r.text
    j = client.get("/id/actor/vladimir-puttin", headers={"Accept": "application/json"})
    assert j.status_code == 404
    assert j.json()["error"] == "not_found"
    assert path(PUTIN) in j.json()["suggestions"]


def test_unknown_kind_is_404(client: TestClient) -> None:
    r = client.get("/id/actors/vladimir-putin", headers={"Accept": "application/json"})
    assert r.status_code == 404
    assert "/id/actor/" in r.json()["suggestions"]


def test_impossible_slug_is_404_not_500(client: TestClient) -> None:
    assert client.get("/id/actor/a%3Eb%20c", headers={"Accept": "text/turtle"}).status_code == 404
    assert client.get("/id/a%3Eb", headers={"Accept": "text/turtle"}).status_code == 404


def test_kind_without_slash_redirects(client: TestClient) -> None:
    r = client.get("/id/actor", follow_redirects=False)
    assert r.status_code == 301
    assert r.headers["location"] == "/id/actor/"


@pytest.mark.parametrize("kind", KINDS)
def test_every_resource_dereferences(client: TestClient, kind: str) -> None:
    """Each resource of each kind: valid HTML page, and Turtle that parses."""
    for iri in resources_of_kind(dataset_of(client).store, kind):
        page = client.get(path(iri), headers={"Accept": BROWSER})
        assert page.status_code == 200, iri
        valid_html(page.text)
        turtle = client.get(path(iri), headers={"Accept": "text/turtle"})
        assert (rdflib.URIRef(iri), None, None) in graph_of(turtle), iri


def test_concept_scheme_page_is_not_an_issue_page(client: TestClient) -> None:
    """`/id/issue` is the scheme: it said "Who said what about negotiation issues (0) None
    recorded.", as if it were an issue nobody spoke about."""
    r = client.get("/id/issue", headers={"Accept": "text/html"})
    assert r.status_code == 200
    valid_html(r.text)
    assert "Who said what" not in r.text
    assert "None recorded" not in r.text


def test_statement_dates_do_not_wrap(client: TestClient) -> None:
    """ "≤ 2025-02-10" wrapped over three lines in the date column."""
    r = client.get(path(CRIMEA), headers={"Accept": "text/html"})
    assert '<link rel="stylesheet" href="/static/site.css">' in r.text
    assert ".date { white-space: nowrap; }" in client.get("/static/site.css").text
    statements = r.text[r.text.index("Who said what about") :]
    statements = statements[: statements.index("</table>")]
    first_cells = re.findall(r"<tr><td>(.*?)</td>", statements)
    assert first_cells and all(c.startswith('<span class="date">') for c in first_cells)
    assert any("≤ " in c for c in first_cells)
