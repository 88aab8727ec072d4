"""HTTP hardening that ties the app together: security headers on every response, and the
limits on what a client may send (`LimitedHttpToolsProtocol`, `uvicorn_limits`).

Headers (pure ASGI, added to the response start, no per-request allocation beyond the list):

- every response: `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`;
- HTML: a `Content-Security-Policy` that allows only this origin's resources (styles may be
  inline: pyLODE's page has a `<style>`), no plugins, no `<base>`, and `frame-ancestors
  'none'` (with `X-Frame-Options: DENY` for old browsers). Every page, `/docs` and `/redoc`
  included, loads its scripts and styles from this origin only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

ALWAYS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
HTML_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
HTML_CSP_BYTES = HTML_CSP.encode()
FRAMING = [(b"x-frame-options", b"DENY")]


def secured(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """A response's headers with the security headers above added."""
    out = list(headers)
    out += ALWAYS
    content_type = next((v for k, v in out if k == b"content-type"), b"")
    if content_type.startswith(b"text/html"):
        out += [(b"content-security-policy", HTML_CSP_BYTES), *FRAMING]
    return out


class SecurityHeadersMiddleware:
    """Adds the headers above to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = secured(message.get("headers", ()))
            await send(message)

        await self.app(scope, receive, send_with_headers)


MAX_HEAD_BYTES = 32 * 1024
"""Largest request line + headers accepted (431 beyond): browsers send a few kB."""
HEAD_SECONDS = 10.0
"""A request's line and headers must arrive within this (else 408 and the connection closes)."""
BODY_SECONDS = 30.0
"""A request body must arrive within this after its headers."""
MALFORMED_REQUEST = (
    "Invalid HTTP request received: the request line or a header is malformed. "
    "A URL must be ASCII: percent-encode other characters (UTF-8), e.g. "
    "actor=%E3%83%97%E3%83%BC%E3%83%81%E3%83%B3 for actor=\u30d7\u30fc\u30c1\u30f3, "
    "or let curl do it: curl -G URL --data-urlencode 'actor=...'\n"
)
"""The 400 a request the HTTP parser rejects gets (uvicorn's own says only "Invalid HTTP
request received."); ASCII, as uvicorn writes it."""


def percent_encode_raw(line: bytes) -> bytes:
    """Bytes outside printable ASCII in a request line, percent-encoded (`%E3%83%97`). curl
    and most HTTP libraries send a URL as typed, so `?actor=プーチン` arrives as raw UTF-8,
    which the HTTP parser rejects; encoded, it is the URL the user meant (RFC 3987 §3.1)."""
    if line.isascii():
        return line
    return b"".join(b"%%%02X" % b if b >= 0x80 else bytes((b,)) for b in line)


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits a public server needs: a bound on the
    size of the request head, a deadline for the head and one for the body (slow senders are
    answered 408 and cut off). The app itself never sees an incomplete request."""

    head_seconds = HEAD_SECONDS
    body_seconds = BODY_SECONDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_bytes = 0
        self._tail = b""
        self._in_head = True
        # "fresh": the next byte starts a request line; "line": inside one, being rewritten;
        # "off": elsewhere (headers, body, a message that began mid-chunk)
        self._line_state = "fresh"
        self._deadline: asyncio.TimerHandle | None = None

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _refuse(self, status: bytes, message: bytes) -> None:
        self._disarm()
        if not self.transport.is_closing():
            self.transport.write(
                b"HTTP/1.1 " + status + b"\r\ncontent-type: text/plain; charset=utf-8\r\n"
                b"content-length: " + str(len(message)).encode() + b"\r\n"
                b"connection: close\r\n\r\n" + message
            )
            self.transport.close()

    def _too_slow(self) -> None:
        self._deadline = None
        self._refuse(b"408 Request Timeout", b"the request did not arrive in time\n")

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.head_seconds)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        super().send_400_response(MALFORMED_REQUEST)

    def data_received(self, data: bytes) -> None:
        if self._line_state != "off":
            # Raw non-ASCII in the request line (a URL as typed) → percent-encoded. Only a
            # request line that starts a chunk is rewritten; a pipelined one that begins in
            # the middle of a chunk is left to the parser (and its 400 says how to encode).
            end = data.find(b"\n")
            if end < 0:
                data = percent_encode_raw(data)
                self._line_state = "line"
            else:
                data = percent_encode_raw(data[:end]) + data[end:]
                self._line_state = "off"
        if self._in_head:
            # Count only what precedes the blank line that ends the head (a large body may
            # arrive in the same chunk); keep 3 bytes to find a terminator split across chunks.
            seen = self._tail + data
            end = seen.find(b"\r\n\r\n")
            self._head_bytes += len(data) if end < 0 else max(0, end - len(self._tail))
            self._tail = seen[-3:]
            if self._head_bytes > MAX_HEAD_BYTES:
                self._refuse(
                    b"431 Request Header Fields Too Large",
                    f"the request line and headers exceed {MAX_HEAD_BYTES} bytes\n".encode(),
                )
                return
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._line_state == "fresh":  # begun inside a chunk already handed to the parser
            self._line_state = "off"
        self._in_head = True
        if self._deadline is None:
            self._arm(self.head_seconds)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._head_bytes = 0
        self._tail = b""
        self._arm(self.body_seconds)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()  # the app has the whole request; its own deadlines apply from here
        self._line_state = "fresh"
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm(self.head_seconds + self.timeout_keep_alive)


def uvicorn_limits(head_seconds: float = HEAD_SECONDS) -> dict[str, Any]:
    """Keyword arguments for `uvicorn.run` that bound what one client can hold."""
    protocol = type(
        "LimitedHttpToolsProtocol",
        (LimitedHttpToolsProtocol,),
        {"head_seconds": head_seconds, "body_seconds": max(head_seconds, BODY_SECONDS)},
    )
    return {
        "http": protocol,
        "timeout_keep_alive": 5,
        "limit_concurrency": 1000,
    }
