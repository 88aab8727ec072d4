"""Build the served dataset once, cache it as N-Quads, and reload it from the cache.

The dataset is the shipped ontology and graph files plus any extra files, each in its own
named graph, plus the OWL RL inferences in `…/graph/inferred`. Its version is a hash of
the build key: the graph names and sha256 of the inputs, the sha256 of the code that builds
(this package's `dataset/` modules), the engine versions and the settings that shape the
build — never a path, so the same data gives the same version on any path or machine.
The cache directory holds one immutable entry per version, `dataset-<version>.nq` and its
manifest `dataset-<version>.json` (sha256, quad count, graph counts; see
`peacetalks.dataset.cache`). `load_dataset` reuses an entry only after verifying it and
rebuilds a damaged one. A broken input raises `DataFileError` before anything is written.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from peacetalks import resources
from peacetalks.dataset.cache import (
    CacheDamaged,
    CacheUnwritable,
    load_verified,
    sha256_file,
    write_atomically,
)
from peacetalks.dataset.inference import infer
from peacetalks.dataset.loading import (
    INFERRED_GRAPH,
    Source,
    extra_sources,
    read_source,
    shipped_sources,
)
from peacetalks.settings import Settings

log = logging.getLogger("peacetalks.dataset")

CACHE_FORMAT = 2
"""Bump when the cache layout changes meaning (code changes are hashed: see `_code_digest`)."""
BUILD_CODE = ("cache.py", "inference.py", "loading.py", "store.py")
"""The modules of `peacetalks.dataset` whose source is part of the build key."""


@dataclass
class Dataset:
    """The loaded dataset: an in-memory store plus what `/ready` and the workers need."""

    store: ox.Store
    """In-memory store in the server process (labels, `/ready`, dumps)."""
    nquads_path: Path
    """The N-Quads cache file the query workers load (immutable, verified)."""
    sha256: str
    """Digest of `nquads_path`; every worker checks it before serving."""
    quads: int
    """Quads in `nquads_path`; every worker checks it after loading."""
    graph_counts: dict[str, int]
    """Triples per named graph."""
    version: str
    """Hash of the build key (input contents, build code, settings); paths play no part."""
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


def _code_digest() -> str:
    """sha256 over the source of the build modules: a change to the build is a new version."""
    h = hashlib.sha256()
    here = Path(__file__).parent
    for name in BUILD_CODE:
        h.update(name.encode() + b"\0" + (here / name).read_bytes() + b"\0")
    return h.hexdigest()


def _build_key(sources: list[Source], settings: Settings) -> dict[str, object]:
    """What the dataset is made of. The input's file extension stays (it picks the parser);
    its directory does not (`Source.graph` already says where in the dataset it goes)."""
    return {
        "cache_format": CACHE_FORMAT,
        "code": _code_digest(),
        "pyoxigraph": ox.__version__,
        "inference": settings.inference,
        "inputs": [[s.graph, s.path.suffix.lower(), sha256_file(s.path)] for s in sources],
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


def build(
    sources: list[Source], *, inference: bool, progress: bool = False
) -> tuple[ox.Store, float]:
    """Parse every source and compute inferences into a new in-memory store; with
    `progress`, a progress bar on stderr names the phase (parsing, inference)."""
    started = time.perf_counter()
    store = ox.Store()
    with _Phases(progress) as phases:
        phases.start("parsing", total=len(sources))
        quads: list[ox.Quad] = []
        for s in sources:
            phases.step(f"parsing {s.path.name}")
            quads.extend(read_source(s))
        store.extend(quads)  # only once every file parsed: a broken one changes nothing
        del quads
        if inference and len(store):
            phases.start("inference", total=None)
            infer(
                store,
                ox.NamedNode(INFERRED_GRAPH),
                on_round=lambda r, n: phases.step(f"inference: round {r}, {n} new triples"),
            )
    return store, time.perf_counter() - started


class _Phases:
    """A rich progress bar (stderr) for the build's phases, or nothing."""

    def __init__(self, enabled: bool) -> None:
        self._bar: Any = None
        self._task: Any = None
        if enabled:
            from rich.console import Console
            from rich.progress import Progress

            self._bar = Progress(console=Console(stderr=True), transient=True)

    def __enter__(self) -> _Phases:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def start(self, phase: str, total: int | None) -> None:
        if self._bar is not None:
            if self._task is not None:
                self._bar.remove_task(self._task)
            self._task = self._bar.add_task(phase, total=total)

    def step(self, description: str) -> None:
        if self._bar is not None:
            self._bar.update(self._task, description=description, advance=1)


def cache_paths(cache_dir: Path, version: str) -> tuple[Path, Path]:
    """The N-Quads file and the manifest of one version's cache entry."""
    return cache_dir / f"dataset-{version}.nq", cache_dir / f"dataset-{version}.json"


def _reuse(nquads: Path, manifest_path: Path, version: str) -> Dataset | None:
    """The cached dataset if its entry is whole and verified; None (after saying why, unless
    there is simply no entry yet) when it must be rebuilt."""
    started = time.perf_counter()
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        sha256, quads, counts = manifest["sha256"], manifest["quads"], manifest["graph_counts"]
        if manifest["version"] != version:
            raise ValueError(f"it describes version {manifest['version']}")
    except (FileNotFoundError, NotADirectoryError):  # no entry yet
        return None
    except (OSError, ValueError, KeyError, TypeError) as e:
        log.warning("dataset cache manifest %s is unusable (%s); rebuilding", manifest_path, e)
        return None
    try:
        store = load_verified(nquads, sha256, quads)
    except CacheDamaged as e:
        log.warning("%s; rebuilding", e)
        return None
    log.info("dataset %s loaded from the verified cache %s", version, nquads)
    return Dataset(
        store=store,
        nquads_path=nquads,
        sha256=sha256,
        quads=quads,
        graph_counts=counts,
        version=version,
        build_seconds=manifest.get("build_seconds", 0.0),
        load_seconds=time.perf_counter() - started,
        from_cache=True,
    )


def load_dataset(
    settings: Settings, *, extra_paths: Iterable[Path] = (), progress: bool = False
) -> Dataset:
    """The dataset for `settings`: reuse its verified cache entry, else build and write one.
    Raises `loading.DataFileError` for a broken input file and `cache.CacheUnwritable`
    when a new entry cannot be written."""
    sources = input_sources(settings, extra_paths)
    key = _build_key(sources, settings)
    version = _version(key)
    nquads, manifest_path = cache_paths(settings.cache_dir, version)
    reused = _reuse(nquads, manifest_path, version)
    if reused is not None:
        return reused
    started = time.perf_counter()
    log.info("building dataset from %d files (inference=%s)", len(sources), settings.inference)
    store, seconds = build(sources, inference=settings.inference, progress=progress)
    counts = count_graphs(store)
    data = ox.serialize(store, format=ox.RdfFormat.N_QUADS)
    assert data is not None
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        settings.cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CacheUnwritable(
            f"cannot create the dataset cache directory {settings.cache_dir}: "
            f"{e.strerror or e}; set PEACETALKS_CACHE_DIR (or --cache-dir) to a writable one"
        ) from e
    write_atomically(nquads, data)
    manifest = {
        "version": version,
        "sha256": sha256,
        "quads": len(store),
        **key,
        "graph_counts": counts,
        "build_seconds": seconds,
    }
    write_atomically(manifest_path, json.dumps(manifest, indent=1).encode())
    return Dataset(
        store=store,
        nquads_path=nquads,
        sha256=sha256,
        quads=len(store),
        graph_counts=counts,
        version=version,
        build_seconds=seconds,
        load_seconds=time.perf_counter() - started,
    )
