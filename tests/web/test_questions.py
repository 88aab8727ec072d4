"""Canned questions in the browser: `/api/<name>` asked for HTML goes to a typed form with
the answer as a table and links to the same answer as JSON and CSV."""

from __future__ import annotations

import re
from collections.abc import Iterator

import html5lib
import markupsafe
import pytest
from fastapi.testclient import TestClient
from ld_common import shipped_client
from peacetalks.web.pages import catalog

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    yield from shipped_client()


def test_browsers_are_sent_to_the_page_machines_get_data(client: TestClient) -> None:
    r = client.get(
        "/api/who-said-what?issue=crimea", headers={"Accept": BROWSER}, follow_redirects=False
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/questions/who-said-what?issue=crimea"
    listing = client.get("/api", headers={"Accept": BROWSER}, follow_redirects=False)
    assert listing.headers["location"] == "/questions"
    assert client.get("/api/who-said-what?issue=crimea").json()["rows"]
    assert client.get("/api", headers={"Accept": "*/*"}).json()["queries"]
    explicit = client.get(
        "/api/who-said-what?issue=crimea&format=json", headers={"Accept": BROWSER}
    )
    assert explicit.headers["content-type"].startswith("application/json")


def test_every_question_has_a_page_with_a_form(client: TestClient) -> None:
    listing = client.get("/questions", headers={"Accept": BROWSER}).text
    html5lib.HTMLParser(strict=True).parse(listing)
    for query in catalog(client).values():  # type: ignore[arg-type]
        assert f'href="/questions/{query.name}"' in listing
        page = client.get(f"/questions/{query.name}", headers={"Accept": BROWSER})
        assert page.status_code == 200, query.name
        html5lib.HTMLParser(strict=True).parse(page.text)
        for p in query.params:
            assert f'name="{p.name}"' in page.text, (query.name, p.name)


def test_answer_is_the_api_answer_as_a_table(client: TestClient) -> None:
    r = client.get(
        "/questions/who-said-what?issue=%E3%82%AF%E3%83%AA%E3%83%9F%E3%82%A2"
    )  # クリミア
    api = client.get("/api/who-said-what?issue=crimea").json()
    assert f'<strong id="row-count">{len(api["rows"])}</strong>' in r.text
    table = r.text[r.text.index('<table id="results">') :]
    assert table.count("<tr>") == len(api["rows"]) + 1
    first = api["rows"][0]["statement"]
    assert f'<a href="/id/statement/{first["slug"]}">' in table
    links = re.findall(r'<a href="(/api/who-said-what\?[^"]+)">(JSON|CSV)</a>', r.text)
    assert {name for _, name in links} == {"JSON", "CSV"}
    for href, name in links:
        got = client.get(href.replace("&amp;", "&"))
        assert got.status_code == 200
        if name == "JSON":
            assert got.json()["rows"] == api["rows"]
        else:
            assert got.headers["content-type"].startswith("text/csv")


def test_choices_from_the_graph_labels(client: TestClient) -> None:
    page = client.get("/questions/who-said-what").text
    assert '<datalist id="choices-issue">' in page
    assert '<option value="crimea">Crimea · クリミア</option>' in page
    assert '<datalist id="choices-actor">' in page
    assert "<h2>Answer</h2>" not in page, "a required parameter is missing: no answer yet"
    ja = client.get("/questions/who-said-what?lang=ja").text
    assert '<option value="crimea">クリミア · Crimea</option>' in ja
    client.cookies.clear()


def test_bad_values_are_explained(client: TestClient) -> None:
    unknown = client.get("/questions/who-said-what?issue=atlantis")
    assert unknown.status_code == 404 and 'role="alert"' in unknown.text
    bad_date = client.get("/questions/who-said-what?issue=crimea&from=2025-13")
    assert bad_date.status_code == 400 and "from" in bad_date.text
    assert client.get("/questions/no-such-question").status_code == 404


def test_long_text_keeps_a_readable_column_and_the_table_scrolls(client: TestClient) -> None:
    """Eleven columns of who-said-what squeezed summaries into a word per line: a long cell
    is marked so the stylesheet gives it a measure, and the table sits in a scroll box."""
    page = client.get("/questions/who-said-what?issue=crimea").text
    api = client.get("/api/who-said-what?issue=crimea").json()
    summary = api["rows"][0]["summary"]["value"]
    assert len(summary) > 60
    table = page[page.index('<div class="scroll">') :]
    cell = table[: table.index(str(markupsafe.escape(summary)))].rsplit("<td", 1)[1]
    assert cell.startswith(' class="long">')
    css = client.get("/static/site.css").text
    assert "#results td.long { min-width: 20rem; }" in css


def test_the_japanese_pages_are_japanese(client: TestClient) -> None:
    listing = client.get("/questions?lang=ja").text
    for query in catalog(client).values():  # type: ignore[arg-type]
        assert str(markupsafe.escape(query.summary_ja)) in listing, query.name
        assert str(markupsafe.escape(query.summary)) not in listing, query.name
    page = client.get("/questions/who-said-what?lang=ja&issue=crimea").text
    found = catalog(client)["who-said-what"]  # type: ignore[index]
    assert f"<h1>{markupsafe.escape(found.summary_ja)}</h1>" in page
    assert "<title>peacetalks — " + str(markupsafe.escape(found.summary_ja)) in page
    assert str(markupsafe.escape(found.params[0].description_ja)) in page
    assert "スラッグ、英語または日本語の名前" in page
    english = client.get("/questions/who-said-what?lang=en&issue=crimea").text
    assert f"<h1>{markupsafe.escape(found.summary)}</h1>" in english
