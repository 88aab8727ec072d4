"""A query worker process: `python -m peacetalks.sparql.worker FD NQUADS CAP`.

Loads the dataset from the N-Quads cache into its own in-memory store, says "ready" on the
socket `FD`, then answers `QueryRequest`s with `("ok", QueryResult)` or `("error", exc)`
until the socket closes. Started and killed by `peacetalks.sparql.executor.QueryExecutor`.
"""

from __future__ import annotations

import sys
from multiprocessing.connection import Connection
from typing import Any

import pyoxigraph as ox

from peacetalks.errors import PeacetalksError, QueryFailed
from peacetalks.sparql.executor import execute


def serve(conn: Connection, nquads: str, cap: int) -> None:
    """Load the store, then answer requests until the pipe closes."""
    store = ox.Store()
    store.bulk_load(path=nquads, format=ox.RdfFormat.N_QUADS)
    conn.send(("ready", None))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[str, Any] = ("ok", execute(store, request, cap))
        except PeacetalksError as e:  # named errors travel back as they are
            reply = ("error", e)
        except Exception as e:  # an engine failure: the parent answers 500; keep serving
            reply = ("error", QueryFailed(f"query failed: {type(e).__name__}: {e}"))
        conn.send(reply)


def main(argv: list[str]) -> None:
    fd, nquads, cap = argv
    serve(Connection(int(fd)), nquads, int(cap))


if __name__ == "__main__":
    main(sys.argv[1:])
