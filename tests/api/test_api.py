"""`/api`: listing, JSON/CSV/SPARQL JSON answers, pagination, errors, injection, OpenAPI.

Runs an app over tests/data/api/fixture.ttl only (no shipped data) with one query worker,
so the whole path — binding, executor process, serialization — is exercised.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from peacetalks import resources
from peacetalks.api.catalog import Catalog
from peacetalks.app import create_app
from peacetalks.settings import Settings
from peacetalks.sparql.executor import QueryRequest

FIXTURE = Path(__file__).parents[1] / "data" / "api" / "fixture.ttl"
CATALOG = Catalog.load(resources.queries_dir())
ID = "https://w3id.org/peacetalks/id/"
JSON = {"accept": "application/json"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(
        shipped_data=False,
        data=[FIXTURE],
        cache_dir=tmp_path_factory.mktemp("api-cache"),
        workers=1,
        max_rows=50,
        result_cache_mb=0,  # every request reaches the executor (the injection tests read it)
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def executed(client: TestClient) -> Iterator[list[QueryRequest]]:
    """Records every QueryRequest the executor receives."""
    executor = client.app.state.api_executor  # type: ignore[attr-defined]
    seen: list[QueryRequest] = []
    original, original_async = executor.run, executor.run_async

    def recording(request: QueryRequest, **kwargs: Any) -> Any:
        seen.append(request)
        return original(request, **kwargs)

    async def recording_async(request: QueryRequest, **kwargs: Any) -> Any:
        seen.append(request)
        return await original_async(request, **kwargs)

    executor.run, executor.run_async = recording, recording_async
    yield seen
    executor.run, executor.run_async = original, original_async


def slugs(rows: list[dict[str, Any]], column: str) -> set[str]:
    """Slugs of a term column (or of every term in a list column)."""
    found = set()
    for row in rows:
        value = row[column]
        for item in value if isinstance(value, list) else [value] if value else []:
            found.add(item["slug"])
    return found


def term(kind: str, slug: str, en: str, ja: str) -> dict[str, Any]:
    return {"iri": f"{ID}{kind}/{slug}", "kind": kind, "slug": slug, "labels": {"en": en, "ja": ja}}


# --- listing ----------------------------------------------------------------------------------


def test_listing_names_every_query_with_params_and_example(client: TestClient) -> None:
    listed = {q["name"]: q for q in client.get("/api").json()["queries"]}
    assert set(listed) == set(CATALOG)
    who = listed["who-said-what"]
    assert who["example"] == "/api/who-said-what?issue=crimea"
    assert {p["name"] for p in who["params"]} == {"issue", "actor", "from", "to", "lang"}
    assert next(p for p in who["params"] if p["name"] == "issue")["required"] is True


def test_every_listed_example_answers(client: TestClient) -> None:
    for query in client.get("/api").json()["queries"]:
        assert client.get(query["example"]).status_code == 200, query["name"]


# --- JSON shape -------------------------------------------------------------------------------


def test_json_shape(client: TestClient) -> None:
    body = client.get("/api/who-said-what?issue=crimea").json()
    assert set(body) == {"query", "params", "columns", "rows", "limit", "offset", "truncated"}
    assert body["query"] == "who-said-what"
    assert body["params"] == {
        "issue": ID + "issue/crimea", "actor": None, "from": None, "to": None, "lang": "en",
    }  # fmt: skip
    assert "issue" not in body["columns"]  # parameter columns are echoed in params instead
    assert body["truncated"] is False
    trump = next(r for r in body["rows"] if r["speaker"]["slug"] == "donald-trump")
    assert list(trump) == body["columns"]
    assert trump["date"] == {"value": "2025-02-12", "precision": "day", "qualifier": None}
    assert trump["speaker"] == term("actor", "donald-trump", "Donald Trump", "ドナルド・トランプ")
    assert trump["speakerLabel"] == {"value": "Donald Trump", "lang": "en"}
    assert trump["office"]["iri"] == ID + "post/us-president"
    assert trump["office"]["labels"]["en"] == "President of the United States"
    assert trump["url"] == "https://www.bbc.com/japanese/articles/czj3zrj73kro"
    assert trump["published"] == {"value": "2025-02-13", "precision": "day", "qualifier": None}
    assert trump["disputed"] is True
    assert [i["slug"] for i in trump["issues"]] == ["crimea"]  # a GROUP_CONCAT column: a list
    zelensky = next(r for r in body["rows"] if r["speaker"]["slug"] == "volodymyr-zelensky")
    assert zelensky["date"]["value"] == "2025-02"  # month precision kept
    assert zelensky["date"]["precision"] == "month"


def test_numbers_are_numbers(client: TestClient) -> None:
    rows = client.get("/api/issues").json()["rows"]
    territory = next(r for r in rows if r["issue"]["slug"] == "territory")
    assert territory["statements"] == 0
    assert territory["statementsWithNarrower"] == 3
    assert territory["depth"] == 0


def test_narrower_issues_count(client: TestClient) -> None:
    rows = client.get("/api/who-said-what?issue=territory").json()["rows"]
    assert slugs(rows, "statement") == {
        "trump-crimea-2025-02-12", "zelensky-crimea-2025-02", "putin-kursk-2025-03",
    }  # fmt: skip


def test_japanese_labels_and_fallback(client: TestClient) -> None:
    rows = client.get("/api/who-said-what?issue=クリミア&lang=ja").json()["rows"]
    trump = next(r for r in rows if r["speaker"]["slug"] == "donald-trump")
    assert trump["speakerLabel"] == {"value": "ドナルド・トランプ", "lang": "ja"}
    putin = client.get("/api/who-said-what?issue=kursk&lang=ja").json()["rows"][0]
    assert putin["summary"]["lang"] == "en"  # no Japanese summary: falls back to English


def test_optional_actor_and_date_range(client: TestClient) -> None:
    by_actor = client.get("/api/who-said-what?issue=territory&actor=プーチン").json()
    assert slugs(by_actor["rows"], "statement") == {"putin-kursk-2025-03"}
    february = client.get("/api/who-said-what?issue=territory&from=2025-02&to=2025-02").json()
    assert slugs(february["rows"], "statement") == {
        "trump-crimea-2025-02-12", "zelensky-crimea-2025-02",
    }  # fmt: skip
    # a gYearMonth statement overlaps a range inside its month
    late = client.get("/api/who-said-what?issue=crimea&from=2025-02-20&to=2025-02-25").json()
    assert slugs(late["rows"], "statement") == {"zelensky-crimea-2025-02"}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/api/actor-positions?actor=putin", {"putin-kursk-2025-03", "putin-ending-war-call",
                                             "putin-ceasefire-2025-03-13"}),
        ("/api/event?event=trump-putin-call-2025-02-12", {"trump-ending-war-call",
                                                          "putin-ending-war-call"}),
        ("/api/quotes?actor=donald-trump", {"trump-crimea-2025-02-12", "trump-ending-war-call"}),
        ("/api/stance-shifts?actor=zelensky", {"zelensky-ceasefire-2025-03-11"}),
        ("/api/common-ground?actor=trump&other=putin", {"trump-ceasefire-2025-03-11",
                                                        "trump-ending-war-call"}),
    ],
)  # fmt: skip
def test_questions(client: TestClient, url: str, expected: set[str]) -> None:
    response = client.get(url)
    assert response.status_code == 200, response.text
    body = response.json()
    column = next(c for c in ("statement", "after", "actorStatement") if c in body["columns"])
    assert slugs(body["rows"], column) == expected


def test_list_columns_are_sorted_lists(client: TestClient) -> None:
    rows = client.get("/api/timeline?from=2025-02-12&to=2025-02-12").json()["rows"]
    call = next(r for r in rows if r["item"]["slug"] == "trump-putin-call-2025-02-12")
    assert [w["slug"] for w in call["who"]] == ["donald-trump", "vladimir-putin"]  # by IRI
    text = client.get("/api/timeline?from=2025-02-12&to=2025-02-12&format=csv").text
    assert "Donald Trump; Vladimir Putin" in text


def test_timeline_month_and_year_precision(client: TestClient) -> None:
    rows = client.get("/api/timeline?from=2014&to=2014").json()["rows"]
    assert slugs(rows, "item") == {"crimea-annexation-2014"}
    rows = client.get("/api/timeline?from=2024-08-15&to=2024-08-15").json()["rows"]
    assert slugs(rows, "item") == {"kursk-incursion-2024"}


def test_disputed_side_by_side(client: TestClient) -> None:
    rows = client.get("/api/disputed").json()["rows"]
    by_kind = {r["kind"]: r for r in rows}
    assert set(by_kind) == {"BetweenParties", "BetweenSources"}
    dates = by_kind["BetweenSources"]
    assert {dates["claimA"]["value"], dates["claimB"]["value"]} == {"2025-02-12", "2025-02-13"}
    by = {dates["byA"]["labels"]["en"], dates["byB"]["labels"]["en"]}
    assert by == {"BBC", "Chrysanthemum Digest"}


# --- other formats ----------------------------------------------------------------------------


@pytest.mark.parametrize(("headers", "query"), [({"accept": "text/csv"}, ""), ({}, "&format=csv")])
def test_csv(client: TestClient, headers: dict[str, str], query: str) -> None:
    response = client.get("/api/who-said-what?issue=crimea" + query, headers=headers)
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:5] == ["statement", "statementLabel", "date", "dateQualifier", "speaker"]
    assert len(rows) == 3
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["speakerLabel"] == "Volodymyr Zelensky"  # language-tagged → its text
    assert record["speaker"] == ID + "actor/volodymyr-zelensky"  # a term: IRI, then label
    assert record["stanceLabel"] in {"doubts", "criticises", "claims", "opposes"}


def test_sparql_json(client: TestClient) -> None:
    response = client.get(
        "/api/who-said-what?issue=crimea", headers={"accept": "application/sparql-results+json"}
    )
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    body = response.json()
    assert "issue" in body["head"]["vars"]
    assert len(body["results"]["bindings"]) == 2


def test_not_acceptable(client: TestClient) -> None:
    assert client.get("/api/issues", headers={"accept": "text/turtle"}).status_code == 406


def test_bad_format(client: TestClient) -> None:
    assert client.get("/api/issues?format=xml").status_code == 400


# --- pagination -------------------------------------------------------------------------------


def test_pages_cover_the_whole_answer(client: TestClient) -> None:
    everything = client.get("/api/search?text=ceasefire").json()["rows"]
    assert len(everything) >= 5
    pages, offset = [], 0
    while True:
        page = client.get(f"/api/search?text=ceasefire&limit=2&offset={offset}").json()
        pages += page["rows"]
        assert page["truncated"] is (offset + 2 < len(everything))
        if not page["truncated"]:
            break
        assert page["next"].endswith(f"offset={offset + 2}")
        offset += 2
    assert pages == everything


@pytest.mark.parametrize("bad", ["limit=-1", "limit=abc", "offset=1.5", "limit=51", "limit=1e3"])
def test_bad_page_numbers(client: TestClient, bad: str) -> None:
    response = client.get(f"/api/issues?{bad}", headers=JSON)
    assert response.status_code == 400
    assert bad.split("=")[0] in response.json()["message"]


# --- errors -----------------------------------------------------------------------------------


def test_missing_required(client: TestClient) -> None:
    response = client.get("/api/who-said-what", headers=JSON)
    assert response.status_code == 400
    assert response.json()["message"] == "parameter 'issue': required"


def test_unknown_parameter(client: TestClient) -> None:
    response = client.get("/api/who-said-what?issue=crimea&speaker=putin", headers=JSON)
    assert response.status_code == 400
    assert "speaker" in response.json()["message"]


def test_repeated_parameter(client: TestClient) -> None:
    response = client.get("/api/who-said-what?issue=crimea&issue=kursk", headers=JSON)
    assert response.status_code == 400
    assert "'issue' given more than once" in response.json()["message"]


def test_truncated_header(client: TestClient) -> None:
    assert client.get("/api/issues?limit=1").headers["x-peacetalks-truncated"] == "true"
    assert client.get("/api/issues").headers["x-peacetalks-truncated"] == "false"


def test_unknown_value_404_with_suggestions(client: TestClient) -> None:
    response = client.get("/api/who-said-what?issue=crimia", headers=JSON)
    assert response.status_code == 404
    assert "crimea (Crimea)" in response.json()["message"]


def test_ambiguous_value_400(client: TestClient) -> None:
    response = client.get("/api/actor-positions?actor=administration", headers=JSON)
    assert response.status_code == 400
    message = response.json()["message"]
    assert "us-administration" in message and "biden-administration" in message


def test_unknown_query_404(client: TestClient) -> None:
    assert client.get("/api/no-such-question").status_code == 404


# --- injection --------------------------------------------------------------------------------

INJECTIONS = [
    "crimea> } UNION { ?s ?p ?o",
    'crimea" } UNION { ?s ?p ?o } #',
    "crimea'; DROP ALL",
    '"; DROP',
    "crimea\nSERVICE <http://127.0.0.1:9/> { ?s ?p ?o }",
    "crimea} LIMIT 1",
    "<https://w3id.org/peacetalks/id/issue/crimea>",
    "?s",
]


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/who-said-what?issue=crimea", "issue"),  # issue
        ("/api/who-said-what?issue=crimea", "actor"),  # actor
        ("/api/event?event=trump-putin-call-2025-02-12", "event"),  # event
        ("/api/who-said-what?issue=crimea", "from"),  # date
        ("/api/who-said-what?issue=crimea", "lang"),  # language
        ("/api/search?text=crimea", "text"),  # string
        ("/api/source-statements?source=digest-000", "source"),  # string
        ("/api/issues", "limit"),  # page numbers
        ("/api/issues", "offset"),
    ],
)
@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_is_harmless(
    client: TestClient, executed: list[QueryRequest], path: str, param: str, payload: str
) -> None:
    response = client.get(path, params={param: payload}, headers=JSON)
    name = path.split("?")[0].rsplit("/", 1)[-1]
    if response.status_code == 200:
        # The value was bound as a term: no rows can come from the injected pattern …
        assert response.json()["rows"] == []
    else:
        assert 400 <= response.status_code < 500, response.text
    # … and whatever ran was the file's own text, untouched.
    for request in executed:
        assert request.max_rows is not None
        assert request.query == CATALOG[name].paged_text(request.max_rows, 0)


def test_repeated_page_is_answered_from_the_result_cache(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Same query, values and page: one execution; other values are never served stale."""
    settings = Settings(
        shipped_data=False,
        data=[FIXTURE],
        cache_dir=tmp_path_factory.mktemp("api-result-cache"),
        workers=1,
    )
    with TestClient(create_app(settings)) as cached:
        runs: list[QueryRequest] = []
        executor = cached.app.state.api_executor  # type: ignore[attr-defined]
        original = executor.run_async  # /api awaits the worker (the lean path)

        async def recording(request: QueryRequest, **kw: Any) -> Any:
            runs.append(request)
            return await original(request, **kw)

        executor.run_async = recording
        first = cached.get("/api/who-said-what?issue=crimea", headers=JSON).json()
        again = cached.get("/api/who-said-what?issue=crimea", headers=JSON).json()
        other = cached.get("/api/who-said-what?issue=kursk", headers=JSON).json()
        page = cached.get("/api/who-said-what?issue=crimea&limit=1", headers=JSON).json()
    assert again == first and first["rows"]
    assert other["rows"] != first["rows"]
    assert len(page["rows"]) == 1
    assert len(runs) == 3  # crimea once, kursk, and the one-row page


# --- OpenAPI ----------------------------------------------------------------------------------


def test_openapi_documents_every_query_and_parameter(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for query in CATALOG.values():
        operation = paths[f"/api/{query.name}"]["get"]
        assert operation["summary"] == query.summary
        assert operation["tags"] == ["canned queries"]
        documented = {p["name"]: p for p in operation["parameters"]}
        assert set(documented) == {p.name for p in query.params} | {"limit", "offset", "format"}
        for param in query.params:
            entry = documented[param.name]
            assert entry["in"] == "query"
            assert entry["required"] is param.required
            assert entry["description"].startswith(param.description)
            assert entry["schema"]["type"] in ("string", "integer")
            if param.sample is not None:
                assert entry["example"] == param.sample
    assert "/api/{name}" not in paths


def test_docs_page(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200


def test_term_objects_are_built_once_per_iri_and_the_memo_is_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`Labels.term` shares one object per IRI (shaping a page built ~140 of them per
    request, issue 12), holds at most `TERMS_KEPT`, and past that still answers right."""
    from peacetalks.api.shape import Labels

    labels = Labels({ID + "actor/zelensky": {"en": "Zelensky", "ja": "ゼレンスキー"}})
    first = labels.term(ID + "actor/zelensky")
    assert first == {
        "iri": ID + "actor/zelensky",
        "kind": "actor",
        "slug": "zelensky",
        "labels": {"en": "Zelensky", "ja": "ゼレンスキー"},
    }
    assert labels.term(ID + "actor/zelensky") is first
    monkeypatch.setattr(Labels, "TERMS_KEPT", 1)
    outside = labels.term("https://example.org/x")
    assert outside == {"iri": "https://example.org/x", "kind": "", "slug": outside["iri"],
                       "labels": {}}  # fmt: skip
    assert labels.term("https://example.org/x") is not outside  # not kept: the memo is full


def test_repeated_answers_are_identical(client: TestClient) -> None:
    """Shared term objects never leak one answer's changes into the next."""
    url = "/api/who-said-what?issue=territory"
    first = client.get(url, headers=JSON)
    assert first.status_code == 200, first.text
    assert first.json()["rows"]
    for fmt in ("csv", "json"):
        client.get(url + f"&format={fmt}")
    assert client.get(url, headers=JSON).json() == first.json()
