"""Issue 10: a damaged or foreign cache is never served; the version depends on content only.

Each test is one case of the issue; each failed on the code before the verified cache
(a cut cache was served with `from_cache: true`, paths changed the version, workers loaded
whatever file they found, a garbage cache raised a traceback).
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from pathlib import Path

import pytest
from peacetalks.cli import main
from peacetalks.dataset.store import load_dataset
from peacetalks.errors import QueryTimeout, Unavailable
from peacetalks.settings import Settings
from peacetalks.sparql.executor import QueryExecutor, QueryRequest

DATA = Path(__file__).parents[1] / "data" / "server"
JSON = "application/sparql-results+json"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


def _settings(cache: Path, *files: Path, **kw: object) -> Settings:
    return Settings(shipped_data=False, data=list(files), cache_dir=cache, **kw)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return _settings(tmp_path / "cache", DATA / "tiny.ttl", DATA / "quads.trig", workers=1)


def _damage(path: Path, data: bytes) -> None:
    path.chmod(0o644)  # the cache is written read-only; a user or a bug can still change it
    path.write_bytes(data)


def _cut_at_a_line_end(path: Path) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    _damage(path, b"".join(lines[: len(lines) // 2]))


@pytest.mark.parametrize(
    "damage",
    [
        _cut_at_a_line_end,
        lambda p: _damage(p, b""),
        lambda p: _damage(p, b"\x00garbage, not N-Quads <\n"),
        lambda p: p.unlink(),
    ],
    ids=["cut-at-line-end", "empty", "garbage", "missing"],
)
def test_a_damaged_cache_is_rebuilt_not_served(settings: Settings, damage: object) -> None:
    first = load_dataset(settings)
    assert callable(damage)
    damage(first.nquads_path)
    second = load_dataset(settings)
    assert not second.from_cache
    assert len(second.store) == second.total == first.total
    assert second.nquads_path.read_bytes() == first.nquads_path.read_bytes()
    assert load_dataset(settings).from_cache  # and the rebuilt entry is good again


def test_a_garbage_manifest_is_rebuilt(settings: Settings) -> None:
    first = load_dataset(settings)
    for manifest in settings.cache_dir.glob("*.json"):
        manifest.write_text("{not json")
    second = load_dataset(settings)
    assert not second.from_cache and len(second.store) == first.total


def test_same_content_on_another_path_has_the_same_version(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        shutil.copy(DATA / "tiny.ttl", tmp_path / name / "tiny.ttl")
    a = load_dataset(_settings(tmp_path / "cache-a", tmp_path / "a" / "tiny.ttl"))
    b = load_dataset(_settings(tmp_path / "cache-b", tmp_path / "b" / "tiny.ttl"))
    assert a.version == b.version
    assert a.nquads_path.read_bytes() == b.nquads_path.read_bytes()


def test_two_installs_sharing_a_cache_do_not_overwrite_each_other(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    one = _settings(cache, DATA / "tiny.ttl", inference=False)
    two = _settings(cache, DATA / "tiny.ttl", DATA / "quads.trig", inference=False)
    v1, v2 = load_dataset(one), load_dataset(two)
    assert v1.version != v2.version and v1.nquads_path != v2.nquads_path
    again1, again2 = load_dataset(one), load_dataset(two)
    assert again1.from_cache and again2.from_cache
    assert (again1.total, again2.total) == (v1.total, v2.total)


def test_workers_refuse_a_cache_changed_under_the_server(settings: Settings) -> None:
    dataset = load_dataset(settings)
    extra = b"<http://example.org/x> <http://example.org/y> <http://example.org/z> .\n"
    _damage(dataset.nquads_path, dataset.nquads_path.read_bytes() + extra)
    with pytest.raises(Unavailable, match="changed after it was written"):
        QueryExecutor(dataset, settings)


def test_a_restarted_worker_refuses_a_changed_cache(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    dataset = load_dataset(settings)
    executor = QueryExecutor(dataset, settings)
    try:
        _cut_at_a_line_end(dataset.nquads_path)
        caplog.set_level(logging.ERROR, "peacetalks.executor")
        with pytest.raises(QueryTimeout):  # the worker is killed and a successor started
            executor.run(QueryRequest(SLOW, JSON), timeout=0.01)
        deadline = time.monotonic() + 30
        while "refused" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "refused to serve" in caplog.text and "changed after it was written" in caplog.text
    finally:
        executor.close()


def test_build_into_an_unwritable_cache_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("PEACETALKS_SHIPPED_DATA", "false")
    monkeypatch.setenv("PEACETALKS_DATA", str(DATA / "tiny.ttl"))
    monkeypatch.setenv("PEACETALKS_CACHE_DIR", str(blocker / "cache"))
    with pytest.raises(SystemExit) as exit_:
        main(["build", "--no-inference"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "cannot create the dataset cache directory" in err and "PEACETALKS_CACHE_DIR" in err


def test_build_over_a_garbage_cache_rebuilds(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    first = load_dataset(settings)
    _damage(first.nquads_path, b"garbage\n")
    monkeypatch.setenv("PEACETALKS_SHIPPED_DATA", "false")
    monkeypatch.setenv("PEACETALKS_DATA", f"{DATA / 'tiny.ttl'}:{DATA / 'quads.trig'}")
    monkeypatch.setenv("PEACETALKS_CACHE_DIR", str(settings.cache_dir))
    assert main(["build"]) == 0
    out = capsys.readouterr().out
    assert f"{first.total} triples" in out and "built" in out


def test_the_manifest_records_digest_and_count(settings: Settings) -> None:
    dataset = load_dataset(settings)
    manifest = json.loads(dataset.nquads_path.with_suffix(".json").read_text())
    assert manifest["quads"] == dataset.total == len(dataset.store)
    assert manifest["version"] == dataset.version
    assert all(str(DATA) not in json.dumps(entry) for entry in manifest["inputs"])
