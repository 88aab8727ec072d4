"""Settings: defaults that need no setup, environment parsing, overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
from peacetalks.settings import Settings


def test_defaults_need_no_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HOST", "PORT", "QUERY_TIMEOUT", "MAX_ROWS", "DATA", "WORKERS"):
        monkeypatch.delenv(f"PEACETALKS_{name}", raising=False)
    s = Settings()
    assert (s.host, s.port, s.query_timeout, s.max_rows) == ("127.0.0.1", 8000, 30.0, 10_000)
    assert s.data == [] and s.workers == 2 and s.inference is True
    assert s.cors_origins == ["*"]


def test_env_data_is_colon_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEACETALKS_DATA", "a.ttl:dir/b:")
    assert Settings().data == [Path("a.ttl"), Path("dir/b")]


def test_env_cors_origins_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEACETALKS_CORS_ORIGINS", "https://a.example, https://b.example")
    assert Settings().cors_origins == ["https://a.example", "https://b.example"]


def test_env_scalars(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEACETALKS_PORT", "9001")
    monkeypatch.setenv("PEACETALKS_QUERY_TIMEOUT", "2.5")
    monkeypatch.setenv("PEACETALKS_MAX_ROWS", "7")
    monkeypatch.setenv("PEACETALKS_INFERENCE", "false")
    s = Settings()
    assert (s.port, s.query_timeout, s.max_rows, s.inference) == (9001, 2.5, 7, False)


def test_arguments_override_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEACETALKS_PORT", "9001")
    assert Settings(port=9002).port == 9002


def test_invalid_values_are_rejected() -> None:
    with pytest.raises(ValueError):
        Settings(query_timeout=0)
    with pytest.raises(ValueError):
        Settings(max_rows=0)


def test_docstring_examples() -> None:
    import doctest

    import peacetalks.settings

    assert doctest.testmod(peacetalks.settings).failed == 0
