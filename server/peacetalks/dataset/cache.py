"""The verified N-Quads cache: write it once, immutably; load it only if it is intact.

A cache entry is `dataset-<version>.nq` plus `dataset-<version>.json`, the manifest holding
the file's sha256 and quad count. Both are written to a temporary file and renamed, so a
reader sees a whole file or none. `load_verified` checks the digest before parsing and the
quad count after, and raises `CacheDamaged` on any mismatch: a damaged cache is never
served. Kept free of rdflib/owlrl because every query worker imports it.

A big dataset is also served from disk: `build_disk_store` loads the verified N-Quads into
one RocksDB store `dataset-<version>.store/` (built under a temporary name, renamed when
whole) with a marker `peacetalks-store.json` naming the sha256 and quad count of the
N-Quads it holds; `open_verified` opens such a directory read-only (the server and every
worker share it) after checking the marker and the quad count.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import IO, BinaryIO, cast

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
    _replace_atomically(path, lambda f: f.write(data))


class _Hashing:
    """A binary file that also hashes what is written through it."""

    def __init__(self, f: BinaryIO) -> None:
        self.file = f
        self.sha256 = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        return self.file.write(data)

    def flush(self) -> None:
        self.file.flush()


def _replace_atomically(path: Path, write: Callable[[_Hashing], object]) -> str:
    """`write` into a temporary sibling, fsync, make it read-only, rename it over `path`;
    returns the sha256 of what was written (hashed on the way, not read back)."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with tmp.open("wb") as f:
            out = _Hashing(f)
            write(out)
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
    return out.sha256.hexdigest()


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


def dump_atomically(path: Path, store: ox.Store) -> str:
    """Stream `store` as N-Quads into `path` (atomically, as `write_atomically`); returns
    the file's sha256."""
    # dump only calls write() and flush(), which _Hashing has
    return _replace_atomically(
        path, lambda f: store.dump(cast(IO[bytes], f), format=ox.RdfFormat.N_QUADS)
    )


STORE_MARKER = "peacetalks-store.json"
"""In a disk store's directory: the sha256 and quad count of the N-Quads it was built from."""


def build_disk_store(nquads: Path, sha256: str, quads: int, directory: Path) -> None:
    """Load the verified N-Quads file into a new RocksDB store at `directory` (built beside
    it under a temporary name and renamed once whole and marked)."""
    try:
        actual = sha256_file(nquads)
    except OSError as e:
        raise CacheDamaged(f"dataset cache {nquads} is unreadable: {e.strerror or e}") from e
    if actual != sha256:
        raise CacheDamaged(f"dataset cache {nquads} was changed after it was written")
    tmp = directory.with_name(f".{directory.name}.tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        store = ox.Store(str(tmp))
        store.bulk_load(path=nquads, format=ox.RdfFormat.N_QUADS)
        store.flush()  # no optimize(): its compaction costs a third more, queries gain little
        if len(store) != quads:
            raise CacheDamaged(f"dataset cache {nquads} gave {len(store)} quads, not {quads}")
        del store  # closes the database before the rename
        marker = json.dumps({"sha256": sha256, "quads": quads}).encode()
        write_atomically(tmp / STORE_MARKER, marker)
        if _holds(directory, sha256, quads):  # another server built it meanwhile: keep
            shutil.rmtree(tmp, ignore_errors=True)  # theirs, it may be open already
            return
        shutil.rmtree(directory, ignore_errors=True)  # a damaged earlier one
        tmp.replace(directory)
    except (OSError, SyntaxError, ValueError) as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise CacheUnwritable(
            f"cannot build the disk store {directory}: {e}; "
            "set PEACETALKS_CACHE_DIR (or --cache-dir) to a writable directory"
        ) from e
    except CacheDamaged:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _holds(directory: Path, sha256: str, quads: int) -> bool:
    """Whether `directory` is a whole disk store of these N-Quads (by its marker)."""
    try:
        marker = json.loads((directory / STORE_MARKER).read_text(encoding="utf-8"))
        return bool(marker["sha256"] == sha256 and marker["quads"] == quads)
    except (OSError, ValueError, KeyError, TypeError):
        return False


def open_verified(path: Path, sha256: str, quads: int) -> ox.Store:
    """The store at `path`: a disk store directory opened read-only, or an N-Quads file
    loaded into memory (`load_verified`); `CacheDamaged` unless it holds exactly the
    `quads` quads of the N-Quads file with digest `sha256`."""
    if not path.is_dir():
        return load_verified(path, sha256, quads)
    try:
        marker = json.loads((path / STORE_MARKER).read_text(encoding="utf-8"))
        ok = marker["sha256"] == sha256 and marker["quads"] == quads
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise CacheDamaged(f"disk store {path} has no usable {STORE_MARKER}: {e}") from e
    if not ok:
        raise CacheDamaged(f"disk store {path} holds another dataset than {sha256[:12]}…")
    try:
        store = ox.Store.read_only(str(path))
    except OSError as e:
        raise CacheDamaged(f"disk store {path} cannot be opened: {e}") from e
    if len(store) != quads:
        raise CacheDamaged(f"disk store {path} holds {len(store)} quads, marker says {quads}")
    return store
