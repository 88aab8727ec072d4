"""Operations: `/health` (the process answers) and `/ready` (the dataset is loaded)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from peacetalks import __version__
from peacetalks.deps import DatasetDep

router = APIRouter(tags=["operations"])


@router.get("/health", summary="Liveness: the server process answers")
async def health() -> dict[str, str]:
    # async: answered on the event loop, never waiting for a thread behind busy handlers
    return {"status": "ok"}


@router.get("/ready", summary="Readiness: store loaded, triples per named graph")
async def ready(request: Request, dataset: DatasetDep) -> dict[str, Any]:
    executor = request.app.state.executor
    return {
        "status": "ready",
        "version": __version__,
        "dataset_version": dataset.version,
        "graphs": dataset.graph_counts,
        "total_triples": dataset.total,
        "loaded_at": dataset.loaded_at.isoformat(),
        "load_seconds": round(dataset.load_seconds, 3),
        "build_seconds": round(dataset.build_seconds, 3),
        "from_cache": dataset.from_cache,
        "workers": {
            "sparql": executor.settings.workers,
            "api": getattr(request.app.state, "api_executor", executor).settings.workers,
            "network": executor.network,
        },
    }
