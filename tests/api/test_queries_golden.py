"""Every canned query runs against the shipped dataset and matches its golden result.

`tests/expected/<name>.json` holds the API's JSON answer for the query's example
parameters, rows sorted (the comparison ignores row order). After the graph changes:
`python tests/expected/regenerate.py` (or `PEACETALKS_UPDATE_GOLDEN=1 pytest …`), then
read the diffs — a golden is only as good as the review it got.
"""

from __future__ import annotations

import importlib.util
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from peacetalks import resources
from peacetalks.api.catalog import Catalog
from peacetalks.app import create_app
from peacetalks.settings import Settings

EXPECTED = Path(__file__).parents[1] / "expected"
_spec = importlib.util.spec_from_file_location("regenerate", EXPECTED / "regenerate.py")
assert _spec and _spec.loader
regenerate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(regenerate)

CATALOG = Catalog.load(resources.queries_dir())
UPDATE = os.environ.get("PEACETALKS_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def shipped() -> Iterator[TestClient]:
    """The shipped ontology + graph (with inferences), queries run in-process."""
    with TestClient(create_app(Settings(workers=0))) as client:
        yield client


@pytest.mark.parametrize("name", list(CATALOG))
def test_golden(shipped: TestClient, name: str) -> None:
    query = CATALOG[name]
    started = time.perf_counter()
    response = shipped.get(f"/api/{name}", params=query.example_params())
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text
    # A coarse guard (queries take 2-150 ms here): a free end in skos:broader* once cost 18 s.
    assert elapsed < 5, f"{name} took {elapsed:.1f} s"
    actual = regenerate.canonical(response.json())
    path = regenerate.golden_path(name)
    if UPDATE:
        path.write_text(regenerate.dump(actual), encoding="utf-8")
    assert path.is_file(), f"no golden for {name}: run python tests/expected/regenerate.py"
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert actual == expected


def test_every_golden_has_a_query() -> None:
    goldens = {p.stem for p in EXPECTED.glob("*.json")}
    assert goldens == set(CATALOG)


@pytest.fixture(scope="module")
def asserted_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The shipped data without the OWL RL inferences."""
    settings = Settings(workers=0, inference=False, cache_dir=tmp_path_factory.mktemp("noinf"))
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.mark.parametrize("name", list(CATALOG))
def test_answer_does_not_depend_on_inference(
    shipped: TestClient, asserted_only: TestClient, name: str
) -> None:
    """Hierarchies are walked over asserted skos:broader and types are the most specific
    ones, so the inferred graph changes no answer."""
    params = CATALOG[name].example_params()
    with_inference = shipped.get(f"/api/{name}", params=params).json()
    without = asserted_only.get(f"/api/{name}", params=params).json()
    assert regenerate.canonical(with_inference) == regenerate.canonical(without)
