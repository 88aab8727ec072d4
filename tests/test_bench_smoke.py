"""Smoke tests of bench/ (the benchmark itself is not a test): the synthetic graph is
deterministic, has the requested size and answers both benchmark queries; the bounded
in-process runner stops by itself; the targets are evaluated from figures. No timing is
asserted."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pyoxigraph as ox
import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


def _module(name: str) -> ModuleType:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def synthetic() -> ModuleType:
    return _module("synthetic")


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return _module("run")


@pytest.fixture(scope="module")
def small_graph(synthetic: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("synthetic") / "g.nt"
    synthetic.generate(path, 20_000, seed=7)
    return path


def test_synthetic_is_deterministic(synthetic: ModuleType, tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.nt", tmp_path / "b.nt", tmp_path / "c.nt"
    assert synthetic.generate(a, 5_000, seed=1) == synthetic.generate(b, 5_000, seed=1)
    synthetic.generate(c, 5_000, seed=2)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_synthetic_size_and_syntax(synthetic: ModuleType, small_graph: Path) -> None:
    lines = small_graph.read_text(encoding="utf-8").splitlines()
    assert 20_000 <= len(lines) < 20_020  # stops at the first statement boundary past it
    store = ox.Store()
    store.bulk_load(path=small_graph, format=ox.RdfFormat.N_TRIPLES)
    assert len(store) == len(lines)  # valid N-Triples, no duplicate triples


def test_benchmark_queries_answer_on_synthetic(bench: ModuleType, small_graph: Path) -> None:
    store = ox.Store()
    store.bulk_load(path=small_graph, format=ox.RdfFormat.N_TRIPLES)
    for name, query in bench.QUERIES.items():
        rows = list(store.query(query, use_default_graph_as_union=True))
        assert rows, name
    lookup = list(store.query(bench.QUERIES["lookup"]))
    assert len(lookup) == 50
    assert all(r["speakerLabel"] is not None for r in lookup)


def test_bounded_runner_stops(bench: ModuleType) -> None:
    stats = bench.run_threads(lambda: True, concurrency=2, duration=0.5, max_requests=1_000)
    assert stats["requests"] == 1_000  # the count bound, well before the time bound
    stats = bench.run_threads(lambda: False, concurrency=1, duration=0.2, max_requests=10**9)
    assert stats["errors"] == stats["requests"] > 0


def test_quick_args(bench: ModuleType) -> None:
    args = bench.parse_args(["--quick"])
    assert (args.size, args.no_peers, args.concurrency) == ("curated", True, [1, 10])


def test_targets_from_figures(bench: ModuleType) -> None:
    fig = bench.Figure
    figures = [
        fig("curated", "lookup", "peacetalks HTTP", 1, p50_ms=2.0, rps=400),
        fig("curated", "lookup", "pyoxigraph in-process", 1, p50_ms=1.5),
        fig("1m", "aggregate", "peacetalks HTTP", 1, p50_ms=100.0),
        fig("1m", "aggregate", "rdflib-endpoint", 1, p50_ms=20_000.0),
        fig("curated", "lookup", "peacetalks HTTP", 10, rps=900),
        fig("curated", "lookup", "oxigraph serve", 10, rps=2000),
    ]
    met = {t["target"].split(" (")[0]: t["met"] for t in bench.evaluate(figures, [1, 10])}
    assert met == {
        "HTTP p50 within 1 ms of in-process": True,
        "≥30× faster than rdflib-endpoint": True,
        "req/s at c=10 ≥ ½ oxigraph serve": False,
    }


def _first_answer(proc: Any, url: str, timeout: float) -> Any:
    """The answer to `ASK {}` at `url` once the server `proc` started listens (it must not
    exit first, and must listen within `timeout` s)."""
    import time

    import httpx

    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(url, params={"query": "ASK {}"}, timeout=5)
        except httpx.TransportError:
            assert proc.poll() is None and time.monotonic() < deadline, "it did not start"
            time.sleep(0.1)


@pytest.mark.parametrize(("mode", "guard"), [("inline", False), ("hop", False), ("inline", True)])
def test_floor_server_answers_like_an_endpoint(
    bench: ModuleType, mode: str, guard: bool, tmp_path: Path
) -> None:
    """bench/floor.py (the bare Python servers of `overhead.py --floor`) answers GET and POST
    queries in SPARQL JSON (on fresh connections too), a syntax error with 400, and stops with its
    process group; with `--guard` our guard refuses SERVICE, which a bare floor would run."""
    import os
    import signal
    import subprocess

    import httpx

    nquads = tmp_path / "d.nq"
    nquads.write_text("<urn:x:s> <urn:x:p> <urn:x:o> <urn:x:g> .\n", encoding="utf-8")
    port = bench.free_port()
    proc = subprocess.Popen(
        [sys.executable, str(BENCH / "floor.py"), "--port", str(port), "--nquads", str(nquads),
         "--mode", mode, "--processes", "2"] + ["--guard"] * guard,
        start_new_session=True, env=dict(os.environ, PYTHONPATH=str(BENCH.parent / "server")),
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/query"
    try:
        up = _first_answer(proc, base, 30)
        assert up.json() == {"head": {}, "boolean": True}
        select = "SELECT ?o WHERE { ?s <urn:x:p> ?o }"
        for _ in range(8):  # a fresh connection each time
            got = httpx.get(base, params={"query": select}, timeout=5)
            assert got.headers["content-type"] == "application/sparql-results+json"
            assert got.json()["results"]["bindings"] == [{"o": {"type": "uri", "value": "urn:x:o"}}]
        posted = httpx.post(
            base, content=select, headers={"content-type": "application/sparql-query"}
        )
        assert posted.json()["head"]["vars"] == ["o"]
        bad = httpx.get(base, params={"query": "SELEC"}, timeout=5)
        assert bad.status_code == 400 and bad.text
        # SERVICE to a loopback port nothing listens on: with the guard refused unread (400);
        # a bare floor lets the engine try, and answers the refused connection's error
        nowhere = f"http://127.0.0.1:{bench.free_port()}/"
        service = httpx.get(base, params={"query": f"SELECT * {{ SERVICE <{nowhere}> {{}} }}"})
        assert service.status_code == 400
        assert ("SERVICE (federated query) is not supported" in service.text) == guard
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    with pytest.raises(httpx.TransportError):
        httpx.get(base, params={"query": "ASK {}"}, timeout=2)


def test_floor_app_mode_serves_our_app_without_workers(bench: ModuleType, tmp_path: Path) -> None:
    """`floor.py --mode app` (the `app, no workers` target) is peacetalks itself, queries
    in-process: `/sparql` and `/api` answer as the server's do, the guard included."""
    import os
    import signal
    import subprocess

    import httpx

    port = bench.free_port()
    env = dict(os.environ, PYTHONPATH=str(BENCH.parent / "server"))
    proc = subprocess.Popen(
        [sys.executable, str(BENCH / "floor.py"), "--port", str(port), "--mode", "app",
         "--cache-dir", str(tmp_path / "cache"), "--processes", "2"],
        start_new_session=True, env=env, cwd=BENCH.parent,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        up = _first_answer(proc, base + "/sparql", 120)
        assert up.status_code == 200 and up.json()["boolean"] is True
        for _ in range(4):  # a fresh connection each time
            api = httpx.get(base + "/api/who-said-what", params={"issue": "territory"}, timeout=30)
            assert api.status_code == 200 and api.json()["rows"]
        refused = httpx.get(
            base + "/sparql", params={"query": "SELECT * { SERVICE <http://x/> {} }"}
        )
        assert refused.status_code == 400  # the guard is ours, not a floor's
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
