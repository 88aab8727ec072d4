"""The query page's server side: run a query for a browser and shape the answer as table
rows (IRIs by label with their `/id/…` link, literals with language or datatype), or explain
why there is none (syntax error at line and column, refused, too large, busy, too slow).

It goes through the same guard, admission and workers as `/sparql`; the answer is asked for
as SPARQL JSON (solutions) or N-Triples (graphs) and read back here.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from fastapi import Request
from starlette.concurrency import run_in_threadpool

from peacetalks.errors import PeacetalksError, QuerySyntaxError
from peacetalks.linked_data.html import local_href
from peacetalks.sparql import guard
from peacetalks.sparql.executor import QueryRequest
from peacetalks.sparql.routes import admission
from peacetalks.web.vocabulary import Vocabulary, vocabulary

SPARQL_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
XSD = "http://www.w3.org/2001/XMLSchema#"
PAGE_ROWS = 1000
"""Rows shown on the page (downloads go to `/sparql` and carry up to the server's cap)."""
RAW_CHARS = 200_000
"""The raw view shows at most this much of the answer."""

EXPLAIN = {
    400: "The query was not run: see the message.",
    403: "This endpoint is read-only: updates are refused.",
    413: "The query is longer than this server accepts; shorten it.",
    503: "The server could not answer in time (every worker busy, or the query ran past its "
    "deadline and was stopped). Nothing half-done was kept: try again, or ask for less "
    "(a LIMIT, fewer OPTIONALs).",
}
"""What each error status means for someone at the query page."""


@dataclass(frozen=True)
class Cell:
    """One shown value: `text`, a link when the IRI is ours (or any http IRI), and a note
    (language tag or datatype)."""

    text: str
    href: str | None = None
    note: str = ""
    lang: str = ""
    external: bool = False
    iri: str = ""


@dataclass
class Outcome:
    """A run of the query page: columns and rows, or an error."""

    kind: str = "solutions"
    columns: list[str] = field(default_factory=list)
    rows: list[list[Cell | None]] = field(default_factory=list)
    boolean: bool | None = None
    truncated: bool = False
    elapsed_ms: float = 0.0
    status: int = 200
    error: str = ""
    error_code: str = ""
    line: int | None = None
    column: int | None = None
    raw: str = ""

    @property
    def explanation(self) -> str:
        return EXPLAIN.get(self.status, "")


def cell(term: dict[str, Any] | ox.NamedNode | ox.Literal | ox.BlankNode | None,
         vocabulary: Vocabulary, lang: str) -> Cell | None:  # fmt: skip
    """A SPARQL JSON term (or a pyoxigraph term) as a shown cell."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        term = {"type": "uri", "value": term.value}
    elif isinstance(term, ox.BlankNode):
        term = {"type": "bnode", "value": term.value}
    elif isinstance(term, ox.Literal):
        term = {"type": "literal", "value": term.value, "xml:lang": term.language or None,
                "datatype": None if term.language else term.datatype.value}  # fmt: skip
    kind, value = term["type"], term["value"]
    if kind == "uri":
        local = local_href(value)
        shown = vocabulary.label(value, lang)
        if local is not None:
            return Cell(shown, local, iri=value)
        external = value.startswith(("http://", "https://"))
        return Cell(shown, value if external else None, external=external, iri=value)
    if kind == "bnode":
        return Cell("_:" + value)
    language = term.get("xml:lang") or ""
    if language:
        return Cell(value, note="@" + language, lang=language)
    datatype = term.get("datatype") or ""
    if datatype and not datatype.endswith("#string"):
        short = "xsd:" + datatype[len(XSD) :] if datatype.startswith(XSD) else datatype
        return Cell(value, note=short)
    return Cell(value)


async def run(request: Request, query: str, lang: str) -> Outcome:
    """Guard and run `query` as `/sparql` would, shaped for the page."""
    state = request.app.state
    settings = state.settings
    vocabulary_ = vocabulary(state)
    started = time.perf_counter()
    try:
        info = guard.check_query(
            query,
            max_length=settings.max_query_length,
            known_graphs=state.dataset.graphs,
            protocol_dataset=False,
        )
        kind = info.kind
        query_request = QueryRequest(
            query=query,
            result_format=N_TRIPLES if kind == "graph" else SPARQL_JSON,
            default_graph=info.from_graphs or None,
            named_graphs=info.from_named_graphs or None,
            inspected=True,
            max_rows=min(settings.max_rows, PAGE_ROWS),
        )
        async with admission(request, settings):
            result = await run_in_threadpool(state.executor.run, query_request)
    except PeacetalksError as e:
        outcome = Outcome(status=e.status, error=e.message, error_code=e.code)
        if isinstance(e, QuerySyntaxError):
            outcome.line, outcome.column = e.line, e.column
        return outcome
    outcome = Outcome(kind=kind, truncated=result.truncated)
    outcome.raw = result.body[:RAW_CHARS].decode("utf-8", "replace")
    if kind == "graph":
        outcome.columns = ["subject", "predicate", "object"]
        for t in ox.parse(result.body, format=ox.RdfFormat.N_TRIPLES):
            outcome.rows.append([cell(x, vocabulary_, lang) for x in (t.subject, t.predicate,
                                                                     t.object)])  # fmt: skip
    else:
        data = json.loads(result.body)
        if "boolean" in data:
            outcome.kind, outcome.boolean = "boolean", bool(data["boolean"])
        else:
            outcome.columns = list(data["head"].get("vars", []))
            for binding in data["results"]["bindings"]:
                outcome.rows.append(
                    [cell(binding.get(v), vocabulary_, lang) for v in outcome.columns]
                )
    outcome.elapsed_ms = (time.perf_counter() - started) * 1000
    return outcome
