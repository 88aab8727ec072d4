"""Operations: /health, /ready, CORS, JSON access log."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient
from peacetalks.app import create_app
from peacetalks.dataset.store import Dataset
from peacetalks.settings import Settings


def test_health(tiny_client: TestClient) -> None:
    r = tiny_client.get("/health")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_ready_reports_graphs_and_totals(tiny_client: TestClient, tiny_dataset: Dataset) -> None:
    body = tiny_client.get("/ready").json()
    assert body["status"] == "ready"
    assert body["graphs"] == tiny_dataset.graph_counts
    assert body["total_triples"] == sum(body["graphs"].values()) > 0
    assert body["dataset_version"] == tiny_dataset.version
    assert "load_seconds" in body and "loaded_at" in body


def test_cors_default_allows_any_origin(tiny_client: TestClient) -> None:
    r = tiny_client.get(
        "/sparql", params={"query": "ASK {}"}, headers={"origin": "https://example.net"}
    )
    assert r.headers["access-control-allow-origin"] == "*"
    assert "x-peacetalks-truncated" in r.headers["access-control-expose-headers"].lower()


def test_cors_preflight_for_post(tiny_client: TestClient) -> None:
    r = tiny_client.options(
        "/sparql",
        headers={
            "origin": "https://example.net",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )
    assert r.status_code == 200 and "POST" in r.headers["access-control-allow-methods"]


def test_cors_can_be_restricted(tiny_settings: Settings, tiny_dataset: Dataset) -> None:
    settings = tiny_settings.model_copy(
        update={"cors_origins": ["https://ok.example"], "workers": 0}
    )
    with TestClient(create_app(settings, dataset=tiny_dataset)) as client:
        ok = client.get("/health", headers={"origin": "https://ok.example"})
        bad = client.get("/health", headers={"origin": "https://evil.example"})
    assert ok.headers["access-control-allow-origin"] == "https://ok.example"
    assert "access-control-allow-origin" not in bad.headers


def test_access_log_is_one_json_line(
    tiny_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="peacetalks.access"):
        tiny_client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 2"})
    records = [r for r in caplog.records if r.name == "peacetalks.access"]
    assert len(records) == 1
    line = json.loads(records[0].getMessage())
    assert line["method"] == "GET" and line["path"] == "/sparql" and line["status"] == 200
    assert line["rows"] == 2 and line["truncated"] is False
    assert isinstance(line["duration_ms"], float)


def test_lifespan_closes_the_workers(tiny_settings: Settings, tiny_dataset: Dataset) -> None:
    app = create_app(tiny_settings, dataset=tiny_dataset)
    processes = [w.process for w in app.state.executor._all]
    processes += [w.process for w in app.state.api_executor._all]
    assert len(processes) == tiny_settings.workers + tiny_settings.api_workers
    with TestClient(app):
        pass
    assert all(p.poll() is not None for p in processes)
