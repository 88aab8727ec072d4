"""The overhead of peacetalks over a remote engine: the same queries through peacetalks
(`PEACETALKS_BACKEND`) and sent directly to the engine, on a synthetic graph.

    python bench/remote.py [--triples 1000000] [--engines oxigraph,virtuoso] [--repeats 3]

does everything in one go. At scale the work is split, so that the timed part can run alone
on the machine in pieces of bounded length while the engines stay loaded between them:

    python bench/remote.py setup --dir D --triples 10000000 --engines oxigraph,virtuoso,embedded
    python bench/remote.py measure --dir D --engine oxigraph     # one timed part per engine
    python bench/remote.py measure --dir D --engine virtuoso
    python bench/remote.py measure --dir D --engine embedded
    python bench/remote.py report --dir D                        # the table of every part
    python bench/remote.py stop --dir D                          # stop every process it started

`setup` (again with other `--engines`: adds them to the same directory's front ends)
writes a synthetic graph in the ontology's shape (`bench/synthetic.py`), builds it
into a dataset (no inference: OWL RL over millions of triples is not a start-up job),
`peacetalks push`es it into each engine (`oxigraph serve` in memory, Virtuoso 7.2; both on
free loopback ports via tests/engines.py) and starts `peacetalks serve` over each with the
result cache off (so every request reaches the engine); `embedded` is `peacetalks serve` on
the same graph with the embedded store (its default for this size: the shared on-disk
store from `PEACETALKS_DISK_STORE_QUADS` on). Each process runs in its own session and
survives `setup`; `D/state.json` says where they are.

`measure` sends each query both ways — through peacetalks, and directly to the engine with
the very text and protocol dataset peacetalks sends — interleaved (direct, peacetalks,
direct, …) and repeated `--repeats` times: sequential p50/p95 over at most `--requests`
keep-alive requests or `--seconds` s, then c=10 throughput with wrk for `--duration` s (not
for a query whose first answer takes over `WRK_BELOW` s: at 10M triples ten of those at once
only queue on the engine for minutes); `--only` picks queries by words of their labels. The
table gives medians over the repeats, the overhead, and the resident memory of the engine
and of the front end (its query workers included).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "server"))

import engines  # noqa: E402
import synthetic  # noqa: E402
from run import drain, load_wrk, percentile  # noqa: E402

PT = "https://w3id.org/peacetalks/ontology#"
QUERIES = {
    "label look-up (/sparql)": (
        "/sparql",
        "SELECT ?label WHERE { <https://w3id.org/peacetalks/id/issue/territory> "
        "<http://www.w3.org/2004/02/skos/core#prefLabel> ?label }",
    ),
    "statements per issue (/sparql)": (
        "/sparql",
        f"SELECT ?issue (COUNT(?s) AS ?n) WHERE {{ ?s <{PT}issue> ?issue }} "
        "GROUP BY ?issue ORDER BY DESC(?n) ?issue LIMIT 10",
    ),
    "canned query (/api/actors)": ("/api/actors", None),
    "canned query (/api/who-said-what, one issue)": ("/api/who-said-what", None),
}
CANNED = {
    "actors": ({}, 1000),
    "who-said-what": ({"issue": "division-of-assets-2"}, 100),
}
"""The parameters and page size of each canned query measured (the issue is a leaf one of
`bench/synthetic.py`'s tree, present at every size)."""
WRK_BELOW = 1.0
"""Seconds: a query whose first answer takes longer gets no c=10 run (ten at once would
only queue on the engine for minutes); its row says so."""
FRONT_ENDS = ("oxigraph", "virtuoso", "embedded")
TIMEOUT = 300.0
"""Seconds per request (front ends and clients): at 10M triples an aggregate takes seconds."""


def rss_mb(pid: int) -> float:
    """Resident memory of `pid` and all its descendants (query workers), in MB."""
    total = 0.0
    todo = [pid]
    while todo:
        p = todo.pop()
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                with contextlib.suppress(OSError):
                    todo += [int(c) for c in (task / "children").read_text().split()]
    return total


def canned_text(name: str) -> str:
    """The text peacetalks sends for `/api/<name>` with `CANNED`'s parameters (lang "en"):
    the page's text with the values bound as the remote backend binds them."""
    from peacetalks import resources
    from peacetalks.api.catalog import Catalog
    from peacetalks.backend.substitution import bind_values

    catalog = Catalog.load(resources.queries_dir())
    query = catalog[name]
    params, limit = CANNED[name]
    values = {"lang": '"en"'}
    if "issue" in params:
        values["issue"] = f"<https://w3id.org/peacetalks/id/issue/{params['issue']}>"
    return bind_values(query.paged_text(limit + 1, 0), values)


def sequential(client: httpx.Client, url: str, n: int, seconds: float) -> tuple[float, float]:
    """p50, p95 (ms) of at most `n` requests, stopping after `seconds` (at least 3)."""
    times: list[float] = []
    began = time.perf_counter()
    while len(times) < n and (len(times) < 3 or time.perf_counter() - began < seconds):
        started = time.perf_counter()
        response = _send(client, url)
        response.read()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text[:300]
    return percentile(times, 50), percentile(times, 95)


LONG_URL = 6000
"""Characters: a longer request goes as a POSTed form (Oxigraph takes 8 kB of headers)."""


def _send(client: httpx.Client, url: str) -> httpx.Response:
    """GET `url`, or POST its query string as a form when it is longer than `LONG_URL`."""
    accept = {"Accept": "application/sparql-results+json"}
    if len(url) <= LONG_URL:
        return client.get(url, headers=accept)
    base, _, form = url.partition("?")
    headers = {**accept, "Content-Type": "application/x-www-form-urlencoded"}
    return client.post(base, content=form.encode(), headers=headers)


# ------------------------------------------------------------------ processes


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path, seconds: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + "/ready", timeout=5).status_code == 200:
                return time.perf_counter() - started
        if proc.poll() is not None:
            raise RuntimeError(log.read_text()[-1500:])
        time.sleep(0.5)
    raise RuntimeError(f"{url} not ready after {seconds:.0f} s: {log}")


def _serve(env: dict[str, str], log: Path) -> tuple[str, subprocess.Popen[bytes]]:
    """`peacetalks serve` in a session of its own (it outlives `setup`), on a free port."""
    port = engines.free_port()
    full = {
        **os.environ,
        **env,
        "PEACETALKS_RESULT_CACHE_MB": "0",
        "PEACETALKS_PORT": str(port),
        "PEACETALKS_QUERY_TIMEOUT": str(TIMEOUT),
        "PEACETALKS_LOG_LEVEL": "warning",
        "PYTHONPATH": str(ROOT / "server"),
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "peacetalks", "serve"],
            env=full,
            stdout=subprocess.DEVNULL,
            stderr=out,
            start_new_session=True,
        )
    return f"http://127.0.0.1:{port}", proc


def _stop_pid(pid: int) -> None:
    """TERM the process group of `pid` (each was started in its own session), then KILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            time.sleep(0.2)


# ------------------------------------------------------------------ the steps


def setup(directory: Path, triples: int, names: list[str]) -> dict[str, Any]:
    from peacetalks.backend.push import push
    from peacetalks.dataset.store import load_dataset
    from peacetalks.settings import Settings

    directory.mkdir(parents=True, exist_ok=True)
    nt = directory / f"synthetic-{triples}.nt"
    started = time.perf_counter()
    count = synthetic.generate(nt, triples)
    generated = time.perf_counter() - started
    settings = Settings(
        shipped_data=False, data=[nt], inference=False, cache_dir=directory / "cache"
    )
    started = time.perf_counter()
    dataset: Any = load_dataset(settings)
    built = time.perf_counter() - started
    print(
        f"synthetic graph: {count:,} triples (generated in {generated:.0f} s), "
        f"dataset built in {built:.0f} s",
        flush=True,
    )
    state: dict[str, Any] = {
        "triples": count,
        "graphs": sorted(dataset.graph_counts),
        "generate_s": generated,
        "build_s": built,
        "commit": _commit(),
        "front_ends": {},
    }
    state_file = directory / "state.json"
    with contextlib.suppress(OSError, ValueError):  # a second setup adds to the first one's
        earlier = json.loads(state_file.read_text())
        if earlier["triples"] == count and earlier["graphs"] == state["graphs"]:
            kept = {n: e for n, e in earlier["front_ends"].items() if n not in names}
            state = {**earlier, "front_ends": kept}
    # the embedded front end last, once this process has let go of its copy of the dataset
    names = sorted(names, key=lambda n: n == "embedded")
    try:
        for name in names:
            if name == "embedded" and dataset is not None:
                dataset = None
                gc.collect()
            entry: dict[str, Any] = {}
            if name == "embedded":
                front, proc = _serve(
                    {
                        "PEACETALKS_SHIPPED_DATA": "false",
                        "PEACETALKS_DATA": str(nt),
                        "PEACETALKS_INFERENCE": "false",
                        "PEACETALKS_CACHE_DIR": str(directory / "cache"),
                    },
                    directory / "serve-embedded.log",
                )
                entry.update(front=front, front_pid=proc.pid)
                state["front_ends"][name] = entry
                state_file.write_text(json.dumps(state, indent=1))
                entry["ready_s"] = _wait_ready(front, proc, directory / "serve-embedded.log", 1800)
            else:
                why = engines.available(name)
                if why:
                    print(f"{name}: skipped ({why})")
                    continue
                engine = engines.start(name, directory / name, detached=True, large=True)
                entry.update(engine_url=engine.query_url, engine_pid=engine.process.pid)
                state["front_ends"][name] = entry
                state_file.write_text(json.dumps(state, indent=1))
                started = time.perf_counter()
                push(dataset, engine.query_url, settings)
                entry["push_s"] = time.perf_counter() - started
                log = directory / f"serve-{name}.log"
                front, proc = _serve({"PEACETALKS_BACKEND": engine.query_url}, log)
                entry.update(front=front, front_pid=proc.pid)
                state_file.write_text(json.dumps(state, indent=1))
                entry["ready_s"] = _wait_ready(front, proc, log, 600)
            state_file.write_text(json.dumps(state, indent=1))
            print(f"{name}: {entry}", flush=True)
    except BaseException:
        stop(directory, only=names)  # an earlier setup's front ends stay up
        raise
    return state


def _commit() -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "?"


def measure(
    directory: Path,
    name: str,
    repeats: int,
    requests: int,
    seconds: float,
    duration: float,
    only: list[str] | None = None,
) -> list[dict[str, Any]]:
    from peacetalks.backend.engines import PROFILES

    state = json.loads((directory / "state.json").read_text())
    entry = state["front_ends"][name]
    front = entry["front"]
    graphs = state["graphs"]
    rows = []
    for label, (path, text) in QUERIES.items():
        if only and not any(word in label for word in only):
            continue
        if text is None:
            canned = path.rsplit("/", 1)[1]
            text = canned_text(canned)
            params, limit = CANNED[canned]
            ours = f"{front}{path}?{urlencode({**params, 'limit': limit})}"
        else:
            ours = f"{front}{path}?{urlencode({'query': text})}"
        urls = {"ours": ours}
        if name != "embedded":
            profile = PROFILES[name]
            sent = profile.rewrite(text) if profile.rewrite else text
            form = [("query", sent)]
            form += [("default-graph-uri", g) for g in graphs]
            form += [("named-graph-uri", g) for g in graphs]
            urls = {"direct": f"{entry['engine_url']}?{urlencode(form)}", "ours": ours}
        figures: dict[str, list[tuple[float, float, float]]] = {who: [] for who in urls}
        with httpx.Client(timeout=TIMEOUT) as client:
            try:
                first = max(sequential(client, url, 1, 0)[0] for url in urls.values())  # warm
            except httpx.TimeoutException:
                rows.append({"engine": name, "query": label, "timed_out_s": TIMEOUT})
                print(f"  {name} {label}: no answer within {TIMEOUT:g} s", flush=True)
                continue
            for _ in range(repeats):
                for who, url in urls.items():
                    p50, p95 = sequential(client, url, requests, seconds)
                    rps = float("nan")
                    if first <= WRK_BELOW * 1000 and len(url) <= LONG_URL:
                        rps = load_wrk(url, 10, duration, TIMEOUT, directory)["rps"]
                        # requests wrk left in flight still run on the engine: wait for them
                        drain(entry.get("engine_url") or f"{front}/sparql", TIMEOUT)
                    figures[who].append((p50, p95, rps))
        med = {
            who: [statistics.median(f[i] for f in fs) for i in range(3)]
            for who, fs in figures.items()
        }
        row = {"engine": name, "query": label, **med}
        rows.append(row)
        print(f"  {name} {label}: {med}", flush=True)
    memory = {"front_mb": rss_mb(entry["front_pid"])}
    if "engine_pid" in entry:
        memory["engine_mb"] = rss_mb(entry["engine_pid"])
    out = directory / f"measure-{name}.json"
    with contextlib.suppress(OSError, ValueError):  # rows of queries measured before stay
        measured = {row["query"] for row in rows}
        kept = [r for r in json.loads(out.read_text())["rows"] if r["query"] not in measured]
        rows = [r for label in QUERIES for r in kept + rows if r["query"] == label]
    result = {
        "engine": name,
        "rows": rows,
        "memory": memory,
        "commit": _commit(),
        "repeats": repeats,
        "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    out.write_text(json.dumps(result, indent=1))
    print(f"{name}: RSS {memory}")
    return rows


def _rate(rps: float) -> str:
    return f"{rps:,.1f}" if rps == rps else "not run (first answer over WRK_BELOW, or LONG_URL)"


def report(directory: Path) -> None:
    state = json.loads((directory / "state.json").read_text())
    print(
        f"{state['triples']:,} triples; generated {state['generate_s']:.0f} s, "
        f"built {state['build_s']:.0f} s; setup at commit {state['commit']}"
    )
    print()
    print(
        "| backend | query | direct p50 / p95 ms | peacetalks p50 / p95 ms | "
        "overhead p50 ms | direct c=10 req/s | peacetalks c=10 req/s |"
    )
    print("|---|---|---|---|---|---|---|")
    memory = []
    for name in FRONT_ENDS:
        path = directory / f"measure-{name}.json"
        if not path.exists():
            continue
        result = json.loads(path.read_text())
        for row in result["rows"]:
            if "timed_out_s" in row:
                print(f"| {name} | {row['query']} | no answer within {row['timed_out_s']:g} s |")
                continue
            o = row["ours"]
            d = row.get("direct")
            direct = f"{d[0]:.2f} / {d[1]:.2f}" if d else "—"
            overhead = f"{o[0] - d[0]:+.2f}" if d else "—"
            direct_rps = _rate(d[2]) if d else "—"
            print(
                f"| {name} | {row['query']} | {direct} | {o[0]:.2f} / {o[1]:.2f} | "
                f"{overhead} | {direct_rps} | {_rate(o[2])} |"
            )
        entry = state["front_ends"][name]
        memory.append((name, entry, result))
    print()
    print("| backend | push s | front end ready s | RSS engine MB | RSS peacetalks MB | measured |")
    print("|---|---|---|---|---|---|")
    for name, entry, result in memory:
        push_s = f"{entry['push_s']:.0f}" if "push_s" in entry else "—"
        engine_mb = result["memory"].get("engine_mb")
        print(
            f"| {name} | {push_s} | {entry.get('ready_s', float('nan')):.0f} | "
            f"{f'{engine_mb:,.0f}' if engine_mb else '—'} | "
            f"{result['memory']['front_mb']:,.0f} | {result['at']} ({result['commit']}) |"
        )


def stop(directory: Path, only: list[str] | None = None) -> None:
    """Stop the engines and front ends of `directory` (`only`: those named)."""
    state_file = directory / "state.json"
    if not state_file.exists():
        return
    state = json.loads(state_file.read_text())
    for name, entry in state["front_ends"].items():
        if only is not None and name not in only:
            continue
        for key in ("front_pid", "engine_pid"):
            if key in entry:
                _stop_pid(entry[key])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "step", nargs="?", default="all", choices=["all", "setup", "measure", "report", "stop"]
    )
    p.add_argument("--dir", type=Path, help="working directory of setup/measure/report/stop")
    p.add_argument("--triples", type=int, default=1_000_000)
    p.add_argument(
        "--engines", default="oxigraph,virtuoso", help="setup: of " + ",".join(FRONT_ENDS)
    )
    p.add_argument("--engine", choices=FRONT_ENDS, help="measure: which front end")
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--seconds", type=float, default=10.0, help="sequential: at most this long")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--duration", type=float, default=5.0, help="s per wrk run")
    p.add_argument(
        "--only",
        type=lambda text: [w for w in text.split(",") if w],
        default=None,
        help="measure: only the queries whose label contains one of these words (comma list)",
    )
    args = p.parse_args(argv)
    names = [n for n in args.engines.split(",") if n]
    if unknown := sorted(set(names) - set(FRONT_ENDS)):
        p.error(f"unknown engines: {', '.join(unknown)}")
    if args.step == "all":
        directory = Path(tempfile.mkdtemp(prefix="peacetalks-remote-bench-"))
        try:
            state = setup(directory, args.triples, names)
            for name in state["front_ends"]:
                measure(
                    directory,
                    name,
                    args.repeats,
                    args.requests,
                    args.seconds,
                    args.duration,
                    args.only,
                )
            print()
            report(directory)
        finally:
            stop(directory)
        return 0
    if args.dir is None:
        p.error(f"{args.step} needs --dir")
    if args.step == "setup":
        setup(args.dir, args.triples, names)
    elif args.step == "measure":
        if args.engine is None:
            p.error("measure needs --engine")
        measure(
            args.dir,
            args.engine,
            args.repeats,
            args.requests,
            args.seconds,
            args.duration,
            args.only,
        )
    elif args.step == "report":
        report(args.dir)
    else:
        stop(args.dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
