"""The verified N-Quads cache: write it once, immutably; load it only if it is intact.

A cache entry is `dataset-<version>.nq` plus `dataset-<version>.json`, the manifest holding
the file's sha256 and quad count. Both are written to a temporary file and renamed, so a
reader sees a whole file or none. `load_verified` checks the digest before parsing and the
quad count after, and raises `CacheDamaged` on any mismatch: a damaged cache is never
served. Kept free of rdflib/owlrl because every query worker imports it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pyoxigraph as ox


class CacheDamaged(Exception):
    """The cache file is missing, unreadable or not the bytes its manifest describes."""


class CacheUnwritable(Exception):
    """The cache directory cannot be written (read-only, not a directory, disk full…)."""


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to a temporary read-only sibling, flush it to disk and rename it over
    `path`: readers see the old file or the new one, never a part."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with tmp.open("wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        tmp.chmod(0o444)
        tmp.replace(path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise CacheUnwritable(
            f"cannot write the dataset cache {path}: {e.strerror or e}; "
            "set PEACETALKS_CACHE_DIR (or --cache-dir) to a writable directory"
        ) from e


def load_verified(path: Path, sha256: str, quads: int) -> ox.Store:
    """A new in-memory store with the quads of `path`, if its sha256 and quad count are the
    expected ones; otherwise `CacheDamaged` naming the file and what differs."""
    try:
        actual = sha256_file(path)
    except OSError as e:
        raise CacheDamaged(f"dataset cache {path} is unreadable: {e.strerror or e}") from e
    if actual != sha256:
        raise CacheDamaged(
            f"dataset cache {path} was changed after it was written "
            f"(sha256 {actual[:12]}…, manifest says {sha256[:12]}…)"
        )
    store = ox.Store()
    try:
        store.bulk_load(path=path, format=ox.RdfFormat.N_QUADS)
    except (SyntaxError, OSError, ValueError) as e:
        raise CacheDamaged(f"dataset cache {path} cannot be parsed: {e}") from e
    if len(store) != quads:
        raise CacheDamaged(f"dataset cache {path} holds {len(store)} quads, manifest says {quads}")
    return store
