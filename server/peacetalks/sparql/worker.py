"""A query worker process: `python -m peacetalks.sparql.worker FD NQUADS SHA256 QUADS CAP`.

Loads the dataset from the N-Quads cache into its own in-memory store after verifying that
the file is the one the server loaded (its sha256 and quad count: the server's dataset
version, or the worker refuses with ("refused", reason) and exits), says "ready" on the
socket `FD`, then answers `QueryRequest`s with `("ok", QueryResult)` or `("error", exc)`
until the socket closes. Started and killed by `peacetalks.sparql.executor.QueryExecutor`.
"""

from __future__ import annotations

import sys
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from peacetalks.dataset.cache import CacheDamaged, load_verified
from peacetalks.errors import PeacetalksError, QueryFailed
from peacetalks.sparql.executor import execute


def serve(conn: Connection, nquads: str, sha256: str, quads: int, cap: int) -> None:
    """Load the verified store, then answer requests until the pipe closes."""
    try:
        store = load_verified(Path(nquads), sha256, quads)
    except CacheDamaged as e:  # never serve another dataset than the server's
        conn.send(("refused", str(e)))
        return
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
    fd, nquads, sha256, quads, cap = argv
    serve(Connection(int(fd)), nquads, sha256, int(quads), int(cap))


if __name__ == "__main__":
    main(sys.argv[1:])
