"""Attack and fault figures for `peacetalks serve` (issue 10): a fuzz of >= 10,000 hostile
queries, load at several concurrencies, deadline-killers beside light traffic, workers
killed with SIGKILL under load, and memory over time.

A script that prints figures, not a test. It starts one `peacetalks serve` on 127.0.0.1
(shipped data, default settings but a short query deadline) and a TCP listener on
127.0.0.1 that counts every connection a query makes; every loop is bounded in count and
time; everything it starts is stopped at the end.

    python bench/attack.py                    # ~4 min: 10,000 fuzz queries, wrk, faults
    python bench/attack.py --fuzz 2000 --quick
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[1]
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
LIGHT = "SELECT ?s WHERE { ?s a <https://w3id.org/peacetalks/ontology#Statement> } LIMIT 5"
KILLER = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


class Listener:
    """Counts connections to a loopback port (the SERVICE target of every disguise)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(256)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.count = 0
        self.stop = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.count += 1
            conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the fuzz corpus ------------------------------------------------------------------------


def corpus(n: int, port: int, seed: int) -> list[bytes]:
    """`n` hostile request bodies: SERVICE disguises, updates, nesting, huge literals,
    escapes, control characters and invalid UTF-8, mixed by a seeded generator."""
    rng = random.Random(seed)
    target = f"<http://127.0.0.1:{port}/sparql>"
    ns = f"<http://127.0.0.1:{port}/>"
    prologue = f"PREFIX : {ns} PREFIX s: {ns} PREFIX p: <http://h:80> PREFIX z: <urn:\\u0078#> "
    disguises = [
        f"SERVICE {target} {{ }}",
        "SERVICE:x{}",
        "services:x{}",
        f"?o.SERVICE{target}{{}}",
        f"?s ?p trueSERVICE{target}{{}}",
        f"?s ?p 1SERVICE{target}{{}}",
        f"?s ?p -1SERVICE{target}{{}}",
        f"?s ?p p:SERVICE{target}{{}}",
        f"SERV\\u0049CE {target} {{}}",
        f"\\u0053ERVICE {target} {{}}",
        f"SERVICE SILENT {target} {{}}",
        f"sErViCe\n{target}{{}}",
        f'"\\u0022 . SERVICE {target} {{}} #"',
        f"SERVICE ?endpoint {{ }} VALUES ?endpoint {{ {target} }}",
    ]
    noise = ["(", ")", "{", "}", ".", ";", "#", "\n", '"', "'", "\\", "<", ">", "a", "?x", ":"]
    bodies: list[bytes] = []
    for i in range(n):
        kind = i % 8
        if kind <= 2:
            piece = rng.choice(disguises)
            cut = rng.randrange(len(piece) + 1)
            glue = "".join(rng.choice(noise) for _ in range(rng.randrange(3)))
            text = f"{prologue}SELECT * WHERE {{ ?s ?p ?o . {piece[:cut]}{glue}{piece[cut:]} }}"
        elif kind == 3:
            text = rng.choice(
                [
                    "INSERT DATA { <http://a> <http://b> <http://c> }",
                    "DELETE WHERE { ?s ?p ?o }",
                    f"LOAD {target}",
                    "CLEAR ALL",
                    "DROP GRAPH <https://w3id.org/peacetalks/graph/inferred>",
                    "SELECT * { ?s ?p ?o } ; INSERT DATA { <a> <b> <c> }",
                ]
            )
        elif kind == 4:
            depth = rng.choice([50, 199, 201, 1_000, 10_000, 40_000])
            text = "SELECT * WHERE { FILTER(" + "(" * depth + "1" + ")" * depth + ") }"
        elif kind == 5:
            size = rng.choice([1_000, 30_000, 99_000, 150_000])
            text = 'SELECT * WHERE { ?s ?p "' + "x" * size + '" }'
        elif kind == 6:
            text = (
                "SELECT * WHERE { FILTER("
                + " || ".join(["true"] * rng.choice([10, 5_000, 20_000]))
                + ") }"
            )
        else:
            raw = bytearray(f"SELECT * WHERE {{ ?s ?p ?o . {rng.choice(disguises)} }}".encode())
            for _ in range(rng.randrange(1, 6)):
                raw.insert(
                    rng.randrange(len(raw)), rng.choice([0x00, 0x08, 0xFF, 0xC3, 0x80, 0xED])
                )
            bodies.append(bytes(raw))
            continue
        bodies.append(text.encode("utf-8", "surrogatepass"))
    return bodies


# --- measurements ---------------------------------------------------------------------------


def count_triples(base: str) -> int:
    r = httpx.get(
        base + "/sparql",
        params={"query": COUNT},
        headers={"Accept": "application/json"},
        timeout=60,
    )
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def run_fuzz(base: str, bodies: list[bytes], budget: float) -> dict[str, Any]:
    statuses: Counter[int] = Counter()
    unexpected: list[str] = []
    deadline = time.monotonic() + budget
    client = httpx.Client(timeout=60, limits=httpx.Limits(max_connections=16))

    def send(body: bytes) -> None:
        if time.monotonic() > deadline:
            statuses[-1] += 1  # not sent: budget spent
            return
        try:
            r = client.post(
                base + "/sparql", content=body, headers={"Content-Type": "application/sparql-query"}
            )
            statuses[r.status_code] += 1
            if r.status_code >= 500 and r.status_code != 503:
                unexpected.append(f"{r.status_code} {body[:120]!r} {r.text[:200]}")
        except httpx.HTTPError as e:
            statuses[0] += 1
            unexpected.append(f"transport {type(e).__name__} {body[:120]!r}")

    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(send, bodies))
    client.close()
    return {
        "sent": sum(v for k, v in statuses.items() if k != -1),
        "seconds": round(time.perf_counter() - started, 1),
        "statuses": dict(sorted(statuses.items())),
        "unexpected_5xx": len(unexpected),
        "examples": unexpected[:5],
    }


def wrk(url: str, concurrency: int, seconds: float) -> dict[str, Any]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{concurrency}", f"-d{seconds:g}s", "--latency", "--timeout", "30s", url],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    ).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return {
        "c": concurrency,
        "req_per_s": float(rate.group(1)) if rate else None,
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "p99_ms": round(float(p99.group(1)) * scale[p99.group(2)], 2) if p99 else None,
    }


def health_under_killers(base: str, killers: int, seconds: float) -> dict[str, Any]:
    """`killers` threads send deadline-killing queries back to back while /health, /api and
    light /sparql requests are timed."""
    stop = time.monotonic() + seconds
    killer_statuses: Counter[int] = Counter()

    def kill_loop(i: int) -> None:
        with httpx.Client(timeout=120) as c:
            n = 0
            while time.monotonic() < stop:
                n += 1
                r = c.get(base + "/sparql", params={"query": f"{KILLER} # {i}-{n}"})
                killer_statuses[r.status_code] += 1

    threads = [threading.Thread(target=kill_loop, args=(i,)) for i in range(killers)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    timings: dict[str, list[float]] = {"health": [], "api": [], "ready": []}
    statuses: Counter[str] = Counter()
    with httpx.Client(timeout=30) as c:
        while time.monotonic() < stop:
            for name, path in (
                ("health", "/health"),
                ("ready", "/ready"),
                ("api", "/api/who-said-what?issue=crimea&limit=5"),
            ):
                t0 = time.perf_counter()
                r = c.get(base + path)
                timings[name].append((time.perf_counter() - t0) * 1000)
                statuses[f"{name} {r.status_code}"] += 1
            time.sleep(0.02)
    for t in threads:
        t.join(180)
    return {
        "killers": killers,
        "killer_statuses": dict(killer_statuses),
        "statuses": dict(statuses),
        **{f"{k}_p50_ms": round(statistics.median(v), 2) for k, v in timings.items() if v},
        **{f"{k}_p99_ms": round(percentile(v, 99), 2) for k, v in timings.items() if v},
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return round(total / 1024, 1)


def kill_workers(base: str, server: int, seconds: float) -> dict[str, Any]:
    """SIGKILL every query worker while light queries stream; time until answers are 200."""
    stop = time.monotonic() + seconds
    statuses: Counter[int] = Counter()
    first_ok_after: list[float] = []
    killed_at: list[float] = []

    def stream() -> None:
        with httpx.Client(timeout=30) as c:
            n = 0
            while time.monotonic() < stop:
                n += 1
                r = c.get(base + "/sparql", params={"query": f"{LIGHT} # {n}"})
                statuses[r.status_code] += 1
                if r.status_code == 200 and killed_at and not first_ok_after:
                    first_ok_after.append(time.monotonic() - killed_at[0])

    thread = threading.Thread(target=stream)
    thread.start()
    time.sleep(1.0)
    victims = children(server)
    killed_at.append(time.monotonic())
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    thread.join(seconds + 60)
    deadline = time.monotonic() + 60
    while len(children(server)) < len(victims) and time.monotonic() < deadline:
        time.sleep(0.1)
    return {
        "killed": len(victims),
        "statuses": dict(statuses),
        "first_200_after_s": round(first_ok_after[0], 2) if first_ok_after else None,
        "workers_after": len(children(server)),
    }


def guard_timing() -> dict[str, float]:
    sys.path.insert(0, str(ROOT / "server"))
    from peacetalks.sparql.guard import check_query

    cases = {
        "a.": "SELECT * {} " + "a." * 49_990,
        '\\"': 'SELECT * { ?s ?p "' + '\\"' * 49_980 + '" }',
        "( )": "SELECT * { " + "( )" * 33_000 + "}",
        "<a": "SELECT * {" + "<a" * 49_000 + "}",
        "\\u": "SELECT * { " + "\\u0041" * 16_000 + "}",
        "names": "SELECT * {" + " ex:aservice" * 8_000 + "}",
    }
    figures = {}
    for name, text in cases.items():
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            with contextlib.suppress(Exception):  # a refusal is a verdict too
                check_query(text, max_length=100_000, known_graphs=(), protocol_dataset=False)
            runs.append((time.perf_counter() - t0) * 1000)
        figures[name] = round(statistics.median(runs), 2)
    return figures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--fuzz", type=int, default=10_000, help="hostile queries to send")
    ap.add_argument("--fuzz-budget", type=float, default=600, help="seconds the fuzz may take")
    ap.add_argument("--seconds", type=float, default=10, help="per load / fault phase")
    ap.add_argument("--quick", action="store_true", help="5 s phases, c=10 only")
    ap.add_argument("--seed", type=int, default=10)
    args = ap.parse_args(argv)
    seconds = 5 if args.quick else args.seconds
    listener = Listener()
    cache = Path(tempfile.mkdtemp(prefix="peacetalks-attack-"))
    port = free_port()
    env = dict(os.environ, PEACETALKS_CACHE_DIR=str(cache), PEACETALKS_QUERY_TIMEOUT="3")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "server"), env.get("PYTHONPATH")]))
    server = subprocess.Popen(
        [sys.executable, "-m", "peacetalks", "serve", "--port", str(port)],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    report: dict[str, Any] = {}
    rss: list[float] = []
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.wait(1.0):
            rss.append(rss_mb([server.pid, *children(server.pid)]))

    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(base + "/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("peacetalks serve did not become ready")
            time.sleep(0.2)
        threading.Thread(target=sample, daemon=True).start()
        report["network"] = httpx.get(base + "/ready").json()["workers"]["network"]
        report["guard_ms_100kB"] = guard_timing()
        before = count_triples(base)
        print(f"fuzz: {args.fuzz} queries …", file=sys.stderr)
        report["fuzz"] = run_fuzz(
            base, corpus(args.fuzz, listener.port, args.seed), args.fuzz_budget
        )
        report["fuzz"]["outbound_connections"] = listener.count
        report["fuzz"]["triples_before_after"] = [before, count_triples(base)]
        if shutil.which("wrk"):
            url = base + "/sparql?query=" + quote(LIGHT)
            report["wrk"] = [wrk(url, c, seconds) for c in ([10] if args.quick else [10, 50, 200])]
        print("deadline-killers …", file=sys.stderr)
        report["killers"] = health_under_killers(base, 4, max(seconds, 8))
        print("SIGKILL of the workers under load …", file=sys.stderr)
        report["kill9"] = kill_workers(base, server.pid, seconds)
        report["outbound_connections_total"] = listener.count
        report["triples_at_end"] = count_triples(base)
    finally:
        sampling.set()
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        listener.stop.set()
        shutil.rmtree(cache, ignore_errors=True)
    report["rss_mb"] = {"min": min(rss, default=0), "max": max(rss, default=0), "samples": len(rss)}
    print(json.dumps(report, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
