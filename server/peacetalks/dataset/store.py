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

Where the served store lives is `Settings.store` (`store_mode`): in memory, one copy per
process (each worker loads the N-Quads), or on disk, one read-only RocksDB store
`dataset-<version>.store/` beside the entry that the server and all workers open — for
big datasets, where memory matters more than the 3–8× slower analytic queries.
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
    build_disk_store,
    dump_atomically,
    load_verified,
    open_verified,
    sha256_file,
    write_atomically,
)
from peacetalks.dataset.loading import (
    INFERRED_GRAPH,
    Source,
    extra_sources,
    load_source,
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
    """The store of the server process (labels, `/ready`, dumps): in memory, or the shared
    disk store opened read-only (`store_path`)."""
    nquads_path: Path
    """The N-Quads cache file (immutable, verified) the query workers load in memory mode."""
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
    store_path: Path | None = None
    """The shared read-only disk store (`Settings.store`), or None in memory mode."""

    @property
    def worker_source(self) -> Path:
        """What every query worker opens (`cache.open_verified`): the disk store directory,
        or the N-Quads file it loads into its own memory."""
        return self.store_path or self.nquads_path

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
    sources: list[Source], *, inference: bool, progress: bool = False, phases: Phases | None = None
) -> tuple[ox.Store, float]:
    """Parse every source and compute inferences into a new in-memory store; with
    `progress` (or the `phases` of a longer start), a progress bar on stderr names the
    phase (parsing, inference)."""
    started = time.perf_counter()
    store = ox.Store()
    with phases or Phases(progress) as bar:
        bar.start("parsing", total=len(sources))
        for s in sources:  # a broken file raises, and this store is thrown away
            bar.step(f"parsing {s.path.name}")
            load_source(store, s)
        if inference and len(store):
            from peacetalks.dataset.inference import infer  # a warm start needs none of it

            bar.start("inference", total=None)
            infer(
                store,
                ox.NamedNode(INFERRED_GRAPH),
                on_round=lambda r, n: bar.step(f"inference: round {r}, {n} new triples"),
            )
    return store, time.perf_counter() - started


class Phases:
    """A rich progress bar (stderr) naming the phase of a long start — parsing, inference,
    cache, workers (`peacetalks serve`), push — or nothing when disabled. Re-entrant: a
    phase started inside an open bar replaces the previous one on the same line."""

    def __init__(self, enabled: bool) -> None:
        self._bar: Any = None
        self._task: Any = None
        self._depth = 0
        if enabled:
            from rich.console import Console
            from rich.progress import Progress

            self._bar = Progress(console=Console(stderr=True), transient=True)

    def __enter__(self) -> Phases:
        if self._bar is not None and self._depth == 0:
            self._bar.start()
        self._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        if self._bar is not None and self._depth == 0:
            self._bar.stop()

    def start(self, phase: str, total: int | None) -> None:
        if self._bar is not None:
            if self._task is not None:
                self._bar.remove_task(self._task)
            self._task = self._bar.add_task(phase, total=total)

    def step(self, description: str) -> None:
        if self._bar is not None:
            self._bar.update(self._task, description=description, advance=1)


def store_mode(settings: Settings, quads: int) -> str:
    """`memory` or `disk` for a dataset of `quads` quads (`Settings.store`)."""
    if settings.store != "auto":
        return settings.store
    return "disk" if quads >= settings.disk_store_quads else "memory"


def disk_store_path(nquads: Path) -> Path:
    """The disk store directory of a cache entry (`dataset-<version>.store`)."""
    return nquads.with_suffix(".store")


def _release_memory() -> None:
    """Hand freed heap pages back to the system (glibc keeps them otherwise), so the server
    that built in memory and now serves from disk does not keep the build's footprint."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def _open_disk(nquads: Path, sha256: str, quads: int) -> tuple[ox.Store, Path]:
    """The shared disk store of this entry, built from the N-Quads first if it is missing
    or damaged."""
    directory = disk_store_path(nquads)
    try:
        return open_verified(directory, sha256, quads), directory
    except CacheDamaged as e:
        if directory.exists():
            log.warning("%s; rebuilding it", e)
    log.info("building the disk store %s", directory)
    build_disk_store(nquads, sha256, quads, directory)
    return open_verified(directory, sha256, quads), directory


def cache_paths(cache_dir: Path, version: str) -> tuple[Path, Path]:
    """The N-Quads file and the manifest of one version's cache entry."""
    return cache_dir / f"dataset-{version}.nq", cache_dir / f"dataset-{version}.json"


def _reuse(nquads: Path, manifest_path: Path, version: str, settings: Settings) -> Dataset | None:
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
    store_path = None
    try:
        if store_mode(settings, quads) == "disk":
            store, store_path = _open_disk(nquads, sha256, quads)
        else:
            store = load_verified(nquads, sha256, quads)
    except CacheDamaged as e:
        log.warning("%s; rebuilding", e)
        return None
    log.info("dataset %s loaded from the verified cache %s", version, store_path or nquads)
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
        store_path=store_path,
    )


def load_dataset(
    settings: Settings,
    *,
    extra_paths: Iterable[Path] = (),
    progress: bool = False,
    phases: Phases | None = None,
) -> Dataset:
    """The dataset for `settings`: reuse its verified cache entry, else build and write one
    (a progress bar on stderr with `progress`, or on the `phases` of a longer start).
    Raises `loading.DataFileError` for a broken input file and `cache.CacheUnwritable`
    when a new entry cannot be written."""
    sources = input_sources(settings, extra_paths)
    key = _build_key(sources, settings)
    version = _version(key)
    nquads, manifest_path = cache_paths(settings.cache_dir, version)
    with phases or Phases(progress) as bar:
        bar.start(f"cache: loading {nquads.name}", total=None)
        reused = _reuse(nquads, manifest_path, version, settings)
        if reused is not None:
            return reused
        return _build_entry(sources, key, version, settings, bar)


def _build_entry(
    sources: list[Source], key: dict[str, object], version: str, settings: Settings, bar: Phases
) -> Dataset:
    """Build the dataset of `version` and write its cache entry (and disk store)."""
    nquads, manifest_path = cache_paths(settings.cache_dir, version)
    started = time.perf_counter()
    log.info("building dataset from %d files (inference=%s)", len(sources), settings.inference)
    store, seconds = build(sources, inference=settings.inference, phases=bar)
    bar.start(f"cache: writing {nquads.name}", total=None)
    counts = count_graphs(store)
    quads = len(store)
    try:
        settings.cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CacheUnwritable(
            f"cannot create the dataset cache directory {settings.cache_dir}: "
            f"{e.strerror or e}; set PEACETALKS_CACHE_DIR (or --cache-dir) to a writable one"
        ) from e
    sha256 = dump_atomically(nquads, store)
    manifest = {
        "version": version,
        "sha256": sha256,
        "quads": quads,
        **key,
        "graph_counts": counts,
        "build_seconds": seconds,
    }
    write_atomically(manifest_path, json.dumps(manifest, indent=1).encode())
    store_path = None
    if store_mode(settings, quads) == "disk":
        del store  # one copy: the server serves from the shared disk store too
        _release_memory()
        bar.start(f"cache: building the disk store {disk_store_path(nquads).name}", total=None)
        store, store_path = _open_disk(nquads, sha256, quads)
    return Dataset(
        store=store,
        nquads_path=nquads,
        sha256=sha256,
        quads=quads,
        graph_counts=counts,
        version=version,
        build_seconds=seconds,
        load_seconds=time.perf_counter() - started,
        store_path=store_path,
    )
