"""The floor of a Python SPARQL endpoint on this machine (issue 12): the least any Python
request path can cost, served for `bench/overhead.py --floor` beside peacetalks and Oxigraph.

    python bench/floor.py --port P --nquads FILE [--mode inline|hop] [--processes N] [--guard]
    python bench/floor.py --port P --mode app --cache-dir DIR [--processes N]

A pure ASGI app under uvicorn (httptools, uvloop) with nothing peacetalks does for safety
or for users: no guard, no deadline, no row cap, no content negotiation (always SPARQL
JSON), no logging, no routing (every path answers `query=` on GET or an
`application/sparql-query` POST body). What is left is the HTTP server, the query and
pyoxigraph's native writer: if this cannot reach a target, no Python front end can.

- `inline`: the query runs on the event loop's thread, in `--processes` server processes
  that each load the store and listen on the same port (`SO_REUSEPORT`: the kernel spreads
  connections evenly); the least a Python server pays, with no way to stop a query.
- `hop`: one server process hands each query over a socket pair to one of `--processes`
  worker processes (loaded stores) and awaits the answer on its event loop: the least a
  Python server pays to run queries where they can be killed, as peacetalks does.
- `--guard` (inline, hop): the one piece of our work a floor can take on — peacetalks'
  guard (`peacetalks.sparql.guard.check_query`) reads every query before it runs (a
  refusal is a 400), in the server process as ours does: what the floor costs once the
  first safety wall is in, since nothing may run unguarded.
- `app`: not a floor but the other side of the comparison — the whole peacetalks app
  (`create_app`, served as `peacetalks serve` serves it) with `PEACETALKS_WORKERS=0`, so
  queries run in the server process on a thread (no hard deadline), and the result cache
  off, in `--processes` SO_REUSEPORT processes: what our own per-request work costs once
  the hop is gone. Answers `/sparql` and `/api` as peacetalks does.

Benchmark code only: it listens on 127.0.0.1 and holds no state but the store.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import struct
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pyoxigraph as ox

HOST = "127.0.0.1"
HEADERS = [(b"content-type", b"application/sparql-results+json")]
_LENGTH = struct.Struct(">I")

Run = Callable[[str], Awaitable[tuple[int, bytes]]]


def load(nquads: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    return store


def answer(store: ox.Store, query: str) -> tuple[int, bytes]:
    """Status and body of one query: SPARQL JSON, or 400 and the engine's message (a SERVICE
    call that fails, too: a floor has no guard unless `--guard`)."""
    try:
        result = store.query(query, use_default_graph_as_union=True)
        if isinstance(result, ox.QuerySolutions | ox.QueryBoolean):
            return 200, result.serialize(format=ox.QueryResultsFormat.JSON)  # evaluates it
    except (SyntaxError, ValueError, OSError) as e:
        return 400, str(e).encode()
    return 400, b"the floor answers SELECT and ASK only"


def guarded(run: Run) -> Run:
    """`run` behind peacetalks' guard, as our server runs it: on the event loop, before the
    query goes anywhere; a refused query is a 400 with the guard's message."""
    from peacetalks.errors import PeacetalksError
    from peacetalks.settings import Settings
    from peacetalks.sparql.guard import check_query

    max_length = Settings().max_query_length

    async def run_guarded(query: str) -> tuple[int, bytes]:
        try:
            check_query(
                query, max_length=max_length, known_graphs=(), protocol_dataset=False,
                base_iri=f"http://{HOST}/query",
            )  # fmt: skip
        except PeacetalksError as e:
            return 400, e.message.encode()
        return await run(query)

    return run_guarded


def asgi(run: Run) -> Callable[..., Awaitable[None]]:
    """The app: `query` from the query string or the POST body, answered by `run`."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["method"] == "POST":
            body = b""
            while True:
                message = await receive()
                body += message.get("body", b"")
                if not message.get("more_body"):
                    break
            query = body.decode()
        else:
            query = parse_qs(scope["query_string"].decode()).get("query", [""])[0]
        status, payload = await run(query)
        headers = HEADERS if status == 200 else [(b"content-type", b"text/plain")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    return app


def serve(app: Any, sock: socket.socket) -> None:
    import uvicorn

    config = uvicorn.Config(
        app, http="httptools", loop="uvloop", log_level="warning", access_log=False
    )
    uvicorn.Server(config).run(sockets=[sock])


def listening(port: int, reuse_port: bool) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((HOST, port))
    sock.listen(1024)
    return sock


def fork(processes: int) -> list[int]:
    """Become `processes` processes; the first gets the others' pids, the others none."""
    children: list[int] = []
    for _ in range(processes - 1):
        pid = os.fork()
        if pid == 0:
            return []
        children.append(pid)
    return children


def stop(pids: list[int]) -> None:
    for pid in pids:
        os.kill(pid, signal.SIGTERM)


def inline(port: int, nquads: Path, processes: int, guard: bool = False) -> None:
    """`processes` forked servers, each with its own store and its own SO_REUSEPORT socket."""
    children = fork(processes)
    store = load(nquads)

    async def run(query: str) -> tuple[int, bytes]:
        return answer(store, query)

    try:
        serve(asgi(guarded(run) if guard else run), listening(port, reuse_port=True))
    finally:
        stop(children)


def _worker(sock: socket.socket, nquads: Path) -> None:
    """A forked worker: length-prefixed query texts in, status byte + body out."""
    store = load(nquads)
    stream = sock.makefile("rb")
    while header := stream.read(_LENGTH.size):
        query = stream.read(_LENGTH.unpack(header)[0]).decode()
        status, body = answer(store, query)
        message = bytes([status == 200]) + body
        sock.sendall(_LENGTH.pack(len(message)) + message)
    os._exit(0)


class _Hop:
    """Our end of one worker's socket pair, read by the event loop."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()
        self.pending: asyncio.Future[bytes] | None = None

    def readable(self) -> None:
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise SystemExit("a floor worker died")
        self.buffer += chunk
        if len(self.buffer) >= _LENGTH.size:
            size = _LENGTH.unpack_from(self.buffer)[0]
            if len(self.buffer) >= _LENGTH.size + size and self.pending is not None:
                message = bytes(self.buffer[_LENGTH.size : _LENGTH.size + size])
                del self.buffer[: _LENGTH.size + size]
                pending, self.pending = self.pending, None
                pending.set_result(message)


def hop(port: int, nquads: Path, workers: int, guard: bool = False) -> None:
    """One server process; `workers` forked worker processes behind socket pairs."""
    hops, pids = [], []
    for _ in range(workers):
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            ours.close()
            _worker(theirs, nquads)
        theirs.close()
        hops.append(_Hop(ours))
        pids.append(pid)
    idle: asyncio.Queue[_Hop] | None = None

    async def run(query: str) -> tuple[int, bytes]:
        nonlocal idle
        if idle is None:  # first request: the running loop watches every worker
            loop = asyncio.get_running_loop()
            idle = asyncio.LifoQueue()
            for h in hops:
                loop.add_reader(h.sock.fileno(), h.readable)
                idle.put_nowait(h)
        worker = await idle.get()
        try:
            worker.pending = asyncio.get_running_loop().create_future()
            data = query.encode()
            worker.sock.sendall(_LENGTH.pack(len(data)) + data)
            message = await worker.pending
        finally:
            idle.put_nowait(worker)
        return (200 if message[0] else 400), message[1:]

    try:
        serve(asgi(guarded(run) if guard else run), listening(port, reuse_port=False))
    finally:
        stop(pids)


def app(port: int, cache_dir: Path, processes: int) -> None:
    """`processes` forked peacetalks apps without query workers, on SO_REUSEPORT sockets."""
    children = fork(processes)
    import uvicorn
    from peacetalks.app import create_app
    from peacetalks.security import uvicorn_limits
    from peacetalks.settings import Settings

    settings = Settings(cache_dir=cache_dir, workers=0, result_cache_mb=0)
    config = uvicorn.Config(
        create_app(settings), log_level="warning", **uvicorn_limits(settings.request_timeout)
    )
    try:
        uvicorn.Server(config).run(sockets=[listening(port, reuse_port=True)])
    finally:
        stop(children)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench/floor.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--nquads", type=Path, help="the dataset (inline, hop)")
    p.add_argument("--cache-dir", type=Path, help="peacetalks' dataset cache (app)")
    p.add_argument("--mode", choices=("inline", "hop", "app"), default="inline")
    p.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    p.add_argument("--guard", action="store_true", help="run peacetalks' guard first")
    args = p.parse_args(argv)
    if args.processes < 1:
        p.error("--processes: at least 1")
    if args.mode == "app":
        if args.guard:
            p.error("--guard: the app runs its guard anyway")
        if args.cache_dir is None:
            p.error("--mode app needs --cache-dir")
        app(args.port, args.cache_dir, args.processes)
    elif args.nquads is None:
        p.error(f"--mode {args.mode} needs --nquads")
    else:
        serve_floor = inline if args.mode == "inline" else hop
        serve_floor(args.port, args.nquads, args.processes, args.guard)
    return 0


if __name__ == "__main__":
    sys.exit(main())
