"""Canned-query parameters: their declaration (`Param`) and the checks a value passes before
any dataset is needed (`check_syntax`).

Both the catalog (checking each header's `default` and `example` when it loads) and the
binding of request values (`peacetalks.api.binding`) use this module, which imports neither.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyoxigraph as ox

from peacetalks.errors import BadRequest

PARAM_TYPES = ("iri", "issue", "actor", "event", "date", "string", "integer", "language")
"""Parameter types; `check_syntax` checks a value of each, `peacetalks.api.binding` makes it an
RDF term."""
RESOURCE_TYPES = ("issue", "actor", "event")
"""Types whose values are resolved by slug, IRI or label against the dataset."""
DATE_BOUNDS = ("lower", "upper")
"""`bound` of a `date` parameter: which day of a YYYY or YYYY-MM value it binds."""

MAX_TEXT = 300
"""Longest accepted text value (labels, strings), in characters."""

_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?\Z")
_INTEGER = re.compile(r"[+-]?\d{1,18}\Z")
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{1,8})*\Z")
"""BCP 47 shape: a 2–3 letter primary subtag, then subtags of 1–8 letters or digits."""
IRI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
"""An absolute IRI starts with a scheme."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Param:
    """One typed parameter; `name` is also the SPARQL variable it binds (`?name`)."""

    name: str
    type: str
    description: str
    required: bool = False
    default: str | None = None
    example: str | None = None
    bound: str = "lower"
    description_ja: str = ""
    """The Japanese `description` (empty: the pages show the English)."""

    @property
    def sample(self) -> str | None:
        """The value used in example URLs and golden tests: `example`, else `default`."""
        return self.example if self.example is not None else self.default


class BindingError(BadRequest):
    """400: a parameter value that is malformed for its type; names the parameter."""

    code = "bad_parameter"

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"parameter {param!r}: {message}" if param else message)
        self.param = param
        self.reason = message


def _fail(param: Param, message: str) -> BindingError:
    return BindingError(param.name, message)


def _text_value(param: Param, value: str) -> str:
    value = value.strip()
    if not value:
        raise _fail(param, "empty value")
    if len(value) > MAX_TEXT:
        raise _fail(param, f"longer than {MAX_TEXT} characters")
    if _CONTROL.search(value):
        raise _fail(param, "control characters (such as newlines) are not allowed")
    return value


def parse_date(param: Param, value: str) -> date:
    """The day a YYYY / YYYY-MM / YYYY-MM-DD value binds (first or last, per `param.bound`)."""
    match = _DATE.match(value.strip())
    if not match:
        raise _fail(param, f"{value!r} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = match.group(1, 2, 3)
    upper = param.bound == "upper"
    try:
        y = int(year)
        m = int(month) if month else (12 if upper else 1)
        last = calendar.monthrange(y, m)[1]
        d = int(day) if day else (last if upper else 1)
        return date(y, m, d)
    except (ValueError, calendar.IllegalMonthError) as e:
        raise _fail(param, f"{value!r} is not a valid date ({e})") from e


def check_syntax(param: Param, value: str) -> Any:
    """Check `value` for `param.type` without the dataset; returns the converted Python
    value (for resource types: the trimmed text). Raises `BindingError`."""
    if param.type == "date":
        return parse_date(param, value)
    if param.type == "integer":
        if not _INTEGER.match(value.strip()):
            raise _fail(param, f"{value!r} is not an integer")
        return int(value)
    if param.type == "language":
        tag = value.strip().lower()
        if not _LANGUAGE.match(tag):
            raise _fail(param, f"{value!r} is not a BCP 47 language tag (e.g. en, ja, en-gb)")
        return tag
    if param.type == "iri":
        text = _text_value(param, value)
        if not IRI_SCHEME.match(text):
            raise _fail(param, f"{value!r} is not an absolute IRI (it needs a scheme, e.g. https:)")
        try:
            ox.NamedNode(text)
        except ValueError as e:
            raise _fail(param, f"{value!r} is not a valid IRI: {e}") from e
        return text
    return _text_value(param, value)
