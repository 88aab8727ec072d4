"""Real SPARQL engines on 127.0.0.1 for the backend tests: `oxigraph serve` and Virtuoso 7.

`start("oxigraph", tmp)` / `start("virtuoso", tmp)` run the engine on free loopback ports
(Virtuoso from a generated virtuoso.ini, in the foreground) and return an `Engine` with its
query URL; `stop()` ends it. `PEACETALKS_TEST_BACKEND=oxigraph|virtuoso` makes the suite's
backend-relevant tests (`-m backend`, see tests/backend/conftest.py) run on that engine.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ENGINES = ("oxigraph", "virtuoso")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Engine:
    name: str
    query_url: str
    process: subprocess.Popen[bytes]
    log: Path
    extra: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def oxigraph_binary() -> str | None:
    """`oxigraph` next to the running interpreter (the test extra installs it), else on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.is_file() else shutil.which("oxigraph")


def available(name: str) -> str | None:
    """None if engine `name` can run here, else why not."""
    if name == "oxigraph":
        return None if oxigraph_binary() else "no `oxigraph` binary (pip install oxigraph)"
    if name == "virtuoso":
        return None if shutil.which("virtuoso-t") else "no virtuoso-t (apt virtuoso-opensource)"
    return f"unknown engine {name!r}"


def _wait(engine: Engine, probe: str, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if engine.process.poll() is not None:
            raise RuntimeError(f"{engine.name} exited: {engine.log.read_text()[-2000:]}")
        try:
            if httpx.get(probe, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    engine.stop()
    raise RuntimeError(f"{engine.name} did not answer within {seconds} s: {engine.log}")


def start(name: str, workdir: Path, *, detached: bool = False, large: bool = False) -> Engine:
    """Start engine `name` with its files in `workdir`; `detached`: in a session of its own,
    so that it outlives this process (bench/remote.py keeps engines loaded between runs);
    `large`: sized for millions of triples (Virtuoso's page buffers: 1.3 GB, else 80 MB —
    the suite may hold dozens of engines at once, one per dataset version)."""
    workdir.mkdir(parents=True, exist_ok=True)
    if name == "oxigraph":
        return _start_oxigraph(workdir, detached)
    if name == "virtuoso":
        return _start_virtuoso(workdir, detached, 170_000 if large else 10_000)
    raise ValueError(name)


def _start_oxigraph(workdir: Path, detached: bool) -> Engine:
    binary = oxigraph_binary()
    assert binary, available("oxigraph")
    port = free_port()
    log = workdir / "oxigraph.log"
    process = subprocess.Popen(
        [binary, "serve", "--bind", f"127.0.0.1:{port}"],  # in memory: no --location
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=detached,
    )
    engine = Engine("oxigraph", f"http://127.0.0.1:{port}/query", process, log)
    _wait(engine, engine.query_url, 30)
    return engine


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
ServerThreads = 20
CheckpointInterval = 60
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
CheckpointAuditTrail = 0
AllowOSCalls = 0
SchedulerInterval = 10
DirsAllowed = ., {dir}, /usr/share/virtuoso-opensource-7/vad
ThreadCleanupInterval = 0
ThreadThreshold = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize = 100000
SingleCPU = 0
VADInstallDir = /usr/share/virtuoso-opensource-7/vad/
PrefixResultNames = 0
RdfFreeTextRulesSize = 100
IndexTreeMaps = 256
MaxMemPoolSize = 200000000
PrefixResultNames = 0
MacSpotlight = 0
MaxQueryMem = 2G
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty_buffers}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections = 20
DavRoot = DAV
EnabledDavVSP = 0
HTTPProxyEnabled = 0
TempASPXDir = 0
DefaultMailServer = localhost:25
MaxKeepAlives = 20
KeepAliveTimeout = 10
MaxCachedProxyConnections = 10
ProxyConnectionCacheTimeout = 15
HTTPThreadSize = 280000
HttpPrintWarningsInOutput = 0
Charset = UTF-8
MaintenancePage = atomic.html
EnabledGzipContent = 1

[AutoRepair]
BadParentLinks = 0

[Client]
SQL_PREFETCH_ROWS = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT = 0
SQL_TXN_TIMEOUT = 0

[VDB]
ArrayOptimization = 0
NumArrayParameters = 10
VDBDisconnectTimeout = 1000
KeepConnectionOnFixedThread = 0

[Replication]
ServerName = peacetalks-test
ServerEnable = 0

[Striping]
Segment1 = 100M, db-seg1-1.db

[Zero Config]
ServerName = peacetalks-test

[URIQA]
DynamicLocal = 0
DefaultHost = 127.0.0.1:{http_port}

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 0
DefaultQuery = ASK {{}}
DeferInferenceRulesInit = 0
MaxSortedTopRows = 1000000
"""

GRANTS = (
    'GRANT SPARQL_UPDATE TO "SPARQL";\n'
    'GRANT EXECUTE ON DB.DBA.SPARQL_INSERT_DICT_CONTENT TO "SPARQL";\n'
    'GRANT EXECUTE ON DB.DBA.SPARQL_DELETE_DICT_CONTENT TO "SPARQL";\n'
    "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);\n"
)
"""Loopback only: the unauthenticated GSP endpoint may write (never do this on a network)."""


def _start_virtuoso(workdir: Path, detached: bool, buffers: int) -> Engine:
    http_port, sql_port = free_port(), free_port()
    ini = workdir / "virtuoso.ini"
    ini.write_text(
        VIRTUOSO_INI.format(
            dir=workdir,
            http_port=http_port,
            sql_port=sql_port,
            buffers=buffers,
            dirty_buffers=buffers * 3 // 4,
        )
    )
    log = workdir / "virtuoso.stdout"
    process = subprocess.Popen(
        ["virtuoso-t", "+foreground", "+configfile", str(ini)],
        cwd=workdir,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=detached,
    )
    engine = Engine(
        "virtuoso",
        f"http://127.0.0.1:{http_port}/sparql",
        process,
        log,
        {"sql_port": str(sql_port)},
    )
    _wait(engine, engine.query_url, 90)
    isql(engine, GRANTS)
    return engine


def isql(engine: Engine, script: str) -> str:
    """Run SQL on a Virtuoso engine with isql-vt (dba, the default password of a new db)."""
    done = subprocess.run(
        ["isql-vt", f"127.0.0.1:{engine.extra['sql_port']}", "dba", "dba"],
        input=script.encode(),
        capture_output=True,
        timeout=120,
        check=False,
        env={**os.environ, "LANG": "C"},
    )
    out = done.stdout.decode(errors="replace") + done.stderr.decode(errors="replace")
    if done.returncode != 0 or "*** Error" in out:
        raise RuntimeError(f"isql failed: {out[-2000:]}")
    return out


# ------------------------------------------------------------------ the suite's switch

BACKEND_TESTS = (
    # the seam's own tests
    "tests/backend/",
    # canned queries: goldens, parameters, errors, OpenAPI
    "tests/api/test_queries_golden.py",
    "tests/api/test_api.py",
    # Linked Data: pages, dumps and their round trip, VoID, the ontology's page
    "tests/linked_data/",
    # the SPARQL protocol above the seam: guard through HTTP, row cap and truncation,
    # deadline (503), negotiation and writers, result cache (ETag, 304), the W3C suites
    "tests/sparql/test_sparql_protocol.py",
    "tests/sparql/test_safety.py",
    "tests/sparql/test_result_cache.py",
    "tests/sparql/test_awkward_literals.py",
    "tests/sparql/test_w3c_protocol.py",
    "tests/sparql/test_w3c_query.py",
    "tests/sparql/test_attacks.py::test_security_headers",
    "tests/sparql/test_attacks.py::test_a_superscript_limit_is_a_400",
    "tests/sparql/test_attacks.py::test_fuzz_never_connects_crashes_or_writes",
    "tests/sparql/test_attacks.py::test_after_the_fuzz_the_store_is_unchanged",
    "tests/sparql/test_attacks.py::test_the_openapi_document_tells_the_truth",
    # pages for browsers: landing, query page, questions, pictures
    "tests/web/test_landing.py",
    "tests/web/test_pages.py",
    "tests/web/test_pictures.py",
    "tests/web/test_questions.py",
    # `peacetalks serve` processes (tests/serving.py puts them on the engine too): SPARQL
    # clients, HTTP limits, the README's examples
    "tests/sparql/test_clients.py",
    "tests/sparql/test_attacks.py::test_oversized_headers_are_refused",
    "tests/sparql/test_attacks.py::test_a_large_body_is_not_taken_for_large_headers",
    "tests/sparql/test_attacks.py::test_slow_senders_are_cut_off",
    "tests/test_doc_examples.py",
    # operations: /health, /ready, CORS, the access log
    "tests/ops/test_ops.py",
    # an imported statement is served by /api
    "tests/curation/test_import.py::test_readme_row_is_imported_validated_and_served",
)
"""What `PEACETALKS_TEST_BACKEND` moves onto a remote engine (the marker `backend`): each
module, or module::test, whose tests go through an app made by `create_app`. Not listed,
because they are about the embedded store or make no app: tests/dataset/ (building, the
cache files, the on-disk store, the closure, start-up imports), tests/sparql/
test_executor.py and the workers part of test_attacks.py (worker processes, their deadline,
kill and network isolation), test_guard.py / test_negotiation.py / test_results.py and the
guard-only tests of test_attacks.py (functions called directly, no app),
tests/web/test_browser.py (its own marker and group; it would run on the engine too), the
ontology, graph and curation content checks."""

EMBEDDED_ONLY = {
    "tests/linked_data/test_dumps.py::test_bytes_do_not_depend_on_blank_node_labels": (
        "reads the embedded store's N-Quads cache file, which a remote dataset does not have"
    ),
    "tests/ops/test_ops.py::test_lifespan_closes_the_workers": (
        "the embedded query worker processes (a remote app has none)"
    ),
}
"""Tests in those modules that are about the embedded store itself (not marked), and why."""

SWITCH = "PEACETALKS_TEST_BACKEND"


class Engines:
    """One engine per dataset version, started and pushed on first use, stopped at the end
    (two datasets cannot share one engine: their graph names are the same)."""

    def __init__(self, name: str, workdir: Path) -> None:
        self.name = name
        self.workdir = workdir
        self.by_version: dict[str, Engine] = {}

    def url_for(self, dataset: object, settings: object) -> str:
        from peacetalks.backend.push import push

        version = dataset.version  # type: ignore[attr-defined]
        if version not in self.by_version:
            engine = start(self.name, self.workdir / f"{self.name}-{version}")
            try:
                push(dataset, engine.query_url, settings)  # type: ignore[arg-type]
            except BaseException:
                engine.stop()
                raise
            self.by_version[version] = engine
        return self.by_version[version].query_url

    def url_for_environment(self, env: dict[str, str]) -> str:
        """The engine holding the dataset `peacetalks serve` would build with environment
        `env` (its `PEACETALKS_*` settings), pushed on first use."""
        from peacetalks.dataset.store import load_dataset
        from peacetalks.settings import Settings

        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(env)
        try:
            settings = Settings()
        finally:
            os.environ.clear()
            os.environ.update(saved)
        return self.url_for(load_dataset(settings), settings)

    def stop(self) -> None:
        for engine in self.by_version.values():
            engine.stop()
        self.by_version.clear()


ACTIVE: Engines | None = None


def real_create_app(*args: Any, **kwargs: Any) -> Any:
    """`peacetalks.app.create_app` itself, also under the switch (tests/backend choose their
    engine and their backend themselves)."""
    return _EMBEDDED(*args, **kwargs)


def install() -> None:
    """With `PEACETALKS_TEST_BACKEND` set, every `create_app` of the session serves its
    dataset from that engine: the dataset is pushed (once per version) and the app gets
    `backend=` its URL — the same path as `peacetalks push` then `PEACETALKS_BACKEND`."""
    global ACTIVE
    name = os.environ.get(SWITCH)
    if not name or ACTIVE is not None:
        return
    if name not in ENGINES:
        raise SystemExit(f"{SWITCH} must be one of {', '.join(ENGINES)}, not {name!r}")
    why = available(name)
    if why:
        raise SystemExit(f"{SWITCH}={name}: {why}")
    import tempfile

    import peacetalks.app
    from peacetalks.dataset.store import load_dataset
    from peacetalks.settings import Settings

    ACTIVE = Engines(name, Path(tempfile.mkdtemp(prefix=f"peacetalks-{name}-")))
    embedded = _EMBEDDED

    def create_app(settings: Settings | None = None, *, dataset: object = None) -> object:
        settings = settings or Settings()
        dataset = dataset or load_dataset(settings)
        assert ACTIVE is not None
        url = ACTIVE.url_for(dataset, settings)
        return embedded(settings.model_copy(update={"backend": url}))

    peacetalks.app.create_app = create_app  # type: ignore[assignment]


import peacetalks.app  # noqa: E402 - after the helpers above, before install() wraps it

_EMBEDDED = peacetalks.app.create_app


def mark_backend_tests(items: list[Any]) -> None:
    import pytest

    root = Path(__file__).resolve().parent.parent
    for item in items:
        path = Path(str(item.fspath)).resolve().relative_to(root).as_posix()
        node = f"{path}::{item.name.split('[', 1)[0]}"
        if node not in EMBEDDED_ONLY and any(
            node == p if "::" in p else node.startswith(p) for p in BACKEND_TESTS
        ):
            item.add_marker(pytest.mark.backend)


def stop_all() -> None:
    if ACTIVE is not None:
        ACTIVE.stop()


install()
