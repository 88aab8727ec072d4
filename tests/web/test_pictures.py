"""The pictures: stance matrix, timeline, stance strip — SVG drawn on the server, each
stance in colour and symbol, every mark a link, values bound (never spliced)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html import unescape

import html5lib
import pytest
from fastapi.testclient import TestClient
from ld_common import dataset_of, select, shipped_client
from peacetalks.web.pictures import POLARITIES, span

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    yield from shipped_client()


def svg_of(client: TestClient, url: str) -> ET.Element:
    r = client.get(url)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"] == "image/svg+xml"
    return ET.fromstring(r.content)


def cells(root: ET.Element) -> dict[str, tuple[str, str, str]]:
    """href → (tooltip, fill, symbol) of every matrix cell."""
    found = {}
    for a in root.iter(SVG + "a"):
        rect, text = a.find(SVG + "rect"), a.find(SVG + "text")
        title = a.find(SVG + "title")
        if rect is not None and text is not None and title is not None:
            href = a.get("href", "")
            found[href] = (title.text or "", rect.get("fill", ""), text.text or "")
    return found


def test_symbols_tell_stances_apart_without_colour() -> None:
    symbols = [p.symbol for p in POLARITIES.values()]
    assert len(set(symbols)) == len(symbols)
    assert len({p.fill for p in POLARITIES.values()}) == len(symbols)


def latest_stance(client: TestClient, actor: str, issue: str, as_of: str) -> tuple[str, str]:
    rows = select(
        dataset_of(client).store,
        f"""SELECT ?date ?stance WHERE {{ ?s pt:speaker actor:{actor} ; pt:issue issue:{issue} ;
              pt:stance ?stance ; pt:dateSaid|pt:saidNoLaterThan ?date
              FILTER(STR(?date) <= "{as_of}") }}""",
    )
    best = max(rows, key=lambda r: r["date"])
    return best["date"], best["stance"].rsplit("/", 1)[-1]


@pytest.mark.parametrize("as_of", ["2025-02-14", "2025-03-31"])
def test_matrix_cell_is_the_latest_stance(client: TestClient, as_of: str) -> None:
    root = svg_of(client, f"/matrix.svg?asof={as_of}")
    found = cells(root)
    href = f"/questions/who-said-what?issue=crimea&actor=donald-trump&to={as_of}"
    title, fill, symbol = found[href]
    date, stance = latest_stance(client, "donald-trump", "crimea", as_of)
    assert f"({date};" in title and stance in title
    polarity = next(p for p in POLARITIES.values() if p.fill == fill)
    assert symbol == polarity.symbol
    assert polarity.name == "negative", "Trump doubts Ukraine regains Crimea"


def test_matrix_as_of_moves_the_picture(client: TestClient) -> None:
    early = cells(svg_of(client, "/matrix.svg?asof=2025-02-01"))
    late = cells(svg_of(client, "/matrix.svg"))
    assert 0 < len(early) < len(late)
    assert client.get("/matrix?asof=2025-13-01").status_code == 400
    assert client.get("/matrix?asof=soon").status_code == 400


def test_matrix_page_links_a_cell_to_statements_and_their_sources(client: TestClient) -> None:
    page = client.get("/matrix?asof=2025-03-31", headers={"Accept": BROWSER})
    html5lib.HTMLParser(strict=True).parse(page.text)
    assert '<figure class="scroll" id="matrix"><svg' in page.text
    assert 'href="/matrix.svg?asof=2025-03-31" download' in page.text
    href = unescape(
        re.search(
            r'<a href="(/questions/who-said-what\?issue=crimea&amp;actor=donald-trump[^"]*)"',
            page.text,
        ).group(1)
    )  # type: ignore[union-attr]
    behind = client.get(href, headers={"Accept": BROWSER}).text
    statement = re.search(r'<a href="(/id/statement/[^"]+)">', behind).group(1)  # type: ignore[union-attr]
    said = client.get(statement, headers={"Accept": BROWSER}).text
    assert re.search(r'<a href="/id/source/[^"]+">', said), "the statement names its source"


def test_timeline_draws_imprecise_dates_as_spans(client: TestClient) -> None:
    root = svg_of(client, "/timeline.svg?from=2025-01-01&to=2025-12-31")
    marks = [a for a in root.iter(SVG + "a") if a.find(SVG + "title") is not None]
    assert marks
    widths = {
        float(r.get("width", 0))
        for a in marks
        for r in a.findall(SVG + "rect")
        if "2025 ·" in (a.find(SVG + "title").text or "")  # type: ignore[union-attr]
    }
    year = span("2025")
    assert year == (year[0].replace(month=1, day=1), year[1].replace(month=12, day=31))
    assert max(widths) > 900, "a statement dated only to 2025 spans the year"
    dashed = [r for r in root.iter(SVG + "rect") if r.get("stroke-dasharray")]
    assert dashed, "statements said no later than a date are dashed spans"


def test_timeline_filters_by_issue_and_actor(client: TestClient) -> None:
    store = dataset_of(client).store
    crimea = select(store, "SELECT DISTINCT ?s WHERE { ?s pt:coversIssue issue:crimea ; "
                           "pt:dateSaid|pt:saidNoLaterThan ?d }")  # fmt: skip
    root = svg_of(client, "/timeline.svg?issue=crimea&from=2014-01-01&to=2025-12-31")
    titles = [
        t.text or "" for a in root.iter(SVG + "a") if (t := a.find(SVG + "title")) is not None
    ]
    counted = sum(int(t.split(" ×")[0]) if " ×\n" in t else 1 for t in titles if " · " in t)
    events = select(store, "SELECT DISTINCT ?e WHERE { ?e a pt:Event ; pt:issue issue:crimea }")
    assert len(crimea) <= counted <= len(crimea) + len(events)
    page = client.get("/timeline?issue=crimea&actor=donald-trump", headers={"Accept": BROWSER})
    html5lib.HTMLParser(strict=True).parse(page.text)
    assert '<option value="crimea" selected>' in page.text
    assert client.get("/timeline?actor=atlantis").status_code == 404
    assert client.get("/timeline?from=2025-03-01&to=2025-02-01").status_code == 400


def test_strip_shows_the_stance_shifts(client: TestClient) -> None:
    shifts = client.get("/api/stance-shifts?actor=donald-trump").json()["rows"]
    flips = sum(1 for r in shifts if r["polarityFlipped"])
    root = svg_of(client, "/strip.svg?actor=donald-trump")
    drawn = [t for t in root.iter(SVG + "text") if t.text == "flip"]
    assert flips > 0 and len(drawn) == flips
    quiet = svg_of(client, "/strip.svg?issue=crimea")
    assert any("No change of stance" in (t.text or "") for t in quiet.iter(SVG + "text"))
    assert client.get("/strip.svg").status_code == 400
    assert client.get("/strip.svg?actor=trump&issue=crimea").status_code == 400


def test_actor_and_issue_pages_show_their_strip(client: TestClient) -> None:
    for path, query in (("/id/actor/donald-trump", "actor=donald-trump"),
                        ("/id/issue/crimea", "issue=crimea")):  # fmt: skip
        page = client.get(path, headers={"Accept": BROWSER}).text
        assert f'<img src="/strip.svg?{query}" alt=' in page
        assert f'href="/questions/stance-shifts?{query}"' in page


def test_a_picture_cut_by_the_row_cap_says_so() -> None:
    from ld_common import shipped_settings

    for small in shipped_client(shipped_settings(max_rows=5)):
        page = small.get("/matrix", headers={"Accept": BROWSER}).text
        assert "the picture is cut" in page
        assert len(cells(svg_of(small, "/matrix.svg"))) <= 5
