"""Fixtures of the backend tests: one engine (`PEACETALKS_TEST_BACKEND`, default oxigraph)
holding the tiny dataset, pushed by `peacetalks.backend.push` (see tests/engines.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import engines
import pytest
from peacetalks.dataset.store import Dataset
from peacetalks.settings import Settings


@pytest.fixture(scope="session")
def engine_name() -> str:
    name = os.environ.get(engines.SWITCH) or "oxigraph"
    why = engines.available(name)
    if why:
        pytest.skip(why)
    return name


@pytest.fixture
def engine(engine_name: str, tmp_path: Path) -> Iterator[engines.Engine]:
    """A fresh, empty engine for one test."""
    running = engines.start(engine_name, tmp_path / engine_name)
    yield running
    running.stop()


@pytest.fixture
def remote_settings(tiny_settings: Settings, engine: engines.Engine) -> Settings:
    return tiny_settings.model_copy(update={"backend": engine.query_url})


@pytest.fixture
def pushed(tiny_dataset: Dataset, tiny_settings: Settings, engine: engines.Engine) -> Dataset:
    from peacetalks.backend.push import push

    push(tiny_dataset, engine.query_url, tiny_settings)
    return tiny_dataset
