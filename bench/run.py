"""The peacetalks benchmark (issue 4): our SPARQL endpoint against its own engine and its peers.

    python bench/run.py [--quick] [--size curated|1m|both] [--concurrency 1,10] [--duration S]

In one run, for the curated graph and/or a synthetic ~1M-triple graph (`bench/synthetic.py`):

- cold start of `peacetalks serve` until the first answered `/sparql` query, with a fresh
  cache directory (build + inference included) and again with the warm cache;
- p50/p95 latency and requests/s at fixed concurrency over loopback HTTP for two queries
  (`lookup`: who said what on an issue and its narrower issues, labels, ORDER BY date,
  LIMIT 50; `aggregate`: statements per speaker per top-level issue, GROUP BY), against
  `peacetalks serve`, `oxigraph serve` (Oxigraph's Rust server: the upper reference) and
  `rdflib-endpoint` (the Python peer), all serving the same triples;
- the same queries in-process: pyoxigraph `Store.query` + JSON serialization in this process
  (the floor), and `QueryExecutor.run` (worker processes, no HTTP), which splits our overhead
  into IPC and HTTP.

Figures print as a table and go to `bench/results/<timestamp>.json`. The load generator is
`wrk` when it is on PATH, else a bounded Python one (threads + httpx); the output says which.
Peers run from `bench/.venv-peers` (created from `bench/requirements-peers.txt` on first use;
never the project venv). Everything listens on 127.0.0.1; every loop is bounded in count and
time; every process started here is stopped at the end (process groups, also on Ctrl-C).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import synthetic  # noqa: E402

PEERS_VENV = BENCH / ".venv-peers"
RESULTS = BENCH / "results"
JSON_RESULTS = "application/sparql-results+json"
HOST = "127.0.0.1"
NO_CACHE = "peacetalks HTTP, no result cache"

PREFIXES = """PREFIX pt: <https://w3id.org/peacetalks/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""

QUERIES = {
    # Canned-style lookup (like queries/who-said-what.rq, trimmed to what all three engines
    # run): statements on `territory` or any narrower issue, with labels, by date.
    "lookup": PREFIXES
    + """SELECT ?statement ?date ?speaker ?speakerLabel ?issueLabel ?stanceLabel ?outlet
WHERE {
  ?statement a pt:Statement ; pt:speaker ?speaker ; pt:issue ?issue ; pt:stance ?stance .
  ?issue skos:broader* <https://w3id.org/peacetalks/id/issue/territory> .
  OPTIONAL { ?statement pt:dateSaid ?said }
  OPTIONAL { ?statement pt:saidNoLaterThan ?bound }
  BIND(COALESCE(?said, ?bound) AS ?date)
  OPTIONAL { ?speaker rdfs:label ?speakerLabel FILTER(LANGMATCHES(LANG(?speakerLabel), "en")) }
  OPTIONAL { ?issue skos:prefLabel ?issueLabel FILTER(LANGMATCHES(LANG(?issueLabel), "en")) }
  OPTIONAL { ?stance skos:prefLabel ?stanceLabel FILTER(LANGMATCHES(LANG(?stanceLabel), "en")) }
  OPTIONAL { ?statement prov:wasDerivedFrom ?article .
             ?article dcterms:publisher ?publisher .
             ?publisher rdfs:label ?outlet FILTER(LANGMATCHES(LANG(?outlet), "en")) }
}
ORDER BY ?date ?statement
LIMIT 50
""",
    # Join + aggregate: statements per speaker per top-level issue.
    "aggregate": PREFIXES
    + """SELECT ?speaker ?top (COUNT(DISTINCT ?statement) AS ?statements)
WHERE {
  ?top skos:topConceptOf <https://w3id.org/peacetalks/id/issue> .
  ?issue skos:broader* ?top .
  ?statement pt:issue ?issue ; a pt:Statement ; pt:speaker ?speaker .
}
GROUP BY ?speaker ?top
ORDER BY DESC(?statements) ?speaker ?top
LIMIT 100
""",
}


# ------------------------------------------------------------------ results


@dataclass
class Figure:
    """One measured configuration. Latencies in ms; `rps` None when only latency counts."""

    size: str
    query: str
    target: str
    concurrency: int
    p50_ms: float | None = None
    p95_ms: float | None = None
    rps: float | None = None
    requests: int = 0
    errors: int = 0
    rows: int | None = None
    load1: float = 0.0
    """The machine's 1-minute load average when the figure was taken (noise indicator)."""
    note: str = ""


@dataclass
class Run:
    started: str
    args: dict[str, Any]
    machine: dict[str, Any]
    load_generator: str = ""
    sizes: dict[str, int] = field(default_factory=dict)
    cold_start: list[dict[str, Any]] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def machine() -> dict[str, Any]:
    import pyoxigraph

    cpu = platform.processor() or ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    return {
        "host": platform.node(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": mem,
        "python": platform.python_version(),
        "pyoxigraph": pyoxigraph.__version__,
        "platform": platform.platform(),
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


# ------------------------------------------------------------------ processes


class Processes:
    """Every process the benchmark starts, each in its own process group; `stop_all` kills
    the groups (TERM, then KILL), so workers and children go too."""

    def __init__(self) -> None:
        self._procs: list[subprocess.Popen[bytes]] = []

    def start(self, cmd: list[str], log: Path, **kwargs: Any) -> subprocess.Popen[bytes]:
        with log.open("ab") as out:
            proc = subprocess.Popen(
                cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, **kwargs
            )
        self._procs.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes]) -> None:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        # The group may outlive its leader (query workers): make sure it is gone.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        if proc in self._procs:
            self._procs.remove(proc)

    def stop_all(self) -> None:
        for proc in list(self._procs):
            self.stop(proc)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def query_url(base: str, query: str) -> str:
    return base + "?" + urllib.parse.urlencode({"query": query})


def try_query(url: str, timeout: float) -> tuple[int, bytes]:
    import httpx

    r = httpx.get(url, headers={"Accept": JSON_RESULTS}, timeout=timeout)
    return r.status_code, r.content


def wait_answer(
    url: str, proc: subprocess.Popen[bytes], timeout: float, poll: float = 0.02
) -> float | None:
    """Seconds until `url` answers 200 (None if the process died or `timeout` passed)."""
    import httpx

    started = time.perf_counter()
    deadline = started + timeout
    # One client for all polls: a new httpx client per poll costs ~10 ms of CPU (SSL context).
    with httpx.Client(headers={"Accept": JSON_RESULTS}) as client:
        while time.perf_counter() < deadline:
            if proc.poll() is not None:
                return None
            try:
                left = max(1.0, deadline - time.perf_counter())
                if client.get(url, timeout=left).status_code == 200:
                    return time.perf_counter() - started
            except httpx.HTTPError:
                pass
            time.sleep(poll)
    return None


def drain(endpoint: str, limit: float) -> float:
    """Wait (at most `limit` s) until `endpoint` answers `ASK {}` again: a load generator
    that stops leaves the requests it had in flight running on the server (a client that
    goes away does not stop a query), and the next run must not queue behind them."""
    import httpx

    started = time.perf_counter()
    url = query_url(endpoint, "ASK {}")
    with httpx.Client(headers={"Accept": JSON_RESULTS}) as client:
        while time.perf_counter() - started < limit:
            try:
                if client.get(url, timeout=limit).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
    return time.perf_counter() - started


def count_rows(body: bytes) -> int | None:
    try:
        return len(json.loads(body)["results"]["bindings"])
    except (ValueError, KeyError, TypeError):
        return None


# ------------------------------------------------------------------ load generators

WRK_SCRIPT = (
    'wrk.headers["Accept"] = "'
    + JSON_RESULTS
    + '"'
    + """

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH-JSON {\\"requests\\":%d,\\"duration_us\\":%d,\\"p50_us\\":%d,\\"p95_us\\":%d," ..
    "\\"errors\\":%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""
)


def load_wrk(url: str, concurrency: int, duration: float, timeout: float, tmp: Path) -> dict:
    script = tmp / "bench.lua"
    script.write_text(WRK_SCRIPT)
    threads = max(1, min(concurrency, 2))
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{concurrency}",
        f"-d{max(1, round(duration))}s",
        f"--timeout={max(1, round(timeout))}s",
        "-s",
        str(script),
        url,
    ]
    out = subprocess.run(
        cmd, capture_output=True, text=True, timeout=duration + timeout + 30, check=False
    )
    for line in out.stdout.splitlines():
        if line.startswith("BENCH-JSON "):
            d = json.loads(line[len("BENCH-JSON ") :])
            seconds = d["duration_us"] / 1e6
            return {
                "p50_ms": d["p50_us"] / 1000,
                "p95_ms": d["p95_us"] / 1000,
                "rps": d["requests"] / seconds if seconds else 0.0,
                "requests": d["requests"],
                "errors": d["errors"],
            }
    raise RuntimeError(f"wrk gave no figures: {out.stdout[-500:]} {out.stderr[-500:]}")


def run_threads(
    call: Callable[[], bool], concurrency: int, duration: float, max_requests: int
) -> dict:
    """Call `call` from `concurrency` threads until `duration` s or `max_requests` calls."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.perf_counter() + duration
    budget = [max_requests]

    def worker() -> None:
        nonlocal errors
        mine: list[float] = []
        bad = 0
        while time.perf_counter() < stop_at:
            with lock:
                if budget[0] <= 0:
                    break
                budget[0] -= 1
            t0 = time.perf_counter()
            try:
                ok = call()
            except Exception:  # e.g. QueryTimeout from the executor: an error, not a crash
                ok = False
            mine.append(time.perf_counter() - t0)
            bad += not ok
        with lock:
            latencies.extend(mine)
            errors += bad

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + 120)
    elapsed = time.perf_counter() - started
    return {
        "p50_ms": percentile(latencies, 50) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
        "rps": len(latencies) / elapsed if elapsed else 0.0,
        "requests": len(latencies),
        "errors": errors,
    }


def load_python(url: str, concurrency: int, duration: float, timeout: float) -> dict:
    import httpx

    local = threading.local()

    def call() -> bool:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(timeout=timeout)
        try:
            return client.get(url, headers={"Accept": JSON_RESULTS}).status_code == 200
        except httpx.HTTPError:
            return False

    return run_threads(call, concurrency, duration, max_requests=1_000_000)


# ------------------------------------------------------------------ the bench


class Bench:
    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.args = args
        self.tmp = tmp
        self.procs = Processes()
        self.wrk = shutil.which("wrk") is not None and not args.python_load
        self.run = Run(
            started=datetime.now(UTC).isoformat(timespec="seconds"),
            args=vars(args),
            machine=machine(),
            load_generator="wrk" if self.wrk else "python (httpx, threads)",
        )
        self.console = _console()
        self.duration = args.duration

    def say(self, text: str) -> None:
        self.console.print(f"[dim]{time.strftime('%H:%M:%S')}[/] {text}", highlight=False)

    def load(self, url: str, concurrency: int) -> dict:
        duration = self.duration
        if self.wrk:
            return load_wrk(url, concurrency, duration, self.args.timeout, self.tmp)
        return load_python(url, concurrency, duration, self.args.timeout)

    def add(self, figure: Figure) -> None:
        figure.load1 = round(os.getloadavg()[0], 2)
        self.run.figures.append(figure)
        p50 = "-" if figure.p50_ms is None else f"{figure.p50_ms:.2f}"
        rps = _rate(figure)
        self.say(
            f"  {figure.size} {figure.query} {figure.target} c={figure.concurrency}: "
            f"p50 {p50} ms, {rps} req/s, {figure.errors} errors {figure.note}"
        )

    # ---------------------------------------------------------------- HTTP targets

    def http_suite(self, size: str, target: str, endpoint: str) -> None:
        for name, query in self.queries():
            url = query_url(endpoint, query)
            try:
                status, body = try_query(url, timeout=self.args.timeout)
            except Exception as e:  # a peer that cannot answer: record and go on
                self.add(Figure(size, name, target, 1, note=f"failed: {type(e).__name__}"))
                continue
            rows = count_rows(body) if status == 200 else None
            if status != 200:
                self.add(Figure(size, name, target, 1, note=f"HTTP {status}"))
                continue
            for c in self.args.concurrency:
                figure = Figure(size, name, target, c, rows=rows, **self.load(url, c))
                waited = drain(endpoint, self.args.timeout * 4)
                if waited > 1:
                    figure.note = f"backlog drained {waited:.0f} s after the run"
                self.add(figure)

    def capped_suite(self, size: str, target: str, endpoint: str) -> None:
        """A few sequential timed requests (for a peer too slow for a load test)."""
        for name, query in self.queries():
            url = query_url(endpoint, query)
            times: list[float] = []
            rows = None
            note = ""
            budget_end = time.perf_counter() + self.args.slow_budget
            for _ in range(self.args.slow_requests):
                if times and time.perf_counter() > budget_end:
                    note = f"stopped at the {self.args.slow_budget:g} s budget;"
                    break
                t0 = time.perf_counter()
                try:
                    status, body = try_query(url, timeout=self.args.slow_timeout)
                except Exception as e:
                    note = f"failed: {type(e).__name__} after {time.perf_counter() - t0:.0f} s"
                    break
                if status != 200:
                    note = f"HTTP {status}"
                    break
                times.append(time.perf_counter() - t0)
                rows = count_rows(body)
            figure = Figure(size, name, target, 1, requests=len(times), rows=rows, note=note)
            if times:
                figure.p50_ms = statistics.median(times) * 1000
                figure.p95_ms = max(times) * 1000
                figure.note = (note + f" {len(times)} sequential requests; p95 = max").strip()
            self.add(figure)

    def queries(self) -> list[tuple[str, str]]:
        return [(n, q) for n, q in QUERIES.items() if n in self.args.queries]

    # ---------------------------------------------------------------- peacetalks

    def peacetalks_cmd(self, port: int, cache: Path, data: Path | None) -> list[str]:
        cmd = [sys.executable, "-m", "peacetalks.cli", "serve", "--host", HOST, "--port", str(port)]
        cmd += ["--cache-dir", str(cache)]
        if data is not None:
            cmd += ["--data", str(data), "--no-inference"]
        return cmd

    def peacetalks_env(self, data: Path | None, **extra: str) -> dict[str, str]:
        env = dict(os.environ) | extra
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
        if data is not None:
            env["PEACETALKS_SHIPPED_DATA"] = "false"
        return env

    def start_peacetalks(
        self, size: str, cache: Path, data: Path | None, label: str, **env: str
    ) -> tuple[subprocess.Popen[bytes], str, float | None]:
        port = free_port()
        endpoint = f"http://{HOST}:{port}/sparql"
        log = self.tmp / f"peacetalks-{size}.log"
        proc = self.procs.start(
            self.peacetalks_cmd(port, cache, data),
            log,
            cwd=ROOT,
            env=self.peacetalks_env(data, **env),
        )
        seconds = wait_answer(query_url(endpoint, QUERIES["lookup"]), proc, self.args.start_timeout)
        if label in ("cold", "warm"):
            self.run.cold_start.append({"size": size, "cache": label, "seconds": seconds})
        shown = "did not answer" if seconds is None else f"{seconds:.2f} s"
        self.say(f"  peacetalks serve, {label}, first answer: {shown}")
        if seconds is None:
            self.say(f"  [red]log tail:[/] {log.read_text(errors='replace')[-1500:]}")
        return proc, endpoint, seconds

    def peacetalks(self, size: str, cache: Path, data: Path | None) -> None:
        self.say(f"[bold]peacetalks serve[/] ({size})")
        proc, _, _ = self.start_peacetalks(size, cache, data, "cold")
        self.procs.stop(proc)
        proc, endpoint, seconds = self.start_peacetalks(size, cache, data, "warm")
        try:
            if seconds is not None:
                self.http_suite(size, "peacetalks HTTP", endpoint)
        finally:
            self.procs.stop(proc)
        from peacetalks.settings import Settings

        if "result_cache_mb" not in Settings.model_fields:
            return
        # The load generator repeats one query, which the result cache answers from memory
        # after the first time: measure the uncached path too (a query seen for the first time).
        cache_off = {"PEACETALKS_RESULT_CACHE_MB": "0"}
        proc, endpoint, seconds = self.start_peacetalks(
            size, cache, data, "no result cache", **cache_off
        )
        try:
            if seconds is not None:
                self.http_suite(size, NO_CACHE, endpoint)
        finally:
            self.procs.stop(proc)

    def in_process(self, size: str, cache: Path, data: Path | None) -> None:
        """pyoxigraph in this process, and the executor (worker processes, no HTTP)."""
        import pyoxigraph as ox
        from peacetalks.dataset.store import load_dataset
        from peacetalks.settings import Settings
        from peacetalks.sparql.executor import QueryExecutor, QueryRequest

        self.say(f"[bold]in-process[/] ({size})")
        overrides: dict[str, Any] = {"cache_dir": cache}
        if data is not None:
            overrides |= {"data": [data], "inference": False, "shipped_data": False}
        settings = Settings(**overrides)
        dataset = load_dataset(settings)
        store = dataset.store
        duration, cap = self.duration, self.args.inprocess_requests
        for name, query in self.queries():

            def direct(query: str = query) -> bool:
                result = store.query(query, use_default_graph_as_union=True)
                result.serialize(format=ox.QueryResultsFormat.JSON)
                return True

            rows = count_rows(
                store.query(query, use_default_graph_as_union=True).serialize(
                    format=ox.QueryResultsFormat.JSON
                )
                or b""
            )
            for c in self.args.concurrency:
                stats = run_threads(direct, c, duration, cap)
                self.add(Figure(size, name, "pyoxigraph in-process", c, rows=rows, **stats))
        executor = QueryExecutor(dataset, settings)
        try:
            for name, query in self.queries():
                request = QueryRequest(query, JSON_RESULTS)

                def via_executor(request: QueryRequest = request) -> bool:
                    executor.run(request)
                    return True

                rows = count_rows(executor.run(request).body)
                for c in self.args.concurrency:
                    stats = run_threads(via_executor, c, duration, cap)
                    figure = Figure(size, name, "executor (IPC, no HTTP)", c, rows=rows, **stats)
                    figure.note = f"{settings.workers} workers"
                    self.add(figure)
        finally:
            executor.close()

    # ---------------------------------------------------------------- peers

    def ensure_peers(self) -> bool:
        python = PEERS_VENV / "bin" / "python"
        if not python.exists():
            self.say(f"creating {PEERS_VENV} from requirements-peers.txt (once)")
            subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
            requirements = str(BENCH / "requirements-peers.txt")
            subprocess.run(
                [str(python), "-m", "pip", "install", "-q", "-r", requirements],
                check=True,
                timeout=900,
            )
        return (PEERS_VENV / "bin" / "oxigraph").exists()

    def oxigraph(self, size: str, data: Path, rdf_type: str) -> None:
        self.say(f"[bold]oxigraph serve[/] ({size}, in memory, union default graph)")
        port = free_port()
        base = f"http://{HOST}:{port}"
        cmd = [str(PEERS_VENV / "bin" / "oxigraph"), "serve", "--bind", f"{HOST}:{port}"]
        cmd.append("--union-default-graph")
        proc = self.procs.start(cmd, self.tmp / f"oxigraph-{size}.log")
        try:
            if wait_ready(f"{base}/query?query=ASK%7B%7D", proc, 60) is None:
                self.say("  [red]oxigraph serve did not start[/]")
                return
            import httpx

            t0 = time.perf_counter()
            with data.open("rb") as body:
                r = httpx.post(
                    f"{base}/store", content=body, headers={"Content-Type": rdf_type}, timeout=600
                )
            r.raise_for_status()
            self.say(f"  loaded {data.name} over HTTP in {time.perf_counter() - t0:.1f} s")
            self.http_suite(size, "oxigraph serve", f"{base}/query")
        finally:
            self.procs.stop(proc)

    def rdflib_endpoint(self, size: str, data: Path, rdf_format: str, capped: bool) -> None:
        self.say(f"[bold]rdflib-endpoint[/] ({size})")
        port = free_port()
        script = (
            "import sys, time, uvicorn\n"
            "from rdflib import Dataset\n"
            "from rdflib_endpoint import SparqlEndpoint\n"
            "g = Dataset(default_union=True)\n"
            "t = time.perf_counter()\n"
            "g.parse(sys.argv[1], format=sys.argv[2])\n"
            "print(f'loaded {len(g)} triples in {time.perf_counter() - t:.1f} s', flush=True)\n"
            "app = SparqlEndpoint(graph=g, path='/sparql')\n"
            "uvicorn.run(app, host=sys.argv[3], port=int(sys.argv[4]), log_level='warning')\n"
        )
        python = str(PEERS_VENV / "bin" / "python")
        log = self.tmp / f"rdflib-{size}.log"
        proc = self.procs.start([python, "-c", script, str(data), rdf_format, HOST, str(port)], log)
        endpoint = f"http://{HOST}:{port}/sparql"
        try:
            t0 = time.perf_counter()
            if wait_ready(query_url(endpoint, "ASK {}"), proc, self.args.start_timeout) is None:
                self.say(f"  [red]rdflib-endpoint did not start:[/] {log.read_text()[-800:]}")
                return
            self.say(f"  ready after {time.perf_counter() - t0:.1f} s")
            if capped:
                self.capped_suite(size, "rdflib-endpoint", endpoint)
            else:
                self.http_suite(size, "rdflib-endpoint", endpoint)
        finally:
            self.procs.stop(proc)

    # ---------------------------------------------------------------- sizes

    def curated(self) -> None:
        self.duration = self.args.duration
        cache = self.tmp / "cache-curated"
        self.peacetalks("curated", cache, None)
        # the cache holds one immutable `dataset-<version>.nq` per version (dataset/store.py)
        (nquads,) = cache.glob("dataset-*.nq")
        self.run.sizes["curated"] = sum(1 for line in nquads.open("rb") if line.strip())
        self.in_process("curated", cache, None)
        if self.peers and "oxigraph" in self.args.peers:
            self.oxigraph("curated", nquads, "application/n-quads")
        if self.peers and "rdflib-endpoint" in self.args.peers:
            self.rdflib_endpoint("curated", nquads, "nquads", capped=False)

    def synthetic(self) -> None:
        self.duration = self.args.duration_1m or self.args.duration
        target = self.args.synthetic_triples
        path = self.tmp / "synthetic.nt"
        t0 = time.perf_counter()
        count = synthetic.generate(path, target, self.args.seed)
        self.run.sizes["1m"] = count
        self.say(f"[bold]synthetic graph[/]: {count} triples in {time.perf_counter() - t0:.1f} s")
        cache = self.tmp / "cache-1m"
        self.peacetalks("1m", cache, path)
        self.in_process("1m", cache, path)
        if self.peers and "oxigraph" in self.args.peers:
            self.oxigraph("1m", path, "application/n-triples")
        if self.peers and "rdflib-endpoint" in self.args.peers:
            self.rdflib_endpoint("1m", path, "nt", capped=True)

    def main(self) -> Run:
        self.peers = not self.args.no_peers and self.ensure_peers()
        if not self.peers:
            self.run.notes.append("peers skipped (--no-peers or bench/.venv-peers unusable)")
        self.say(f"load generator: {self.run.load_generator}")
        try:
            if self.args.size in ("curated", "both"):
                self.curated()
            if self.args.size in ("1m", "both"):
                self.synthetic()
        finally:
            self.procs.stop_all()
        self.run.targets = evaluate(self.run.figures, self.args.concurrency)
        return self.run


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float) -> float | None:
    return wait_answer(url, proc, timeout, poll=0.2)


# ------------------------------------------------------------------ targets and output


def _find(figures: list[Figure], size: str, query: str, target: str, c: int) -> Figure | None:
    for f in figures:
        if (f.size, f.query, f.target, f.concurrency) == (size, query, target, c):
            return f
    return None


def evaluate(figures: list[Figure], concurrency: list[int]) -> list[dict[str, Any]]:
    """The issue's three targets, each met / missed / not measured, with its figures."""
    out: list[dict[str, Any]] = []
    variants = (("peacetalks HTTP", ""), (NO_CACHE, ", no result cache"))
    local = _find(figures, "curated", "lookup", "pyoxigraph in-process", 1)
    for target, suffix in variants:
        http = _find(figures, "curated", "lookup", target, 1)
        if http and local and http.p50_ms is not None and local.p50_ms is not None:
            gap = http.p50_ms - local.p50_ms
            out.append(
                {
                    "target": f"HTTP p50 within 1 ms of in-process (curated, lookup, c=1{suffix})",
                    "met": gap <= 1.0,
                    "value": f"{gap:+.2f} ms ({http.p50_ms:.2f} vs {local.p50_ms:.2f})",
                }
            )
    peer = _find(figures, "1m", "aggregate", "rdflib-endpoint", 1)
    for target, suffix in variants:
        ours = _find(figures, "1m", "aggregate", target, 1)
        if ours and peer and ours.p50_ms and peer.p50_ms:
            ratio = peer.p50_ms / ours.p50_ms
            out.append(
                {
                    "target": f"≥30× faster than rdflib-endpoint (1M, aggregate, p50{suffix})",
                    "met": ratio >= 30,
                    "value": f"{ratio:.0f}× ({ours.p50_ms:.1f} ms vs {peer.p50_ms:.0f} ms)",
                }
            )
    c = max(concurrency)
    for size in ("curated", "1m"):
        for query in QUERIES:
            ref = _find(figures, size, query, "oxigraph serve", c)
            for target, suffix in variants:
                ours = _find(figures, size, query, target, c)
                if ours and ref and ours.rps is not None and ref.rps:
                    ratio = ours.rps / ref.rps
                    out.append(
                        {
                            "target": f"req/s at c={c} ≥ ½ oxigraph serve "
                            f"({size}, {query}{suffix})",
                            "met": ratio >= 0.5,
                            "value": f"{ratio:.2f} ({ours.rps:.1f} vs {ref.rps:.1f} req/s)",
                        }
                    )
    return out


def _console() -> Any:
    from rich.console import Console

    return Console(stderr=True, width=None if sys.stderr.isatty() else 150)


def print_tables(run: Run) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 150)
    m = run.machine
    console.print(
        f"peacetalks bench {run.started} — {m['cpu']} ×{m['cores']}, {m['memory']}, "
        f"Python {m['python']}, pyoxigraph {m['pyoxigraph']}; load: {run.load_generator}; "
        f"triples: {run.sizes}"
    )
    starts = Table("graph", "cache", "spawn → first answer", title="cold start (peacetalks serve)")
    for s in run.cold_start:
        starts.add_row(
            s["size"], s["cache"], "-" if s["seconds"] is None else f"{s['seconds']:.2f} s"
        )
    console.print(starts)
    table = Table(
        "graph",
        "query",
        "target",
        "c",
        "p50 ms",
        "p95 ms",
        "req/s",
        "n",
        "err",
        "rows",
        "load",
        "note",
    )
    for f in run.figures:
        table.add_row(
            f.size,
            f.query,
            f.target,
            str(f.concurrency),
            "-" if f.p50_ms is None else f"{f.p50_ms:.2f}",
            "-" if f.p95_ms is None else f"{f.p95_ms:.2f}",
            _rate(f),
            str(f.requests),
            str(f.errors),
            "-" if f.rows is None else str(f.rows),
            f"{f.load1:.1f}",
            f.note,
        )
    console.print(table)
    targets = Table("target", "met", "value", title="issue 4 targets")
    for t in run.targets:
        targets.add_row(t["target"], "yes" if t["met"] else "NO", t["value"])
    console.print(targets)


def _rate(f: Figure) -> str:
    if f.rps is None or "sequential" in f.note:
        return "-"
    return f"{f.rps:.1f}" if f.rps < 10 else f"{f.rps:.0f}"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="curated only, 2 s runs, no peers")
    p.add_argument("--size", choices=["curated", "1m", "both"], default="both")
    p.add_argument("--concurrency", default="1,10", help="comma-separated, e.g. 1,10")
    p.add_argument("--duration", type=float, default=10.0, help="seconds per load run")
    p.add_argument(
        "--duration-1m", type=float, help="seconds per load run on the 1M graph (default: 2×)"
    )
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    p.add_argument("--queries", default=",".join(QUERIES), help="comma-separated query names")
    p.add_argument("--synthetic-triples", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=synthetic.DEFAULT_SEED)
    p.add_argument("--no-peers", action="store_true", help="skip oxigraph serve, rdflib-endpoint")
    p.add_argument(
        "--peers", default="oxigraph,rdflib-endpoint", help="which peers (comma-separated)"
    )
    p.add_argument("--python-load", action="store_true", help="Python load generator, not wrk")
    p.add_argument("--slow-requests", type=int, default=3, help="rdflib-endpoint requests at 1M")
    p.add_argument("--slow-timeout", type=float, default=300.0, help="seconds per such request")
    p.add_argument(
        "--slow-budget", type=float, default=150.0, help="seconds of such requests per query"
    )
    p.add_argument("--start-timeout", type=float, default=600.0, help="seconds to first answer")
    p.add_argument("--inprocess-requests", type=int, default=200_000, help="cap per in-process run")
    p.add_argument("--no-json", action="store_true", help="do not write bench/results/*.json")
    args = p.parse_args(argv)
    if args.quick:
        args.size, args.duration, args.no_peers = "curated", 2.0, True
    args.concurrency = [int(c) for c in str(args.concurrency).split(",") if c.strip()]
    args.queries = [q for q in str(args.queries).split(",") if q in QUERIES]
    if not args.concurrency or min(args.concurrency) < 1 or max(args.concurrency) > 256:
        p.error("--concurrency: integers from 1 to 256")
    if args.duration_1m is None:
        args.duration_1m = 2 * args.duration
    for d in (args.duration, args.duration_1m):
        if not 0 < d <= 600:
            p.error("--duration, --duration-1m: more than 0 and at most 600 seconds")
    return args


def run_and_report(
    args: argparse.Namespace,
    prefix: str,
    measure: Callable[[Path], Any],
    show: Callable[[Any], None],
    stem: str = "",
) -> int:
    """Run `measure` in a scratch directory (SIGTERM acts as Ctrl-C, so every process it
    started is stopped), print the result and, unless `--no-json`, write it as
    `bench/results/<stem><UTC stamp>.json`. The `main` of every bench script."""
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
            result = measure(Path(tmp))
    finally:
        signal.signal(signal.SIGTERM, previous)
    show(result)
    if not args.no_json:
        RESULTS.mkdir(exist_ok=True)
        out = RESULTS / f"{stem}{result.started.replace(':', '').replace('+0000', 'Z')}.json"
        out.write_text(json.dumps(asdict(result), indent=1, ensure_ascii=False) + "\n")
        print(f"written: {out.relative_to(ROOT)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_and_report(
        args, "peacetalks-bench-", lambda tmp: Bench(args, tmp).main(), print_tables
    )


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    raise SystemExit(main())
