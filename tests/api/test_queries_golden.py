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
from typing import Any

import jsonschema
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


# --- one shape: every answer matches the JSON schema OpenAPI declares for it -----------------


@pytest.fixture(scope="module")
def openapi(shipped: TestClient) -> dict[str, Any]:
    return dict(shipped.get("/openapi.json").json())


def _schema(openapi: dict[str, Any], name: str) -> dict[str, Any]:
    operation = openapi["paths"][f"/api/{name}"]["get"]
    return dict(operation["responses"]["200"]["content"]["application/json"]["schema"])


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("name", list(CATALOG))
def test_rows_match_the_declared_schema(
    shipped: TestClient, openapi: dict[str, Any], name: str, lang: str
) -> None:
    query = CATALOG[name]
    params = query.example_params()
    if query.param("lang"):
        params["lang"] = lang
    body = shipped.get(f"/api/{name}", params=params).json()
    assert body["rows"], f"{name}: the example answers no rows, so the schema is not exercised"
    schema = _schema(openapi, name)
    row_schema = schema["properties"]["rows"]["items"]
    assert set(row_schema["properties"]) == set(query.columns)
    for column in query.declared:  # each column has its type and a description, not `object`
        described = row_schema["properties"][column.name]
        assert described["description"].startswith(f"({column.type}) ")
    jsonschema.validate(body, schema, format_checker=jsonschema.FormatChecker())


def test_the_schema_refuses_a_wrong_shape(shipped: TestClient, openapi: dict[str, Any]) -> None:
    """The schema is not vacuous: the old shape of a stance (a label) fails it."""
    body = shipped.get("/api/who-said-what", params={"issue": "crimea"}).json()
    body["rows"][0]["stance"] = {"value": "doubts", "lang": "en"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(body, _schema(openapi, "who-said-what"))


def _values(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for value in node.values():
            yield from _values(value)
    elif isinstance(node, list):
        for value in node:
            yield from _values(value)
    else:
        yield node


@pytest.mark.parametrize("name", list(CATALOG))
def test_no_empty_strings(shipped: TestClient, name: str) -> None:
    """`dateQualifier` was "" in one query and null in another: now null, never ""."""
    rows = shipped.get(f"/api/{name}", params=CATALOG[name].example_params()).json()["rows"]
    assert "" not in list(_values(rows))


def test_a_stance_is_one_shape_everywhere(shipped: TestClient) -> None:
    """who-said-what gave a stance as a label ("criticises"), stance-shifts as a slug
    ("criticizes"): both now give the concept with its slug and its labels."""
    criticizes = {
        "iri": "https://w3id.org/peacetalks/id/stance/criticizes",
        "kind": "stance",
        "slug": "criticizes",
        "labels": {"en": "criticises", "ja": "批判する"},
    }
    said = shipped.get("/api/who-said-what", params={"issue": "ending-the-war"}).json()["rows"]
    assert criticizes in [r["stance"] for r in said]
    shifts = shipped.get("/api/stance-shifts").json()["rows"]
    assert criticizes in [s for r in shifts for s in r["beforeStances"] + r["afterStances"]]
    positions = shipped.get("/api/actor-positions", params={"actor": "trump"}).json()["rows"]
    assert criticizes in [r["stance"] for r in positions]


def test_office_from_says_where_the_office_comes_from(shipped: TestClient) -> None:
    rows = shipped.get("/api/who-said-what", params={"issue": "ending-the-war"}).json()["rows"]
    seen = {r["officeFrom"] for r in rows}
    assert seen <= {"named in the source", "tenure records", None}
    assert {"named in the source", "tenure records"} <= seen
    for row in rows:
        assert (row["office"] is None) == (row["officeFrom"] is None)


def test_timeline_dates_have_their_qualifier_and_year_only_dates_come_last(
    shipped: TestClient,
) -> None:
    rows = shipped.get("/api/timeline", params={"from": "2025-02", "to": "2025-03"}).json()["rows"]
    dates = [r["date"] for r in rows]
    assert {"no later than", None} == {d["qualifier"] for d in dates}
    year_only = [i for i, d in enumerate(dates) if d["precision"] == "year"]
    assert year_only and year_only[0] > len(rows) // 2  # 16 rows dated "2025" came first
    assert dates[0]["precision"] == "day"
    assert year_only == list(range(year_only[0], year_only[0] + len(year_only)))  # together


def test_stance_shifts_do_not_repeat_themselves(shipped: TestClient) -> None:
    """Two statements on one date against two on the next gave 2×2 rows; now one."""
    rows = shipped.get("/api/stance-shifts").json()["rows"]
    keys = [
        (
            r["speaker"]["slug"],
            r["topic"]["slug"],
            r["beforeDate"]["value"],
            r["afterDate"]["value"],
        )
        for r in rows
    ]
    assert len(keys) == len(set(keys))
    trump = [
        k for k in keys if k[:2] == ("donald-trump", "ending-the-war") and k[3] == "2025-02-28"
    ]
    trump = [rows[keys.index(k)] for k in trump]
    assert len(trump) == 1
    assert {s["slug"] for s in trump[0]["beforeStances"]} == {"supports", "warns"}
    assert len(trump[0]["after"]) == 2
