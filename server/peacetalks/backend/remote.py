"""peacetalks over an external SPARQL 1.1 engine: `RemoteExecutor`, `RemoteStore`, `connect`.

The seam is the executor interface the routes use (`run`, `run_async`, `close` with
`QueryRequest` / `QueryResult`): `RemoteExecutor` sends the query over the SPARQL 1.1
Protocol and gives back the same bytes the embedded executor would — so the guard above it,
the negotiation, the row cap and truncation flag, the result cache and the error answers
are the same on both backends:

- The query is first prepared on an empty in-memory pyoxigraph store, exactly as the
  embedded path does (`executor.execute`): the same syntax errors with positions, the same
  refusals of bad substitutions or unacceptable formats, before the engine is asked.
- The protocol dataset is always explicit: without one, the default graph is the union of
  the dataset's named graphs and the named graphs are those graphs (`default-graph-uri` /
  `named-graph-uri` for each), as on the embedded store — never the engine's own graphs
  (Virtuoso's system graphs, the version graph, other data sharing the engine).
- Substitutions become one `VALUES` row (`peacetalks.backend.substitution`).
- Answers are streamed: SPARQL JSON (or N-Triples/Turtle for graphs) is parsed as it
  arrives and written in the negotiated format by `sparql.results`, reading at most
  `cap + 1` rows; the rest of the download is dropped.
- The deadline is a total time limit enforced on our side (connect, wait, every chunk) and,
  where the engine takes one (its profile's `timeout_param`), passed on; a partial answer
  the engine marks as cut is a `QueryTimeout` (503), never a short 200.
- One pooled `httpx.Client` per executor (`PEACETALKS_BACKEND_CONNECTIONS`); at most that
  many queries run at once, others wait `PEACETALKS_QUEUE_TIMEOUT` (then `Busy`). Queries
  are reads, so a connection failure or a 502/503/504 before any answer is retried twice.

`RemoteStore` is the read-only part of `pyoxigraph.Store` the pages, dumps, VoID and label
look-ups call (`query`, `quads_for_pattern`, `len`, iteration), over the same client; whole
named graphs come from the Graph Store Protocol; small pattern answers (labels, types) are
remembered, since the pushed dataset does not change under a running front end.
`connect(settings)` reads the dataset record `peacetalks push` left in the engine
(`peacetalks.backend.push`) and returns a `Dataset` over a `RemoteStore`.
"""

from __future__ import annotations

import io
import json
import logging
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox
from anyio import to_thread

from peacetalks.backend import engines
from peacetalks.backend.substitution import bind_values
from peacetalks.errors import (
    BadRequest,
    Busy,
    PeacetalksError,
    QueryFailed,
    QueryTimeout,
    Unavailable,
)
from peacetalks.settings import Settings
from peacetalks.sparql.executor import QueryRequest, QueryResult, execute
from peacetalks.sparql.guard import inspect_query
from peacetalks.sparql.results import nt_term, write_boolean, write_solutions, write_triples

log = logging.getLogger("peacetalks.backend")

SPARQL_JSON = "application/sparql-results+json"
VERSION_GRAPH = "https://w3id.org/peacetalks/graph/dataset-version"
"""The named graph where `peacetalks push` records what it pushed (never part of the
dataset: queries never see it)."""
EMPTY_GRAPH = "urn:peacetalks:empty-default-graph"
"""Sent as the default graph when a query asks for the store's own (empty) default graph."""
RETRIES = 2
_RETRY_STATUSES = frozenset({502, 503, 504})
_ERROR_BYTES = 4096


class _Deadline:
    """A total time budget (`time.monotonic` based)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        return self.at - time.monotonic()

    def expired(self) -> QueryTimeout:
        return QueryTimeout(
            f"query stopped: it ran past the {self.seconds:g} s limit "
            "(PEACETALKS_QUERY_TIMEOUT); narrow it or add a LIMIT"
        )


class _Body(io.RawIOBase):
    """A streamed response body as a file for pyoxigraph's parsers, keeping the deadline."""

    def __init__(self, response: httpx.Response, deadline: _Deadline) -> None:
        self._chunks = response.iter_bytes()
        self._pending = b""
        self._deadline = deadline
        self.error: PeacetalksError | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            if self._deadline.left() <= 0:
                self.error = self._deadline.expired()
                raise OSError(self.error.message)
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
            except httpx.TimeoutException as e:
                self.error = self._deadline.expired()
                raise OSError(self.error.message) from e
            except httpx.HTTPError as e:
                self.error = Unavailable(f"the SPARQL engine connection broke: {e}")
                raise OSError(self.error.message) from e
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


class Endpoint:
    """One engine: query URL, Graph Store URL, auth header, profile and a pooled client."""

    def __init__(self, settings: Settings, *, query_url: str | None = None) -> None:
        url = query_url or settings.backend
        if not url:
            raise ValueError("no SPARQL engine configured (PEACETALKS_BACKEND)")
        self.query_url = url
        headers = {"User-Agent": "peacetalks"}
        if settings.backend_auth:
            headers["Authorization"] = settings.backend_auth
        self.client = httpx.Client(
            headers=headers,
            limits=httpx.Limits(
                max_connections=settings.backend_connections,
                max_keepalive_connections=settings.backend_connections,
            ),
            timeout=httpx.Timeout(settings.query_timeout, connect=min(5.0, settings.query_timeout)),
        )
        self.profile = (
            self._detect()
            if settings.backend_engine == "auto"
            else engines.PROFILES[settings.backend_engine]
        )
        self.store_url = settings.backend_store_url or self.profile.store_url(url)

    def _detect(self) -> engines.EngineProfile:
        try:
            response = self.client.get(self.query_url, params={"query": "ASK {}"})
        except httpx.HTTPError as e:
            raise Unavailable(f"cannot reach the SPARQL engine at {self.query_url}: {e}") from e
        return engines.detect(response.headers.get("server", ""))

    def close(self) -> None:
        self.client.close()

    # -------------------------------------------------------------- queries

    def _form(
        self,
        query: str,
        default_graphs: Iterable[str],
        named_graphs: Iterable[str],
        deadline: _Deadline,
    ) -> list[tuple[str, str]]:
        form = [("query", query)]
        form += [("default-graph-uri", g) for g in default_graphs]
        form += [("named-graph-uri", g) for g in named_graphs]
        if self.profile.timeout_param:
            form.append((self.profile.timeout_param, str(max(1, int(deadline.left() * 1000)))))
        return form

    def open_query(
        self,
        query: str,
        accept: str,
        default_graphs: Iterable[str],
        named_graphs: Iterable[str],
        deadline: _Deadline,
    ) -> httpx.Response:
        """POST the query (form-encoded: the graph lists can be long) and return the
        streaming response once its status is 200; the caller closes it."""
        if self.profile.rewrite is not None:
            query = self.profile.rewrite(query)
        form = self._form(query, default_graphs, named_graphs, deadline)
        for attempt in range(RETRIES + 1):
            left = deadline.left()
            if left <= 0:
                raise deadline.expired()
            request = self.client.build_request(
                "POST",
                self.query_url,
                content=urlencode(form).encode(),  # repeated keys: one per graph
                headers={
                    "Accept": accept,
                    "Content-Type": "application/x-www-form-urlencoded",
                },
                timeout=httpx.Timeout(left, connect=min(5.0, left)),
            )
            try:
                response = self.client.send(request, stream=True)
            except httpx.TimeoutException as e:
                raise deadline.expired() from e
            except httpx.TransportError as e:
                if attempt < RETRIES:
                    time.sleep(min(0.1 * 2**attempt, max(0.0, deadline.left())))
                    continue
                raise Unavailable(f"cannot reach the SPARQL engine: {e}") from e
            if response.status_code == 200:
                partial = self.profile.partial_header
                if partial and response.headers.get(partial[0], "").startswith(partial[1]):
                    response.close()
                    raise deadline.expired()
                return response
            detail = _error_text(response)
            if response.status_code in _RETRY_STATUSES and attempt < RETRIES:
                time.sleep(min(0.1 * 2**attempt, max(0.0, deadline.left())))
                continue
            raise _engine_error(response.status_code, detail, self.profile.name)
        raise AssertionError("unreachable")

    # -------------------------------------------------------------- graph store

    def graph_url(self) -> str:
        if not self.store_url:
            raise Unavailable(
                f"no Graph Store Protocol URL for the {self.profile.name} engine: "
                "set PEACETALKS_BACKEND_STORE_URL"
            )
        return self.store_url

    def get_graph(self, graph: str, timeout: float) -> Iterator[ox.Triple]:
        """Every triple of one named graph (Graph Store Protocol GET), streamed."""
        deadline = _Deadline(timeout)
        with self.client.stream(
            "GET",
            self.graph_url(),
            params={"graph": graph},
            headers={"Accept": self.profile.graph_media_type},
            timeout=httpx.Timeout(timeout, connect=min(5.0, timeout)),
        ) as response:
            if response.status_code == 404:
                return
            if response.status_code != 200:
                raise _engine_error(response.status_code, _error_text(response), self.profile.name)
            yield from _parse_triples(_Body(response, deadline), self.profile.graph_media_type)


def _error_text(response: httpx.Response) -> str:
    """The start of an error body, for the message (never the whole of it)."""
    try:
        data = b""
        for chunk in response.iter_bytes():
            data += chunk
            if len(data) >= _ERROR_BYTES:
                break
    except httpx.HTTPError:
        data = b""
    finally:
        response.close()
    return data[:_ERROR_BYTES].decode("utf-8", "replace").strip()


def _engine_error(status: int, detail: str, engine: str) -> PeacetalksError:
    """Our named error for an engine's non-200 answer (the query already parsed here)."""
    said = f"the {engine} SPARQL engine answered {status}: {detail[:500]}"
    if status in (400, 414):
        return BadRequest(f"{said} (the query is valid SPARQL 1.1; this engine refuses it)")
    if status in (502, 503, 504):
        return Unavailable(said)
    return QueryFailed(said)


def _parse_triples(body: _Body, media_type: str) -> Iterator[ox.Triple]:
    fmt = ox.RdfFormat.N_TRIPLES if media_type == "application/n-triples" else ox.RdfFormat.TURTLE
    try:
        for quad in ox.parse(cast(IO[bytes], body), format=fmt):
            yield quad.triple
    except (OSError, SyntaxError) as e:
        if body.error is not None:
            raise body.error from e
        raise QueryFailed(f"the SPARQL engine sent unreadable RDF: {e}") from e


@dataclass(frozen=True)
class _Plan:
    query: str
    kind: str
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]


_EMPTY = ox.Store()
"""Where requests are prepared (parsed, checked) before they go to the engine."""


def _plan(request: QueryRequest, graphs: tuple[str, ...], cap: int) -> _Plan:
    """Check `request` exactly as the embedded executor would (on an empty store: same
    errors), then say what to send: query text (values bound), result kind, dataset."""
    kind = execute(_EMPTY, request, cap).kind
    default_graphs, named_graphs = request.default_graph, request.named_graphs
    if default_graphs is None and named_graphs is None and not request.inspected:
        info = inspect_query(request.query, request.base_iri)
        if info.from_graphs or info.from_named_graphs:
            default_graphs, named_graphs = info.from_graphs, info.from_named_graphs
    if default_graphs is None and named_graphs is None:
        default_graphs = named_graphs = graphs
    text = bind_values(request.query, request.substitutions)
    if request.base_iri and _IRI_SAFE(request.base_iri):
        text = f"BASE <{request.base_iri}>\n{text}"
    return _Plan(text, kind, tuple(default_graphs or ()), tuple(named_graphs or ()))


def _IRI_SAFE(iri: str) -> bool:
    return not any(c in iri for c in '<>"{}|^`\\') and all(ord(c) > 0x20 for c in iri)


class RemoteExecutor:
    """The executor interface (`run`, `run_async`, `close`) over a remote engine."""

    def __init__(
        self, settings: Settings, graphs: Iterable[str], *, endpoint: Endpoint | None = None
    ) -> None:
        self.settings = settings
        self.endpoint = endpoint or Endpoint(settings)
        self._owns_endpoint = endpoint is None
        self.graphs = tuple(sorted(graphs))
        self._slots = threading.BoundedSemaphore(settings.backend_connections)
        self._closed = False
        self.network = f"remote engine ({self.endpoint.profile.name}); SERVICE refused by the guard"
        """What `/ready` says: the engine, not a worker of ours, runs the queries."""

    def run(self, request: QueryRequest, *, timeout: float | None = None) -> QueryResult:
        """Run one query on the engine; raises what the embedded executor raises
        (`QueryTimeout`, `Busy`, `QuerySyntaxError`, `BadRequest`, `NotAcceptable`,
        `QueryFailed`, `Unavailable`)."""
        if self._closed:
            raise Unavailable("the query executor is shut down")
        started = time.perf_counter()
        cap = request.max_rows or self.settings.max_rows
        plan = _plan(request, self.graphs, cap)
        if not self._slots.acquire(timeout=self.settings.queue_timeout):
            raise Busy(
                f"all {self.settings.backend_connections} connections to the SPARQL engine stayed "
                f"busy for {self.settings.queue_timeout:g} s (PEACETALKS_QUEUE_TIMEOUT); "
                "nothing was run, try again later"
            )
        try:
            deadline = _Deadline(self.settings.query_timeout if timeout is None else timeout)
            body, rows, truncated = self._fetch(plan, request.result_format, cap, deadline)
        finally:
            self._slots.release()
        elapsed = (time.perf_counter() - started) * 1000
        return QueryResult(body, request.result_format, plan.kind, rows, truncated, elapsed)  # type: ignore[arg-type]

    def _fetch(
        self, plan: _Plan, media_type: str, cap: int, deadline: _Deadline
    ) -> tuple[bytes, int, bool]:
        accept = self.endpoint.profile.graph_media_type if plan.kind == "graph" else SPARQL_JSON
        response = self.endpoint.open_query(
            plan.query, accept, plan.default_graphs, plan.named_graphs, deadline
        )
        body = _Body(response, deadline)
        try:
            if plan.kind == "graph":
                return write_triples(_parse_triples(body, accept), media_type, cap)
            return _write_results(body, plan.kind, media_type, cap)
        except BaseException as error:
            _forget_frames(error)  # it may be raised again on the event loop's thread
            raise
        finally:
            response.close()

    async def run_async(
        self, request: QueryRequest, *, timeout: float | None = None
    ) -> QueryResult:
        """`run` on a worker thread, so the event loop never waits on the engine."""
        return await to_thread.run_sync(lambda: self.run(request, timeout=timeout))

    starting = 0
    """No worker processes: the engine runs the queries."""

    def wait_ready(self, on_ready: Callable[[], object] | None = None) -> None:
        """Nothing to wait for: the engine answered when `connect` read its dataset."""

    def close(self) -> None:
        """Close the pooled connections (idempotent)."""
        self._closed = True
        if self._owns_endpoint:
            self.endpoint.close()


def _write_results(body: _Body, kind: str, media_type: str, cap: int) -> tuple[bytes, int, bool]:
    """The engine's SPARQL JSON answer, capped and written as `media_type`."""
    parsed = _parse_results(body)
    if kind == "boolean":
        return write_boolean(bool(parsed), media_type), 1, False
    if not isinstance(parsed, ox.QuerySolutions):
        raise QueryFailed("the SPARQL engine answered a boolean to a SELECT")
    try:
        return write_solutions(parsed, media_type, cap)
    except (OSError, SyntaxError) as e:
        raise body.error or QueryFailed(f"unreadable SPARQL results: {e}") from e


def _forget_frames(error: BaseException | None) -> None:
    """Clear the locals of the finished frames that an error's tracebacks (its causes' too)
    hold. pyoxigraph objects must be dropped on the thread that made them: an error made in
    a worker thread and raised again on the event loop's would keep them alive until it is
    freed there ("PyQuerySolutions is unsendable, but is being dropped on another thread")."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        traceback.clear_frames(error.__traceback__)
        error = error.__cause__ or error.__context__


def _parse_results(body: _Body) -> ox.QuerySolutions | ox.QueryBoolean:
    try:
        return ox.parse_query_results(cast(IO[bytes], body), ox.QueryResultsFormat.JSON)
    except (OSError, SyntaxError) as e:
        raise body.error or QueryFailed(f"unreadable SPARQL results: {e}") from e


# ------------------------------------------------------------------ the store


class RemoteStore:
    """The read-only `pyoxigraph.Store` surface peacetalks' pages, dumps and look-ups use,
    answered by the engine (see the module docstring). Results are pyoxigraph objects."""

    MEMO_ENTRIES = 8192
    """Patterns whose quads are remembered (least recently used ones are forgotten)."""
    MEMO_QUADS = 64
    """Only answers of at most this many quads are remembered: labels, a resource's types."""

    def __init__(self, endpoint: Endpoint, graph_counts: dict[str, int], timeout: float) -> None:
        self.endpoint = endpoint
        self.graphs = tuple(sorted(graph_counts))
        self._total = sum(graph_counts.values())
        self._timeout = timeout
        # The pushed dataset never changes under a front end (a new push means a restart,
        # README "Many front ends"), so a pattern's quads can be remembered: a page asks for
        # the labels of every neighbour, and the same actors and issues are on every page.
        self._memo: OrderedDict[tuple[str, ...], tuple[ox.Quad, ...]] = OrderedDict()
        self._memo_lock = threading.Lock()

    def __len__(self) -> int:
        return self._total

    def __iter__(self) -> Iterator[ox.Quad]:
        return self.quads_for_pattern(None, None, None)

    def query(
        self,
        query: str,
        *,
        use_default_graph_as_union: bool = False,
        default_graph: Any = None,
        named_graphs: Any = None,
        substitutions: dict[ox.Variable, Any] | None = None,
        base_iri: str | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | list[ox.Triple]:
        """`Store.query` over the engine: SELECT gives `QuerySolutions`, ASK a
        `QueryBoolean`, CONSTRUCT / DESCRIBE a list of triples (all of them)."""
        info = inspect_query(query, base_iri)
        if default_graph is not None or named_graphs is not None:
            default = tuple(_graph_iri(g) for g in _as_list(default_graph))
            named = tuple(_graph_iri(g) for g in _as_list(named_graphs))
        elif use_default_graph_as_union:
            default, named = self.graphs, self.graphs
        elif info.from_graphs or info.from_named_graphs:
            # the query's own dataset, as pyoxigraph takes it (a protocol one would override
            # it); FROM NAMED alone leaves the default graph empty
            default = info.from_graphs or (EMPTY_GRAPH,)
            named = info.from_named_graphs
        else:  # the store's own default graph: empty in every peacetalks dataset
            default, named = (EMPTY_GRAPH,), self.graphs
        text = bind_values(query, {v.value: str(t) for v, t in (substitutions or {}).items()})
        if base_iri and _IRI_SAFE(base_iri):
            text = f"BASE <{base_iri}>\n{text}"
        deadline = _Deadline(self._timeout)
        graph = info.kind == "graph"
        accept = self.endpoint.profile.graph_media_type if graph else SPARQL_JSON
        response = self.endpoint.open_query(text, accept, default, named, deadline)
        try:
            body = _Body(response, deadline)
            if graph:
                return list(_parse_triples(body, accept))
            parsed = _parse_results(body)
            if isinstance(parsed, ox.QuerySolutions):
                # read it all now: the connection goes back to the pool
                variables = [v.value for v in parsed.variables]
                rows = [[s[v] for v in variables] for s in parsed]
                return _solutions(variables, rows)
            return parsed
        finally:
            response.close()

    def quads_for_pattern(
        self, subject: Any, predicate: Any, object: Any, graph_name: Any = None
    ) -> Iterator[ox.Quad]:
        """Quads matching the pattern in the dataset's named graphs (None: any). A whole
        graph comes from the Graph Store Protocol; anything else is one SELECT."""
        if isinstance(graph_name, ox.DefaultGraph):
            return iter(())
        if any(isinstance(t, ox.BlankNode) for t in (subject, predicate, object, graph_name)):
            raise ValueError("a remote store cannot be asked about a blank node")
        if subject is None and predicate is None and object is None and graph_name is not None:
            name = graph_name
            return (
                ox.Quad(t.subject, t.predicate, t.object, name)
                for t in self.endpoint.get_graph(name.value, self._timeout)
            )
        bound = {
            v: nt_term(t)
            for v, t in zip("spog", (subject, predicate, object, graph_name), strict=True)
            if t is not None
        }
        key = tuple(f"{v}={t}" for v, t in bound.items())
        with self._memo_lock:
            if (known := self._memo.get(key)) is not None:
                self._memo.move_to_end(key)
                return iter(known)
        rows = self.query(
            "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
            use_default_graph_as_union=True,
            substitutions={ox.Variable(v): _term(t) for v, t in bound.items()},
        )
        assert isinstance(rows, ox.QuerySolutions)
        quads = tuple(ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows)
        if len(quads) <= self.MEMO_QUADS:
            with self._memo_lock:
                self._memo[key] = quads
                if len(self._memo) > self.MEMO_ENTRIES:
                    self._memo.popitem(last=False)
        return iter(quads)


def _term(text: str) -> Any:
    from peacetalks.sparql.executor import parse_term

    return parse_term(text)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple | set | frozenset) else [value]


def _graph_iri(graph: Any) -> str:
    if isinstance(graph, ox.DefaultGraph):
        return EMPTY_GRAPH
    return graph.value if isinstance(graph, ox.NamedNode) else str(graph)


def _solutions(variables: list[str], rows: list[list[Any]]) -> ox.QuerySolutions:
    """Rows read from the engine as a pyoxigraph `QuerySolutions` (SPARQL JSON round trip)."""
    bindings = [
        {v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None}
        for row in rows
    ]
    data = json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}})
    parsed = ox.parse_query_results(data.encode(), ox.QueryResultsFormat.JSON)
    assert isinstance(parsed, ox.QuerySolutions)
    return parsed


def _json_term(term: Any) -> dict[str, object]:
    from peacetalks.sparql.results import json_term

    return json_term(term)


# ------------------------------------------------------------------ the dataset


def read_record(endpoint: Endpoint, timeout: float) -> dict[str, Any] | None:
    """What `peacetalks push` recorded in the engine (None: nothing was pushed)."""
    triples = list(endpoint.get_graph(VERSION_GRAPH, timeout))
    for t in triples:
        if t.predicate.value == RECORD_PREDICATE and isinstance(t.object, ox.Literal):
            record: dict[str, Any] = json.loads(t.object.value)
            return record
    return None


RECORD_PREDICATE = "http://purl.org/dc/terms/description"
"""The version graph's one statement: `<VERSION_GRAPH> dcterms:description "<JSON>"`,
the JSON being the push record (version, graph counts, build and push times)."""


def count_graphs(endpoint: Endpoint, graphs: Iterable[str], timeout: float) -> dict[str, int]:
    """Triples per named graph, counted by the engine (graphs it does not hold: absent)."""
    graphs = tuple(graphs)
    response = endpoint.open_query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
        SPARQL_JSON,
        (EMPTY_GRAPH,),
        graphs,
        _Deadline(timeout),
    )
    try:
        parsed = _parse_results(_Body(response, _Deadline(timeout)))
        assert isinstance(parsed, ox.QuerySolutions)
        return {s["g"].value: int(s["n"].value) for s in parsed}
    finally:
        response.close()


def connect(settings: Settings) -> Any:
    """The `Dataset` the engine at `settings.backend` holds, checked against the record
    `peacetalks push` left there; `Unavailable` (one line) when there is none or it differs."""
    from peacetalks.dataset.store import Dataset

    started = time.perf_counter()
    endpoint = Endpoint(settings)
    timeout = max(settings.query_timeout, 60.0)
    record = read_record(endpoint, timeout)
    if record is None:
        endpoint.close()
        raise Unavailable(
            f"the SPARQL engine at {settings.backend} holds no peacetalks dataset: "
            f"run `peacetalks push --to {settings.backend}` first"
        )
    counts: dict[str, int] = record["graph_counts"]
    found = count_graphs(endpoint, counts, timeout)
    wrong = sorted(g for g in counts if found.get(g, 0) != counts[g])
    if wrong:
        endpoint.close()
        raise Unavailable(
            f"the SPARQL engine at {settings.backend} does not hold dataset "
            f"{record['version']} as pushed ({len(wrong)} graphs differ, e.g. {wrong[0]}: "
            f"{found.get(wrong[0], 0)} triples, pushed {counts[wrong[0]]}); push again"
        )
    store = RemoteStore(endpoint, counts, timeout)
    log.info(
        "serving dataset %s from the %s engine at %s",
        record["version"],
        endpoint.profile.name,
        settings.backend,
    )
    return Dataset(
        store=cast(ox.Store, store),  # the read-only Store surface, see RemoteStore
        nquads_path=Path("/nonexistent/remote"),
        sha256=record.get("sha256", ""),
        quads=sum(counts.values()),
        graph_counts=counts,
        version=record["version"],
        # the build time, not this process's: every front end dates the dumps alike
        loaded_at=datetime.fromisoformat(record["built_at"]).astimezone(UTC),
        build_seconds=record.get("build_seconds", 0.0),
        load_seconds=time.perf_counter() - started,
        from_cache=True,
    )
