"""How `peacetalks push` streams a graph (`push._body`): pyoxigraph's serializer on a
thread, in bounded pieces; no engine needed."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
from peacetalks.backend import push

G = "https://example.org/graph/big"


def _store(triples: int) -> ox.Store:
    text = "".join(
        f'<https://example.org/s{i}> <https://example.org/p> "value {i} \\"q\\"\\n"@en <{G}> .\n'
        for i in range(triples)
    )
    store = ox.Store()
    store.bulk_load(text.encode(), format=ox.RdfFormat.N_QUADS)
    store.add(ox.Quad(ox.NamedNode("urn:x:other"), ox.NamedNode("urn:x:p"), ox.Literal("x")))
    return store


def _dumpers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "peacetalks-push-dump"]


def test_a_graph_larger_than_the_queue_comes_whole_in_bounded_pieces() -> None:
    store = _store(120_000)  # ~11 MB of N-Triples: more pieces than the queue holds
    pieces = list(push._body(store, G))
    assert len(pieces) > push._QUEUED and max(map(len, pieces)) < 2 * push.PIECE
    whole = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(G))
    assert whole is not None and b"".join(pieces) == whole  # the graph's triples, no other
    assert whole.count(b"\n") == 120_000
    assert not _dumpers()


def test_an_upload_that_stops_reading_stops_the_dump() -> None:
    body = push._body(_store(60_000), G)
    next(body)
    body.close()  # httpx gave up (the engine went away)
    deadline = time.monotonic() + 10
    while _dumpers():
        assert time.monotonic() < deadline, "the dumping thread did not stop"
        time.sleep(0.05)


def test_an_empty_graph_is_an_empty_body() -> None:
    assert b"".join(push._body(_store(0), "https://example.org/graph/none")) == b""


def test_a_failing_dump_fails_the_push_naming_the_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        def dump(self, *args: object, **kwargs: object) -> None:
            raise OSError("disk store unreadable")

    with pytest.raises(push.PushFailed, match=r"graph/big from the dataset: disk store unreadable"):
        b"".join(push._body(Broken(), G))  # type: ignore[arg-type]
    assert not _dumpers()


def test_an_engine_without_chunked_uploads_gets_a_spooled_file_with_its_length() -> None:
    store = _store(1000)
    with push._spooled(push._body(store, G)) as spool:
        data = spool.read()
        assert spool.tell() == len(data) > 0
        spool.seek(0)
        headers = httpx.Request("PUT", "http://127.0.0.1/", content=spool).headers
    assert spool.closed and headers.get("content-length") is not None
    assert "transfer-encoding" not in headers
    assert data == store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(G))


def _file_dataset(tmp_path: Path, text: str, counts: dict[str, int]) -> Any:
    """What `push._graphs` reads of a dataset served from the disk store."""
    path = tmp_path / "dataset.nq"
    path.write_text(text, encoding="utf-8")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return SimpleNamespace(
        store_path=tmp_path / "store", nquads_path=path, sha256=digest, graph_counts=counts
    )


def test_the_n_quads_file_is_read_once_graph_run_by_graph_run(tmp_path: Path) -> None:
    """Runs of one graph in file order; a graph met again comes again (the push adds it);
    the default graph and graphs the dataset does not count are passed over."""
    a, b = "https://example.org/graph/a", "https://example.org/graph/b"
    text = (
        f'<urn:x:1> <urn:x:p> "one" <{a}> .\n'
        f'<urn:x:2> <urn:x:p> "two <{b}>" <{a}> .\n'
        '<urn:x:3> <urn:x:p> "default graph" .\n'
        f"<urn:x:4> <urn:x:p> <urn:x:o> <{b}> .\n"
        "<urn:x:5> <urn:x:p> <urn:x:o> <urn:x:uncounted> .\n"
        f"<urn:x:6> <urn:x:p> <urn:x:o> <{a}> .\n"
    )
    runs = [
        (graph, b"".join(pieces).decode())
        for graph, pieces in push._graphs(_file_dataset(tmp_path, text, {a: 3, b: 1}))
    ]
    assert runs == [
        (a, '<urn:x:1> <urn:x:p> "one" .\n<urn:x:2> <urn:x:p> "two <' + b + '>" .\n'),
        (b, "<urn:x:4> <urn:x:p> <urn:x:o> .\n"),
        (a, "<urn:x:6> <urn:x:p> <urn:x:o> .\n"),
    ]


def test_a_changed_n_quads_file_fails_the_push(tmp_path: Path) -> None:
    dataset = _file_dataset(tmp_path, f"<urn:x:1> <urn:x:p> <urn:x:o> <{G}> .\n", {G: 1})
    dataset.sha256 = "0" * 64
    with pytest.raises(push.PushFailed, match="changed since it was built"):
        for _, pieces in push._graphs(dataset):
            b"".join(pieces)


def test_an_unreadable_n_quads_file_fails_the_push_naming_it(tmp_path: Path) -> None:
    dataset = _file_dataset(tmp_path, "<urn:x:1> <urn:x:p> .\n", {G: 1})  # no object
    with pytest.raises(push.PushFailed, match=r"dataset\.nq cannot be parsed"):
        for _, pieces in push._graphs(dataset):
            b"".join(pieces)


def test_large_graphs_go_in_several_requests_of_whole_pieces() -> None:
    def bodies(pieces: list[bytes], limit: int) -> list[list[bytes]]:
        return [list(body) for body in push._requests(iter(pieces), limit)]

    a, b, c = b"a" * 10, b"b" * 10, b"c" * 10
    assert bodies([a, b, c], 25) == [[a, b], [c]]
    assert bodies([a, b, c], 30) == [[a, b, c]]
    assert bodies([a * 5, b], 25) == [[a * 5], [b]]  # a piece is never split
    assert bodies([], 25) == [[]]  # an empty graph is still replaced


def test_dumped_pieces_end_at_line_ends() -> None:
    pieces = list(push._body(_store(30_000), G))
    assert len(pieces) > 1 and all(piece.endswith(b"\n") for piece in pieces)
