"""QueryExecutor: worker processes, deadline, row cap, substitutions, datasets, errors."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from peacetalks.dataset.store import Dataset, load_dataset
from peacetalks.errors import BadRequest, Busy, NotAcceptable, QuerySyntaxError, QueryTimeout
from peacetalks.settings import Settings
from peacetalks.sparql.executor import QueryExecutor, QueryRequest, parse_term
from serving import SLOW_QUERY, slow_settings

JSON = "application/sparql-results+json"
EX = "http://example.org/"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"


@pytest.fixture(scope="module")
def executor(tiny_dataset: Dataset, tiny_settings: Settings) -> Iterator[QueryExecutor]:
    ex = QueryExecutor(tiny_dataset, tiny_settings)
    yield ex
    ex.close()


def _values(body: bytes, var: str) -> list[str]:
    return sorted(b[var]["value"] for b in json.loads(body)["results"]["bindings"] if var in b)


def test_select_in_worker(executor: QueryExecutor) -> None:
    result = executor.run(QueryRequest(f"SELECT ?s WHERE {{ ?s {LABEL} ?l }}", JSON))
    assert result.kind == "solutions" and result.media_type == JSON
    assert result.rows == 4 and not result.truncated
    assert _values(result.body, "s") == [EX + "alice", EX + "alice", EX + "bob", EX + "carol"]


def test_default_graph_is_the_union(executor: QueryExecutor) -> None:
    result = executor.run(QueryRequest(f"ASK {{ <{EX}dave> ?p ?o . <{EX}alice> ?q ?r }}", JSON))
    assert json.loads(result.body)["boolean"] is True


def test_inferences_are_visible_in_the_union(executor: QueryExecutor) -> None:
    result = executor.run(QueryRequest(f"SELECT ?x WHERE {{ ?x a <{EX}Agent> }}", JSON))
    assert _values(result.body, "x") == [EX + "alice", EX + "bob", EX + "carol"]


def test_protocol_dataset(executor: QueryExecutor) -> None:
    only_g1 = QueryRequest("SELECT ?s WHERE { ?s ?p ?o }", JSON, default_graph=(EX + "g1",))
    assert _values(executor.run(only_g1).body, "s") == [EX + "dave"]
    unknown = QueryRequest("SELECT ?s WHERE { ?s ?p ?o }", JSON, default_graph=(EX + "none",))
    assert executor.run(unknown).rows == 0


def test_named_graphs_only(executor: QueryExecutor) -> None:
    req = QueryRequest("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", JSON, named_graphs=(EX + "g1",))
    assert set(_values(executor.run(req).body, "g")) == {EX + "g1"}


def test_substitutions_bind_terms(executor: QueryExecutor) -> None:
    req = QueryRequest(
        f"SELECT ?who ?l WHERE {{ ?who {LABEL} ?l }}", JSON, substitutions={"who": f"<{EX}bob>"}
    )
    assert _values(executor.run(req).body, "l") == ['Bob, "the builder"']


def test_substitution_must_be_a_term(executor: QueryExecutor) -> None:
    bad = QueryRequest("SELECT * WHERE { ?s ?p ?o }", JSON, substitutions={"s": "} DROP ALL {"})
    with pytest.raises(BadRequest):
        executor.run(bad)


def test_parse_term() -> None:
    assert str(parse_term('"x"@en')) == '"x"@en'
    with pytest.raises(BadRequest):
        parse_term("<a> <b>")


def test_row_cap_per_request(executor: QueryExecutor) -> None:
    result = executor.run(QueryRequest("SELECT * WHERE { ?s ?p ?o }", "text/csv", max_rows=3))
    assert result.rows == 3 and result.truncated


def test_construct(executor: QueryExecutor) -> None:
    result = executor.run(
        QueryRequest(f"CONSTRUCT WHERE {{ <{EX}bob> ?p ?o }}", "application/n-triples")
    )
    assert (
        result.kind == "graph" and result.rows >= 3 and b"<http://example.org/bob>" in result.body
    )


def test_syntax_error_has_position(executor: QueryExecutor) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        executor.run(QueryRequest("SELECT * WHERE {\n  ?s ?p }", JSON))
    assert info.value.line == 2 and info.value.column is not None
    assert "2:" in info.value.message


def test_wrong_format_for_kind(executor: QueryExecutor) -> None:
    with pytest.raises(NotAcceptable):
        executor.run(QueryRequest("CONSTRUCT WHERE { ?s ?p ?o }", JSON))


def test_worker_survives_errors(executor: QueryExecutor) -> None:
    with pytest.raises(QuerySyntaxError):
        executor.run(QueryRequest("nonsense", JSON))
    assert executor.run(QueryRequest("ASK {}", JSON)).kind == "boolean"


def test_in_process_mode(tiny_dataset: Dataset, tiny_settings: Settings) -> None:
    ex = QueryExecutor(tiny_dataset, tiny_settings.model_copy(update={"workers": 0}))
    assert ex.run(QueryRequest("ASK {}", JSON)).body.count(b"true") == 1
    ex.close()


def _executor_over_3000_triples(tmp_path: Path) -> QueryExecutor:
    """One worker over 3 000 triples: a triple cross join over them cannot finish in seconds."""
    settings = slow_settings(tmp_path, workers=1)
    return QueryExecutor(load_dataset(settings), settings)


def test_timeout_kills_the_worker_and_recovers(tmp_path: Path) -> None:
    """A cross join over 3 000 triples cannot finish in 1 s; the next query still works."""
    ex = _executor_over_3000_triples(tmp_path)
    try:
        slow = SLOW_QUERY
        with pytest.raises(QueryTimeout):
            ex.run(QueryRequest(slow, JSON), timeout=1.0)
        result = ex.run(QueryRequest(f"ASK {{ <{EX}s1> ?p ?o }}", JSON), timeout=60)
        assert json.loads(result.body)["boolean"] is True
    finally:
        ex.close()


def test_from_named_only_leaves_the_default_graph_empty(executor: QueryExecutor) -> None:
    query = f"SELECT ?s WHERE {{ {{ ?s ?p ?o }} UNION {{ GRAPH <{EX}g1> {{ ?s ?p ?o }} }} }}"
    result = executor.run(QueryRequest(query.replace("WHERE", f"FROM NAMED <{EX}g1> WHERE"), JSON))
    assert _values(result.body, "s") == [EX + "dave"]


def test_from_replaces_the_union_default_graph(executor: QueryExecutor) -> None:
    result = executor.run(QueryRequest(f"SELECT ?s FROM <{EX}g1> WHERE {{ ?s ?p ?o }}", JSON))
    assert _values(result.body, "s") == [EX + "dave"]


def _wait_until(condition: Callable[[], bool], seconds: float = 60.0) -> None:
    """Poll `condition` (bounded): a busy machine starts workers slowly."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def test_queueing_never_gets_a_query_killed(tmp_path: Path) -> None:
    """With one worker busy on a slow query, a second query waits at most the queue timeout
    and gets `Busy` without running; the slow query is not killed for the other's wait, and
    its own deadline runs from when it started."""
    settings = slow_settings(tmp_path, workers=1, queue_timeout=0.5)
    ex = QueryExecutor(load_dataset(settings), settings)
    slow = SLOW_QUERY
    outcome: list[BaseException] = []

    def run_slow() -> None:
        try:
            ex.run(QueryRequest(slow, JSON), timeout=3.0)
        except BaseException as e:  # the outcome is what this test inspects
            outcome.append(e)

    try:
        t = threading.Thread(target=run_slow)
        t.start()
        _wait_until(lambda: ex._idle.qsize() == 0)  # the slow query has the only worker
        with pytest.raises(Busy) as busy:
            ex.run(QueryRequest("ASK {}", JSON), timeout=60)
        assert "PEACETALKS_QUEUE_TIMEOUT" in busy.value.message
        t.join(30)
        # the slow query ran into its own 3 s deadline, not anything shorter
        assert len(outcome) == 1 and isinstance(outcome[0], QueryTimeout)
        _wait_until(lambda: ex._idle.qsize() == 1)  # the killed worker's successor is up
        result = ex.run(QueryRequest(f"ASK {{ <{EX}s1> ?p ?o }}", JSON), timeout=60)
        assert json.loads(result.body)["boolean"] is True
    finally:
        ex.close()


def test_closing_while_a_replacement_starts_logs_no_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """close() kills a replacement worker that is still loading; that is the shutdown
    working, not "ERROR replacement query worker failed to start"."""
    ex = _executor_over_3000_triples(tmp_path)
    slow = SLOW_QUERY
    caplog.set_level("DEBUG", logger="peacetalks")
    try:
        with pytest.raises(QueryTimeout):
            ex.run(QueryRequest(slow, JSON), timeout=0.2)
        _wait_until(lambda: len(ex._all) == 1)  # the replacement is spawned, still loading
    finally:
        ex.close()
    for thread in threading.enumerate():
        if thread.name == "peacetalks-worker-restart":
            thread.join(30)
    assert not [r for r in caplog.records if r.levelname == "ERROR"], caplog.text


def test_run_async_answers_like_run(executor: QueryExecutor) -> None:
    """The awaited hand-off gives the same bytes and the same named errors as `run`."""
    request = QueryRequest(f"SELECT ?s WHERE {{ ?s {LABEL} ?l }}", JSON)

    async def both() -> tuple[bytes, bytes]:
        first = await executor.run_async(request)
        with pytest.raises(QuerySyntaxError):
            await executor.run_async(QueryRequest("SELECT WHERE {", JSON))
        return first.body, (await executor.run_async(request)).body

    first, again = asyncio.run(both())
    assert first == again == executor.run(request).body


def test_run_async_reads_an_answer_larger_than_the_socket_buffer(tmp_path: Path) -> None:
    """3 000 rows of JSON (~0.4 MB, more than a socket pair buffers) arrive in pieces; the
    event loop reads them as they come and the answer is whole."""
    ex = _executor_over_3000_triples(tmp_path)
    try:
        request = QueryRequest("SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s", JSON)
        result = asyncio.run(ex.run_async(request, timeout=60))
        assert len(result.body) > 300_000
        assert result.body == ex.run(request, timeout=60).body
        assert len(json.loads(result.body)["results"]["bindings"]) == result.rows == 3000
    finally:
        ex.close()


def test_a_loop_keeps_watching_its_worker_and_a_thread_may_still_use_it(tmp_path: Path) -> None:
    """The event loop's reader stays registered between queries; a blocking `run` from a
    thread (the FastAPI path) takes the socket back while the loop runs, and reads a large
    answer whole (the socket is blocking again); the loop then watches it anew."""
    ex = _executor_over_3000_triples(tmp_path)
    big = QueryRequest("SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s", JSON)
    ask = QueryRequest(f"ASK {{ <{EX}s1> ?p ?o }}", JSON)
    try:

        async def mixed() -> tuple[bytes, bytes]:
            loop = asyncio.get_running_loop()
            for _ in range(3):
                assert json.loads((await ex.run_async(ask, timeout=60)).body)["boolean"]
            (worker,) = ex._all
            assert worker._loop is loop
            threaded = await loop.run_in_executor(None, lambda: ex.run(big, timeout=60))
            assert worker._loop is None
            awaited = await ex.run_async(big, timeout=60)
            assert worker._loop is loop
            return threaded.body, awaited.body

        threaded, awaited = asyncio.run(mixed())
        assert threaded == awaited
        assert len(json.loads(awaited)["results"]["bindings"]) == 3000
    finally:
        ex.close()


def test_run_async_deadline_kills_and_a_cancelled_query_frees_its_slot(tmp_path: Path) -> None:
    """Past the deadline the worker is killed (QueryTimeout) and replaced; a request cancelled
    mid-query (its answer would never be read) gets its worker replaced too, so the pool
    keeps its size and answers."""
    ex = _executor_over_3000_triples(tmp_path)
    slow = QueryRequest(SLOW_QUERY, JSON)
    ask = QueryRequest(f"ASK {{ <{EX}s1> ?p ?o }}", JSON)
    try:

        async def deadline() -> None:
            started = time.monotonic()
            with pytest.raises(QueryTimeout):
                await ex.run_async(slow, timeout=1.0)
            assert time.monotonic() - started < 10

        asyncio.run(deadline())
        _wait_until(lambda: ex._idle.qsize() == 1)
        assert json.loads(asyncio.run(ex.run_async(ask, timeout=60)).body)["boolean"] is True

        async def cancelled() -> None:
            task = asyncio.ensure_future(ex.run_async(slow, timeout=60))
            await asyncio.sleep(0.3)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

        asyncio.run(cancelled())
        _wait_until(lambda: ex._idle.qsize() == 1)
        assert json.loads(ex.run(ask, timeout=60).body)["boolean"] is True
    finally:
        ex.close()


def test_workers_load_while_the_caller_goes_on(
    tiny_dataset: Dataset, tiny_settings: Settings
) -> None:
    """`wait=False` (what `peacetalks serve` does before importing its web stack): no worker
    is handed out before `wait_ready`, which is idempotent; then queries run."""
    ex = QueryExecutor(tiny_dataset, tiny_settings.model_copy(update={"workers": 2}), wait=False)
    try:
        assert ex._idle.qsize() == 0 and ex.starting == len(ex._all) == 2  # not yet ready
        ready: list[None] = []
        ex.wait_ready(lambda: ready.append(None))  # what the progress bar counts
        ex.wait_ready(lambda: ready.append(None))
        assert len(ready) == 2 and ex.starting == 0
        assert ex._idle.qsize() == 2 and ex.network == "isolated"
        assert json.loads(ex.run(QueryRequest("ASK {}", JSON)).body)["boolean"] is True
    finally:
        ex.close()


def test_a_backend_whose_worker_refuses_closes_every_executor(
    tiny_dataset: Dataset, tiny_settings: Settings
) -> None:
    from dataclasses import replace

    from peacetalks.backend import open_backend
    from peacetalks.errors import Unavailable

    wrong = replace(tiny_dataset, sha256="0" * 64)  # the workers refuse other bytes
    backend = open_backend(tiny_settings.model_copy(update={"api_workers": 1}), wrong)
    assert backend.executor is not backend.api_executor
    with pytest.raises(Unavailable, match="refused to serve"):
        backend.wait_ready()
    assert all(e._closed and not e._all for e in (backend.executor, backend.api_executor))


def test_a_failed_app_start_stops_its_workers(
    tiny_dataset: Dataset, tiny_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import peacetalks.app
    from peacetalks.api.catalog_errors import CatalogError
    from peacetalks.backend import open_backend

    def broken(*args: object) -> object:
        raise CatalogError(Path("queries/broken.rq"), "a broken canned query")

    monkeypatch.setattr(peacetalks.app.api, "build_router", broken)
    backend = open_backend(tiny_settings, tiny_dataset)
    processes = [w.process for e in (backend.executor, backend.api_executor) for w in e._all]
    assert processes
    with pytest.raises(CatalogError, match="broken"):
        peacetalks.app.create_app(tiny_settings, backend=backend)
    assert all(p.poll() is not None for p in processes)


ORPHAN_SCRIPT = """
import sys, threading
from pathlib import Path
from peacetalks.dataset.store import load_dataset
from peacetalks.settings import Settings
from peacetalks.sparql.executor import QueryExecutor, QueryRequest
settings = Settings.model_validate_json(sys.argv[1])
ex = QueryExecutor(load_dataset(settings), settings)
print(" ".join(str(w.process.pid) for w in ex._all), flush=True)
runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?s ?h . ?i ?t ?j }"
ex.run(QueryRequest(runaway, "application/sparql-results+json"), timeout=600)
"""


def test_workers_of_a_killed_server_stop_even_mid_query(tiny_settings: Settings) -> None:
    """A server killed without closing its workers' sockets (SIGKILL, the OOM killer): the
    worker running a runaway query stops within about a second, and so does the idle one."""
    import os
    import signal
    import subprocess
    import sys

    server = Path(__file__).parents[2] / "server"
    env = dict(os.environ, PYTHONPATH=str(server))
    settings = tiny_settings.model_copy(update={"workers": 2})
    proc = subprocess.Popen(
        [sys.executable, "-c", ORPHAN_SCRIPT, settings.model_dump_json()],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        pids = [int(p) for p in proc.stdout.readline().split()]
        assert len(pids) == 2
        time.sleep(1.0)  # the runaway query is running in one of them
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 3  # ORPHAN_CHECK_SECONDS is 0.5; the query runs for hours
        alive = set(pids)
        while alive and time.monotonic() < deadline:
            alive = {p for p in alive if _running(p)}
            time.sleep(0.1)
        assert not alive, f"workers {sorted(alive)} outlived their killed server"
    finally:
        proc.kill()
        for pid in locals().get("pids", []):
            if _running(pid):
                os.kill(pid, signal.SIGKILL)


def _running(pid: int) -> bool:
    """Whether `pid` is a process that has not exited (a zombie counts as exited)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_api_pool_borrows_an_idle_sparql_worker_and_gives_it_back(tmp_path: Path) -> None:
    """With its only worker busy, the /api pool runs a query on an idle /sparql worker at
    once (its own queue would answer `Busy` after 0.5 s); the worker goes back to /sparql,
    and a borrowed worker killed by a deadline is replaced in /sparql's pool. /sparql never
    borrows from /api: with its worker busy it answers `Busy` though /api's is idle."""
    settings = slow_settings(tmp_path, workers=1, queue_timeout=0.5)
    dataset = load_dataset(settings)
    sparql = QueryExecutor(dataset, settings)
    api = QueryExecutor(dataset, settings, overflow=sparql)
    slow = QueryRequest(SLOW_QUERY, JSON)
    ask = QueryRequest(f"ASK {{ <{EX}s1> ?p ?o }}", JSON)
    outcome: list[BaseException] = []

    def run_slow(executor: QueryExecutor) -> None:
        try:
            executor.run(slow, timeout=2.0)
        except BaseException as e:  # the outcome is what this test inspects
            outcome.append(e)

    try:
        own = threading.Thread(target=run_slow, args=(api,))
        own.start()
        _wait_until(lambda: api._idle.qsize() == 0)  # /api's own worker is busy
        lent = next(iter(sparql._all))
        assert json.loads(api.run(ask, timeout=60).body)["boolean"] is True  # borrowed
        assert json.loads(asyncio.run(api.run_async(ask, timeout=60)).body)["boolean"] is True
        assert list(sparql._idle.queue) == [lent] and lent.home is sparql  # given back
        # a borrowed worker that runs past its deadline is replaced in its own pool
        with pytest.raises(QueryTimeout):
            api.run(slow, timeout=1.0)
        own.join(30)
        assert len(outcome) == 1 and isinstance(outcome[0], QueryTimeout)
        _wait_until(lambda: sparql._idle.qsize() == 1 and api._idle.qsize() == 1)
        assert lent not in sparql._all and len(sparql._all) == len(api._all) == 1
        # /sparql does not borrow: its worker busy, it waits its queue timeout and refuses
        busy = threading.Thread(target=run_slow, args=(sparql,))
        busy.start()
        _wait_until(lambda: sparql._idle.qsize() == 0)
        with pytest.raises(Busy):
            sparql.run(ask, timeout=60)
        assert api._idle.qsize() == 1
        busy.join(30)
    finally:
        api.close()
        sparql.close()


def test_idle_workers_are_taken_most_recently_used_first(
    tiny_dataset: Dataset, tiny_settings: Settings
) -> None:
    """LIFO: the worker that answered last answers the next query (its store is hot)."""
    ex = QueryExecutor(tiny_dataset, tiny_settings.model_copy(update={"workers": 2}))
    try:
        ex.run(QueryRequest("ASK {}", JSON))
        last = ex._idle.queue[-1]
        for _ in range(5):
            ex.run(QueryRequest("ASK {}", JSON))
            assert ex._idle.queue[-1] is last
        assert len(ex._idle.queue) == 2
    finally:
        ex.close()
