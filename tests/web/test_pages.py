"""The page frame, static files, offline API docs, `/sparql` for browsers, and the query
page without JavaScript (the server renders the answer)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import html5lib
import pytest
from fastapi.testclient import TestClient
from ld_common import shipped_client
from peacetalks.web.examples import RESEARCH, catalog_examples
from peacetalks.web.pages import catalog

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CRIMEA_QUERY = RESEARCH[0].text
PAGES = ("/", "/query", "/id/", "/id/actor/", "/id/issue/crimea", "/docs", "/redoc", "/nope/x")


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    yield from shipped_client()


def get(client: TestClient, url: str, **kwargs: object) -> object:
    return client.get(url, headers={"Accept": BROWSER}, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("url", [p for p in PAGES if p != "/nope/x"])
def test_every_page_is_valid_html_in_one_frame(client: TestClient, url: str) -> None:
    r = client.get(url, headers={"Accept": BROWSER})
    assert r.status_code == 200
    html5lib.HTMLParser(strict=True).parse(r.text)
    assert '<link rel="stylesheet" href="/static/site.css">' in r.text
    assert '<nav aria-label="Main">' in r.text
    assert re.search(r'<html lang="(en|ja)">', r.text)


@pytest.mark.parametrize("url", [p for p in PAGES if p != "/nope/x"])
def test_nothing_loads_from_another_origin(client: TestClient, url: str) -> None:
    r = client.get(url, headers={"Accept": BROWSER})
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assets = re.findall(r'<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)="([^"]+)"', r.text)
    remote = [a for a in assets if re.match(r"^(https?:)?//", a)]
    assert not remote, remote
    for asset in assets:
        if asset.startswith("/static/"):
            assert client.get(asset).status_code == 200, asset


def test_language_switch_keeps_the_page_and_is_remembered(client: TestClient) -> None:
    r = client.get("/id/issue/crimea?lang=ja", headers={"Accept": BROWSER})
    assert '<html lang="ja">' in r.text
    assert "<title>クリミア</title>" in r.text
    assert "lang=ja" in r.headers["set-cookie"]
    assert "<h2>クリミアについて誰が何を言ったか" in r.text  # headings and linked labels in ja
    assert '<a href="/id/issue/territory">領土</a>' in r.text
    assert '<link rel="alternate" hreflang="en" href="/id/issue/crimea?lang=en">' in r.text
    assert 'href="/id/issue/crimea?lang=en" hreflang="en" lang="en">English</a>' in r.text
    again = client.get("/query?view=raw", headers={"Accept": BROWSER})  # the cookie holds ja
    assert '<html lang="ja">' in again.text
    assert 'href="/query?view=raw&amp;lang=en" hreflang="en"' in again.text
    back = client.get("/query?lang=en", headers={"Accept": BROWSER})
    assert '<html lang="en">' in back.text
    client.cookies.clear()


def test_static_files_are_ours_with_etags(client: TestClient) -> None:
    r = client.get("/static/site.css")
    assert r.headers["content-type"].startswith("text/css")
    assert (
        client.get("/static/site.css", headers={"If-None-Match": r.headers["etag"]}).status_code
        == 304
    )
    assert client.get("/static/editor.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/static/nothing.js").status_code == 404
    assert client.get("/static/..%2Fpages.py").status_code == 404


def test_api_docs_work_offline(client: TestClient) -> None:
    page = client.get("/docs").text
    assert '<script src="/static/docs/swagger-ui-bundle.js"></script>' in page
    js = client.get("/static/docs/swagger-ui-bundle.js")
    assert js.status_code == 200 and "SwaggerUIBundle" in js.text
    assert "swagger-ui" in client.get("/static/docs/swagger-ui.css").text
    assert client.get("/static/docs/redoc.standalone.js").status_code == 200
    assert "/api/who-said-what" in client.get("/openapi.json").json()["paths"]


def test_sparql_without_query_sends_browsers_to_the_query_page(client: TestClient) -> None:
    r = client.get("/sparql", headers={"Accept": BROWSER}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/query"
    for accept in ("text/turtle", "*/*", ""):
        machine = client.get("/sparql", headers={"Accept": accept})
        assert machine.headers["content-type"].startswith("text/turtle"), accept
        assert "sparql-service-description" in machine.text
    assert client.get("/sparql?format=turtle", headers={"Accept": BROWSER}).status_code == 200


def test_query_page_renders_the_answer_without_javascript(client: TestClient) -> None:
    r = client.post("/query", data={"query": CRIMEA_QUERY}, headers={"Accept": BROWSER})
    assert r.status_code == 200
    html5lib.HTMLParser(strict=True).parse(r.text)
    raw = client.get("/sparql", params={"query": CRIMEA_QUERY, "format": "json"}).json()
    n = len(raw["results"]["bindings"])
    assert f'<strong id="row-count">{n}</strong>' in r.text
    assert 'data-truncated="false"' in r.text
    table = r.text[r.text.index('<table id="results">') :]
    assert table.count("<tr>") == n + 1
    # IRIs by label, linked to their pages; literals with their language tag
    trump = "https://w3id.org/peacetalks/id/actor/donald-trump"
    assert f'<a href="/id/actor/donald-trump" title="{trump}">Donald Trump</a>' in table
    assert '<small class="lang-tag">@en</small>' in table
    assert "xsd:date" in table


def test_query_page_share_link_and_downloads(client: TestClient) -> None:
    r = client.get(
        "/query", params={"query": CRIMEA_QUERY, "view": "raw"}, headers={"Accept": BROWSER}
    )
    share = re.search(r'<a href="([^"]+)" id="share-link">', r.text).group(1)  # type: ignore[union-attr]
    qs = parse_qs(urlparse(share.replace("&amp;", "&")).query)
    assert qs == {"query": [CRIMEA_QUERY], "view": ["raw"]}
    assert '<pre class="raw" id="raw">' in r.text
    links = dict(re.findall(r'<a href="(/sparql\?[^"]+)" download>([^<]+)</a>', r.text))
    by_name = {v: k.replace("&amp;", "&") for k, v in links.items()}
    assert set(by_name) == {"CSV", "TSV", "JSON"}
    assert client.get(by_name["CSV"]).headers["content-type"].startswith("text/csv")
    assert (
        client.get(by_name["TSV"]).headers["content-type"].startswith("text/tab-separated-values")
    )
    construct = next(e.text for e in RESEARCH if e.name == "construct-statement")
    page = client.post("/query", data={"query": construct}, headers={"Accept": BROWSER}).text
    graph_links = dict(re.findall(r'<a href="(/sparql\?[^"]+)" download>([^<]+)</a>', page))
    names = {v: k.replace("&amp;", "&") for k, v in graph_links.items()}
    assert {"Turtle", "JSON-LD"} <= set(names)
    assert client.get(names["Turtle"]).headers["content-type"].startswith("text/turtle")
    assert client.get(names["JSON-LD"]).headers["content-type"].startswith("application/ld+json")


def test_truncation_is_shown(client: TestClient) -> None:
    r = client.post("/query", data={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert 'data-truncated="true"' in r.text
    assert '<strong id="row-count">1000</strong>' in r.text


def test_syntax_error_at_line_and_column(client: TestClient) -> None:
    text = "SELECT ?s WHERE {\n  ?s ?p ?o .\n  ?s pt:x ?o\n}"
    r = client.post("/query", data={"query": text, "part": "result"})
    assert r.status_code == 400
    expected = client.get(
        "/sparql", params={"query": text}, headers={"Accept": "application/json"}
    ).json()
    assert f'data-line="{expected["line"]}" data-column="{expected["column"]}"' in r.text
    assert expected["line"] == 3
    assert r.text.lstrip().startswith('<section id="result"'), "part=result is the section alone"


def test_refusals_are_explained(client: TestClient) -> None:
    service = client.post("/query", data={"query": "SELECT * { SERVICE <http://x/> { ?s ?p ?o } }"})
    assert service.status_code == 400 and "SERVICE" in service.text
    limit = client.app.state.settings.max_query_length  # type: ignore[attr-defined]
    big = client.post("/query", data={"query": "#" * (limit + 1)})
    assert big.status_code == 413 and "longer than this server accepts" in big.text
    assert client.get("/query?view=chart").status_code == 400
    assert client.get("/query?example=nope").status_code == 404


def test_every_example_answers(client: TestClient) -> None:
    every = [*RESEARCH, *catalog_examples(catalog(client))]  # type: ignore[arg-type]
    assert len(every) > len(RESEARCH) + 10
    for example in every:
        r = client.post("/query", data={"query": example.text, "part": "result"})
        assert r.status_code == 200, (example.name, r.text[:500])
    loaded = client.get("/query?example=api:who-said-what", headers={"Accept": BROWSER})
    assert "who-said-what" in loaded.text and "<h2>Answer</h2>" not in loaded.text


def test_vocabulary_for_completion(client: TestClient) -> None:
    r = client.get("/query/vocabulary.json")
    data = r.json()
    assert data["prefixes"]["pt"] == "https://w3id.org/peacetalks/ontology#"
    terms = {t["text"]: t for t in data["terms"]}
    assert terms["pt:Statement"]["kind"] == "Class"
    crimea = terms["<https://w3id.org/peacetalks/id/issue/crimea>"]
    assert crimea["en"] == "Crimea" and crimea["ja"] == "クリミア"
    assert (
        client.get(
            "/query/vocabulary.json", headers={"If-None-Match": r.headers["etag"]}
        ).status_code
        == 304
    )


def test_busy_and_deadline_are_explained(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from peacetalks.errors import Busy, QueryTimeout

    executor = client.app.state.executor  # type: ignore[attr-defined]
    for error in (QueryTimeout("the query ran past its 30 s deadline"), Busy("all busy")):

        def refuse(request: object, error: Exception = error) -> None:
            raise error

        monkeypatch.setattr(executor, "run", refuse)
        r = client.post("/query", data={"query": "ASK { ?s ?p ?o }"})
        assert r.status_code == 503
        assert error.message in r.text and "Nothing half-done was kept" in r.text
