"""`/api`: the canned queries of `queries/*.rq` as plain HTTP endpoints.

`build_router()` loads the catalog (a bad header stops the app at start-up, naming the
file) and adds one GET operation per query, so `/docs` and `/openapi.json` document each
query with its own parameters. A request is bound (`peacetalks.api.binding`), run by the
executor with `LIMIT`/`OFFSET` appended to the file's own text (`CannedQuery.paged_text`)
and answered as JSON, CSV or raw SPARQL JSON results.

Pagination: the query asks for `limit + 1` rows; the extra row only tells whether another
page exists (`truncated: true`, and a `next` URL). Appending to the text — rather than
slicing rows after execution — keeps the worker from serializing rows nobody asked for;
it is safe because the text is ours (checked at load to have an ORDER BY and no slice of
its own) and the two numbers are validated integers.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from peacetalks import resources
from peacetalks.api import shape
from peacetalks.api.binding import Binding, LabelIndex, bind
from peacetalks.api.catalog import CannedQuery, Catalog
from peacetalks.api.catalog_errors import CatalogError
from peacetalks.api.params import PARAM_TYPES
from peacetalks.api.shape import Labels
from peacetalks.errors import (
    BadRequest,
    NotAcceptable,
    NotFound,
    PeacetalksError,
    error_responses,
)
from peacetalks.sparql import guard, negotiation
from peacetalks.sparql.executor import QueryRequest, QueryResult
from peacetalks.sparql.result_cache import CachedAnswer, ResultCache

DEFAULT_LIMIT = 1000
"""Rows per page when the request gives no `limit` (the cap is `Settings.max_rows`)."""

SPARQL_JSON = "application/sparql-results+json"
FORMATS: dict[str, str] = {
    "json": "application/json",
    "csv": "text/csv",
    "sparql-json": SPARQL_JSON,
}
"""`format=` values → media types; `Accept` picks among the same three."""

_OPENAPI_TYPES: dict[str, dict[str, Any]] = {
    "iri": {"type": "string", "format": "iri"},
    "issue": {"type": "string"},
    "actor": {"type": "string"},
    "event": {"type": "string"},
    "date": {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"},
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "language": {"type": "string", "pattern": r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"},
}
assert set(_OPENAPI_TYPES) == set(PARAM_TYPES)

_TYPE_NOTES = {
    "issue": "an issue slug, IRI, or English/Japanese label",
    "actor": "an actor slug, IRI, or English/Japanese label",
    "event": "an event slug, IRI, or English/Japanese label",
    "date": "YYYY, YYYY-MM or YYYY-MM-DD",
    "language": "a BCP 47 language tag",
    "iri": "an absolute IRI",
}


# --- values -----------------------------------------------------------------------------------


def row_values(
    query: CannedQuery, binding: dict[str, dict[str, str]], labels: Labels
) -> dict[str, Any]:
    """One result row in the API's shape (`peacetalks.api.shape`), by declared column."""
    return {
        c.name: shape.value(c, binding, labels, query.separator(c.name)) for c in query.declared
    }


def to_csv(query: CannedQuery, rows: list[dict[str, Any]], lang: str) -> bytes:
    """CSV: a header row, then one row per result; a term is two cells (IRI, label in
    `lang`), a qualified date two (value, qualifier), text its text, a list "; "-joined."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    columns = shape.csv_columns(query.declared)
    writer.writerow([name for c, labelled in columns for name in shape.csv_header(c, labelled)])
    for row in rows:
        writer.writerow(
            [
                cell
                for c, labelled in columns
                for cell in shape.csv_cells(c, row.get(c.name), lang, labelled)
            ]
        )
    return buffer.getvalue().encode("utf-8")


# --- content negotiation ----------------------------------------------------------------------


def choose_format(request: Request) -> str:
    """`format=` wins; else the best `Accept` entry among `FORMATS` (JSON for `*/*`)."""
    given = request.query_params.get("format")
    if given is not None:
        if given not in FORMATS:
            raise BadRequest(f"parameter 'format': {given!r} is not one of {', '.join(FORMATS)}")
        return given
    accept = request.headers.get("accept", "").strip()
    if not accept:
        return "json"
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate(accept.split(",")):
        media, *options = (part.strip() for part in item.split(";"))
        quality = 1.0
        for option in options:
            name, _, value = option.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranked.append((-quality, index, media.lower()))
    by_media = {media: name for name, media in FORMATS.items()}
    for negative_quality, _, media in sorted(ranked):
        if negative_quality >= 0:
            continue
        if media in by_media:
            return by_media[media]
        if media in ("*/*", "application/*"):
            return "json"
        if media == "text/*":
            return "csv"
    raise NotAcceptable(list(FORMATS.values()), accept)


def _page_number(request: Request, name: str, default: int, maximum: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:  # "²".isdigit() is True
        raise BadRequest(f"parameter {name!r}: {raw!r} is not a non-negative integer")
    value = int(raw)
    if value > maximum:
        raise BadRequest(f"parameter {name!r}: at most {maximum}")
    return value


# --- the router -------------------------------------------------------------------------------


class CannedQueries:
    """The catalog plus the label index of the app's dataset (built on first use, rebuilt
    when the dataset version changes)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._index: tuple[str, LabelIndex, Labels] | None = None
        self._lock = threading.Lock()
        self._graphs: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        """FROM / FROM NAMED graphs of each query that names some (the guard's reading)."""
        for query in catalog.values():  # the guard, once per file (a few ms each)
            try:
                info = guard.inspect_query(query.paged_text(1, 0))
            except PeacetalksError as e:
                raise CatalogError(query.path, f"refused by the query guard: {e.message}") from e
            if info.from_graphs or info.from_named_graphs:
                self._graphs[query.name] = (info.from_graphs, info.from_named_graphs)

    def _indexes(self, request: Request) -> tuple[str, LabelIndex, Labels]:
        dataset = request.app.state.dataset
        with self._lock:
            if self._index is None or self._index[0] != dataset.version:
                store = dataset.store
                self._index = (
                    dataset.version,
                    LabelIndex.from_store(store),
                    Labels.from_store(store),
                )
            return self._index

    def index(self, request: Request) -> LabelIndex:
        """Resolves parameter values (slugs, labels) to IRIs."""
        return self._indexes(request)[1]

    def labels(self, request: Request) -> Labels:
        """The labels every `term` value carries."""
        return self._indexes(request)[2]

    def _cache_key(self, request: Request, text: str, binding: Binding) -> str | None:
        cache: ResultCache | None = getattr(request.app.state, "result_cache", None)
        if cache is None:
            return None
        return cache.key(text, accept=SPARQL_JSON, substitutions=binding.substitutions)

    def _remember(self, request: Request, key: str | None, result: QueryResult) -> bytes:
        if key:
            request.app.state.result_cache.put(
                key, CachedAnswer(result.body, result.media_type, result.rows, result.truncated)
            )
        return result.body

    def _query_request(
        self, query: CannedQuery, text: str, binding: Binding, limit: int
    ) -> QueryRequest:
        """The page's request. The guard judged the file's text at start-up (`build_router`;
        the appended LIMIT/OFFSET are validated integers), so the worker does not again."""
        graphs = self._graphs.get(query.name)
        return QueryRequest(
            query=text,
            result_format=SPARQL_JSON,
            substitutions=binding.substitutions,
            max_rows=limit + 1,
            default_graph=graphs[0] if graphs else None,
            named_graphs=graphs[1] if graphs else None,
            inspected=True,
        )

    def _prepare(self, query: CannedQuery, request: Request) -> _Page:
        fmt = choose_format(request)
        declared = {p.name for p in query.params}
        unknown = sorted(set(request.query_params) - declared - {"limit", "offset", "format"})
        if unknown:
            raise BadRequest(
                f"unknown parameter(s) {', '.join(unknown)}; {query.name} takes "
                f"{', '.join(sorted(declared)) or 'none'} (and limit, offset, format)"
            )
        settings = request.app.state.settings
        limit = _page_number(request, "limit", min(DEFAULT_LIMIT, settings.max_rows),
                             settings.max_rows)  # fmt: skip
        offset = _page_number(request, "offset", 0, 10**9)
        repeated = sorted(
            n for n in set(request.query_params) if len(request.query_params.getlist(n)) > 1
        )
        if repeated:
            raise BadRequest(f"parameter {repeated[0]!r} given more than once")
        given = {name: request.query_params[name] for name in declared & set(request.query_params)}
        binding = bind(query, given, self.index(request))
        return _Page(fmt, binding, limit, offset, query.paged_text(limit + 1, offset))

    def run(self, query: CannedQuery, request: Request) -> Response:
        page = self._prepare(query, request)
        key = self._cache_key(request, page.text, page.binding)
        if key and (hit := request.app.state.result_cache.get(key)):
            body = hit.body
        else:
            result = request.app.state.api_executor.run(
                self._query_request(query, page.text, page.binding, page.limit)
            )
            body = self._remember(request, key, result)
        return self._respond(query, request, page, body)

    async def run_async(self, query: CannedQuery, request: Request) -> Response:
        """`run` for the lean path: the worker's answer awaited on the event loop; the label
        index, built once per dataset (~100 ms), is built on a thread."""
        if self._index is None or self._index[0] != request.app.state.dataset.version:
            await run_in_threadpool(self._indexes, request)
        page = self._prepare(query, request)
        key = self._cache_key(request, page.text, page.binding)
        if key and (hit := request.app.state.result_cache.get(key)):
            body = hit.body
        else:
            result = await request.app.state.api_executor.run_async(
                self._query_request(query, page.text, page.binding, page.limit)
            )
            body = self._remember(request, key, result)
        return self._respond(query, request, page, body)

    def _respond(self, query: CannedQuery, request: Request, page: _Page, body: bytes) -> Response:
        binding, limit, offset = page.binding, page.limit, page.offset
        raw = json.loads(body)
        bindings = raw["results"]["bindings"]
        more = len(bindings) > limit
        bindings = bindings[:limit]
        headers = {"X-Peacetalks-Truncated": str(more).lower()}
        if page.fmt == "sparql-json":
            raw["results"]["bindings"] = bindings
            body_bytes = json.dumps(raw, ensure_ascii=False).encode("utf-8")
            return Response(body_bytes, media_type=SPARQL_JSON, headers=headers)
        labels = self.labels(request)
        rows = [row_values(query, b, labels) for b in bindings]
        if page.fmt == "csv":
            lang = str(binding.values.get("lang") or "en")
            return Response(
                to_csv(query, rows, lang), media_type="text/csv; charset=utf-8", headers=headers
            )
        answer: dict[str, Any] = {
            "query": query.name,
            "params": binding.values,
            "columns": list(query.columns),
            "rows": rows,
            "limit": limit,
            "offset": offset,
            "truncated": more,
        }
        if more:
            following = {**request.query_params, "offset": str(offset + limit)}
            answer["next"] = f"{request.url.path}?{urlencode(following)}"
        return JSONResponse(answer, headers=headers)


@dataclass(frozen=True)
class _Page:
    """One request's page of a canned query: its format, bound values and text."""

    fmt: str
    binding: Binding
    limit: int
    offset: int
    text: str


def example_url(query: CannedQuery) -> str:
    """`/api/<name>?…` with every required parameter's example (and any other example)."""
    examples = {p.name: p.example for p in query.params if p.example is not None}
    return f"/api/{query.name}" + (f"?{urlencode(examples)}" if examples else "")


def describe(query: CannedQuery) -> dict[str, Any]:
    """The listing entry of one query (`GET /api`)."""
    return {
        "name": query.name,
        "summary": query.summary,
        "description": query.description,
        "tags": list(query.tags),
        "params": [
            {
                "name": p.name,
                "type": p.type,
                "required": p.required,
                "default": p.default,
                "example": p.example,
                "description": p.description,
            }
            for p in query.params
        ],
        "columns": list(query.columns),
        "url": f"/api/{query.name}",
        "example": example_url(query),
    }


def openapi_parameters(query: CannedQuery) -> list[dict[str, Any]]:
    """OpenAPI query parameters: the query's own, then `limit`, `offset`, `format`."""
    parameters = []
    for p in query.params:
        schema = dict(_OPENAPI_TYPES[p.type])
        if p.default is not None:
            schema["default"] = p.default
        note = _TYPE_NOTES.get(p.type)
        parameter: dict[str, Any] = {
            "name": p.name,
            "in": "query",
            "required": p.required,
            "description": p.description + (f" ({p.type}: {note})" if note else f" ({p.type})"),
            "schema": schema,
        }
        if p.sample is not None:
            parameter["example"] = p.sample
        parameters.append(parameter)
    parameters += [
        {"name": "limit", "in": "query", "required": False,
         "description": f"Rows per page (default {DEFAULT_LIMIT}, at most the server's row cap).",
         "schema": {"type": "integer", "minimum": 0}},
        {"name": "offset", "in": "query", "required": False,
         "description": "Rows to skip (pages are stable: every query has an ORDER BY).",
         "schema": {"type": "integer", "minimum": 0, "default": 0}},
        {"name": "format", "in": "query", "required": False,
         "description": "json (default), csv or sparql-json; overrides the Accept header.",
         "schema": {"type": "string", "enum": list(FORMATS)}},
    ]  # fmt: skip
    return parameters


def answer_schema(query: CannedQuery) -> dict[str, Any]:
    """The JSON schema of the query's JSON answer: every column typed (`api.shape`), every
    bound parameter echoed (resources as their IRI, dates as ISO dates)."""
    echoed = {
        p.name: {"type": "integer"} if p.type == "integer" else {"type": "string"}
        for p in query.params
    }
    return shape.answer_schema(query.name, query.declared, echoed)


def responses(query: CannedQuery) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses of one query: its own JSON schema, CSV, SPARQL JSON, the errors."""
    header = ", ".join(
        name
        for c, labelled in shape.csv_columns(query.declared)
        for name in shape.csv_header(c, labelled)
    )
    return {
        200: {
            "description": "The rows (JSON), CSV with a header row, or SPARQL JSON results.",
            "content": {
                "application/json": {"schema": answer_schema(query)},
                "text/csv": {"schema": {"type": "string", "description": f"Header: {header}"}},
                SPARQL_JSON: {},
            },
        },
        **error_responses(400, 404, 406, 503),
    }


def _page_for_browsers(request: Request, page: str) -> Response | None:
    """A browser (HTML first, no `format=`) is sent to the question's page, with the same
    parameters; everyone else gets the data."""
    if "format" in request.query_params:
        return None
    if not negotiation.prefers_html(request.headers.get("accept")):
        return None
    query = request.url.query
    return RedirectResponse(page + (f"?{query}" if query else ""), status_code=303)


class CannedRouter(APIRouter):
    """The `/api` router, with `lean`: each query's endpoint for the app's lean path
    (`peacetalks.app.PeacetalksApp`), awaiting the worker instead of taking a thread."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lean: dict[tuple[str, str], Callable[[Request], Awaitable[Response]]] = {}


def build_router(directory: Path | None = None) -> CannedRouter:
    """The `/api` router for the canned queries in `directory` (default: the shipped
    `queries/`). Raises `CatalogError` naming the file when a header is invalid."""
    catalog = Catalog.load(directory or resources.queries_dir())
    canned = CannedQueries(catalog)
    router = CannedRouter(prefix="/api", tags=["canned queries"])

    @router.get("", summary="List the canned queries with their parameters")
    def list_queries(request: Request) -> Any:
        if browser_page := _page_for_browsers(request, "/questions"):
            return browser_page
        return {"queries": [describe(q) for q in catalog.values()]}

    def handler_for(query: CannedQuery) -> Callable[[Request], Response]:
        def handler(request: Request) -> Response:
            if browser_page := _page_for_browsers(request, f"/questions/{query.name}"):
                return browser_page
            return canned.run(query, request)

        handler.__name__ = "run_" + query.name.replace("-", "_")

        async def lean(request: Request) -> Response:
            if browser_page := _page_for_browsers(request, f"/questions/{query.name}"):
                return browser_page
            return await canned.run_async(query, request)

        router.lean[("GET", f"/api/{query.name}")] = lean
        return handler

    for query in catalog.values():
        router.add_api_route(
            f"/{query.name}",
            handler_for(query),
            methods=["GET"],
            summary=query.summary,
            description=query.description + f"\n\nExample: `{example_url(query)}`",
            operation_id=query.name.replace("-", "_"),
            responses=responses(query),
            response_class=JSONResponse,
            openapi_extra={"parameters": openapi_parameters(query)},
        )

    @router.get("/{name}", include_in_schema=False)
    def unknown_query(name: str) -> Response:
        raise NotFound(f"no canned query {name!r}; see /api for the list")

    return router
