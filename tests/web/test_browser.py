"""The pages in a real browser: Debian's chromium driven by Playwright against
`peacetalks serve` on 127.0.0.1 (one server and one browser for the module). Each page
loads without script errors and without any request to another origin, passes axe-core with
no serious or critical violation, and is saved as a screenshot in tests/artifacts/
(gitignored). Then the journeys: run an example query and see the table, share it, complete
a term, see a syntax error's line, ask a canned question from its form, follow a matrix cell
to a statement and its source, switch language.

Playwright never downloads a browser here: it is pointed at /usr/bin/chromium.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from serving import serve

# One xdist worker runs the whole module (`--dist loadgroup`, pyproject): one server and
# one chromium for all of it, not one per worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (.[test])")
axe_api = pytest.importorskip("axe_playwright_python.sync_playwright")

ARTIFACTS = Path(__file__).parents[1] / "artifacts"
PAGES = {
    "home": "/",
    "query": "/query",
    "questions": "/questions",
    "question": "/questions/who-said-what?issue=crimea",
    "matrix": "/matrix",
    "timeline": "/timeline",
    "issue": "/id/issue/crimea",
    "actor": "/id/actor/donald-trump",
    "resources": "/id/actor/",
    "docs": "/docs",
}


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with serve({"PEACETALKS_LOG_LEVEL": "warning"}) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, base: str) -> Iterator[Any]:
    """A fresh page (own cookies) that records script errors and refuses, and records, every
    request to another origin."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    tab = context.new_page()
    tab.errors, tab.foreign = [], []
    tab.on("pageerror", lambda e: tab.errors.append(str(e)))
    tab.on("console", lambda m: m.type == "error" and tab.errors.append(m.text))

    def guard(route: Any) -> None:
        if route.request.url.startswith(base) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            tab.foreign.append(route.request.url)
            route.abort()

    tab.route("**/*", guard)
    yield tab
    context.close()


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_offline_and_is_accessible(page: Any, base: str, name: str) -> None:
    page.goto(base + PAGES[name])
    page.wait_for_load_state("networkidle")
    if name == "docs":
        page.wait_for_selector(".opblock", timeout=10_000)  # Swagger UI rendered, offline
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    assert page.foreign == [], "requests to another origin"
    assert page.errors == [], page.errors
    # Swagger UI's own markup (fastapi-offline's bundle, not our code) has contrast and
    # nested-control findings; axe checks the page around it
    context = {"exclude": [["#swagger-ui"]]} if name == "docs" else None
    results = axe_api.Axe().run(page, context=context)
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], bad


def test_run_an_example_query_and_share_it(page: Any, base: str) -> None:
    page.goto(base + "/query")
    page.select_option("#examples", "crimea")
    assert "issue/crimea" in page.input_value("#query")
    page.locator("#query").press("Control+Enter")
    page.wait_for_selector("#results tbody tr")
    rows = page.locator("#results tbody tr").count()
    assert rows > 0 and page.text_content("#row-count") == str(rows)
    assert page.locator("#results a", has_text="Donald Trump").count() > 0
    shared = page.url
    assert "query=" in shared and "view=table" in shared
    text = page.input_value("#query")
    page.goto("about:blank")
    page.goto(shared)  # the share link reproduces query and answer
    assert page.input_value("#query") == text
    assert page.locator("#results tbody tr").count() == rows
    page.select_option("#view", "raw")
    page.wait_for_selector("#raw")
    assert '"bindings"' in page.text_content("#raw")
    assert "view=raw" in page.url


def test_type_with_completion_and_see_a_syntax_error(page: Any, base: str) -> None:
    page.goto(base + "/query")
    editor = page.locator("#query")
    editor.fill("")
    editor.type("SELECT ?s WHERE {\n  ?s a pt:Statem")
    editor.press("Control+Space")
    page.wait_for_selector("#completions li")
    editor.press("Enter")
    text = page.input_value("#query")
    assert text.startswith("PREFIX pt: <https://w3id.org/peacetalks/ontology#>\n")
    assert "?s a pt:Statement" in text
    editor.press("End")
    editor.type(" .\n} LIMIT 3")
    editor.press("Control+Enter")
    page.wait_for_selector("#results")
    assert page.text_content("#row-count") == "3"
    editor.fill("SELECT ?s WHERE {\n  ?s ?p ?o .\n  ?s nope:x ?o\n}")
    editor.press("Control+Enter")
    page.wait_for_selector("#result[data-line]")
    assert page.text_content(".gutter .error-line") == "3"
    assert "line 3" in page.text_content("#result .error")


def test_bracket_matching(page: Any, base: str) -> None:
    page.goto(base + "/query")
    editor = page.locator("#query")
    editor.fill("SELECT * WHERE { ?s ?p ?o }")
    editor.press("End")
    editor.press("ArrowLeft")  # caret just before the closing brace
    editor.press("ArrowRight")
    assert page.locator(".shown .tok-match").count() == 2


def test_ask_a_canned_question_from_its_form(page: Any, base: str) -> None:
    page.goto(base + "/api/who-said-what")  # a browser asking /api is sent to the form
    assert page.url.startswith(base + "/questions/who-said-what")
    page.fill("#p-issue", "クリミア")
    page.click("#ask")
    page.wait_for_selector("#results tbody tr")
    assert page.locator("#results tbody tr").count() > 0
    json_link = page.get_attribute("a:text-is('JSON')", "href")
    assert json_link and "format=json" in json_link


def test_matrix_cell_to_statement_to_source(page: Any, base: str) -> None:
    page.goto(base + "/matrix")
    cell = page.locator('#matrix svg a[href*="issue=crimea&actor=donald-trump"]')
    assert cell.count() == 1
    assert cell.locator("text").text_content() == "−"
    cell.click()
    page.wait_for_selector("#results")
    page.locator('#results a[href^="/id/statement/"]').first.click()
    page.wait_for_url(re.compile(r".*/id/statement/.*"))
    page.locator('a[href^="/id/source/"]').first.click()
    page.wait_for_url(re.compile(r".*/id/source/.*"))
    assert "Statements this source supports" in page.text_content("main")


def test_switch_language_keeps_the_page(page: Any, base: str) -> None:
    page.goto(base + "/id/issue/crimea")
    page.click("a[hreflang=ja]")
    assert page.url.startswith(base + "/id/issue/crimea")
    assert page.get_attribute("html", "lang") == "ja"
    assert page.text_content("h1") == "クリミア"
    page.click("a[href='/matrix']")  # remembered on the next page
    assert page.get_attribute("html", "lang") == "ja"
    assert "立場の一覧" in page.text_content("h1")
    page.click("a[hreflang=en]")
    assert page.get_attribute("html", "lang") == "en"
