"""`peacetalks push --to URL`: put the dataset into an external engine, graph by graph.

With the SPARQL 1.1 Graph Store Protocol (https://www.w3.org/TR/sparql11-http-rdf-update/),
one `PUT ?graph=<iri>` per named graph (then `POST`s, past `REQUEST_BYTES`) — the same
graphs as the embedded store, inferences included — so a second push replaces and never
duplicates. In order:

1. the version graph (`remote.VERSION_GRAPH`) is deleted, so a server starting during the
   push refuses to serve a half-filled store instead of serving it;
2. every graph is PUT as N-Triples written by pyoxigraph (from the store in memory; from
   the N-Quads cache file when the dataset is served from the disk store, `_graphs`):
   streamed, or for an engine that takes no chunked body spooled to a temporary file and
   sent with its length (a progress bar on stderr counts graphs);
3. graphs an earlier push recorded that this dataset no longer has are deleted;
4. the engine counts the triples of every graph; any difference stops the push
   (`PushFailed`) without writing the record;
5. the record — dataset version, sha256 of its N-Quads, triples per graph, when it was
   built (dumps and VoID are dated by it), push time — is PUT as the version graph.
   `peacetalks serve` with `PEACETALKS_BACKEND` reads it and checks the counts again
   (`remote.connect`).

Only graphs of our dataset and the version graph are written: other data in the engine is
left alone.
"""

from __future__ import annotations

import contextlib
import json
import queue
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast

import httpx
import pyoxigraph as ox

from peacetalks import __version__
from peacetalks.backend.remote import (
    RECORD_PREDICATE,
    VERSION_GRAPH,
    Endpoint,
    count_graphs,
    read_record,
)
from peacetalks.dataset.cache import sha256_file
from peacetalks.dataset.store import Dataset, Phases
from peacetalks.errors import PeacetalksError
from peacetalks.settings import Settings

PIECE = 1 << 20
"""Bytes per piece of a streamed upload."""
_QUEUED = 8
"""Pieces serialized ahead of the upload, at most."""
REQUEST_BYTES = 256 << 20
"""Bytes of N-Triples per upload request at most: a larger graph is PUT, then POSTed to in
several requests (Virtuoso took more than the 600 s timeout over one 1.5 GB PUT)."""
_TRIPLES_PER_PIECE = 20_000
"""Triples per piece when the N-Quads file is read (`_Blocks`)."""
_UPLOAD_TIMEOUT = httpx.Timeout(600.0, connect=10.0)


class PushFailed(PeacetalksError):
    """The engine refused a write, or holds other counts than were pushed."""

    status = 502
    code = "push_failed"


class _Pieces:
    """A binary file for `Store.dump` that hands what it is given to the uploading thread
    in pieces of about `PIECE` bytes, through a queue of at most `_QUEUED` pieces (so memory
    stays bounded whatever the graph's size); `write` raises `_Stopped` once the reader has
    gone away, which ends the dump."""

    def __init__(self) -> None:
        self.queue: queue.Queue[bytes | BaseException | None] = queue.Queue(_QUEUED)
        self.stopped = threading.Event()
        self._buffer = bytearray()

    def write(self, data: bytes) -> int:
        self._buffer += data
        if len(self._buffer) >= PIECE:  # whole lines only: a request may end after a piece
            end = self._buffer.rfind(b"\n") + 1
            if end:
                self._put(bytes(self._buffer[:end]))
                del self._buffer[:end]
        return len(data)

    def flush(self) -> None:
        """Nothing to do: pieces go out as they fill (`close` sends the last one)."""

    def _put(self, item: bytes | BaseException | None) -> None:
        while not self.stopped.is_set():
            with contextlib.suppress(queue.Full):
                self.queue.put(item, timeout=0.1)
                return
        raise _Stopped

    def close(self, error: BaseException | None = None) -> None:
        with contextlib.suppress(_Stopped):
            if error is None and self._buffer:
                self._put(bytes(self._buffer))
            self._put(error)  # None: the end


class _Stopped(Exception):
    """The upload stopped reading: stop dumping."""


def _body(store: ox.Store, graph: str) -> Iterator[bytes]:
    """The triples of `graph` as N-Triples, written by pyoxigraph's own serializer on a
    thread while the previous pieces are sent: 1M triples from an in-memory store in 1.0 s,
    where making Python triples and serializing them took 2.6 s (bench/README.md)."""
    pieces = _Pieces()

    def dump() -> None:
        try:
            store.dump(
                cast(IO[bytes], pieces),
                format=ox.RdfFormat.N_TRIPLES,
                from_graph=ox.NamedNode(graph),
            )
        except _Stopped:
            return
        except BaseException as e:  # the reading side raises it
            pieces.close(e)
        else:
            pieces.close()

    writer = threading.Thread(target=dump, name="peacetalks-push-dump", daemon=True)
    writer.start()
    try:
        while (item := pieces.queue.get()) is not None:
            if isinstance(item, BaseException):
                raise PushFailed(f"cannot read graph {graph} from the dataset: {item}") from item
            yield item
    finally:
        pieces.stopped.set()
        writer.join()


@contextlib.contextmanager
def _spooled(pieces: Iterator[bytes]) -> Iterator[IO[bytes]]:
    """`pieces` in an anonymous temporary file, rewound: httpx sends a real file with its
    length and reads it in 64 kB pieces (an engine that takes no chunked body gets 1.5 GB
    at 10M triples without it ever being in memory)."""
    with tempfile.TemporaryFile(prefix="peacetalks-push-") as spool:
        try:
            for piece in pieces:
                spool.write(piece)
        except OSError as e:
            raise PushFailed(f"cannot spool a graph for the upload: {e}") from e
        spool.seek(0)
        yield spool


def _requests(pieces: Iterator[bytes], limit: int) -> Iterator[Iterator[bytes]]:
    """`pieces` (whole lines each) cut into request bodies of about `limit` bytes at most (a
    piece is never split; the first body is empty when there are no pieces at all, so an
    empty graph is still replaced). Each body must be read to its end before the next."""
    source = iter(pieces)
    head: list[bytes | None] = [next(source, None)]

    def body() -> Iterator[bytes]:
        size = 0
        while (piece := head[0]) is not None and (size == 0 or size + len(piece) <= limit):
            size += len(piece)
            head[0] = next(source, None)
            yield piece

    yield body()
    while head[0] is not None:
        yield body()


def _graphs(dataset: Dataset) -> Iterator[tuple[str, Iterator[bytes]]]:
    """(graph, its N-Triples in pieces) for every named graph of the dataset; each body must
    be read to its end before the next pair is taken.

    In memory, pyoxigraph writes each graph (`_body`). From the disk store it reads ~50 000
    triples/s, so then the N-Quads cache file is read instead, once, graph block by graph
    block (pyoxigraph writes a store graph by graph; a graph met again later comes again),
    once its sha256 is checked."""
    if dataset.store_path is None:
        for graph in sorted(dataset.graph_counts):
            yield graph, _body(dataset.store, graph)
        return
    yield from _file_blocks(dataset)


def _file_blocks(dataset: Dataset) -> Iterator[tuple[str, Iterator[bytes]]]:
    path = dataset.nquads_path
    try:
        same = sha256_file(path) == dataset.sha256  # before anything is sent
    except OSError as e:
        raise PushFailed(f"cannot read the dataset cache {path}: {e.strerror or e}") from e
    if not same:
        raise PushFailed(f"the dataset cache {path} changed since it was built (sha256)")
    with path.open("rb") as source:
        quads = ox.parse(source, format=ox.RdfFormat.N_QUADS)
        block = _Blocks(quads, dataset.graph_counts, path)
        while (graph := block.next_graph()) is not None:
            yield graph, block.pieces(graph)


class _Blocks:
    """The quads of an N-Quads file, one run of quads of one named graph at a time (quads
    of graphs the dataset does not count — the default graph — are passed over)."""

    def __init__(self, quads: Iterator[ox.Quad], graphs: dict[str, int], path: Path) -> None:
        self._quads, self._graphs, self._path = quads, graphs, path
        self._head: ox.Quad | None = None
        self._advance()

    def _advance(self) -> None:
        try:
            self._head = next(self._quads, None)
        except SyntaxError as e:
            raise PushFailed(f"the dataset cache {self._path} cannot be parsed: {e}") from e

    def _graph(self) -> str | None:
        name = self._head.graph_name if self._head is not None else None
        return name.value if isinstance(name, ox.NamedNode) else None

    def next_graph(self) -> str | None:
        """The named graph of the next run of quads (None at the end of the file)."""
        while self._head is not None and self._graph() not in self._graphs:
            self._advance()
        return self._graph()

    def pieces(self, graph: str) -> Iterator[bytes]:
        chunk: list[ox.Triple] = []
        while self._head is not None and self._graph() == graph:
            chunk.append(self._head.triple)
            self._advance()
            if len(chunk) == _TRIPLES_PER_PIECE or self._graph() != graph:
                data = ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES)
                assert data is not None
                yield data
                chunk = []


def _check(response: httpx.Response, what: str) -> None:
    if response.status_code not in (200, 201, 204):
        raise PushFailed(
            f"{what}: the engine answered {response.status_code}: {response.text[:300].strip()}"
        )


def push(
    dataset: Dataset, url: str, settings: Settings, *, progress: bool = False
) -> dict[str, Any]:
    """Push `dataset` to the engine whose query endpoint is `url`; returns the record."""
    endpoint = Endpoint(settings, query_url=url)
    try:
        return _push(dataset, endpoint, progress)
    finally:
        endpoint.close()


def _push(dataset: Dataset, endpoint: Endpoint, progress: bool) -> dict[str, Any]:
    store_url = endpoint.graph_url()
    client = endpoint.client
    timeout = 600.0
    previous = read_record(endpoint, timeout)
    _delete(client, store_url, VERSION_GRAPH)
    started = time.perf_counter()
    with Phases(progress) as bar:  # the build's progress bar: one step per graph
        bar.start("push", total=len(dataset.graph_counts))
        sent: set[str] = set()
        for graph, pieces in _graphs(dataset):
            bar.step(f"push {graph.rsplit('/graph/', 1)[-1]}")
            # a graph met again further on in the N-Quads file is added to, not replaced;
            # a large graph goes in several requests, the first a PUT, the others POSTs
            for request in _requests(pieces, REQUEST_BYTES):
                with contextlib.ExitStack() as cleanup:
                    if endpoint.profile.chunked_upload:
                        content: Iterator[bytes] | IO[bytes] = request
                    else:  # sent with a Content-Length: spooled to a file, not in memory
                        content = cleanup.enter_context(_spooled(request))
                    _put(endpoint, graph, content, f"PUT {graph}", add=graph in sent)
                sent.add(graph)
    stale = sorted(set(previous["graph_counts"] if previous else ()) - set(dataset.graph_counts))
    for graph in stale:
        _delete(client, store_url, graph)
    found = count_graphs(endpoint, dataset.graph_counts, timeout)
    wrong = sorted(g for g, n in dataset.graph_counts.items() if found.get(g, 0) != n)
    if wrong:
        first = wrong[0]
        raise PushFailed(
            f"the engine holds other counts than were pushed ({len(wrong)} graphs; "
            f"{first}: {found.get(first, 0)} triples, pushed {dataset.graph_counts[first]})"
        )
    record = {
        "version": dataset.version,
        "sha256": dataset.sha256,
        "graph_counts": dict(sorted(dataset.graph_counts.items())),
        "build_seconds": round(dataset.build_seconds, 3),
        "built_at": _built_at(dataset).isoformat(),
        "pushed_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "push_seconds": round(time.perf_counter() - started, 3),
        "peacetalks": __version__,
        "removed_graphs": stale,
    }
    literal = ox.Literal(json.dumps(record, sort_keys=True))
    triple = ox.Triple(ox.NamedNode(VERSION_GRAPH), ox.NamedNode(RECORD_PREDICATE), literal)
    data = ox.serialize([triple], format=ox.RdfFormat.N_TRIPLES)
    assert data is not None
    _put(endpoint, VERSION_GRAPH, data, "PUT the version record")
    return record


def _put(
    endpoint: Endpoint,
    graph: str,
    content: bytes | Iterator[bytes] | IO[bytes],
    what: str,
    *,
    add: bool = False,
) -> None:
    """Replace `graph` in the engine with `content` (N-Triples), the Graph Store way
    (`add`: POST, which adds the triples to the graph instead)."""
    response = endpoint.client.request(
        "POST" if add else "PUT",
        endpoint.graph_url(),
        params={"graph": graph},
        content=content,
        headers={"Content-Type": endpoint.profile.upload_media_type},
        timeout=_UPLOAD_TIMEOUT,
    )
    _check(response, what)


def _built_at(dataset: Dataset) -> datetime:
    """When the dataset was built, as the embedded server dates its dumps and VoID (the
    N-Quads cache entry's mtime), so both backends answer the same `Last-Modified`."""
    try:
        moment = datetime.fromtimestamp(dataset.nquads_path.stat().st_mtime, UTC)
    except OSError:
        moment = dataset.loaded_at
    return moment.replace(microsecond=0)


def _delete(client: httpx.Client, store_url: str, graph: str) -> None:
    response = client.delete(store_url, params={"graph": graph}, timeout=_UPLOAD_TIMEOUT)
    if response.status_code != 404:
        _check(response, f"DELETE {graph}")
