"""Shared fixtures: a tiny dataset built from tests/data/server, an app and a client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Summary line of the W3C SPARQL 1.1 Protocol harness (tests/sparql/test_w3c_protocol.py)."""
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for outcome in counts:
        for report in terminalreporter.stats.get(outcome, []):
            if "test_w3c_protocol.py::test_protocol[" in getattr(report, "nodeid", ""):
                counts[outcome] += 1
    if sum(counts.values()):
        terminalreporter.write_line(
            f"W3C SPARQL 1.1 Protocol: {counts['passed']} pass, {counts['failed']} fail, "
            f"{counts['skipped']} n.a. (positive update tests; read-only endpoint)"
        )
