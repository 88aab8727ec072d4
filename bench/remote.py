"""The overhead of peacetalks over a remote engine: the same queries through peacetalks
(`PEACETALKS_BACKEND`) and sent directly to the engine, on a synthetic graph.

    python bench/remote.py [--triples 1000000] [--engines oxigraph,virtuoso] [--repeats 3]

A synthetic graph in the ontology's shape (`bench/synthetic.py`) is built into a dataset
(no inference: OWL RL over millions of triples is not a start-up job), `peacetalks push`ed
into each engine (`oxigraph serve` in memory, Virtuoso 7.2; both on free loopback ports via
tests/engines.py), and `peacetalks serve` runs over it with the result cache off (so every
request reaches the engine). Each query is sent both ways with the text and protocol
dataset peacetalks sends, interleaved (direct, peacetalks, direct, …) and repeated
`--repeats` times: sequential p50/p95 over `--requests` keep-alive requests, then c=10
throughput with wrk for `--duration` s; the table gives medians over the repeats, the
overhead, and the RSS of the engine and of the front end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "server"))

import engines  # noqa: E402
import synthetic  # noqa: E402
from run import load_wrk, percentile  # noqa: E402

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
}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def canned_text(name: str) -> str:
    """The text peacetalks sends for `/api/<name>` with its defaults (lang "en", limit 1000)."""
    from peacetalks import resources
    from peacetalks.api.catalog import Catalog
    from peacetalks.backend.substitution import bind_values

    catalog = Catalog.load(resources.queries_dir())
    query = catalog[name]
    return bind_values(query.paged_text(1000 + 1, 0), {"lang": '"en"'})


def sequential(client: httpx.Client, url: str, n: int) -> tuple[float, float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url, headers={"Accept": "application/sparql-results+json"})
        response.read()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text[:300]
    return percentile(times, 50), percentile(times, 95)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--triples", type=int, default=1_000_000)
    p.add_argument("--engines", default="oxigraph,virtuoso")
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--duration", type=float, default=5.0)
    args = p.parse_args(argv)

    from peacetalks.backend.engines import PROFILES
    from peacetalks.backend.push import push
    from peacetalks.dataset.store import load_dataset
    from peacetalks.settings import Settings

    tmp = Path(tempfile.mkdtemp(prefix="peacetalks-remote-bench-"))
    nt = tmp / "synthetic.nt"
    count = synthetic.generate(nt, args.triples)
    settings = Settings(shipped_data=False, data=[nt], inference=False, cache_dir=tmp / "cache")
    started = time.perf_counter()
    dataset = load_dataset(settings)
    built = time.perf_counter() - started
    print(f"synthetic graph: {count:,} triples, dataset built in {built:.1f} s")
    graphs = sorted(dataset.graph_counts)
    rows = []
    for name in args.engines.split(","):
        why = engines.available(name)
        if why:
            print(f"{name}: skipped ({why})")
            continue
        engine = engines.start(name, tmp / name)
        server = None
        try:
            started = time.perf_counter()
            push(dataset, engine.query_url, settings)
            pushed = time.perf_counter() - started
            port = engines.free_port()
            env = {
                **os.environ,
                "PEACETALKS_BACKEND": engine.query_url,
                "PEACETALKS_RESULT_CACHE_MB": "0",
                "PEACETALKS_PORT": str(port),
                "PEACETALKS_QUERY_TIMEOUT": "120",
                "PYTHONPATH": str(ROOT / "server"),
            }
            server = subprocess.Popen(
                [sys.executable, "-m", "peacetalks", "serve"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=(tmp / f"serve-{name}.log").open("wb"),
            )
            front = f"http://127.0.0.1:{port}"
            for _ in range(600):
                try:
                    if httpx.get(front + "/ready", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None:
                    raise RuntimeError((tmp / f"serve-{name}.log").read_text()[-1500:])
                time.sleep(0.5)
            profile = PROFILES[name]
            for label, (path, text) in QUERIES.items():
                if text is None:
                    text = canned_text(path.rsplit("/", 1)[1])
                    ours = f"{front}{path}?limit=1000"
                else:
                    ours = f"{front}{path}?{urlencode({'query': text})}"
                sent = profile.rewrite(text) if profile.rewrite else text
                form = [("query", sent)]
                form += [("default-graph-uri", g) for g in graphs]
                form += [("named-graph-uri", g) for g in graphs]
                direct = f"{engine.query_url}?{urlencode(form)}"
                figures: dict[str, list[tuple[float, float, float]]] = {"direct": [], "ours": []}
                with httpx.Client(timeout=120) as client:
                    sequential(client, direct, 5)  # warm both
                    sequential(client, ours, 5)
                    for _ in range(args.repeats):
                        for who, url in (("direct", direct), ("ours", ours)):
                            p50, p95 = sequential(client, url, args.requests)
                            rps = load_wrk(url, 10, args.duration, 60, tmp)["rps"]
                            figures[who].append((p50, p95, rps))
                med = {
                    who: [statistics.median(f[i] for f in fs) for i in range(3)]
                    for who, fs in figures.items()
                }
                rows.append((name, label, med["direct"], med["ours"]))
                print(f"  {name} {label}: direct {med['direct']}, peacetalks {med['ours']}")
            print(
                f"{name}: push {pushed:.1f} s; RSS engine {rss_mb(engine.process.pid):.0f} MB, "
                f"peacetalks serve {rss_mb(server.pid):.0f} MB"
            )
        finally:
            if server is not None:
                server.terminate()
                try:
                    server.wait(20)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait(5)
            engine.stop()
    print()
    print(
        "| engine | query | direct p50 / p95 ms | peacetalks p50 / p95 ms | "
        "overhead p50 ms | direct c=10 req/s | peacetalks c=10 req/s |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, label, d, o in rows:
        print(
            f"| {name} | {label} | {d[0]:.2f} / {d[1]:.2f} | {o[0]:.2f} / {o[1]:.2f} | "
            f"{o[0] - d[0]:+.2f} | {d[2]:,.0f} | {o[2]:,.0f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
