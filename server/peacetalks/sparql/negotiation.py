"""Content negotiation: two declarative tables and one `negotiate()` function.

Query results (SELECT, ASK) and RDF graphs (CONSTRUCT, DESCRIBE, the service description)
have separate tables; the first entry of each is the default. The `format=` parameter lets
a browser pick a format without an Accept header (a short name or a media type).

>>> negotiate("text/csv;q=0.5, application/sparql-results+xml", "solutions")
'application/sparql-results+xml'
>>> negotiate(None, "graph", format_param="ntriples")
'application/n-triples'
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from peacetalks.errors import NotAcceptable

ResultKind = Literal["solutions", "boolean", "graph", "page"]


@dataclass(frozen=True)
class MediaFormat:
    media_type: str
    """The media type we answer with."""
    names: tuple[str, ...]
    """`format=` short names."""
    aliases: tuple[str, ...] = ()
    """Other media types a client may ask for that this format satisfies."""
    spec: str = ""


# https://www.w3.org/TR/sparql11-results-json/ , sparql11-results-csv-tsv/ , rdf-sparql-XMLres/
RESULTS_FORMATS: tuple[MediaFormat, ...] = (
    MediaFormat(
        "application/sparql-results+json",
        ("json", "srj"),
        ("application/json",),
        "https://www.w3.org/TR/sparql11-results-json/",
    ),
    MediaFormat(
        "application/sparql-results+xml",
        ("xml", "srx"),
        ("application/xml", "text/xml"),
        "https://www.w3.org/TR/rdf-sparql-XMLres/",
    ),
    MediaFormat("text/csv", ("csv",), (), "https://www.w3.org/TR/sparql11-results-csv-tsv/"),
    MediaFormat(
        "text/tab-separated-values", ("tsv",), (), "https://www.w3.org/TR/sparql11-results-csv-tsv/"
    ),
)

# https://www.w3.org/TR/turtle/ , n-triples/ , n-quads/ , trig/ , json-ld11/ , rdf-syntax-grammar/
RDF_FORMATS: tuple[MediaFormat, ...] = (
    MediaFormat("text/turtle", ("turtle", "ttl"), ("application/x-turtle",)),
    MediaFormat("application/n-triples", ("ntriples", "nt"), ("text/plain",)),
    MediaFormat("application/n-quads", ("nquads", "nq")),
    MediaFormat("application/trig", ("trig",)),
    MediaFormat("application/ld+json", ("jsonld", "json-ld", "json"), ("application/json",)),
    MediaFormat(
        "application/rdf+xml", ("rdfxml", "rdf", "xml", "rdf+xml"), ("application/xml", "text/xml")
    ),
)


# Resource pages (/id/…, /ontology, /): an RDF format, or HTML for browsers. HTML comes
# last so that `*/*` (curl, RDF clients) gets Turtle; browsers name text/html explicitly.
HTML_FORMAT = MediaFormat("text/html", ("html",), ("application/xhtml+xml",))
PAGE_FORMATS: tuple[MediaFormat, ...] = (*RDF_FORMATS, HTML_FORMAT)


def openapi_ok(description: str, *groups: tuple[MediaFormat, ...]) -> dict[int | str, Any]:
    """The OpenAPI `200` entry listing every media type of `groups` (what negotiation serves)."""
    content: dict[str, Any] = {f.media_type: {} for group in groups for f in group}
    return {200: {"description": description, "content": content}}


def formats_for(kind: ResultKind) -> tuple[MediaFormat, ...]:
    """The table that applies to a result kind."""
    if kind == "page":
        return PAGE_FORMATS
    return RDF_FORMATS if kind == "graph" else RESULTS_FORMATS


def available(kind: ResultKind) -> list[str]:
    """Media types a result kind can be served as (for 406 messages)."""
    return [f.media_type for f in formats_for(kind)]


def _parse_accept(accept: str) -> list[tuple[str, float, int]]:
    """(media range, q, order) for each entry of an Accept header."""
    ranges = []
    for order, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranges.append((media, q, order))
    return ranges


def _match(media_range: str, fmt: MediaFormat) -> int:
    """Specificity of a match: 3 exact, 2 alias, 1 type/*, 0.5 */*; 0 for no match."""
    if media_range == fmt.media_type:
        return 3
    if media_range in fmt.aliases:
        return 2
    if media_range == "*/*":
        return 1
    if media_range.endswith("/*") and fmt.media_type.startswith(media_range[:-1]):
        return 1
    return 0


def negotiate(
    accept: str | None, kind: ResultKind, *, format_param: str | Sequence[str] | None = None
) -> str:
    """The media type to answer with (see `_negotiate`), memoized: clients send a handful
    of Accept headers and parsing one cost ~20 µs of a trivial query (issue 12)."""
    wanted = (format_param,) if isinstance(format_param, str) else tuple(format_param or ())
    if len(accept or "") > 1000 or sum(map(len, wanted)) > 1000:
        return _negotiate(accept, kind, wanted)  # long texts are not kept
    return _memo_negotiate(accept, kind, wanted)


def _negotiate(accept: str | None, kind: ResultKind, format_param: Sequence[str]) -> str:
    """The media type to answer with; raises `NotAcceptable` (406) listing what is available.

    `format_param` (a short name or a media type; several values are alternatives, the first
    usable one wins — SPARQLWrapper sends `format=rdf+xml&format=application/rdf+xml`) wins
    over Accept. Otherwise the Accept entry with the highest q wins, the most specific range
    breaking ties, then table order.
    """
    table = formats_for(kind)
    wanted_list = list(format_param)
    wanted_list = [w.strip().lower() for w in wanted_list if w.strip()]
    for wanted in wanted_list:
        for fmt in table:
            if wanted in fmt.names or wanted == fmt.media_type or wanted in fmt.aliases:
                return fmt.media_type
    if wanted_list:
        raise NotAcceptable(available(kind), "format=" + "|".join(wanted_list))
    if not accept or not accept.strip():
        return table[0].media_type
    best: tuple[float, int, int] | None = None
    chosen: str | None = None
    for index, fmt in enumerate(table):
        # The q of a format is that of the most specific range that matches it (RFC 9110).
        matches = [(_match(r, fmt), q) for r, q, _ in _parse_accept(accept)]
        matches = [m for m in matches if m[0]]
        if not matches:
            continue
        specificity, q = max(matches)
        if q <= 0:
            continue
        score = (q, specificity, -index)
        if best is None or score > best:
            best, chosen = score, fmt.media_type
    if chosen is None:
        raise NotAcceptable(available(kind), accept)
    return chosen


_memo_negotiate = functools.lru_cache(maxsize=512)(_negotiate)
"""`_negotiate`, remembered (a `NotAcceptable` is raised again each time, not kept)."""


def prefers_html(accept: str | None) -> bool:
    """The client ranks HTML above every RDF format (a browser, not a SPARQL client or curl,
    whose `*/*` gets Turtle)."""
    try:
        return negotiate(accept, "page") == "text/html"
    except NotAcceptable:
        return False


def content_type(media_type: str) -> str:
    """The Content-Type header for a media type (text types get `charset=utf-8`)."""
    if media_type.startswith("text/"):
        return media_type + "; charset=utf-8"
    return media_type
