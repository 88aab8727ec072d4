"""Start-up, inference and memory (issue 11), printed as one table per part.

    python bench/startup.py [--parts startup inference memory] [--sizes 10000 100000 1000000]
                            [--owlrl-budget 120] [--memory-sizes 1000000]

- startup: seconds from process start to the first answer of a SPARQL query on the curated
  graph: `peacetalks serve` with an empty cache (cold: parsing, inference, cache, workers)
  and again with that cache (warm), against `oxigraph serve` (in memory) loading the same
  quads with POST /store and answering, in the same run.
- inference: the curated graph plus N synthetic triples (bench/synthetic.py): our rules in
  Oxigraph, owlrl (the reference, killed past --owlrl-budget seconds) and `reasonable`
  (Rust OWL 2 RL, from the peers venv): seconds and triples added.
- memory: RSS of `peacetalks serve` (server + its workers) and of `oxigraph serve` holding
  the curated graph plus N synthetic triples.

Peers (`oxigraph`, `reasonable`) come from bench/.venv-peers (bench/requirements-peers.txt).
Everything listens on 127.0.0.1; every process started is stopped; every wait is bounded.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PEERS = BENCH / ".venv-peers" / "bin"
sys.path.insert(0, str(ROOT / "server"))
sys.path.insert(0, str(BENCH))

import synthetic  # noqa: E402

QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answered(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status == 200 and bool(r.read())
    except OSError:
        return False


def wait_for(check: Callable[[], bool], proc: subprocess.Popen[bytes], limit: float) -> float:
    """Seconds until `check()` holds (polled every 10 ms); raises past `limit` or if `proc` dies."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        if check():
            return time.perf_counter() - started
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}")
        time.sleep(0.01)
    raise TimeoutError(f"no answer within {limit} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    with_group = proc.poll() is None
    if with_group:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def start(cmd: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        cmd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


CHECKOUT = [ROOT]
"""The source checkout whose `peacetalks serve` is measured (`--checkout`, e.g. main)."""


def peacetalks_env(cache: Path, data: Path | None = None) -> dict[str, str]:
    server = str(CHECKOUT[0] / "server")
    env = dict(os.environ, PYTHONPATH=server, PEACETALKS_CACHE_DIR=str(cache))
    env.pop("PEACETALKS_DATA", None)
    if data is not None:
        env["PEACETALKS_DATA"] = str(data)
    return env


def start_peacetalks(cache: Path, data: Path | None = None) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    cmd = [sys.executable, "-m", "peacetalks", "serve", "--host", "127.0.0.1", "--port", str(port)]
    url = f"http://127.0.0.1:{port}/sparql?" + urllib.parse.urlencode({"query": QUERY})
    return start(cmd, peacetalks_env(cache, data)), url


def start_oxigraph(nquads: Path) -> tuple[subprocess.Popen[bytes], float]:
    """`oxigraph serve` in memory; returns the process and seconds to load-and-answer."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    proc = start([str(PEERS / "oxigraph"), "serve", "--bind", f"127.0.0.1:{port}"])
    wait_for(lambda: answered(f"{base}/query?query=ASK%7B%7D"), proc, 60)
    request = urllib.request.Request(
        f"{base}/store",
        data=nquads.read_bytes(),
        headers={"Content-Type": "application/n-quads"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=600) as r:
        r.read()
    query = f"{base}/query?" + urllib.parse.urlencode({"query": QUERY, "union-default-graph": ""})
    wait_for(lambda: answered(query), proc, 60)
    return proc, time.perf_counter() - started


def dataset_nquads(cache: Path) -> Path:
    (path,) = sorted(cache.glob("dataset-*.nq")) or sorted(cache.glob("dataset.nq"))
    return path


def bench_startup(tmp: Path) -> None:
    cache = tmp / "startup-cache"
    rows = []
    for label in ("cold (empty cache)", "warm (cache kept)"):
        started = time.perf_counter()
        proc, url = start_peacetalks(cache)
        try:
            wait_for(lambda url=url: answered(url), proc, 300)  # type: ignore[misc]
            rows.append((f"peacetalks serve, {label}", time.perf_counter() - started))
        finally:
            stop(proc)
    proc, seconds = start_oxigraph(dataset_nquads(cache))
    stop(proc)
    rows.append(("oxigraph serve, POST /store + first answer", seconds))
    print("\n## Start-up to first answer (curated graph)")
    for label, seconds in rows:
        print(f"  {label:<48} {seconds:7.2f} s")


def synthetic_file(tmp: Path, size: int) -> Path:
    path = tmp / f"synthetic-{size}.nt"
    if not path.exists():
        synthetic.generate(path, size)
    return path


def curated_plus(tmp: Path, size: int) -> Path:
    """One N-Triples file (also valid Turtle): the curated asserted triples and `size`
    synthetic ones."""
    from peacetalks import resources
    from peacetalks.dataset.loading import read_source, shipped_sources

    path = tmp / f"curated-plus-{size}.ttl"  # N-Triples, named .ttl for reasonable
    if not path.exists():
        with path.open("wb") as f:
            for s in shipped_sources(resources.data_root()):
                for q in read_source(s):
                    f.write(f"{q.subject} {q.predicate} {q.object} .\n".encode())
            f.write(synthetic_file(tmp, size).read_bytes())
    return path


RUNNERS = {
    "ours": """
import sys, time, pyoxigraph as ox
from peacetalks.dataset.inference import infer
store = ox.Store()
store.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode("urn:g"))
t = time.perf_counter(); infer(store, ox.NamedNode("urn:inferred")); s = time.perf_counter() - t
n = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode("urn:inferred")))
print(s, n)
""",
    "owlrl": """
import sys, time, pyoxigraph as ox
from peacetalks.dataset.reference import owlrl_inferences
quads = list(ox.parse(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES))
t = time.perf_counter(); n = len(owlrl_inferences(quads)); print(time.perf_counter() - t, n)
""",
    "reasonable": """
import sys, time, reasonable
r = reasonable.PyReasoner(); r.load_file(sys.argv[1])
t = time.perf_counter(); out = r.reason(); s = time.perf_counter() - t
print(s, len(out) - len(r.get_base_triples()))
""",
}


def run_reasoner(name: str, path: Path, budget: float) -> str:
    python = str(PEERS / "python") if name == "reasonable" else sys.executable
    env = dict(os.environ, PYTHONPATH=str(ROOT / "server"))
    proc = subprocess.Popen(
        [python, "-c", RUNNERS[name], str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=budget)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        return f"> {budget:.0f} s (stopped)"
    if proc.returncode != 0:
        return f"failed ({proc.returncode})"
    seconds, added = out.split()
    return f"{float(seconds):7.2f} s, +{int(added):,} triples"


def bench_inference(tmp: Path, sizes: list[int], owlrl_budget: float) -> None:
    print("\n## Inference: curated graph + N synthetic triples (seconds, triples added)")
    print(f"  {'N':>9}  {'ours (Oxigraph rules)':<30}{'owlrl':<30}{'reasonable':<30}")
    for size in sizes:
        path = curated_plus(tmp, size)
        cells = [
            run_reasoner("ours", path, 900),
            run_reasoner("owlrl", path, owlrl_budget),
            run_reasoner("reasonable", path, 900),
        ]
        print(f"  {size:>9,}  " + "".join(f"{c:<30}" for c in cells), flush=True)


def rss_mb(pid: int) -> float:
    """RSS of a process and all its descendants, in MB."""
    total = 0
    children = subprocess.run(
        ["ps", "-o", "pid=,ppid=,rss=", "-e"], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    table = [tuple(map(int, line.split())) for line in children if line.strip()]
    wanted = {pid}
    changed = True
    while changed:
        changed = False
        for p, parent, _ in table:
            if parent in wanted and p not in wanted:
                wanted.add(p)
                changed = True
    total = sum(rss for p, _, rss in table if p in wanted)
    return total / 1024


def bench_memory(tmp: Path, sizes: list[int]) -> None:
    print("\n## Memory (RSS, MB) holding the curated graph + N synthetic triples")
    for size in sizes:
        data = synthetic_file(tmp, size)
        cache = tmp / f"memory-cache-{size}"
        proc, url = start_peacetalks(cache, data)
        try:
            build = wait_for(lambda url=url: answered(url), proc, 1200)  # type: ignore[misc]
            ours = rss_mb(proc.pid)
        finally:
            stop(proc)
        proc, url = start_peacetalks(cache, data)
        try:
            warm = wait_for(lambda url=url: answered(url), proc, 1200)  # type: ignore[misc]
        finally:
            stop(proc)
        oxi, load = start_oxigraph(dataset_nquads(cache))
        try:
            theirs = rss_mb(oxi.pid)
        finally:
            stop(oxi)
        print(
            f"  {size:>9,}: peacetalks (server + 2 workers) {ours:7.0f} MB "
            f"(cold start {build:.1f} s, warm {warm:.1f} s); "
            f"oxigraph serve {theirs:7.0f} MB (load {load:.1f} s); ratio {ours / theirs:.2f}"
        )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--parts", nargs="+", default=["startup", "inference", "memory"])
    p.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000, 1_000_000])
    p.add_argument("--owlrl-budget", type=float, default=120.0)
    p.add_argument("--memory-sizes", nargs="+", type=int, default=[1_000_000])
    p.add_argument("--checkout", type=Path, default=ROOT, help="measure this checkout's server")
    args = p.parse_args()
    CHECKOUT[0] = args.checkout.resolve()
    if not (PEERS / "oxigraph").exists():
        print("needs bench/.venv-peers (see bench/README.md)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="peacetalks-startup-") as tmp:
        if "startup" in args.parts:
            bench_startup(Path(tmp))
        if "inference" in args.parts:
            bench_inference(Path(tmp), args.sizes, args.owlrl_budget)
        if "memory" in args.parts:
            bench_memory(Path(tmp), args.memory_sizes)
    print(json.dumps({"machine": os.uname().nodename, "cpus": os.cpu_count()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
