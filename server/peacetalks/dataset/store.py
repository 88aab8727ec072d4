"""Build the served dataset once, cache it as N-Quads, and reload it from the cache.

The dataset is the shipped ontology and graph files plus any extra files, each in its own
named graph, plus the OWL RL inferences in `…/graph/inferred`. The cache directory holds
`dataset.nq` and `manifest.json` (the hashes of the inputs, the settings that shape the
build, the graph counts); `load_dataset` rebuilds only when that key changed. A broken input
raises `DataFileError` before anything is written, so nothing half-loaded is served.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from peacetalks import __version__, resources
from peacetalks.dataset.inference import owl_rl_inferences
from peacetalks.dataset.loading import (
    INFERRED_GRAPH,
    Source,
    extra_sources,
    read_source,
    shipped_sources,
)
from peacetalks.settings import Settings

log = logging.getLogger("peacetalks.dataset")

CACHE_FORMAT = 1
"""Bump when the cache layout or the build changes meaning."""
NQUADS_NAME = "dataset.nq"
MANIFEST_NAME = "manifest.json"


@dataclass
class Dataset:
    """The loaded dataset: an in-memory store plus what `/ready` and the workers need."""

    store: ox.Store
    """In-memory store in the server process (labels, `/ready`, dumps)."""
    nquads_path: Path
    """The N-Quads cache file the query workers load."""
    graph_counts: dict[str, int]
    """Triples per named graph."""
    version: str
    """Hash of the inputs and build settings; changes whenever the data does."""
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    build_seconds: float = 0.0
    """Time of the build that produced the cache (0 if it was reused, see `from_cache`)."""
    load_seconds: float = 0.0
    """Time to load the store in this process."""
    from_cache: bool = False

    @property
    def total(self) -> int:
        """Triples over all named graphs."""
        return sum(self.graph_counts.values())

    @property
    def graphs(self) -> frozenset[str]:
        """The named graph IRIs present in the store."""
        return frozenset(self.graph_counts)


def input_sources(settings: Settings, extra_paths: Iterable[Path] = ()) -> list[Source]:
    """All sources in build order: shipped files (if enabled), then extras."""
    sources = shipped_sources(resources.data_root()) if settings.shipped_data else []
    return sources + extra_sources([*settings.data, *extra_paths])


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _build_key(sources: list[Source], settings: Settings) -> dict[str, object]:
    return {
        "cache_format": CACHE_FORMAT,
        "package_version": __version__,
        "pyoxigraph": ox.__version__,
        "inference": settings.inference,
        "inputs": [[s.graph, str(s.path), _sha256(s.path)] for s in sources],
    }


def _version(key: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


def count_graphs(store: ox.Store) -> dict[str, int]:
    """Triples per named graph (graph IRI → count)."""
    rows = store.query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    )
    assert isinstance(rows, ox.QuerySolutions)
    return {r["g"].value: int(r["n"].value) for r in rows}


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    tmp.write_bytes(data)
    tmp.replace(path)


def build(
    sources: list[Source], *, inference: bool, progress: bool = False
) -> tuple[ox.Store, float]:
    """Parse every source and compute inferences into a new in-memory store."""
    started = time.perf_counter()
    quads: list[ox.Quad] = []
    if progress and sources:
        from rich.progress import Progress

        with Progress(transient=False) as bar:
            task = bar.add_task("loading RDF files", total=len(sources))
            for s in sources:
                bar.update(task, description=f"loading {s.path.name}")
                quads.extend(read_source(s))
                bar.advance(task)
    else:
        for s in sources:
            quads.extend(read_source(s))
    store = ox.Store()
    store.extend(quads)
    if inference and quads:
        if progress:
            from rich.console import Console

            with Console(stderr=True).status("computing OWL RL inferences (owlrl)…"):
                inferred = owl_rl_inferences(quads)
        else:
            inferred = owl_rl_inferences(quads)
        graph = ox.NamedNode(INFERRED_GRAPH)
        store.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in inferred)
    return store, time.perf_counter() - started


def load_dataset(
    settings: Settings, *, extra_paths: Iterable[Path] = (), progress: bool = False
) -> Dataset:
    """The dataset for `settings`: reuse the cache when its input hashes match, else build
    and write it. Raises `loading.DataFileError` for a broken input file."""
    sources = input_sources(settings, extra_paths)
    key = _build_key(sources, settings)
    version = _version(key)
    cache = settings.cache_dir
    nquads = cache / NQUADS_NAME
    manifest_path = cache / MANIFEST_NAME
    started = time.perf_counter()
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError):
        manifest = None
    if manifest and manifest.get("version") == version and nquads.is_file():
        store = ox.Store()
        store.bulk_load(path=nquads, format=ox.RdfFormat.N_QUADS)
        log.info("dataset %s loaded from cache %s", version, nquads)
        return Dataset(
            store=store,
            nquads_path=nquads,
            graph_counts=manifest["graph_counts"],
            version=version,
            build_seconds=manifest.get("build_seconds", 0.0),
            load_seconds=time.perf_counter() - started,
            from_cache=True,
        )
    log.info("building dataset from %d files (inference=%s)", len(sources), settings.inference)
    store, seconds = build(sources, inference=settings.inference, progress=progress)
    counts = count_graphs(store)
    cache.mkdir(parents=True, exist_ok=True)
    data = ox.serialize(store, format=ox.RdfFormat.N_QUADS)
    assert data is not None
    _atomic_write(nquads, data)
    manifest = {"version": version, **key, "graph_counts": counts, "build_seconds": seconds}
    _atomic_write(manifest_path, json.dumps(manifest, indent=1).encode())
    return Dataset(
        store=store,
        nquads_path=nquads,
        graph_counts=counts,
        version=version,
        build_seconds=seconds,
        load_seconds=time.perf_counter() - started,
    )
