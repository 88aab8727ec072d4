"""Real sockets for tests: `peacetalks serve` on a free loopback port, and a loopback listener
that counts the connections queries must never make."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from peacetalks.settings import Settings

SERVER = Path(__file__).parents[1] / "server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(env_overrides: Mapping[str, str], ready_timeout: float = 90) -> Iterator[str]:
    """Run `python -m peacetalks.cli serve` with `PEACETALKS_*` settings from
    `env_overrides`; yield its base URL once `/ready` answers 200, stop it afterwards."""
    port = free_port()
    env = dict(os.environ)
    env.update(env_overrides)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SERVER), env.get("PYTHONPATH")]))
    import engines

    if engines.ACTIVE is not None and not env.get("PEACETALKS_BACKEND"):
        # PEACETALKS_TEST_BACKEND: the served app too reads its dataset from the engine
        env["PEACETALKS_BACKEND"] = engines.ACTIVE.url_for_environment(env)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "peacetalks.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if process.poll() is not None:
                pytest.fail(f"server exited with {process.returncode}")
            try:
                if httpx.get(base + "/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("server did not become ready")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Listener:
    """A TCP listener on 127.0.0.1 that accepts, records and closes every connection."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.sock.settimeout(0.2)
        self.port: int = self.sock.getsockname()[1]
        self.connections: list[object] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def count(self) -> int:
        return len(self.connections)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, address = self.sock.accept()
            except OSError:  # the accept timeout, or closed
                continue
            self.connections.append(address)
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
"""A triple cross join: over `slow_settings`' 3 000 triples it cannot finish in minutes."""


def slow_settings(tmp_path: Path, **overrides: object) -> Settings:
    """Settings over 3 000 triples (no shipped data, no inference, cache under `tmp_path`),
    on which `SLOW_QUERY` runs until a deadline stops it; `overrides` are Settings fields."""
    data = tmp_path / "many.nt"
    ex = "http://example.org/"
    data.write_text(
        "".join(f"<{ex}s{i}> <{ex}p> <{ex}o{i}> .\n" for i in range(3000)), encoding="utf-8"
    )
    fields: dict[str, Any] = {
        "shipped_data": False,
        "data": [data],
        "cache_dir": tmp_path / "cache",
        "inference": False,
        **overrides,
    }
    return Settings(**fields)
