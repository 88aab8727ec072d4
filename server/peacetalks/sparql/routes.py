"""`/sparql`: the SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/), read-only.

One handler per method; the rules, in order:

- `query` and `update` together → 400; several `query` values → 400;
- any `update` (parameter or `application/sparql-update` body) → 403, read-only;
- GET without `query` → the service description (RDF, negotiated); a client preferring
  HTML (a browser) → 303 to the query page `/query`;
- POST bodies: `application/x-www-form-urlencoded` or `application/sparql-query`, UTF-8
  only; anything else → 415; bodies over `max_body_bytes` → 413;
- `default-graph-uri` / `named-graph-uri` (URL or form) give the dataset and override
  FROM / FROM NAMED; an unknown graph is an empty graph;
- the guard refuses SERVICE, LOAD, updates-as-queries and unknown FROM graphs (400);
- the result format is negotiated before execution (406 lists the alternatives).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator
from typing import Annotated, Any
from urllib.parse import parse_qs, parse_qsl

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from peacetalks.errors import (
    BadRequest,
    Busy,
    PayloadTooLarge,
    ReadOnly,
    UnsupportedMediaType,
    error_responses,
)
from peacetalks.settings import Settings
from peacetalks.sparql import guard, negotiation
from peacetalks.sparql.executor import QueryExecutor, QueryRequest
from peacetalks.sparql.negotiation import openapi_ok
from peacetalks.sparql.result_cache import CachedAnswer, ResultCache
from peacetalks.sparql.results import write_triples
from peacetalks.sparql.service_description import service_description

INLINE_GUARD_CHARS = 4000


class Admission:
    """Who may wait for a query worker: at most `slots` queries hold a worker (and a thread),
    at most `limit` more wait — on the event loop, holding nothing — up to `wait` seconds;
    past either bound the answer is 503 with `Retry-After` and nothing runs. So queued
    `/sparql` requests never take the threads that `/health`, pages and `/api` need."""

    def __init__(self, slots: int, limit: int, wait: float) -> None:
        self.loop = asyncio.get_running_loop()
        self._slots = asyncio.Semaphore(slots)
        self.slots, self.limit, self.wait = slots, limit, wait
        self.waiting = 0

    @contextlib.asynccontextmanager
    async def __call__(self) -> AsyncIterator[None]:
        if self._slots.locked() and self.waiting >= self.limit:
            raise Busy(
                f"{self.slots} queries are running and {self.waiting} are waiting "
                "(PEACETALKS_QUEUE_LIMIT); nothing was run, try again later"
            )
        if not self._slots.locked():  # a free slot: taken at once, without a timer task
            await self._slots.acquire()  # (wait_for's task and timer cost ~30 µs, issue 12)
            try:
                yield
            finally:
                self._slots.release()
            return
        self.waiting += 1
        try:
            await asyncio.wait_for(self._slots.acquire(), self.wait)
        except TimeoutError:
            raise Busy(
                f"all {self.slots} query workers stayed busy for {self.wait:g} s "
                "(PEACETALKS_QUEUE_TIMEOUT); nothing was run, try again later"
            ) from None
        finally:
            self.waiting -= 1
        try:
            yield
        finally:
            self._slots.release()


def admission(request: Request, settings: Settings) -> contextlib.AbstractAsyncContextManager[None]:
    """The app's `Admission` for the running event loop (one per loop: tests start several).
    Its slots are the query workers — or, on a remote engine, the pooled connections to it
    (`PEACETALKS_BACKEND_CONNECTIONS`), which is as many queries as run there at once."""
    slots = settings.backend_connections if settings.backend else settings.workers
    if slots == 0:
        return contextlib.nullcontext()
    current: Admission | None = getattr(request.app.state, "admission", None)
    if current is None or current.loop is not asyncio.get_running_loop():
        current = Admission(slots, settings.queue_limit, settings.queue_timeout)
        request.app.state.admission = current
    return current()


def get_executor(request: Request) -> QueryExecutor:
    return request.app.state.executor


ExecutorDep = Annotated[QueryExecutor, Depends(get_executor)]

router = APIRouter(tags=["SPARQL"], default_response_class=Response)

Params = dict[str, list[str]]

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"


_ENDPOINTS: dict[tuple[Any, ...], str] = {}
"""`endpoint_url`'s memo, by everything Starlette's `URL` reads from the scope but the query."""


def endpoint_url(request: Request) -> str:
    """`str(request.url.replace(query=""))` — the endpoint's URL, the base IRI of a query —
    memoized (building it cost ~35 µs of a trivial query, issue 12). The key holds every
    input of the URL but the query string, so the answer is the same; the Host header is
    the client's, so the memo is bounded (emptied when full)."""
    scope = request.scope
    host = next((v for k, v in scope["headers"] if k == b"host"), None)
    server = scope.get("server")
    key = (scope.get("scheme"), server and tuple(server), scope["path"], host)
    url = _ENDPOINTS.get(key)
    if url is None:
        if len(_ENDPOINTS) >= 256:
            _ENDPOINTS.clear()
        url = _ENDPOINTS[key] = str(request.url.replace(query=""))
    return url


def _query_params(request: Request) -> Params:
    # What `request.query_params.multi_items()` gives (Starlette parses the same way),
    # without building its multidict.
    params: Params = {}
    query_string = request.scope["query_string"].decode("latin-1")
    for key, value in parse_qsl(query_string, keep_blank_values=True):
        params.setdefault(key, []).append(value)
    return params


def single(params: Params, name: str) -> str | None:
    """The one value of a parameter given at most once (a repeat is a 400 naming it)."""
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise BadRequest(f"the '{name}' parameter must be given at most once")
    return values[0]


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"request body is {declared} bytes; the limit is {limit}")
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"request body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _decode(body: bytes, charset: str | None) -> str:
    if charset and charset.lower() not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"charset {charset} is not supported: send UTF-8")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadRequest(f"the request body is not valid UTF-8 ({e})") from e


def _content_type(request: Request) -> tuple[str, str | None]:
    raw = request.headers.get("content-type", "")
    parts = [p.strip() for p in raw.split(";")]
    charset = None
    for p in parts[1:]:
        name, _, value = p.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"')
    return parts[0].lower(), charset


async def run_protocol_query(
    request: Request,
    params: Params,
    *,
    settings: Settings,
    executor: QueryExecutor,
    query: str,
) -> Response:
    """Guard, negotiate and run `query` with the protocol dataset in `params`; the shared
    tail of GET and POST (also usable by other routers)."""
    default_graphs = tuple(params.get("default-graph-uri", ()))
    named_graphs = tuple(params.get("named-graph-uri", ()))
    protocol_dataset = bool(default_graphs or named_graphs)
    endpoint = endpoint_url(request)
    cache: ResultCache | None = getattr(request.app.state, "result_cache", None)
    key = (
        cache.key(
            query,
            accept=request.headers.get("accept"),
            format_param="\x1f".join(params.get("format", ())),
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            base_iri=endpoint,
        )
        if cache is not None
        else None
    )
    if cache is not None and key and (hit := cache.get(key)):
        return _answer(request, cache, key, hit, settings)
    check = functools.partial(
        guard.check_query,
        query,
        max_length=settings.max_query_length,
        known_graphs=request.app.state.dataset.graphs,
        protocol_dataset=protocol_dataset,
        base_iri=endpoint,
    )
    # Short texts are judged in microseconds; long ones (up to ~100 ms) off the event loop.
    info = check() if len(query) <= INLINE_GUARD_CHARS else await run_in_threadpool(check)
    media_type = negotiation.negotiate(
        request.headers.get("accept"), info.kind, format_param=params.get("format")
    )
    if not protocol_dataset and (info.from_graphs or info.from_named_graphs):
        default_graphs, named_graphs, protocol_dataset = (
            info.from_graphs,
            info.from_named_graphs,
            True,
        )
    query_request = QueryRequest(
        query=query,
        result_format=media_type,
        default_graph=default_graphs if protocol_dataset else None,
        named_graphs=named_graphs if protocol_dataset else None,
        base_iri=endpoint,
        inspected=True,
    )
    async with admission(request, settings):
        result = await executor.run_async(query_request)  # awaited: no thread-pool hop
    answer = CachedAnswer(result.body, result.media_type, result.rows, result.truncated)
    if cache is not None and key:
        cache.put(key, answer)
    return _answer(request, cache, key, answer, settings)


def _answer(
    request: Request,
    cache: ResultCache | None,
    key: str | None,
    answer: CachedAnswer,
    settings: Settings,
) -> Response:
    """The 200 (or, for a matching `If-None-Match`, 304) response carrying `answer`."""
    request.state.rows = answer.rows
    request.state.truncated = answer.truncated
    headers = {
        "Vary": "Accept",
        "X-Peacetalks-Truncated": "true" if answer.truncated else "false",
        "X-Peacetalks-Row-Limit": str(settings.max_rows),
    }
    if cache is not None and key:
        headers["ETag"] = cache.etag(key)
        headers["Cache-Control"] = "no-cache"
        if cache.matches(key, request.headers.get("if-none-match")):
            return Response(status_code=304, headers=headers)
    return Response(
        answer.body, media_type=negotiation.content_type(answer.media_type), headers=headers
    )


def _describe_service(request: Request, params: Params) -> Response:
    triples = service_description(endpoint_url(request), request.app.state.dataset)
    media_type = negotiation.negotiate(
        request.headers.get("accept"), "graph", format_param=params.get("format")
    )
    body, _, _ = write_triples(triples, media_type, cap=len(triples) + 1)
    return Response(
        body, media_type=negotiation.content_type(media_type), headers={"Vary": "Accept"}
    )


def _refuse_updates(params: Params) -> None:
    if "update" in params:
        if "query" in params:
            raise BadRequest("a request may carry a query or an update, not both")
        raise ReadOnly()


SPARQL_RESPONSES = {
    **openapi_ok(
        "SELECT/ASK results, CONSTRUCT/DESCRIBE graphs (negotiated), or, for GET without a "
        "query, the service description",
        negotiation.RESULTS_FORMATS,
        negotiation.RDF_FORMATS,
    ),
    **error_responses(400, 403, 406, 413, 415, 503),
}


@router.get(
    "/sparql",
    summary="SPARQL 1.1 query (GET), or the service description",
    responses=SPARQL_RESPONSES,
)
async def sparql_get(request: Request) -> Response:
    # The app's objects straight from its state: no dependency resolution on the hot path.
    settings, executor = request.app.state.settings, request.app.state.executor
    params = _query_params(request)
    _refuse_updates(params)
    query = single(params, "query")
    if query is None:
        if "format" not in params and negotiation.prefers_html(request.headers.get("accept")):
            return RedirectResponse("/query", status_code=303)  # people get the query page
        return _describe_service(request, params)
    return await run_protocol_query(
        request, params, settings=settings, executor=executor, query=query
    )


@router.post(
    "/sparql",
    summary="SPARQL 1.1 query (POST form or application/sparql-query)",
    responses=SPARQL_RESPONSES,
)
async def sparql_post(request: Request) -> Response:
    settings, executor = request.app.state.settings, request.app.state.executor
    params = _query_params(request)
    content_type, charset = _content_type(request)
    if content_type == SPARQL_UPDATE:
        raise ReadOnly()
    if content_type not in (FORM, SPARQL_QUERY):
        raise UnsupportedMediaType(
            f"POST needs Content-Type {FORM} or {SPARQL_QUERY}"
            + (f", not {content_type}" if content_type else "")
        )
    text = _decode(await _read_body(request, settings.max_body_bytes), charset)
    if content_type == FORM:
        try:
            form = parse_qs(text, keep_blank_values=True, errors="strict")
        except UnicodeDecodeError as e:
            raise BadRequest(f"form data is not valid UTF-8 ({e})") from e
        for key, values in form.items():
            params.setdefault(key, []).extend(values)
        _refuse_updates(params)
        query = single(params, "query")
        if query is None:
            raise BadRequest("the form has no 'query' parameter")
    else:
        _refuse_updates(params)
        if "query" in params:
            raise BadRequest(f"with {SPARQL_QUERY} the query is the body, not a parameter")
        query = text
    return await run_protocol_query(
        request, params, settings=settings, executor=executor, query=query
    )
