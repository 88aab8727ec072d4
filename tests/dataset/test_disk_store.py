"""Issue 11: a big dataset is served from one shared read-only disk store.

`Settings.store` picks where the served store lives; `auto` switches to disk from
`disk_store_quads` quads on. The disk store is built once from the verified N-Quads, the
server and every worker open it read-only, and one that holds another dataset is rebuilt,
never served.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyoxigraph as ox
import pytest
from peacetalks.dataset.cache import STORE_MARKER, CacheDamaged, open_verified
from peacetalks.dataset.store import load_dataset, store_mode
from peacetalks.settings import Settings
from peacetalks.sparql.executor import QueryExecutor, QueryRequest

DATA = Path(__file__).parents[1] / "data" / "server"
JSON = "application/sparql-results+json"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def _settings(tmp_path: Path, **kw: object) -> Settings:
    files = [DATA / "tiny.ttl", DATA / "quads.trig"]
    return Settings(shipped_data=False, data=files, cache_dir=tmp_path / "cache", **kw)


def _forge_marker(store_path: Path | None, quads: int) -> None:
    """Make the disk store claim to hold another dataset (same count, other digest)."""
    assert store_path is not None
    marker = store_path / STORE_MARKER
    os.chmod(marker, 0o644)
    marker.write_text(json.dumps({"sha256": "0" * 64, "quads": quads}))


def test_auto_picks_disk_from_the_threshold_on(tmp_path: Path) -> None:
    settings = _settings(tmp_path, disk_store_quads=100)
    assert store_mode(settings, 99) == "memory" and store_mode(settings, 100) == "disk"
    assert store_mode(_settings(tmp_path, store="memory", disk_store_quads=0), 10**9) == "memory"
    assert store_mode(_settings(tmp_path, store="disk"), 1) == "disk"


def test_bad_store_setting_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="store"):
        _settings(tmp_path, store="ram")


def test_disk_mode_serves_the_same_quads_read_only(tmp_path: Path) -> None:
    memory = load_dataset(_settings(tmp_path / "m", store="memory"))
    disk = load_dataset(_settings(tmp_path / "d", store="disk"))
    assert memory.store_path is None and memory.worker_source == memory.nquads_path
    assert disk.store_path is not None and disk.worker_source == disk.store_path
    assert disk.store_path.is_dir() and disk.version == memory.version
    assert set(disk.store) == set(memory.store) and disk.quads == len(memory.store)
    with pytest.raises(RuntimeError, match="read-write"):  # nothing can change what is served
        disk.store.add(ox.Quad(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.Literal("o")))


def test_a_warm_disk_start_reuses_the_store(tmp_path: Path) -> None:
    settings = _settings(tmp_path, store="disk")
    first = load_dataset(settings)
    assert first.store_path is not None
    built = first.store_path.stat().st_mtime_ns
    del first
    second = load_dataset(settings)
    assert second.from_cache and second.store_path is not None
    assert second.store_path.stat().st_mtime_ns == built and len(second.store) == second.quads


def test_a_disk_store_of_another_dataset_is_rebuilt(tmp_path: Path) -> None:
    settings = _settings(tmp_path, store="disk")
    first = load_dataset(settings)
    _forge_marker(first.store_path, first.quads)
    with pytest.raises(CacheDamaged, match="another dataset"):
        open_verified(first.nquads_path.with_suffix(".store"), first.sha256, first.quads)
    del first
    again = load_dataset(settings)
    assert again.store_path is not None and len(again.store) == again.quads
    assert json.loads((again.store_path / STORE_MARKER).read_text())["sha256"] == again.sha256


def test_a_disk_store_without_its_marker_is_not_served(tmp_path: Path) -> None:
    dataset = load_dataset(_settings(tmp_path, store="disk"))
    assert dataset.store_path is not None
    (dataset.store_path / STORE_MARKER).unlink()
    with pytest.raises(CacheDamaged, match=STORE_MARKER):
        open_verified(dataset.store_path, dataset.sha256, dataset.quads)


def test_workers_answer_from_the_shared_disk_store(tmp_path: Path) -> None:
    settings = _settings(tmp_path, store="disk", workers=2, api_workers=0)
    dataset = load_dataset(settings)
    executor = QueryExecutor(dataset, settings)
    try:
        for _ in range(4):  # both workers
            body = json.loads(executor.run(QueryRequest(COUNT, JSON)).body)
            assert int(body["results"]["bindings"][0]["n"]["value"]) == dataset.quads
    finally:
        executor.close()


def test_workers_refuse_a_disk_store_of_another_dataset(tmp_path: Path) -> None:
    from peacetalks.errors import Unavailable

    settings = _settings(tmp_path, store="disk", workers=1, api_workers=0)
    dataset = load_dataset(settings)
    _forge_marker(dataset.store_path, dataset.quads)
    with pytest.raises(Unavailable, match="another dataset"):
        QueryExecutor(dataset, settings)


def test_a_store_another_server_built_meanwhile_is_kept(tmp_path: Path) -> None:
    from peacetalks.dataset.cache import build_disk_store

    dataset = load_dataset(_settings(tmp_path, store="disk"))
    assert dataset.store_path is not None
    before = {p.name: p.stat().st_ino for p in dataset.store_path.iterdir()}
    build_disk_store(dataset.nquads_path, dataset.sha256, dataset.quads, dataset.store_path)
    assert {p.name: p.stat().st_ino for p in dataset.store_path.iterdir()} == before
    assert len(dataset.store) == dataset.quads  # the open store still reads its files
    assert not list(dataset.store_path.parent.glob(".*.tmp*"))
