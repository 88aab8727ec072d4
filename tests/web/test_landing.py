"""`GET /`: an HTML home page for browsers, a JSON index for everyone else."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import html5lib
import pytest
from fastapi.testclient import TestClient
from ld_common import PUTIN, dataset_of, select, shipped_client
from peacetalks.linked_data.describe import kind_counts

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    yield from shipped_client()


@pytest.fixture(scope="module")
def page(client: TestClient) -> str:
    r = client.get("/", headers={"Accept": BROWSER})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    return r.text


def test_page_is_valid_html_with_lang(page: str) -> None:
    html5lib.HTMLParser(strict=True).parse(page)
    assert '<html lang="en">' in page


def test_page_links_everything(page: str) -> None:
    for href in (
        "/sparql",
        "/api",
        "/docs",
        "/.well-known/void",
        "/ontology",
        "/context.jsonld",
        "/id/",
    ):
        assert f'href="{href}"' in page, href
    assert 'href="/dump?format=turtle&amp;graphs=all"' in page
    assert 'href="/dump?format=nquads&amp;graphs=inferred"' in page


def test_query_form_posts_to_the_query_page(page: str, client: TestClient) -> None:
    form = re.search(r'<form action="/query" method="post">(.*?)</form>', page, re.S)
    assert form
    query = html.unescape(
        re.search(r"<textarea[^>]*>(.*?)</textarea>", form.group(1), re.S).group(1)
    )  # type: ignore[union-attr]
    r = client.post("/query", data={"query": query}, headers={"Accept": BROWSER})
    assert r.status_code == 200
    assert '<table id="results">' in r.text, "the example query answers as a table"


def test_download_form_gets_sparql(page: str, client: TestClient) -> None:
    form = re.search(r'<form action="/sparql" method="get">(.*?)</form>', page, re.S)
    assert form
    assert 'name="format"' in form.group(1)
    query = html.unescape(re.search(r'name="query" value="([^"]*)"', form.group(1)).group(1))  # type: ignore[union-attr]
    r = client.get("/sparql", params={"query": query, "format": "json"})
    assert r.status_code == 200
    assert r.json()["results"]["bindings"], "the example query answers"


def test_examples_with_statement_counts(page: str, client: TestClient) -> None:
    store = dataset_of(client).store
    n = len(select(store, "SELECT DISTINCT ?st WHERE { ?st pt:speaker actor:vladimir-putin }"))
    assert '<a href="/id/actor/vladimir-putin">Vladimir Putin</a>' in page
    assert f"— {n} statements" in page


def test_json_index(client: TestClient) -> None:
    r = client.get("/", headers={"Accept": "application/json"})
    assert r.headers["content-type"] == "application/json"
    data = r.json()
    dataset = dataset_of(client)
    assert data["dataset_version"] == dataset.version
    assert data["triples"] == dataset.total
    assert data["graphs"] == dataset.graph_counts
    assert data["resources"] == kind_counts(dataset.store)
    assert data["links"]["sparql"] == "/sparql"
    assert set(data["dumps"]) == {"turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml"}
    url = urlparse(data["dumps"]["trig"]["asserted"])
    assert parse_qs(url.query) == {"format": ["trig"], "graphs": ["asserted"]}
    assert client.get(data["dumps"]["trig"]["asserted"]).status_code == 200
    assert any(ex["iri"] == PUTIN and ex["statements"] > 0 for ex in data["examples"])


def test_curl_gets_json(client: TestClient) -> None:
    assert client.get("/", headers={"Accept": "*/*"}).headers["content-type"] == "application/json"
