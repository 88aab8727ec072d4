"""The canned-query checks are cached by content: a warm start runs no rdflib parse."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from peacetalks import resources
from peacetalks.api import query_checks
from peacetalks.api.catalog import Catalog, CatalogError


def _refuse(*args: object) -> None:
    raise AssertionError("the SPARQL checks ran although their verdict was cached")


@pytest.fixture
def queries(tmp_path: Path) -> Path:
    directory = tmp_path / "queries"
    shutil.copytree(resources.queries_dir(), directory, ignore=shutil.ignore_patterns("checks"))
    return directory


def test_a_warm_catalog_runs_no_check(
    queries: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = Catalog.load(queries, tmp_path / "cache")
    monkeypatch.setattr(query_checks, "check_query", _refuse)
    warm = Catalog.load(queries, tmp_path / "cache")
    assert dict(warm) == dict(cold) and len(warm) > 0


def test_changed_text_is_checked_again(
    queries: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Catalog.load(queries, tmp_path / "cache")
    first = sorted(queries.glob("*.rq"))[0]
    first.write_text(first.read_text().replace("ORDER BY", "#", 1) + "\nLIMIT 3\n")
    with pytest.raises(CatalogError, match=first.name):
        Catalog.load(queries, tmp_path / "cache")


def test_a_garbage_check_cache_is_ignored(queries: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "catalog-checks.json").write_text("[not, json")
    assert len(Catalog.load(queries, cache)) == len(list(queries.glob("*.rq")))
    warm = Catalog.load(queries, cache)  # and the cache was rewritten
    assert len(warm) == len(list(queries.glob("*.rq")))
