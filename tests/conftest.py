"""Shared fixtures: a tiny dataset built from tests/data/server, an app and a client."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import engines
import pytest
from fastapi.testclient import TestClient
from peacetalks.app import create_app
from peacetalks.dataset.store import Dataset, load_dataset
from peacetalks.settings import Settings

SERVER_DATA = Path(__file__).parent / "data" / "server"


@pytest.fixture(scope="session")
def tiny_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings over tests/data/server (tiny.ttl + quads.trig), no shipped data, 1 worker."""
    return Settings(
        shipped_data=False,
        data=[SERVER_DATA / "tiny.ttl", SERVER_DATA / "quads.trig"],
        cache_dir=tmp_path_factory.mktemp("cache"),
        workers=1,
        max_rows=1000,
    )


@pytest.fixture(scope="session")
def tiny_dataset(tiny_settings: Settings) -> Dataset:
    return load_dataset(tiny_settings)


@pytest.fixture(scope="session")
def tiny_client(tiny_settings: Settings, tiny_dataset: Dataset) -> Iterator[TestClient]:
    """A TestClient on an app over the tiny dataset (shared by the whole session)."""
    app = create_app(tiny_settings, dataset=tiny_dataset)
    with TestClient(app) as client:
        yield client


def _outcomes(terminalreporter: pytest.TerminalReporter, marker: str) -> dict[str, int]:
    """How many test reports whose node id contains `marker` passed, failed, were skipped."""
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for outcome in counts:
        for report in terminalreporter.stats.get(outcome, []):
            if marker in getattr(report, "nodeid", ""):
                counts[outcome] += 1
    return counts


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Summary lines of the W3C harnesses (tests/sparql/test_w3c_protocol.py, test_w3c_query.py)."""
    counts = _outcomes(terminalreporter, "test_w3c_protocol.py::test_protocol[")
    if sum(counts.values()):
        terminalreporter.write_line(
            f"W3C SPARQL 1.1 Protocol: {counts['passed']} pass, {counts['failed']} fail, "
            f"{counts['skipped']} n.a. (positive update tests; read-only endpoint)"
        )
    http = _outcomes(terminalreporter, "test_w3c_query.py::test_http_equals_engine[")
    w3c = _outcomes(terminalreporter, "test_w3c_query.py::test_engine_against_w3c[")
    if sum(http.values()) or sum(w3c.values()):
        # under pytest-xdist the controller never imports the harness: no count then
        harness = next((m for n, m in sys.modules.items() if n.endswith("test_w3c_query")), None)
        listed = len(harness.ENGINE_FAILURES) if harness else "some"
        terminalreporter.write_line(
            f"W3C SPARQL 1.1 Query: through /sparql in every format {http['passed']} equal to "
            f"the engine, {http['failed']} differ; engine vs W3C {w3c['passed']} as expected "
            f"({listed} of them listed engine failures), "
            f"{w3c['failed']} not"
        )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The `backend` marker on the tests `PEACETALKS_TEST_BACKEND` runs on an engine."""
    engines.mark_backend_tests(items)


def pytest_sessionfinish() -> None:
    """Stop the engines `PEACETALKS_TEST_BACKEND` started."""
    engines.stop_all()
