"""Start-up, inference, memory and store speed (issue 11), printed as one table per part.

    python bench/startup.py [--parts startup inference memory speed] [--repeats 3]
                            [--sizes 10000 100000 1000000] [--owlrl-budget 120]
                            [--memory-sizes 1000000] [--memory-modes auto memory disk]
                            [--speed-size 1000000]

- startup: seconds from process start to the first answer of a SPARQL query on the curated
  graph: `peacetalks serve` with an empty cache (cold: parsing, inference, cache, workers)
  and again with that cache (warm), against `oxigraph serve` (in memory) loading the same
  quads with POST /store and answering; the three interleaved `--repeats` times, medians.
- inference: the curated graph plus N synthetic triples (bench/synthetic.py): our rules in
  Oxigraph, owlrl (the reference, killed past --owlrl-budget seconds) and `reasonable`
  (Rust OWL 2 RL, from the peers venv): seconds and triples added.
- memory: RSS and PSS of `peacetalks serve` (server + its workers; `PEACETALKS_STORE`
  memory and disk) and of `oxigraph serve` holding the curated graph plus N synthetic
  triples, with the cold and warm start times.
- speed: four queries on `/sparql` served from memory and from the shared disk store at
  `--speed-size` synthetic triples, interleaved, medians.

Peers (`oxigraph`, `reasonable`) come from bench/.venv-peers (bench/requirements-peers.txt).
Everything listens on 127.0.0.1; every process started is stopped; every wait is bounded.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
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
PYCACHE: list[Path] = []
"""Where the measured servers keep their bytecode (in the run's temporary directory)."""


def peacetalks_env(cache: Path, data: Path | None = None) -> dict[str, str]:
    server = str(CHECKOUT[0] / "server")
    env = dict(os.environ, PYTHONPATH=server, PEACETALKS_CACHE_DIR=str(cache))
    env.pop("PEACETALKS_DATA", None)
    # An installed server has its bytecode compiled; with PYTHONDONTWRITEBYTECODE (set in
    # some shells and CI images) every start would compile all of it again. Kept out of
    # the checkout: the first cold start writes it under the run's temporary directory.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if PYCACHE:
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE[0])
    if data is not None:
        env["PEACETALKS_DATA"] = str(data)
    return env


def start_peacetalks(
    cache: Path, data: Path | None = None, extra_env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    cmd = [sys.executable, "-m", "peacetalks", "serve", "--host", "127.0.0.1", "--port", str(port)]
    url = f"http://127.0.0.1:{port}/sparql?" + urllib.parse.urlencode({"query": QUERY})
    return start(cmd, {**peacetalks_env(cache, data), **(extra_env or {})}), url


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


def bench_startup(tmp: Path, repeats: int) -> None:
    """Cold, warm and Oxigraph interleaved `repeats` times; medians (and every run)."""
    runs: dict[str, list[float]] = {}
    labels = ("peacetalks serve, cold (empty cache)", "peacetalks serve, warm (cache kept)")
    for rep in range(repeats):
        cache = tmp / f"startup-cache-{rep}"
        for label in labels:
            started = time.perf_counter()
            proc, url = start_peacetalks(cache)
            try:
                wait_for(lambda url=url: answered(url), proc, 300)  # type: ignore[misc]
                runs.setdefault(label, []).append(time.perf_counter() - started)
            finally:
                stop(proc)
        proc, seconds = start_oxigraph(dataset_nquads(cache))
        stop(proc)
        runs.setdefault("oxigraph serve, POST /store + first answer", []).append(seconds)
    print(f"\n## Start-up to first answer (curated graph), median of {repeats} interleaved")
    for label, values in runs.items():
        each = " ".join(f"{v:.2f}" for v in values)
        print(f"  {label:<48} {statistics.median(values):7.2f} s   ({each})")


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


def _tree(pid: int) -> set[int]:
    """`pid` and all its descendants."""
    lines = subprocess.run(
        ["ps", "-o", "pid=,ppid=", "-e"], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    table = [tuple(map(int, line.split())) for line in lines if line.strip()]
    wanted = {pid}
    changed = True
    while changed:
        changed = False
        for p, parent in table:
            if parent in wanted and p not in wanted:
                wanted.add(p)
                changed = True
    return wanted


def memory_mb(pid: int) -> tuple[float, float]:
    """RSS and PSS (shared pages split between the processes sharing them) of a process
    and all its descendants, in MB (/proc/<pid>/smaps_rollup)."""
    rss = pss = 0
    for p in _tree(pid):
        try:
            text = Path(f"/proc/{p}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            key, _, value = line.partition(":")
            if key == "Rss":
                rss += int(value.split()[0])
            elif key == "Pss":
                pss += int(value.split()[0])
    return rss / 1024, pss / 1024


def _start_and_measure(cache: Path, data: Path, env: dict[str, str]) -> tuple[float, float, float]:
    """Start `peacetalks serve`; seconds to the first answer, then RSS and PSS (MB)."""
    proc, url = start_peacetalks(cache, data, env)
    try:
        seconds = wait_for(lambda: answered(url), proc, 1800)
        return (seconds, *memory_mb(proc.pid))
    finally:
        stop(proc)


def bench_memory(tmp: Path, sizes: list[int], modes: list[str]) -> None:
    print("\n## Memory (MB) holding the curated graph + N synthetic triples (server + 2 workers)")
    for size in sizes:
        data = synthetic_file(tmp, size)
        for mode in modes:
            cache = tmp / f"memory-cache-{size}-{mode}"
            env = {"PEACETALKS_STORE": mode}
            build, rss, pss = _start_and_measure(cache, data, env)
            warm, warm_rss, warm_pss = _start_and_measure(cache, data, env)
            picked = "disk" if any(cache.glob("dataset-*.store")) else "memory"
            print(
                f"  {size:>9,} store={mode}->{picked:<6}: "
                f"after cold start RSS {rss:6.0f} PSS {pss:6.0f} "
                f"(cold start {build:.1f} s); after warm start RSS {warm_rss:6.0f} "
                f"PSS {warm_pss:6.0f} (warm start {warm:.1f} s)",
                flush=True,
            )
        oxi, load = start_oxigraph(dataset_nquads(cache))
        try:
            rss, pss = memory_mb(oxi.pid)
        finally:
            stop(oxi)
        print(f"  {size:>9,} oxigraph serve : RSS {rss:6.0f} PSS {pss:6.0f} (load {load:.1f} s)")


STORE_QUERIES = {
    "count": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    "group by class": "SELECT ?c (COUNT(?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c",
    "lookup": "SELECT ?p ?o WHERE { GRAPH ?g { <https://w3id.org/peacetalks/id/actor/"
    "putin> ?p ?o } }",
    "join": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g1 { ?s a ?c } GRAPH ?g2 { ?s ?p ?o } }",
}
"""Queries timed on both stores: a scan, an aggregate, an index lookup, a join."""


def bench_store_speed(tmp: Path, size: int, repeats: int) -> None:
    """The same queries on `/sparql` served from memory and from the disk store, the two
    servers' requests interleaved; medians of `repeats` (result cache off)."""
    data = synthetic_file(tmp, size)
    cache = tmp / f"memory-cache-{size}-disk"  # the memory part's cache, when it ran
    servers = {}
    try:
        for mode in ("memory", "disk"):
            env = {"PEACETALKS_STORE": mode, "PEACETALKS_RESULT_CACHE_MB": "0"}
            proc, url = start_peacetalks(cache, data, env)
            servers[mode] = (proc, url.split("?")[0])
            wait_for(lambda url=url: answered(url), proc, 1800)  # type: ignore[misc]
        print(f"\n## Query time, memory vs disk store (+{size:,} triples), median of {repeats}")
        for name, query in STORE_QUERIES.items():
            times: dict[str, list[float]] = {"memory": [], "disk": []}
            for _ in range(repeats):
                for mode, (_, base) in servers.items():
                    url = base + "?" + urllib.parse.urlencode({"query": query})
                    started = time.perf_counter()
                    with urllib.request.urlopen(url, timeout=300) as r:
                        r.read()
                    times[mode].append(time.perf_counter() - started)
            m, d = (statistics.median(times[k]) for k in ("memory", "disk"))
            ms = f"memory {m * 1000:8.1f} ms   disk {d * 1000:8.1f} ms"
            print(f"  {name:<16} {ms}   {d / m:5.1f}×")
    finally:
        for proc, _ in servers.values():
            stop(proc)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--parts", nargs="+", default=["startup", "inference", "memory", "speed"])
    p.add_argument("--repeats", type=int, default=3, help="interleaved runs (medians)")
    p.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000, 1_000_000])
    p.add_argument("--owlrl-budget", type=float, default=120.0)
    p.add_argument("--memory-sizes", nargs="+", type=int, default=[1_000_000])
    p.add_argument("--memory-modes", nargs="+", default=["auto"], help="PEACETALKS_STORE values")
    p.add_argument("--speed-size", type=int, default=1_000_000)
    p.add_argument("--checkout", type=Path, default=ROOT, help="measure this checkout's server")
    args = p.parse_args()
    CHECKOUT[0] = args.checkout.resolve()
    if not (PEERS / "oxigraph").exists():
        print("needs bench/.venv-peers (see bench/README.md)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="peacetalks-startup-") as tmp:
        PYCACHE[:] = [Path(tmp) / "pycache"]
        if "startup" in args.parts:
            bench_startup(Path(tmp), args.repeats)
        if "inference" in args.parts:
            bench_inference(Path(tmp), args.sizes, args.owlrl_budget)
        if "memory" in args.parts:
            bench_memory(Path(tmp), args.memory_sizes, args.memory_modes)
        if "speed" in args.parts:
            bench_store_speed(Path(tmp), args.speed_size, args.repeats)
    print(json.dumps({"machine": os.uname().nodename, "cpus": os.cpu_count()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
