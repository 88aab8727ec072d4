"""`create_app(settings)`: the FastAPI application (no module-level singletons).

The app loads (or reuses) the dataset and starts the query workers — or, with
`PEACETALKS_BACKEND`, connects to the external engine `peacetalks push` filled
(`peacetalks.backend`) — and includes one router per concern. `app.state.settings`,
`app.state.dataset` and `app.state.executor` are what
routers use (see `peacetalks.deps`); the lifespan closes the executor on shutdown.
To add a router: one `app.include_router(...)` line below.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from peacetalks import __version__
from peacetalks.api import routes as api
from peacetalks.backend import remote
from peacetalks.backend.remote import RemoteExecutor
from peacetalks.dataset.store import Dataset, load_dataset
from peacetalks.errors import PeacetalksError, error_response
from peacetalks.linked_data import routes as linked_data
from peacetalks.logs import AccessLogMiddleware
from peacetalks.ops import routes as ops
from peacetalks.security import SecurityHeadersMiddleware
from peacetalks.settings import Settings
from peacetalks.sparql import routes as sparql
from peacetalks.sparql.executor import QueryExecutor
from peacetalks.sparql.result_cache import ResultCache
from peacetalks.web import routes as web


def create_app(settings: Settings | None = None, *, dataset: Dataset | None = None) -> FastAPI:
    """Build the app for `settings` (default: from the environment), loading the dataset
    unless one is given. Query workers start here, so the app is ready when this returns."""
    settings = settings or Settings()
    executor: QueryExecutor | RemoteExecutor
    api_executor: QueryExecutor | RemoteExecutor
    if settings.backend:  # the one place the backend is chosen (README "external engine")
        if dataset is not None:
            raise ValueError("create_app: a dataset is served embedded, not with a backend")
        dataset = remote.connect(settings)
        executor = RemoteExecutor(settings, dataset.graphs)
        # /api keeps connections of its own: it never queues behind /sparql traffic.
        api_executor = (
            RemoteExecutor(settings, dataset.graphs) if settings.api_workers else executor
        )
    else:
        dataset = dataset or load_dataset(settings)
        executor = QueryExecutor(dataset, settings)
        # Canned /api queries get workers of their own: they never queue behind /sparql traffic.
        api_executor = (
            QueryExecutor(dataset, settings.model_copy(update={"workers": settings.api_workers}))
            if settings.workers and settings.api_workers
            else executor
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            executor.close()
            api_executor.close()

    app = FastAPI(
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
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Accept", "Content-Type"],
        expose_headers=["X-Peacetalks-Truncated", "X-Peacetalks-Row-Limit"],
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(AccessLogMiddleware)

    app.include_router(sparql.router)
    app.include_router(ops.router)
    app.include_router(api.build_router(cache_dir=settings.cache_dir))
    app.include_router(linked_data.router)
    app.include_router(web.router)
    return app
