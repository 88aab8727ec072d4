"""Run SPARQL queries with a hard deadline and a row cap, returning serialized bytes.

pyoxigraph cannot cancel a query, so each query runs in a worker process that holds its
own in-memory copy of the dataset (loaded from the N-Quads cache). The parent hands one
request to an idle worker over a pipe and waits up to the deadline; past it, the worker is
killed (`QueryTimeout`, 503) and a fresh one is started in the background, so the server
keeps answering. The row cap and serialization happen inside the worker, so only the
final bytes cross the pipe. Design and overhead measurements: see README ("Query workers").

With `Settings.workers == 0` queries run in the calling thread on `Dataset.store`
(no hard deadline: for the CLI and for comparison).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import multiprocessing.connection
import os
import pickle
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pyoxigraph as ox

from peacetalks.errors import (
    BadRequest,
    Busy,
    NotAcceptable,
    QueryCrashed,
    QuerySyntaxError,
    QueryTimeout,
    Unavailable,
)
from peacetalks.sparql.negotiation import available
from peacetalks.sparql.results import write_boolean, write_solutions, write_triples

if TYPE_CHECKING:  # workers import this module: keep it light
    import asyncio

    from peacetalks.dataset.store import Dataset
    from peacetalks.settings import Settings

log = logging.getLogger("peacetalks.executor")

_PACKAGE_PARENT = Path(__file__).resolve().parents[1]

ResultKind = Literal["solutions", "boolean", "graph"]


@dataclass(frozen=True)
class QueryRequest:
    """One query to run.

    `result_format` is the media type to serialize to (from `media.negotiate`);
    `substitutions` binds variables (name without `?`) to terms in N-Triples syntax
    (`<http://…>`, `"text"@en`, `"1"^^<…#integer>`) — values are bound, never spliced.
    `default_graph` / `named_graphs` give the protocol dataset (None: the default graph is
    the union of all graphs and every named graph is visible). `max_rows` overrides the cap.
    `base_iri` (an addition to the shared interface, optional) resolves relative IRIs.
    """

    query: str
    result_format: str
    substitutions: Mapping[str, str] = field(default_factory=dict)
    default_graph: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    max_rows: int | None = None
    base_iri: str | None = None
    """Resolves relative IRIs in the query (the endpoint URL for protocol requests)."""
    inspected: bool = False
    """The caller ran the guard and put any FROM / FROM NAMED graphs into `default_graph` /
    `named_graphs`: the worker need not read the query again."""


@dataclass(frozen=True)
class QueryResult:
    """Serialized result; `rows` solutions/triples written, `truncated` if the cap cut it."""

    body: bytes
    media_type: str
    kind: ResultKind
    rows: int
    truncated: bool
    elapsed_ms: float


# ------------------------------------------------------------------ in-worker execution

_POSITION = re.compile(r"(?:error )?at (\d+):(\d+)")


def parse_term(text: str) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """One RDF term from its N-Triples syntax; `BadRequest` if it is not a single term."""
    try:
        quads = list(ox.parse(f"<urn:x:s> <urn:x:p> {text} .", format=ox.RdfFormat.N_TRIPLES))
    except SyntaxError as e:
        raise BadRequest(f"not an RDF term in N-Triples syntax: {text!r} ({e})") from e
    if len(quads) != 1 or isinstance(quads[0].object, ox.Triple):
        raise BadRequest(f"not a single RDF term: {text!r}")
    return quads[0].object


def execute(store: ox.Store, request: QueryRequest, default_cap: int) -> QueryResult:
    """Evaluate and serialize one request on `store` (in a worker or in-process)."""
    started = time.perf_counter()
    options: dict[str, Any] = {"base_iri": request.base_iri}
    default_graph, named_graphs = request.default_graph, request.named_graphs
    if default_graph is None and named_graphs is None and not request.inspected:
        # A caller that did not guard (the CLI, tests): guard here. FROM / FROM NAMED must be
        # passed explicitly: pyoxigraph's use_default_graph_as_union would override them.
        # (Imported here: in the workers every request arrives inspected, and the guard's
        # regular expressions cost ~30 ms to compile at every worker start.)
        from peacetalks.sparql.guard import inspect_query

        info = inspect_query(request.query, request.base_iri)
        if info.from_graphs or info.from_named_graphs:
            default_graph, named_graphs = info.from_graphs, info.from_named_graphs
    if default_graph is not None or named_graphs is not None:
        options["default_graph"] = [ox.NamedNode(g) for g in default_graph or ()]
        options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs or ()]
    else:
        options["use_default_graph_as_union"] = True
    if request.substitutions:
        options["substitutions"] = {
            ox.Variable(name): parse_term(text) for name, text in request.substitutions.items()
        }
    try:
        result = store.query(request.query, **options)
    except SyntaxError as e:
        message = str(e)
        m = _POSITION.search(message)
        line, column = (int(m.group(1)), int(m.group(2))) if m else (None, None)
        raise QuerySyntaxError(f"SPARQL syntax error: {message}", line, column) from e
    except ValueError as e:  # pyoxigraph: unsupported option combinations
        raise BadRequest(str(e)) from e
    cap = request.max_rows or default_cap
    kind: ResultKind
    if isinstance(result, ox.QuerySolutions):
        kind = "solutions"
        _check(request.result_format, kind)
        body, rows, truncated = write_solutions(result, request.result_format, cap)
    elif isinstance(result, ox.QueryTriples):
        kind = "graph"
        _check(request.result_format, kind)
        body, rows, truncated = write_triples(result, request.result_format, cap)
    else:
        kind = "boolean"
        _check(request.result_format, kind)
        body, rows, truncated = write_boolean(bool(result), request.result_format), 1, False
    elapsed = (time.perf_counter() - started) * 1000
    return QueryResult(body, request.result_format, kind, rows, truncated, elapsed)


def _frame(buffer: bytearray) -> bytes | None:
    """The first whole message of `multiprocessing.connection`'s framing (a 4-byte big-endian
    length, or -1 and an 8-byte one, then the payload) in `buffer`, removed from it; None
    while it is incomplete."""
    if len(buffer) < 4:
        return None
    size, start = int.from_bytes(buffer[:4], "big", signed=True), 4
    if size == -1:
        if len(buffer) < 12:
            return None
        size, start = int.from_bytes(buffer[4:12], "big"), 12
    if len(buffer) < start + size:
        return None
    message = bytes(buffer[start : start + size])
    del buffer[: start + size]
    return message


CRASH_STATUSES = frozenset(
    {-signal.SIGSEGV, -signal.SIGBUS, -signal.SIGABRT, -signal.SIGILL, -signal.SIGFPE}
)
"""Worker exit statuses that mean the engine crashed on the query (the process died of a fault)."""


def query_digest(query: str) -> str:
    """How logs and the crash list name a query: the first 16 hex digits of its sha256."""
    return hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _check(media_type: str, kind: ResultKind) -> None:
    if media_type not in available(kind):
        raise NotAcceptable(available(kind), media_type)


# ------------------------------------------------------------------ the pool


class _Worker:
    """One `python -m peacetalks.sparql.worker` process and our end of its socket pair.

    A fresh interpreter (not multiprocessing's fork/spawn) so workers never inherit the
    server's threads and never re-run the caller's `__main__`.
    """

    def __init__(self, dataset: Dataset, cap: int, network: str, home: QueryExecutor) -> None:
        self.home = home
        """The pool this worker belongs to: it goes back there, and is replaced there, also
        after another pool borrowed it (`QueryExecutor.overflow`)."""
        # Shutdown and a deadline's replacement may kill one worker from two threads at once;
        # closing its connection twice concurrently raised EBADF.
        self._kill_lock = threading.Lock()
        self._killed = False
        ours, theirs = socket.socketpair()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(_PACKAGE_PARENT), env.get("PYTHONPATH", "")) if p
        )
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "peacetalks.sparql.worker",
                str(theirs.fileno()),
                str(dataset.worker_source),  # N-Quads file, or the shared disk store
                dataset.sha256,  # the worker refuses any other bytes than the server's
                str(dataset.quads),
                str(cap),
                network,
            ],
            pass_fds=(theirs.fileno(),),
            env=env,
        )
        theirs.close()
        self._socket = ours
        self.conn = multiprocessing.connection.Connection(ours.detach())
        self._loop: asyncio.AbstractEventLoop | None = None
        """The event loop watching our socket (`watch`), if any."""
        self._pending: asyncio.Future[bytes] | None = None
        self._buffer = bytearray()

    def watch(self, loop: asyncio.AbstractEventLoop) -> None:
        """Have `loop` read the worker's answers as they arrive, from now on: the reader stays
        registered between queries (adding and removing it per query cost ~60 µs of
        system calls under uvloop, issue 12). The socket stays blocking for `conn.send`;
        `_readable` reads only what epoll says is there."""
        if self._loop is loop:
            return
        self.unwatch()
        fd = self.conn.fileno()
        loop.add_reader(fd, self._readable)
        os.set_blocking(fd, True)  # add_reader made it non-blocking
        self._loop = loop

    def unwatch(self) -> None:
        """Stop the watching loop reading our socket (from any thread): before a blocking
        `run` uses the socket, and before the socket is closed."""
        loop, self._loop = self._loop, None
        if loop is None or loop.is_closed():
            return
        import asyncio  # not at the top: workers import this module and need none of it

        fd = self.conn.fileno()
        try:
            current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        if current is loop or not loop.is_running():
            loop.remove_reader(fd)
        else:
            removed = threading.Event()

            def remove() -> None:
                loop.remove_reader(fd)
                removed.set()

            loop.call_soon_threadsafe(remove)
            removed.wait(5)
        os.set_blocking(fd, True)

    def expect(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future[bytes]:
        """The future of the next answer (after `watch(loop)`)."""
        self._buffer.clear()
        self._pending = loop.create_future()
        return self._pending

    def _readable(self) -> None:
        pending = self._pending
        error: BaseException | None
        try:
            chunk = os.read(self.conn.fileno(), 1 << 20)  # readable: does not wait
        except OSError as e:
            chunk, error = b"", e
        else:
            error = None if chunk else EOFError("the query worker closed its socket")
        if error is not None:
            self.unwatch()  # level-triggered: a closed socket would wake the loop forever
            if pending is not None and not pending.done():
                pending.set_exception(error)
            return
        self._buffer.extend(chunk)
        message = _frame(self._buffer)
        if message is not None and pending is not None and not pending.done():
            self._pending = None
            pending.set_result(message)

    def wait_ready(self, timeout: float) -> None:
        if not self.conn.poll(timeout):
            self.kill()
            code = self.process.returncode
            raise Unavailable(
                "query worker did not start in time"
                if code is None
                else f"query worker exited with status {code} while starting"
            )
        try:
            status, detail = self.conn.recv()
        except (EOFError, OSError) as e:
            self.kill()
            raise Unavailable(f"query worker exited while loading the dataset ({e})") from e
        if status == "refused":
            self.kill()
            raise Unavailable(f"query worker refused to serve: {detail}")
        assert status == "ready"
        self.network: str = detail["network"]

    def kill(self) -> None:
        """Kill the process and close its connection, once (safe from several threads)."""
        self.unwatch()  # never close a socket an event loop still polls
        with self._kill_lock:
            if self._killed:
                return
            self._killed = True
            self.process.kill()
            self.process.wait(5)
            self.conn.close()


class QueryExecutor:
    """Runs `QueryRequest`s on worker processes with a hard deadline (see module docstring).

    Thread-safe: `run` may be called from any thread, `run_async` from the event loop; each
    call takes an idle worker, waiting at most `queue_timeout` for one (then `Busy`, 503,
    and nothing runs). The query deadline starts when the worker receives the query, so
    queueing never gets a query killed.

    Idle workers are taken last-in, first-out: under light load the same worker answers
    query after query, its copy of the store hot in its core's caches. With `overflow`, a
    query that finds all of this pool's workers busy borrows an idle one of that other pool
    instead of waiting (the /api pool borrows from the /sparql pool, never the reverse, so
    /api still never waits behind /sparql); a borrowed worker goes back to, or is replaced
    in, its own pool.
    """

    STARTUP_TIMEOUT = 120.0

    def __init__(
        self,
        dataset: Dataset,
        settings: Settings,
        *,
        wait: bool = True,
        overflow: QueryExecutor | None = None,
    ) -> None:
        """Start `settings.workers` workers; with `wait` (the default), return once they
        are ready. `wait=False` returns while they load (the server imports its web stack
        meanwhile): call `wait_ready()` before the first query. `overflow`: a pool to
        borrow idle workers from (see the class docstring)."""
        self.dataset = dataset
        self.settings = settings
        self.overflow = overflow
        self._closed = False
        self._idle: queue.Queue[_Worker] = queue.LifoQueue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._crashers: OrderedDict[str, None] = OrderedDict()
        self.network = "shared: no query workers (in-process)"
        """`isolated` when every worker runs without a network, else why not (`/ready`)."""
        self._starting = [self._spawn() for _ in range(settings.workers)]
        if wait:
            self.wait_ready()

    @property
    def starting(self) -> int:
        """Workers started and not yet waited for (`wait_ready`)."""
        return len(self._starting)

    def wait_ready(self, on_ready: Callable[[], object] | None = None) -> None:
        """Wait until the workers started by `__init__` have loaded the dataset (at most
        `STARTUP_TIMEOUT` s; `Unavailable` if one fails), calling `on_ready` as each one
        is. Idempotent."""
        workers, self._starting = self._starting, []
        for w in workers:
            w.wait_ready(self.STARTUP_TIMEOUT)
            self._idle.put(w)
            if on_ready is not None:
                on_ready()
        if workers:
            states = {w.network for w in workers}
            self.network = (
                "isolated" if states == {"isolated"} else sorted(states - {"isolated"})[0]
            )
            if self.network != "isolated":
                log.warning("query workers are NOT network-isolated: %s", self.network)

    def _spawn(self) -> _Worker:
        worker = _Worker(self.dataset, self.settings.max_rows, self.settings.worker_network, self)
        with self._lock:
            self._all.add(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.kill()

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker and start its successor in the background."""
        self._retire(worker)

        def start() -> None:
            if self._closed:
                return
            fresh = self._spawn()
            try:
                fresh.wait_ready(self.STARTUP_TIMEOUT)
            except Unavailable as e:
                if self._closed:  # close() stopped it while it started: nothing went wrong
                    log.debug("replacement query worker stopped by shutdown: %s", e.message)
                else:
                    log.error("replacement query worker failed to start: %s", e.message)
                self._retire(fresh)
                return
            if fresh.network != "isolated" and self.network == "isolated":
                self.network = fresh.network
                log.warning("a restarted query worker is NOT network-isolated: %s", fresh.network)
            if self._closed:
                self._retire(fresh)
            else:
                self._idle.put(fresh)

        threading.Thread(target=start, name="peacetalks-worker-restart", daemon=True).start()

    def _admit(self, request: QueryRequest) -> str:
        """The query's digest, after refusing a shut-down executor and known crashers."""
        if self._closed:
            raise Unavailable("the query executor is shut down")
        digest = query_digest(request.query)
        if digest in self._crashers:
            raise QueryCrashed(
                f"this query (sha256 {digest}) crashed the query engine before and is refused; "
                "it is not a temporary failure — simplify the query"
            )
        return digest

    def _take_idle(self) -> _Worker | None:
        """An idle worker of this pool, else one borrowed from `overflow`, else None."""
        with contextlib.suppress(queue.Empty):
            return self._idle.get_nowait()
        lender = self.overflow
        if lender is not None and not lender._closed:
            with contextlib.suppress(queue.Empty):
                return lender._idle.get_nowait()
        return None

    def _take(self) -> _Worker:
        """An idle worker of this pool, waiting at most `queue_timeout` (then `Busy`)."""
        wait = self.settings.queue_timeout
        try:
            return self._idle.get(timeout=wait)
        except queue.Empty:
            raise Busy(
                f"all {self.settings.workers} query workers stayed busy for {wait:g} s "
                "(PEACETALKS_QUEUE_TIMEOUT); nothing was run, try again later"
            ) from None

    def _timed_out(self, worker: _Worker, limit: float) -> QueryTimeout:
        worker.home._replace(worker)
        return QueryTimeout(
            f"query stopped: it ran past the {limit:g} s limit "
            "(PEACETALKS_QUERY_TIMEOUT); narrow it or add a LIMIT"
        )

    def _lost(self, worker: _Worker, digest: str) -> Unavailable | QueryCrashed:
        """The error for a worker whose pipe closed mid-query (blocks up to 2 s to reap it)."""
        try:  # the pipe closed: did the process die (it is reaped a moment later)?
            code: int | None = worker.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            code = None
        worker.home._replace(worker)
        if code is None or code not in CRASH_STATUSES:
            # Killed from outside (SIGKILL: the OOM killer, an operator) or lost: not the
            # query's fault, so it is not remembered.
            return Unavailable(f"the query worker was stopped (status {code}); try again")
        with self._lock:
            self._crashers[digest] = None
            while len(self._crashers) > 1024:
                self._crashers.popitem(last=False)
        log.error(
            "query crashed its worker (exit status %s); sha256 %s refused from now on",
            code,
            digest,
        )
        return QueryCrashed(
            f"the query crashed the engine (worker exit status {code}); it is refused from "
            f"now on (sha256 {digest}) — not a temporary failure, do not retry"
        )

    def _finish(self, worker: _Worker, status: str, payload: Any) -> QueryResult:
        worker.home._idle.put(worker)
        if status == "error":
            raise payload
        result: QueryResult = payload
        return result

    def run(self, request: QueryRequest, *, timeout: float | None = None) -> QueryResult:
        """Run one query; raises `QueryTimeout` (deadline), `Busy` (no free worker),
        `QuerySyntaxError`, `BadRequest`, `NotAcceptable`, `QueryFailed` or `Unavailable`."""
        if self._closed:
            raise Unavailable("the query executor is shut down")
        limit = self.settings.query_timeout if timeout is None else timeout
        if self.settings.workers == 0:
            return execute(self.dataset.store, request, self.settings.max_rows)
        digest = self._admit(request)
        worker = self._take_idle() or self._take()
        worker.unwatch()  # its answer is read here, not by an event loop
        deadline = time.monotonic() + limit
        try:
            worker.conn.send(request)
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                raise self._timed_out(worker, limit)
            status, payload = worker.conn.recv()
        except (EOFError, OSError) as e:
            raise self._lost(worker, digest) from e
        return self._finish(worker, status, payload)

    async def run_async(
        self, request: QueryRequest, *, timeout: float | None = None
    ) -> QueryResult:
        """`run` without a thread: the event loop sends the request and reads the answer off
        the socket pair as it arrives (`_Worker.watch`: never blocking on a partial message,
        the reader registered once per worker and loop), with the same
        deadline and the same errors. In-process execution (`workers == 0`) and a moment
        with no idle worker (a replacement still starting) wait in a thread instead."""
        import asyncio  # here, not at the top: workers import this module and need none of it

        loop = asyncio.get_running_loop()
        if self._closed:
            raise Unavailable("the query executor is shut down")
        if self.settings.workers == 0:
            return await loop.run_in_executor(
                None, functools.partial(self.run, request, timeout=timeout)
            )
        limit = self.settings.query_timeout if timeout is None else timeout
        digest = self._admit(request)
        worker = self._take_idle()
        if worker is None:  # every worker busy: wait for one of ours in a thread
            taking = loop.run_in_executor(None, self._take)
            try:
                worker = await asyncio.shield(taking)
            except asyncio.CancelledError:  # the worker the thread still gets goes back
                taking.add_done_callback(self._give_back)
                raise
        timer: asyncio.TimerHandle | None = None
        try:
            worker.watch(loop)
            answer = worker.expect(loop)
            worker.conn.send(request)  # the worker waits in recv: the socket buffer drains

            def expire() -> None:
                if not answer.done():
                    answer.set_exception(TimeoutError())

            timer = loop.call_later(limit, expire)
            status, payload = pickle.loads(await answer)
        except TimeoutError:
            raise self._timed_out(worker, limit) from None
        except (EOFError, OSError) as e:
            worker.unwatch()
            error = await loop.run_in_executor(None, self._lost, worker, digest)
            raise error from e
        except BaseException:
            # Cancelled mid-query (shutdown, a caller's own timeout): the answer is still on
            # its way and nobody will read it, so the worker cannot be reused; a fresh one
            # replaces it (the deadline is kept: the killed process stops at once).
            worker.home._replace(worker)
            raise
        finally:
            if timer is not None:
                timer.cancel()
        return self._finish(worker, status, payload)

    def _give_back(self, got: asyncio.Future[_Worker]) -> None:
        if not got.cancelled() and got.exception() is None:
            worker = got.result()
            worker.home._idle.put(worker)

    def close(self) -> None:
        """Stop every worker (idempotent)."""
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            w.kill()
