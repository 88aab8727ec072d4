"""Named errors and the one handler that maps them to HTTP responses.

Each error carries its HTTP status; handlers raise them and `error_response` renders
them (JSON when the client accepts JSON, else plain text). Anything else is a bug: a 500,
logged with its traceback by Starlette, never dressed up as a 400.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # query workers import this module; keep them free of the web stack
    from starlette.requests import Request
    from starlette.responses import Response


class PeacetalksError(Exception):
    """Base of the errors the HTTP layer answers for; `status` is the HTTP status code."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def headers(self) -> dict[str, str]:
        return {}


class BadRequest(PeacetalksError):
    """400: the request is malformed (protocol violation, bad parameter)."""

    status = 400
    code = "bad_request"


class QuerySyntaxError(BadRequest):
    """400: the SPARQL parser rejected the query; `line`/`column` when the parser gives them."""

    code = "query_syntax_error"

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class ForbiddenQuery(BadRequest):
    """400: a query the endpoint refuses before running it (SERVICE, LOAD, unknown FROM graph,
    an update sent as a query)."""

    code = "query_refused"


class QueryTooComplex(ForbiddenQuery):
    """400: a query nested deeper than the endpoint accepts (refused before any engine sees it)."""

    code = "query_too_complex"


class QueryCrashed(BadRequest):
    """400: the query crashed the engine's worker process. Not a retry invitation: the same
    text is refused at once from then on."""

    code = "query_crashed_engine"


class ReadOnly(PeacetalksError):
    """403: an update request; the endpoint is read-only."""

    status = 403
    code = "read_only"

    def __init__(self, message: str = "this endpoint is read-only: updates are refused") -> None:
        super().__init__(message)


class NotFound(PeacetalksError):
    """404: no such resource."""

    status = 404
    code = "not_found"


class NotAcceptable(PeacetalksError):
    """406: none of the formats the client accepts can be produced; lists the available ones."""

    status = 406
    code = "not_acceptable"

    def __init__(self, available: list[str], asked: str = "") -> None:
        super().__init__(
            f"cannot produce any of the requested formats ({asked or 'none given'}); "
            f"available: {', '.join(available)}"
        )
        self.available = available


class NotRepresentable(PeacetalksError):
    """406: the answer cannot be written in the negotiated format (a literal holds a
    character XML 1.0 cannot carry); the message names the character and the formats that can."""

    status = 406
    code = "not_representable"


class PayloadTooLarge(PeacetalksError):
    """413: the body or the query text exceeds the configured limit."""

    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(PeacetalksError):
    """415: a POST body with a content type the endpoint does not take."""

    status = 415
    code = "unsupported_media_type"


class QueryTimeout(PeacetalksError):
    """503: the query did not finish before its deadline; its worker was stopped."""

    status = 503
    code = "query_timeout"

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "1"}


class Unavailable(PeacetalksError):
    """503: the server cannot answer now (worker crashed, shutting down)."""

    status = 503
    code = "unavailable"


class Busy(Unavailable):
    """503: every query worker stayed busy for the queue timeout; nothing was run."""

    code = "busy"

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "2"}


class QueryFailed(PeacetalksError):
    """500: the query engine failed for a reason that is not the client's."""

    status = 500
    code = "query_failed"


def error_response(request: Request, exc: Exception) -> Response:
    """Render a `PeacetalksError` as JSON (if the client accepts JSON) or plain text."""
    from starlette.responses import Response

    assert isinstance(exc, PeacetalksError)
    accept = request.headers.get("accept", "")
    headers = exc.headers()
    if "json" in accept:
        body: dict[str, object] = {"error": exc.code, "message": exc.message}
        if isinstance(exc, QuerySyntaxError) and exc.line is not None:
            body.update(line=exc.line, column=exc.column)
        return Response(
            json.dumps(body), status_code=exc.status, media_type="application/json", headers=headers
        )
    return Response(
        exc.message + "\n", status_code=exc.status, media_type="text/plain", headers=headers
    )


ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "Malformed request, refused query (SERVICE, LOAD, update, unknown FROM graph, too "
    "deeply nested), syntax error (with line and column), or bad parameter.",
    403: "An update: the endpoint is read-only.",
    404: "No such resource, canned query or parameter value (with close matches).",
    406: "None of the acceptable formats can be produced; the message lists those that can.",
    413: "Query text or request body over the limit.",
    415: "POST body of an unsupported Content-Type or charset.",
    503: "Query past its deadline, or every worker busy (`Retry-After`); nothing half-done.",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, object]]:
    """OpenAPI `responses` entries for the named errors (`{"error": code, "message": …}` as
    JSON when the client accepts JSON, the message as text/plain otherwise)."""
    schema = {
        "type": "object",
        "properties": {
            "error": {"type": "string"},
            "message": {"type": "string"},
            "line": {"type": "integer"},
            "column": {"type": "integer"},
        },
        "required": ["error", "message"],
    }
    return {
        status: {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"schema": schema}, "text/plain": {}},
        }
        for status in statuses
    }
