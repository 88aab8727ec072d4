"""The backend seam: where queries run — the embedded pyoxigraph store (default) or an
external SPARQL 1.1 engine (`PEACETALKS_BACKEND`). `open_backend` is the one place the
choice is made (README "Running on an external SPARQL engine").

`remote` speaks the SPARQL 1.1 Protocol and the Graph Store Protocol with httpx
(`RemoteExecutor` for /sparql and /api, `RemoteStore` for pages, dumps and labels);
`engines` keeps every engine's quirks in one documented place; `push` fills the engine
(`peacetalks push --to URL`).

This module imports neither FastAPI nor httpx: `peacetalks serve` opens the backend first,
so the query workers load the dataset while the web stack is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from peacetalks.backend.remote import RemoteExecutor
    from peacetalks.dataset.store import Dataset
    from peacetalks.settings import Settings
    from peacetalks.sparql.executor import QueryExecutor


@dataclass
class Backend:
    """The dataset and the two executors: `executor` for /sparql and pages, `api_executor`
    for /api (workers or connections of its own, so it never queues behind /sparql; on the
    embedded store it also borrows a /sparql worker that is idle when all of its own are
    busy)."""

    dataset: Dataset
    executor: QueryExecutor | RemoteExecutor
    api_executor: QueryExecutor | RemoteExecutor

    def _executors(self) -> list[QueryExecutor | RemoteExecutor]:
        return list({id(e): e for e in (self.executor, self.api_executor)}.values())

    @property
    def starting(self) -> int:
        """Query workers started and still loading (0 on a remote engine)."""
        return sum(e.starting for e in self._executors())

    def wait_ready(self, on_ready: Callable[[], object] | None = None) -> None:
        """Wait until every executor can answer (`on_ready` is called as each query worker
        is); closes everything if one cannot."""
        try:
            for executor in self._executors():
                executor.wait_ready(on_ready)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self.executor.close()
        self.api_executor.close()


def open_backend(settings: Settings, dataset: Dataset | None = None) -> Backend:
    """The backend for `settings`: with `PEACETALKS_BACKEND`, the remote engine (its dataset
    read from the engine; `dataset` must be None); else the embedded store (`dataset`, or
    the one `load_dataset` builds or reuses) with its query workers started — call
    `Backend.wait_ready()` before serving."""
    if settings.backend:
        from peacetalks.backend import remote

        if dataset is not None:
            raise ValueError("a dataset is served embedded, not with a backend")
        dataset = remote.connect(settings)
        engine = remote.RemoteExecutor(settings, dataset.graphs)
        api_engine = (
            remote.RemoteExecutor(settings, dataset.graphs) if settings.api_workers else engine
        )
        return Backend(dataset, engine, api_engine)
    from peacetalks.dataset.store import load_dataset
    from peacetalks.sparql.executor import QueryExecutor

    dataset = dataset or load_dataset(settings)
    executor = QueryExecutor(dataset, settings, wait=False)
    try:
        api_executor = (
            QueryExecutor(
                dataset,
                settings.model_copy(update={"workers": settings.api_workers}),
                wait=False,
                overflow=executor,  # /api borrows an idle /sparql worker, never the reverse
            )
            if settings.workers and settings.api_workers
            else executor
        )
    except BaseException:
        executor.close()
        raise
    return Backend(dataset, executor, api_executor)
