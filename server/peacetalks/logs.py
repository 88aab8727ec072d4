"""Logging: a `logging` configuration and the JSON access log (one line per request).

Access lines are written off the request path: `configure_logging` puts a queue in front of
their stream handler, and a writer thread builds, formats and writes them in batches (the
request only enqueues a tuple of its figures: building the record and its JSON took ~50 µs
of a trivial query's time, issue 12).
"""

from __future__ import annotations

import atexit
import json
import logging
import logging.config
import logging.handlers
import queue
import threading
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("peacetalks.access")
_listener: logging.handlers.QueueListener | None = None


def configure_logging(level: str = "info") -> None:
    """Send `peacetalks.*` records to stderr; access lines are bare JSON."""
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {
                "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
                "json": {"format": "%(message)s"},
            },
            "handlers": {
                "stderr": {"class": "logging.StreamHandler", "formatter": "plain"},
                "access": {"class": "logging.StreamHandler", "formatter": "json"},
            },
            "loggers": {
                "peacetalks": {"handlers": ["stderr"], "level": level.upper()},
                "peacetalks.access": {
                    "handlers": ["access"],
                    "level": level.upper(),
                    "propagate": False,
                },
            },
        }
    )
    _queue_access_lines()


def _queue_access_lines() -> None:
    """Move the access logger's handlers behind a queue that a writer thread empties."""
    global _listener
    if _listener is not None:
        atexit.unregister(_listener.stop)
        _listener.stop()
    handlers = list(access_log.handlers)
    lines: queue.SimpleQueue[logging.LogRecord | _Line] = queue.SimpleQueue()
    for h in handlers:
        access_log.removeHandler(h)
    access_log.addHandler(_Enqueue(lines))
    _listener = _BatchListener(lines, *handlers)
    _listener.start()
    atexit.register(_listener.stop)  # write what is still queued when the server exits


class _Enqueue(logging.handlers.QueueHandler):
    """Puts the record itself on the queue: formatting happens on the writer thread.
    `log_access` skips even the record when this is the access logger's only handler: it
    puts the line's figures (`_Line`) on `queue`, and the writer makes the record."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record


_Line = tuple[float, str, str, int, float, Any, Any]
"""An access line not yet made a record: (time.time(), method, path, status, ms, rows,
truncated)."""


def _record(line: _Line) -> logging.LogRecord:
    """The record `access_log.info(json.dumps(...))` would have made for `line`."""
    created, method, path, status, ms, rows, truncated = line
    message = json.dumps(
        {
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round(ms, 3),
            "rows": rows,
            "truncated": truncated,
        }
    )
    record = access_log.makeRecord(
        access_log.name, logging.INFO, __file__, 0, message, (), None, "log_access"
    )
    record.created = created
    record.msecs = (created - int(created)) * 1000
    return record


class _BatchListener(logging.handlers.QueueListener):
    """A `QueueListener` that wakes every `PERIOD` s and writes what has queued, instead of
    waking for every record: under load a wake-up per request cost the event loop ~10 % in
    GIL hand-offs (py-spy, issue 12). Lines reach the stream at most `PERIOD` s late."""

    PERIOD = 0.05

    def __init__(
        self, lines: queue.SimpleQueue[logging.LogRecord | _Line], *handlers: logging.Handler
    ):
        super().__init__(lines, *handlers, respect_handler_level=True)
        self._lines = lines
        self._stopping = threading.Event()

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._write, name="peacetalks-access-log")
        self._thread.daemon = True
        self._thread.start()

    def _write(self) -> None:
        lines = self._lines
        while True:
            stopping = self._stopping.wait(self.PERIOD)
            while True:
                try:
                    item = lines.get_nowait()
                except queue.Empty:
                    break
                self.handle(item if isinstance(item, logging.LogRecord) else _record(item))
            if stopping:
                return

    def stop(self) -> None:
        if self._thread is not None:
            self._stopping.set()
            self._thread.join()
            self._thread = None


def log_access(scope: Scope, status: int, started: float) -> None:
    """Log one request's line (handlers report rows/truncation through `scope["state"]`)."""
    if access_log.isEnabledFor(logging.INFO):
        ms = (time.perf_counter() - started) * 1000
        state: dict[str, Any] = scope.get("state", {})
        line = (
            time.time(),
            scope["method"],
            scope["path"],
            status,
            ms,
            state.get("rows"),
            state.get("truncated"),
        )
        handlers = access_log.handlers
        if len(handlers) == 1 and isinstance(handlers[0], _Enqueue) and not access_log.filters:
            handlers[0].queue.put_nowait(line)  # the writer thread makes the record
        else:
            access_log.handle(_record(line))


class AccessLogMiddleware:
    """ASGI middleware logging method, path, status, duration, rows and truncation as JSON.

    Handlers report rows/truncation through `request.state` (`scope["state"]`).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            log_access(scope, status, started)
