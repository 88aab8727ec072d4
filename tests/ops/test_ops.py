"""Operations: /health, /ready, CORS, JSON access log."""

from __future__ import annotations

import json
import logging
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from peacetalks.app import create_app
from peacetalks.dataset.store import Dataset
from peacetalks.settings import Settings
from starlette.requests import Request
from starlette.responses import Response


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


def _headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k != "date"}


@pytest.mark.parametrize("origin", [None, "https://ok.example", "https://evil.example"])
def test_the_lean_path_answers_as_the_middleware_stack_does(
    tiny_settings: Settings, tiny_dataset: Dataset, origin: str | None
) -> None:
    """`/sparql` skips the middleware stack: same status, body and headers (CORS, security,
    Vary) as through it, for a result, an error, with and without an allowed origin."""
    settings = tiny_settings.model_copy(update={"cors_origins": ["https://ok.example"]})
    app = create_app(settings, dataset=tiny_dataset)
    headers = {"origin": origin} if origin else {}
    requests = [
        {"params": {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 2"}},
        {"params": {"query": "SELECT WHERE {"}, "headers": {"accept": "application/json"}},
        {"params": {"query": "ASK {}", "format": "text/nonsense"}},
    ]
    with TestClient(app) as client:
        lean = [
            client.get("/sparql", **r | {"headers": headers | r.get("headers", {})})
            for r in requests
        ]  # type: ignore[arg-type]
        routes, app.lean = app.lean, {}
        stack = [
            client.get("/sparql", **r | {"headers": headers | r.get("headers", {})})
            for r in requests
        ]  # type: ignore[arg-type]
        app.lean = routes
    assert [r.status_code for r in lean] == [200, 400, 406]
    for a, b in zip(lean, stack, strict=True):
        assert (a.status_code, a.content, _headers(a)) == (b.status_code, b.content, _headers(b))
        assert a.headers["x-content-type-options"] == "nosniff"
    allowed = lean[0].headers.get("access-control-allow-origin")
    assert allowed == (origin if origin == "https://ok.example" else None)


def test_the_lean_path_logs_and_answers_500_on_an_unexpected_error(
    tiny_settings: Settings, tiny_dataset: Dataset, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(tiny_settings.model_copy(update={"workers": 0}), dataset=tiny_dataset)

    async def broken(request: Request) -> Response:
        raise RuntimeError("a bug")

    app.lean[("GET", "/sparql")] = broken
    with caplog.at_level(logging.INFO), TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/sparql", params={"query": "ASK {}"})
    assert r.status_code == 500 and r.headers["referrer-policy"] == "no-referrer"
    assert any("a bug" in (rec.exc_text or "") for rec in caplog.records if rec.exc_info)
    access = [json.loads(r.getMessage()) for r in caplog.records if r.name == "peacetalks.access"]
    assert [a["status"] for a in access] == [500]


def test_access_lines_are_written_by_the_batch_writer(capfd: pytest.CaptureFixture[str]) -> None:
    """After `configure_logging`, a request only enqueues its line; the writer thread puts it
    on stderr within a period, and `stop` (at exit) writes what is still queued."""
    from peacetalks import logs

    logs.configure_logging("info")
    try:
        logs.log_access({"method": "GET", "path": "/x", "state": {"rows": 3}}, 200, 0.0)
        time.sleep(logs._BatchListener.PERIOD * 6)
        first = capfd.readouterr().err
        logs.log_access({"method": "GET", "path": "/y"}, 404, 0.0)
        assert logs._listener is not None
        logs._listener.stop()
        second = capfd.readouterr().err
    finally:
        logging.getLogger("peacetalks.access").handlers.clear()
        logs._listener = None
    assert json.loads(first.strip())["rows"] == 3
    assert json.loads(second.strip())["path"] == "/y"


def test_the_lean_api_path_answers_as_the_middleware_stack_does(
    tiny_settings: Settings, tiny_dataset: Dataset
) -> None:
    """`/api/<name>` too: the same answers (JSON, CSV, an error, a browser's redirect)."""
    app = create_app(tiny_settings, dataset=tiny_dataset)
    assert ("GET", "/api/issues") in app.lean
    requests = [
        ("/api/issues", {"accept": "application/json"}),
        ("/api/issues?format=csv", {}),
        ("/api/issues?limit=x", {"accept": "application/json"}),
        ("/api/issues", {"accept": "text/html"}),
    ]
    with TestClient(app, follow_redirects=False) as client:
        lean = [client.get(path, headers=h) for path, h in requests]
        routes, app.lean = app.lean, {}
        stack = [client.get(path, headers=h) for path, h in requests]
        app.lean = routes
    assert [r.status_code for r in lean] == [200, 200, 400, 303]
    for a, b in zip(lean, stack, strict=True):
        assert (a.status_code, a.content, _headers(a)) == (b.status_code, b.content, _headers(b))
