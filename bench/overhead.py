"""What our request path costs over the engine (issue 12): peacetalks against Oxigraph's own
in-memory server and against pyoxigraph in this process, in one run.

    python bench/overhead.py [--repeats 3] [--duration 5] [--floor] [--quick] [--no-json]

Targets, all on the curated dataset (the N-Quads cache `peacetalks serve` writes):

- `peacetalks serve` with default settings (GET `/sparql`, SPARQL JSON results);
- the same with `PEACETALKS_RESULT_CACHE_MB=0`, for `/api/who-said-what` (an API request
  cannot carry a unique comment, so this is how it runs a query it has not seen);
- `oxigraph serve` (in memory, `--union-default-graph`, the quads POSTed to `/store`): the
  same storage as pyoxigraph's `Store()`; `serve-read-only` is RocksDB and would flatter us;
- pyoxigraph in this process: `Store.query` + native JSON serialization;
- with `--floor`, `bench/floor.py` servers: a bare ASGI app under uvicorn with none of
  our work (no guard, deadline, cap, negotiation or logging), the query run in-process in
  two SO_REUSEPORT processes (`inline ×2`), or handed to one of two worker processes over a
  socket pair (`hop`): the least any Python request path costs here, so what a target
  cannot reach even there is out of reach for a Python front end; the inline floor with
  our guard reading every query first (`inline + guard ×2`: the one wall nothing may run
  without, and still no deadline); and our own app with
  `PEACETALKS_WORKERS=0` and no result cache in two such processes (`app, no workers`):
  what our per-request work costs once the hop is gone (no hard deadline).

Scenarios: a trivial `SELECT … LIMIT 10` sent *unseen* (a wrk Lua script puts a unique
comment in front of every request, so no cache can answer) at c=10 and c=1 and *repeated*
at c=10; the join + GROUP BY query of `bench/run.py` unseen at c=10; `/api/who-said-what`
against the same SPARQL on Oxigraph (the parameters as an inline `VALUES` row, which is what
pyoxigraph's substitutions mean; the row counts are checked to agree) at c=1 and c=10.

Every scenario runs every target once per repeat, the targets' order rotating between
repeats, so a noisy minute hits all of them; figures are medians over the repeats with the
spread (min–max). After each load run the script waits until the target answers a probe
quickly three times in a row (a client that goes away leaves its requests running), so the
next run does not queue behind the last one's leftovers.

The verdicts of issue 12's "Done when" are printed at the end. Everything listens on
127.0.0.1; every process started here is stopped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "server"))

from run import (  # noqa: E402  (bench/ is not a package)
    HOST,
    JSON_RESULTS,
    PEERS_VENV,
    QUERIES,
    ROOT,
    Processes,
    free_port,
    machine,
    run_and_report,
)

TRIVIAL = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 10"
HEAVY = QUERIES["aggregate"]
BASELINE = "baseline"
NO_CACHE = ", no result cache"
FLOORS = {
    "floor: inline ×2": ("inline", 2, False),
    "floor: inline + guard ×2": ("inline", 2, True),
    "floor: hop to 2 workers": ("hop", 2, False),
    "app, no workers, ×2": ("app", 2, False),
}
"""`--floor` targets (`bench/floor.py`): name → mode, processes and whether our guard runs."""
API_NAME = "who-said-what"
API_PARAMS = {"issue": "territory"}
"""The canned request: statements on `territory` and its narrower issues (lang en)."""

WRK_LUA = """
local tag = "%(tag)s"
local head = "%(head)s"
local tail = "%(tail)s"
local unseen = %(unseen)s
local body = "%(body)s"
local n = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

wrk.headers["Accept"] = "%(accept)s"
if body ~= "" then
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/sparql-query"
end

request = function()
  if not unseen then
    return wrk.format(nil, head .. tail)
  end
  n = n + 1
  -- '#<tag>-<thread>-<n>' + newline, percent-encoded, before the query: a new text each time
  return wrk.format(nil, head .. "%%23" .. tag .. "-" .. tid .. "-" .. n .. "%%0A" .. tail)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH-JSON {\\"requests\\":%%d,\\"duration_us\\":%%d,\\"p50_us\\":%%d,\\"p95_us\\":%%d," ..
    "\\"errors\\":%%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


@dataclass
class Sample:
    """One load run of one target in one scenario."""

    scenario: str
    target: str
    repeat: int
    rps: float
    p50_ms: float
    p95_ms: float
    requests: int
    errors: int
    drained_s: float
    load1: float


@dataclass
class Report:
    started: str
    args: dict[str, Any]
    machine: dict[str, Any]
    samples: list[Sample] = field(default_factory=list)
    in_process: list[dict[str, float]] = field(default_factory=list)
    summary: list[dict[str, Any]] = field(default_factory=list)
    verdicts: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Target:
    name: str
    base: str
    """Scheme, host and port."""
    sparql_path: str
    """`/sparql` or `/query`."""


@dataclass(frozen=True)
class Scenario:
    name: str
    concurrency: int
    unseen: bool
    targets: tuple[str, ...]
    """Target names, each with the request path it gets (see `Bench.path`)."""


def say(text: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {text}", file=sys.stderr, flush=True)


def lua_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def wrk(
    url_base: str,
    path: str,
    *,
    concurrency: int,
    duration: float,
    unseen: bool,
    tmp: Path,
    body: str = "",
    timeout: float = 30.0,
) -> dict[str, float]:
    """One wrk run against `url_base + path`; with `unseen`, `path` must end in `query=` +
    the encoded text, and a unique comment goes in front of the text on every request."""
    head, _, tail = path.partition("query=")
    script = tmp / "overhead.lua"
    script.write_text(
        WRK_LUA
        % {
            "tag": uuid.uuid4().hex[:12],
            "head": lua_string(head + "query=" if unseen else path),
            "tail": lua_string(tail if unseen else ""),
            "unseen": "true" if unseen else "false",
            "body": lua_string(body),
            "accept": JSON_RESULTS if "/api/" not in path else "application/json",
        }
    )
    cmd = [
        "wrk",
        f"-t{min(concurrency, 2)}",
        f"-c{concurrency}",
        f"-d{max(1, round(duration))}s",
        f"--timeout={round(timeout)}s",
        "-s",
        str(script),
        url_base + "/",
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + timeout + 30)
    for line in out.stdout.splitlines():
        if line.startswith("BENCH-JSON "):
            d = json.loads(line.removeprefix("BENCH-JSON "))
            seconds = d["duration_us"] / 1e6
            return {
                "rps": d["requests"] / seconds if seconds else 0.0,
                "p50_ms": d["p50_us"] / 1000,
                "p95_ms": d["p95_us"] / 1000,
                "requests": d["requests"],
                "errors": d["errors"],
            }
    raise RuntimeError(f"wrk gave no figures: {out.stdout[-400:]} {out.stderr[-400:]}")


def drain(probe: str, limit: float = 120.0, fast_ms: float = 20.0) -> float:
    """Seconds until `probe` was answered 200 within `fast_ms` three times in a row: the
    target has no backlog left (at most `limit` s)."""
    import httpx

    started = time.perf_counter()
    streak = 0
    with httpx.Client(headers={"Accept": JSON_RESULTS}) as client:
        while streak < 3 and time.perf_counter() - started < limit:
            t0 = time.perf_counter()
            try:
                ok = client.get(probe, timeout=limit).status_code == 200
            except httpx.HTTPError:
                ok = False
            fast = ok and (time.perf_counter() - t0) * 1000 < fast_ms
            streak = streak + 1 if fast else 0
            time.sleep(0.05 if fast else 0.2)
    return time.perf_counter() - started


def wait_up(url: str, proc: subprocess.Popen[bytes], timeout: float) -> bool:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=5).status_code == 200:
                return True
        time.sleep(0.2)
    return False


def with_values(query: str, values: dict[str, str]) -> str:
    """`query` with one inline `VALUES` row of `values` (variable → N-Triples term) at the
    start of its WHERE group: what pyoxigraph's `substitutions` mean, in standard SPARQL
    for a server that takes no bindings. The values are this script's own constants."""
    where = query.index("WHERE {") + len("WHERE {")
    names = " ".join("?" + n for n in values)
    row = " ".join(values.values())
    return f"{query[:where]}\n  VALUES ({names}) {{ ({row}) }}{query[where:]}"


class Bench:
    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.args = args
        self.tmp = tmp
        self.procs = Processes()
        self.report = Report(
            started=datetime.now(UTC).isoformat(timespec="seconds"),
            args=vars(args),
            machine=machine(),
        )
        self.targets: dict[str, Target] = {}
        self.api_reference = ""

    # ------------------------------------------------------------ servers

    def start_peacetalks(self, name: str, cache: Path, root: Path = ROOT, **env: str) -> None:
        port = free_port()
        cmd = [
            sys.executable,
            "-m",
            "peacetalks.cli",
            "serve",
            "--host",
            HOST,
            "--port",
            str(port),
            "--cache-dir",
            str(cache),
        ]
        environ = dict(os.environ) | env
        environ["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(root / "server"), environ.get("PYTHONPATH")) if p
        )
        proc = self.procs.start(cmd, self.tmp / f"{name}.log", cwd=root, env=environ)
        base = f"http://{HOST}:{port}"
        if not wait_up(base + "/health", proc, 300):
            raise RuntimeError(f"{name} did not start: {(self.tmp / f'{name}.log').read_text()}")
        self.targets[name] = Target(name, base, "/sparql")
        say(f"{name} up on {base} (pid {proc.pid})")

    def start_oxigraph(self, nquads: Path) -> None:
        import httpx

        binary = PEERS_VENV / "bin" / "oxigraph"
        if not binary.exists():
            raise SystemExit(
                f"{binary} is missing: python3 -m venv bench/.venv-peers && "
                "bench/.venv-peers/bin/pip install -r bench/requirements-peers.txt"
            )
        port = free_port()
        base = f"http://{HOST}:{port}"
        cmd = [str(binary), "serve", "--bind", f"{HOST}:{port}", "--union-default-graph"]
        proc = self.procs.start(cmd, self.tmp / "oxigraph.log")
        if not wait_up(base + "/query?query=ASK%7B%7D", proc, 60):
            raise RuntimeError("oxigraph serve did not start")
        with nquads.open("rb") as body:
            httpx.post(
                base + "/store",
                content=body,
                headers={"Content-Type": "application/n-quads"},
                timeout=300,
            ).raise_for_status()
        self.targets["oxigraph serve"] = Target("oxigraph serve", base, "/query")
        say(f"oxigraph serve (in memory) up on {base}, {nquads.name} loaded")

    def start_floor(self, name: str, mode: str, processes: int, guard: bool) -> None:
        """A `bench/floor.py` server: what any Python request path costs at the least."""
        port = free_port()
        base = f"http://{HOST}:{port}"
        cmd = [sys.executable, str(BENCH / "floor.py"), "--port", str(port)]
        cmd += ["--mode", mode, "--processes", str(processes)] + ["--guard"] * guard
        if mode == "app":  # our app: /sparql and /api, like the peacetalks targets
            cmd += ["--cache-dir", str(self.nquads.parent)]
            path = "/sparql"
        else:  # a bare server: the SPARQL text, like Oxigraph
            cmd += ["--nquads", str(self.nquads)]
            path = "/query"
        log = self.tmp / f"floor-{mode}{'-guard' * guard}.log"
        environ = dict(os.environ)
        environ["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(ROOT / "server"), environ.get("PYTHONPATH")) if p
        )
        proc = self.procs.start(cmd, log, cwd=ROOT, env=environ)
        if not wait_up(base + path + "?query=ASK%7B%7D", proc, 120):
            raise RuntimeError(f"{name} did not start: {log.read_text()}")
        self.targets[name] = Target(name, base, path)
        say(f"{name} (bench/floor.py) up on {base}")

    # ------------------------------------------------------------ requests

    def path(self, scenario: str, target: Target) -> str:
        if scenario.startswith("api"):
            if target.sparql_path == "/query":  # Oxigraph, a floor: the text POSTed (`body`)
                return target.sparql_path
            return f"/api/{API_NAME}?" + urllib.parse.urlencode(API_PARAMS)
        query = HEAVY if scenario.startswith("heavy") else TRIVIAL
        return target.sparql_path + "?" + urllib.parse.urlencode({"query": query})

    def body(self, scenario: str, target: Target) -> str:
        """The POST body: the canned query's text for Oxigraph (its GET takes ≤ 8 kB heads)
        and the floors."""
        return (
            self.api_reference
            if scenario.startswith("api") and target.sparql_path == "/query"
            else ""
        )

    def probe(self, target: Target) -> str:
        return target.base + target.sparql_path + "?query=ASK%7B%7D"

    def prepare_api_reference(self) -> int:
        """The SPARQL `/api/who-said-what` runs, as plain text for Oxigraph; checks both
        answer the same number of rows and returns it."""
        import httpx
        from peacetalks.api.binding import LabelIndex, bind
        from peacetalks.api.catalog import Catalog
        from peacetalks.api.routes import DEFAULT_LIMIT
        from peacetalks.resources import queries_dir

        api = self.targets["peacetalks, no result cache"]
        ours = httpx.get(f"{api.base}/api/{API_NAME}", params=API_PARAMS, timeout=60).json()
        catalog = Catalog.load(queries_dir())
        canned = catalog[API_NAME]
        store = self.nquads_store()
        binding = bind(canned, dict(API_PARAMS), LabelIndex.from_store(store))
        text = canned.paged_text(DEFAULT_LIMIT + 1, 0)
        self.api_reference = with_values(text, dict(binding.substitutions))
        ox_target = self.targets["oxigraph serve"]
        theirs = httpx.post(
            ox_target.base + ox_target.sparql_path,
            content=self.api_reference.encode(),
            headers={"Accept": JSON_RESULTS, "Content-Type": "application/sparql-query"},
            timeout=60,
        ).json()
        n_ours, n_theirs = len(ours["rows"]), len(theirs["results"]["bindings"])
        if n_ours != n_theirs:
            raise RuntimeError(f"/api/{API_NAME}: {n_ours} rows, Oxigraph {n_theirs}")
        return n_ours

    def nquads_store(self) -> Any:
        import pyoxigraph as ox

        if not hasattr(self, "_store"):
            self._store = ox.Store()
            self._store.bulk_load(path=str(self.nquads), format=ox.RdfFormat.N_QUADS)
        return self._store

    # ------------------------------------------------------------ measuring

    def in_process(self, repeat: int) -> None:
        """Median latency of pyoxigraph `query` + native JSON in this process, unseen texts."""
        import pyoxigraph as ox

        store = self.nquads_store()
        times = []
        for i in range(self.args.in_process_calls):
            text = f"# in-process {repeat}-{i}\n{TRIVIAL}"
            t0 = time.perf_counter()
            store.query(text, use_default_graph_as_union=True).serialize(
                format=ox.QueryResultsFormat.JSON
            )
            times.append(time.perf_counter() - t0)
        self.report.in_process.append({"repeat": repeat, "p50_ms": statistics.median(times) * 1000})
        say(f"  in-process pyoxigraph, trivial: p50 {statistics.median(times) * 1000:.3f} ms")

    def scenarios(self) -> list[Scenario]:
        ours, ox_ = "peacetalks", "oxigraph serve"
        api = "peacetalks, no result cache"
        base = (BASELINE,) if self.args.baseline else ()
        base_api = (BASELINE + NO_CACHE,) if self.args.baseline else ()
        floors = tuple(FLOORS) if self.args.floor else ()
        return [
            Scenario("trivial unseen c=10", 10, True, (ours, *base, *floors, ox_)),
            Scenario("trivial unseen c=1", 1, True, (ours, *base, *floors, ox_)),
            Scenario("trivial repeated c=10", 10, False, (ours, *base, ox_)),
            Scenario("heavy unseen c=10", 10, True, (ours, *base, *floors, ox_)),
            Scenario("api who-said-what c=1", 1, False, (api, *base_api, *floors, ox_)),
            Scenario("api who-said-what c=10", 10, False, (api, *base_api, ox_)),
        ]

    def main(self) -> Report:
        cache = self.tmp / "cache"
        try:
            self.start_peacetalks("peacetalks", cache)
            self.nquads = next(cache.glob("dataset-*.nq"))
            self.start_peacetalks(
                "peacetalks, no result cache", cache, PEACETALKS_RESULT_CACHE_MB="0"
            )
            if self.args.baseline:
                root = Path(self.args.baseline).resolve()
                self.start_peacetalks(BASELINE, self.tmp / "base-cache", root)
                self.start_peacetalks(
                    BASELINE + NO_CACHE,
                    self.tmp / "base-cache",
                    root,
                    PEACETALKS_RESULT_CACHE_MB="0",
                )
            self.start_oxigraph(self.nquads)
            if self.args.floor:
                for name, (mode, processes, guard) in FLOORS.items():
                    self.start_floor(name, mode, processes, guard)
            rows = self.prepare_api_reference()
            say(f"/api/{API_NAME} and its SPARQL on Oxigraph agree: {rows} rows")
            for repeat in range(self.args.repeats):
                say(f"repeat {repeat + 1} of {self.args.repeats}")
                self.in_process(repeat)
                for scenario in self.scenarios():
                    k = repeat % len(scenario.targets)  # each target leads once in turn
                    order = list(scenario.targets[k:] + scenario.targets[:k])
                    for name in order:
                        self.one(scenario, self.targets[name], repeat)
        finally:
            self.procs.stop_all()
        summarize(self.report)
        return self.report

    def one(self, scenario: Scenario, target: Target, repeat: int) -> None:
        figures = wrk(
            target.base,
            self.path(scenario.name, target),
            concurrency=scenario.concurrency,
            duration=self.args.duration,
            unseen=scenario.unseen,
            tmp=self.tmp,
            body=self.body(scenario.name, target),
        )
        drained = drain(self.probe(target))
        sample = Sample(
            scenario.name,
            target.name,
            repeat,
            drained_s=round(drained, 2),
            load1=round(os.getloadavg()[0], 2),
            **figures,
        )
        self.report.samples.append(sample)
        say(
            f"  {scenario.name:24} {target.name:28} {sample.rps:8.0f} req/s  "
            f"p50 {sample.p50_ms:7.3f} ms  err {sample.errors}  drained {drained:.1f} s"
        )


# ------------------------------------------------------------------ figures


def _spread(values: list[float], digits: int) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
    }


def summarize(report: Report) -> None:
    groups: dict[tuple[str, str], list[Sample]] = {}
    for s in report.samples:
        groups.setdefault((s.scenario, s.target), []).append(s)
    med: dict[tuple[str, str], dict[str, float]] = {}
    for (scenario, target), samples in groups.items():
        row = {
            "scenario": scenario,
            "target": target,
            "repeats": len(samples),
            "rps": _spread([s.rps for s in samples], 0),
            "p50_ms": _spread([s.p50_ms for s in samples], 3),
            "errors": sum(s.errors for s in samples),
        }
        report.summary.append(row)
        med[(scenario, target)] = {"rps": row["rps"]["median"], "p50": row["p50_ms"]["median"]}
    ours, ox_, api = "peacetalks", "oxigraph serve", "peacetalks, no result cache"
    in_process = statistics.median(r["p50_ms"] for r in report.in_process)

    def get(scenario: str, target: str, what: str) -> float:
        return med.get((scenario, target), {}).get(what, float("nan"))

    def figures(ours: str, api: str) -> list[float]:
        return [
            get("trivial unseen c=10", ours, "rps") / get("trivial unseen c=10", ox_, "rps"),
            get("trivial unseen c=1", ours, "p50") - in_process,
            get("heavy unseen c=10", ours, "rps") / get("heavy unseen c=10", ox_, "rps"),
            get("api who-said-what c=1", api, "p50") / get("api who-said-what c=1", ox_, "p50"),
        ]

    now = figures(ours, api)
    before = figures(BASELINE, BASELINE + NO_CACHE)
    floors = {name: figures(name, name) for name in FLOORS}
    goals = [
        ("unseen trivial c=10: req/s ÷ oxigraph serve's, ≥ 0.5", lambda x: x >= 0.5),
        ("c=1 p50 over in-process pyoxigraph (ms), < 0.5", lambda x: x < 0.5),
        ("heavy unseen c=10: req/s ÷ oxigraph serve's, ≥ 1", lambda x: x >= 1.0),
        (f"/api/{API_NAME} c=1 p50 ÷ the same SPARQL on oxigraph serve, ≤ 1.2",
         lambda x: x <= 1.2),
    ]  # fmt: skip
    report.verdicts = [
        {
            "target": goal,
            "figure": round(x, 3),
            "met": ok(x),
            "baseline": round(b, 3),
            "floors": {
                name: {"figure": round(f[i], 3), "met": ok(f[i])}
                for name, f in floors.items()
                if f[i] == f[i]  # measured (not NaN)
            },
        }
        for i, ((goal, ok), x, b) in enumerate(zip(goals, now, before, strict=True))
    ]


def print_report(report: Report) -> None:
    print(
        f"\n{report.started}  {report.machine.get('cpu', '')}  "
        f"repeats {report.args['repeats']} × {report.args['duration']:g} s, medians (min–max)"
    )
    print(f"{'scenario':24} {'target':28} {'req/s':>22} {'p50 ms':>26} err")
    for row in report.summary:
        r, p = row["rps"], row["p50_ms"]
        print(
            f"{row['scenario']:24} {row['target']:28} "
            f"{r['median']:>7.0f} ({r['min']:.0f}–{r['max']:.0f}){'':2} "
            f"{p['median']:>8.3f} ({p['min']:.3f}–{p['max']:.3f}) {row['errors']}"
        )
    in_process = [r["p50_ms"] for r in report.in_process]
    print(
        f"in-process pyoxigraph trivial p50: {statistics.median(in_process):.3f} ms "
        f"({min(in_process):.3f}–{max(in_process):.3f})"
    )
    print()
    for v in report.verdicts:
        mark = "MET " if v["met"] else "MISS"
        print(f"[{mark}] {v['target']}: {v['figure']} (baseline {v['baseline']})")
        for name, f in v.get("floors", {}).items():
            print(f"       {name}: {f['figure']} ({'met' if f['met'] else 'missed'})")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench/overhead.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=3, help="runs of every target (≥ 3)")
    p.add_argument("--duration", type=float, default=5.0, help="seconds per wrk run")
    p.add_argument("--in-process-calls", type=int, default=3000)
    p.add_argument(
        "--baseline",
        metavar="CHECKOUT",
        help="also serve the code of another checkout (e.g. `git archive main`), interleaved",
    )
    p.add_argument(
        "--floor",
        action="store_true",
        help="also serve bench/floor.py (bare Python servers: the least any can cost)",
    )
    p.add_argument("--quick", action="store_true", help="1 repeat of 2 s (a smoke run)")
    p.add_argument("--no-json", action="store_true", help="do not write bench/results/*.json")
    args = p.parse_args(argv)
    if args.quick:
        args.repeats, args.duration, args.in_process_calls = 1, 2.0, 500
    elif args.repeats < 3:
        p.error("--repeats: at least 3 (medians of fewer runs mislead)")
    if not 0 < args.duration <= 120:
        p.error("--duration: more than 0 and at most 120 seconds")
    if shutil.which("wrk") is None:
        p.error("wrk is not on PATH (Debian: apt-get install wrk)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_and_report(
        args,
        "peacetalks-overhead-",
        lambda tmp: Bench(args, tmp).main(),
        print_report,
        stem="overhead-",
    )


if __name__ == "__main__":
    raise SystemExit(main())
