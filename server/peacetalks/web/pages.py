"""The pages of `peacetalks.web`: the query page, the API documentation, static files and
the editor's vocabulary. Handlers render `web/templates/` through the shared frame."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from peacetalks import resources
from peacetalks.api.catalog import Catalog
from peacetalks.errors import BadRequest, NotFound, PayloadTooLarge
from peacetalks.frame.pages import Pages, language
from peacetalks.sparql.routes import single
from peacetalks.web import assets, query, questions
from peacetalks.web.examples import RESEARCH, Example, catalog_examples
from peacetalks.web.vocabulary import vocabulary

PAGES = Pages([Path(__file__).parent / "templates"])
OWN = assets.own_assets()
DOCS = assets.docs_assets()
VIEWS = ("table", "raw")
SOLUTION_DOWNLOADS = (("CSV", "csv"), ("TSV", "tsv"), ("JSON", "json"))
GRAPH_DOWNLOADS = (("Turtle", "turtle"), ("JSON-LD", "jsonld"), ("N-Triples", "ntriples"))

router = APIRouter(tags=["pages"], default_response_class=Response)

_CATALOG_LOCK = threading.Lock()


def catalog(request: Request) -> Catalog:
    """The canned queries (read once per app)."""
    state = request.app.state
    with _CATALOG_LOCK:
        current: Catalog | None = getattr(state, "web_catalog", None)
        if current is None:
            current = Catalog.load(resources.queries_dir())
            state.web_catalog = current
        return current


def _warm(request: Request) -> None:
    catalog(request)
    vocabulary(request.app.state)
    questions.indexes(request)


async def prepared(request: Request) -> None:
    """Build what the async pages read (catalog, labels, label index) once per dataset, on a
    worker thread: building them queries pyoxigraph, which must not block the event loop."""
    state = request.app.state
    if getattr(state, "web_prepared", None) != state.dataset.version:
        await run_in_threadpool(_warm, request)
        state.web_prepared = state.dataset.version


def examples(request: Request) -> list[tuple[str, tuple[Example, ...]]]:
    ja = language(request) == "ja"
    return [
        ("研究の例" if ja else "Research examples", RESEARCH),
        (
            "定型の質問 (/api)" if ja else "Canned questions (/api)",
            catalog_examples(catalog(request)),
        ),
    ]


def _asset(table: dict[str, assets.Asset], name: str, request: Request) -> Response:
    asset = table.get(name)
    if asset is None:
        raise NotFound(f"no static file {name!r}")
    headers = {"ETag": asset.etag, "Cache-Control": "no-cache"}
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


@router.get("/static/{name}", include_in_schema=False)
def static(name: str, request: Request) -> Response:
    return _asset(OWN, name, request)


@router.get("/static/docs/{name}", include_in_schema=False)
def static_docs(name: str, request: Request) -> Response:
    return _asset(DOCS, name, request)


@router.get("/docs", include_in_schema=False)
def docs(request: Request) -> Response:
    return PAGES.response(request, "docs.html", title="peacetalks — HTTP API", available=bool(DOCS))


@router.get("/redoc", include_in_schema=False)
def redoc(request: Request) -> Response:
    return PAGES.response(request, "redoc.html", title="peacetalks — ReDoc", available=bool(DOCS))


@router.get(
    "/query/vocabulary.json",
    summary="What the query editor completes: prefixes, ontology terms, labelled resources",
    responses={200: {"description": "Prefixes and terms", "content": {"application/json": {}}}},
)
def vocabulary_json(request: Request) -> Response:
    v = vocabulary(request.app.state)
    etag = f'"{v.version}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return JSONResponse(v.completions(), headers=headers)


async def _form(request: Request) -> dict[str, list[str]]:
    """Query-string values, plus a urlencoded POST body's."""
    values: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        values.setdefault(key, []).append(value)
    if request.method == "POST":
        limit = request.app.state.settings.max_body_bytes
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise PayloadTooLarge(f"the form exceeds the limit of {limit} bytes")
        try:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True, errors="strict")
        except UnicodeDecodeError as e:
            raise BadRequest(f"form data is not valid UTF-8 ({e})") from e
        for key, got in form.items():
            values.setdefault(key, []).extend(got)
    return values


def share_url(text: str, view: str) -> str:
    return "/query?" + urlencode({"query": text, "view": view})


def downloads(text: str, kind: str) -> list[tuple[str, str]]:
    table: tuple[tuple[str, str], ...] = GRAPH_DOWNLOADS if kind == "graph" else SOLUTION_DOWNLOADS
    if kind == "boolean":
        table = (("JSON", "json"),)
    return [(name, "/sparql?" + urlencode({"query": text, "format": f})) for name, f in table]


async def query_page(request: Request) -> Response:
    """`/query`: the editor; with `query` (GET or POSTed form) the answer below it.
    `example=<name>` loads an example; `part=result` returns only the answer section."""
    await prepared(request)
    values = await _form(request)
    view = single(values, "view") or "table"
    if view not in VIEWS:
        raise BadRequest(f"view={view!r}: use one of {', '.join(VIEWS)}")
    chosen = single(values, "example") or ""
    text = single(values, "query")
    lang = language(request)
    if chosen and (text is None or single(values, "load")):
        found = {ex.name: ex for _, group in examples(request) for ex in group}
        if chosen not in found:
            raise NotFound(f"no example {chosen!r}")
        text = found[chosen].text
        outcome = None
    else:
        outcome = await query.run(request, text, lang) if text and text.strip() else None
    text = text if text is not None else RESEARCH[0].text
    context: dict[str, Any] = {
        "title": "peacetalks — SPARQL query",
        "query": text,
        "view": view,
        "outcome": outcome,
        "chosen": chosen,
        "examples": examples(request),
        "example_texts": {ex.name: ex.text for _, group in examples(request) for ex in group},
        "share": share_url(text, view),
        "downloads": downloads(text, outcome.kind) if outcome else [],
        "page_rows": query.PAGE_ROWS,
        "max_rows": request.app.state.settings.max_rows,
    }
    status = outcome.status if outcome else 200
    template = "result.html" if single(values, "part") == "result" else "query.html"
    return PAGES.response(request, template, status_code=status, **context)


for method in ("GET", "POST"):
    router.add_api_route(
        "/query",
        query_page,
        methods=[method],
        operation_id=f"query_page_{method.lower()}",
        summary="The query page for browsers (editor, examples, answers as a table)",
        responses={200: {"description": "HTML", "content": {"text/html": {}}}},
    )


HINTS = {  # type -> (English, Japanese)
    "issue": (
        "a slug, an English or Japanese name (e.g. crimea, クリミア)",
        "スラッグ、英語または日本語の名前(例: crimea、クリミア)",
    ),
    "actor": (
        "a slug, an English or Japanese name (e.g. putin, プーチン)",
        "スラッグ、英語または日本語の名前(例: putin、プーチン)",
    ),
    "event": ("a slug or a name", "スラッグまたは名前"),
}


@router.get("/questions", summary="The canned questions as forms (HTML)", response_class=Response)
def questions_page(request: Request) -> Response:
    return PAGES.response(
        request,
        "questions.html",
        title="peacetalks — questions",
        queries=list(catalog(request).values()),
    )


@router.get(
    "/questions/{name}",
    summary="One canned question: a form and its answer as a table (HTML)",
    response_class=Response,
)
async def question_page(name: str, request: Request) -> Response:
    await prepared(request)
    found = catalog(request).get(name)
    if found is None:
        raise NotFound(f"no canned query {name!r}; see /questions for the list")
    declared = {p.name for p in found.params}
    given = {k: v for k, v in request.query_params.items() if k in declared}
    lang = language(request)
    asked = bool(given) or not any(p.required for p in found.params)
    if "lang" in declared and "lang" not in given:
        given_for_query = {**given, "lang": lang}
    else:
        given_for_query = given
    result = await questions.answer(request, found, given_for_query) if asked else None
    v = vocabulary(request.app.state)
    types = {p.type for p in found.params}
    return PAGES.response(
        request,
        "question.html",
        status_code=result.status if result else 200,
        title="peacetalks — " + ((found.summary_ja if lang == "ja" else "") or found.summary),
        query=found,
        given=given,
        hints=HINTS,
        lists={t: questions.choices(v, t, lang) for t in questions.CHOICE_TYPES if t in types},
        answer=result,
        links=questions.data_links(found, given_for_query),
    )
