"""How `peacetalks push` streams a graph (`push._body`): pyoxigraph's serializer on a
thread, in bounded pieces; no engine needed."""

from __future__ import annotations

import threading
import time

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
    with push._spooled(store, G) as spool:
        data = spool.read()
        assert spool.tell() == len(data) > 0
        spool.seek(0)
        headers = httpx.Request("PUT", "http://127.0.0.1/", content=spool).headers
    assert spool.closed and headers.get("content-length") is not None
    assert "transfer-encoding" not in headers
    assert data == store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(G))
