"""`create_app(settings)`: the FastAPI application (no module-level singletons).

The app loads (or reuses) the dataset and starts the query workers — or, with
`PEACETALKS_BACKEND`, connects to the external engine `peacetalks push` filled
(`peacetalks.backend`) — and includes one router per concern. `app.state.settings`,
`app.state.dataset` and `app.state.executor` are what
routers use (see `peacetalks.deps`); the lifespan closes the executor on shutdown.
To add a router: one `app.include_router(...)` line below.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Message, Receive, Scope, Send

from peacetalks import __version__
from peacetalks.api import routes as api
from peacetalks.backend import Backend, open_backend
from peacetalks.dataset.store import Dataset
from peacetalks.errors import PeacetalksError, error_response
from peacetalks.linked_data import routes as linked_data
from peacetalks.logs import AccessLogMiddleware, log_access
from peacetalks.ops import routes as ops
from peacetalks.security import SecurityHeadersMiddleware, secured
from peacetalks.settings import Settings
from peacetalks.sparql import routes as sparql
from peacetalks.sparql.result_cache import ResultCache
from peacetalks.web import routes as web

log = logging.getLogger("peacetalks.app")

Endpoint = Callable[[Request], Awaitable[Response]]


class PeacetalksApp(FastAPI):
    """FastAPI, with a lean path for the query endpoints: a request whose method and path
    are in `lean` goes straight to its endpoint — no routing, no dependency injection, no
    middleware stack (which cost ~70 % of a trivial query's time, issue 12) — and gets what
    the stack would give it: the same CORS and security headers, the same error rendering
    (`error_response`; 500 for anything unexpected, logged) and the same access-log line.
    Everything else (OpenAPI, pages, preflight requests) takes the FastAPI path."""

    lean: dict[tuple[str, str], Endpoint]
    cors: CORSMiddleware

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            endpoint = self.lean.get((scope["method"], scope["path"]))
            if endpoint is not None:
                await self._serve_lean(endpoint, scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    async def _serve_lean(
        self, endpoint: Endpoint, scope: Scope, receive: Receive, send: Send
    ) -> None:
        started = time.perf_counter()
        scope["app"] = self
        request = Request(scope, receive)
        status = 500

        async def send_secured(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = secured(message.get("headers", ()))
            await send(message)

        try:
            try:
                response = await endpoint(request)
            except PeacetalksError as e:
                response = error_response(request, e)
            except ClientDisconnect:
                return
            except Exception:
                log.exception("unexpected error in %s %s", scope["method"], scope["path"])
                response = PlainTextResponse("Internal Server Error", status_code=500)
            cors: Any = functools.partial(
                self.cors.send, send=send_secured, request_headers=request.headers
            )
            await response(scope, receive, cors)
        finally:
            log_access(scope, status, started)


def create_app(
    settings: Settings | None = None,
    *,
    dataset: Dataset | None = None,
    backend: Backend | None = None,
) -> PeacetalksApp:
    """Build the app for `settings` (default: from the environment) over `backend` (default:
    `open_backend(settings, dataset)`, which loads the dataset unless one is given). The
    query workers are ready when this returns; if the app cannot be built (a broken
    canned query, say), the backend is closed: no worker outlives a failed start."""
    settings = settings or Settings()
    if backend is None:
        backend = open_backend(settings, dataset)
    elif dataset is not None:
        raise ValueError("create_app: give a dataset or a backend, not both")
    try:
        backend.wait_ready()
        return _assemble(settings, backend)
    except BaseException:
        backend.close()
        raise


def _assemble(settings: Settings, backend: Backend) -> PeacetalksApp:
    """The app over a ready backend: state, middleware and one router per concern."""
    dataset, executor, api_executor = backend.dataset, backend.executor, backend.api_executor

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            backend.close()

    app = PeacetalksApp(
        title="peacetalks",
        version=__version__,
        description="A knowledge graph of the 2025 Russia–Ukraine ceasefire negotiations.",
        lifespan=lifespan,
        # /docs and /redoc are pages of peacetalks.web, with assets from this origin only
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.dataset = dataset
    app.state.executor = executor
    app.state.api_executor = api_executor
    app.state.result_cache = ResultCache(int(settings.result_cache_mb * 2**20), dataset.version)
    app.add_exception_handler(PeacetalksError, error_response)
    cors: dict[str, Any] = {
        "allow_origins": settings.cors_origins,
        "allow_methods": ["GET", "POST"],
        "allow_headers": ["Accept", "Content-Type"],
        "expose_headers": ["X-Peacetalks-Truncated", "X-Peacetalks-Row-Limit"],
    }
    app.add_middleware(CORSMiddleware, **cors)
    app.cors = CORSMiddleware(app=app.router, **cors)  # its headers, for the lean path
    app.lean = {("GET", "/sparql"): sparql.sparql_get, ("POST", "/sparql"): sparql.sparql_post}
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(AccessLogMiddleware)

    app.include_router(sparql.router)
    app.include_router(ops.router)
    canned = api.build_router()
    app.lean.update(canned.lean)
    app.include_router(canned)
    app.include_router(linked_data.router)
    app.include_router(web.router)
    return app
