"""A query worker: `python -m peacetalks.sparql.worker FD NQUADS SHA256 QUADS CAP NETWORK`.

1. **No network.** Before anything else (while the process is still single-threaded) it
   moves itself into a new, empty network namespace — `unshare(CLONE_NEWNET)`, with a user
   namespace (`CLONE_NEWUSER`) when it is not root. Inside, there is only a loopback
   interface that is down: no `connect()` can reach any address, so a SERVICE clause that
   got past the guard fails instead of fetching. `NETWORK` is `isolate` (try; report if
   refused), `require` (exit if refused) or `allow` (skip). The socket pair to the parent,
   inherited before the move, keeps working.
2. Loads the dataset from the N-Quads cache into its own in-memory store, or opens the
   shared disk store read-only when `NQUADS` is its directory (`cache.open_verified`),
   after verifying that it is the one the server loaded (its sha256 and quad count: the
   server's dataset version), or refuses with `("refused", reason)` and exits; then says
   `("ready", {"network": …})` on the socket `FD`.
3. Answers `QueryRequest`s with `("ok", QueryResult)` or `("error", exc)` until the socket
   closes, on a thread with a large stack (`STACK_BYTES`): the engine recurses on deeply
   nested expressions and long operator chains, and the main thread's 8 MiB would overflow
   (a 10,000-term `||` chain does) — virtual memory, committed only as far as it is used.

Started and killed by `peacetalks.sparql.executor.QueryExecutor`; a worker whose server
died (killed without closing the socket pair) exits within `ORPHAN_CHECK_SECONDS`, even in
the middle of a query.
"""

from __future__ import annotations

import ctypes
import errno
import os
import socket
import sys
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

STACK_BYTES = 512 * 2**20
"""Stack of the thread that runs queries (a 100 kB query cannot nest deeper than this holds)."""
ORPHAN_CHECK_SECONDS = 0.5
"""How often the main thread checks that the server that started this worker is alive."""
EXIT_ORPHANED = 4
"""The exit status of a worker whose server died (nobody is left to read it)."""

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000


def isolate_network() -> str:
    """Move this process into an empty network namespace; returns what happened, as said in
    `/ready` (`isolated`, or `shared: <why>`)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        unshare = libc.unshare
    except (OSError, AttributeError) as e:  # not Linux
        return f"shared: unshare() is not available ({e})"
    flags = CLONE_NEWNET if os.geteuid() == 0 else CLONE_NEWUSER | CLONE_NEWNET
    if unshare(flags) != 0:
        code = ctypes.get_errno()
        return f"shared: unshare refused ({errno.errorcode.get(code, code)}: {os.strerror(code)})"
    return "isolated" if not _can_connect() else "shared: a connection still went out"


def _can_connect() -> bool:
    """Whether an outbound TCP connection can even be attempted (loopback, any port)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.settimeout(0.5)
    try:
        probe.connect(("127.0.0.1", 9))
    except ConnectionRefusedError:
        return True  # something answered: the network stack is reachable
    except OSError:
        return False  # ENETUNREACH: no interface is up
    else:
        return True
    finally:
        probe.close()


def serve(conn: Connection, nquads: str, sha256: str, quads: int, cap: int, network: str) -> None:
    """Load the verified store, then answer requests until the pipe closes."""
    # Imported here, after the network namespace move (which wants a single thread).
    from peacetalks.dataset.cache import CacheDamaged, open_verified
    from peacetalks.errors import PeacetalksError, QueryFailed
    from peacetalks.sparql.executor import execute

    try:
        store = open_verified(Path(nquads), sha256, quads)
    except CacheDamaged as e:  # never serve another dataset than the server's
        conn.send(("refused", str(e)))
        return
    conn.send(("ready", {"network": network}))
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
    parent = os.getppid()
    fd, nquads, sha256, quads, cap, mode = argv
    network = "shared: PEACETALKS_WORKER_NETWORK=allow" if mode == "allow" else isolate_network()
    if mode == "require" and network != "isolated":
        print(f"peacetalks worker: network isolation required but {network}", file=sys.stderr)
        raise SystemExit(3)
    conn = Connection(int(fd))
    threading.stack_size(STACK_BYTES)
    runner = threading.Thread(
        target=serve,
        args=(conn, nquads, sha256, int(quads), int(cap), network),
        name="peacetalks-query",
    )
    runner.start()
    # A second wall for a server that dies without closing the socket pair (SIGKILL, the
    # OOM killer): the query thread only sees the closed pipe after its query, and a runaway
    # one would burn a core for ever. The parent's death re-parents this process; then it
    # exits at once, mid-query. (PR_SET_PDEATHSIG would fire when the parent *thread* ends,
    # and replacement workers are started from short-lived threads.)
    while runner.is_alive():
        runner.join(ORPHAN_CHECK_SECONDS)
        if os.getppid() != parent:
            os._exit(EXIT_ORPHANED)


if __name__ == "__main__":
    main(sys.argv[1:])
