"""Canned questions in the browser: `/questions` lists `queries/*.rq`, `/questions/<name>`
is a typed form for one (choices for issues, actors and events from the graph's labels)
with its answer as a table and links to the same answer as JSON and CSV on `/api/<name>`.
A browser asking `/api…` for HTML is sent here (`peacetalks.api.routes`).

Values are bound as `/api` binds them (`api.binding.bind`: RDF terms as substitutions),
and the rows are shaped by `api.shape`, then shown as cells.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from peacetalks.api.binding import LabelIndex, bind
from peacetalks.api.catalog import CannedQuery
from peacetalks.api.routes import row_values
from peacetalks.api.shape import Labels
from peacetalks.errors import PeacetalksError
from peacetalks.linked_data.html import local_href
from peacetalks.linked_data.jsonld_context import ID_SPACE
from peacetalks.sparql.executor import QueryRequest
from peacetalks.web.query import Cell
from peacetalks.web.vocabulary import Vocabulary

SPARQL_JSON = "application/sparql-results+json"
PAGE_ROWS = 500
CHOICE_TYPES = ("issue", "actor", "event")


@dataclass
class Answer:
    columns: list[str] = field(default_factory=list)
    rows: list[list[list[Cell]]] = field(default_factory=list)
    truncated: bool = False
    status: int = 200
    error: str = ""
    error_code: str = ""


_LOCK = threading.Lock()


def indexes(request: Request) -> tuple[LabelIndex, Labels]:
    """The label index (parameter values → IRIs) and the labels of terms, per dataset."""
    state = request.app.state
    dataset = state.dataset
    with _LOCK:
        current = getattr(state, "web_question_indexes", None)
        if current is None or current[0] != dataset.version:
            store = dataset.store
            current = (dataset.version, LabelIndex.from_store(store), Labels.from_store(store))
            state.web_question_indexes = current
        return current[1], current[2]


def choices(vocabulary: Vocabulary, kind: str, lang: str) -> list[tuple[str, str]]:
    """(slug, "label · ラベル") of every resource of `kind`, by label in `lang`."""
    prefix = f"{ID_SPACE}{kind}/"
    found = []
    for iri, names in vocabulary.labels.items():
        if iri.startswith(prefix) and len(iri) > len(prefix):
            shown = " · ".join(
                n for n in (names.get(lang), names.get("ja" if lang == "en" else "en")) if n
            )
            found.append((iri[len(prefix) :], shown or iri[len(prefix) :]))
    return sorted(found, key=lambda c: c[1].casefold())


def shown_columns(query: CannedQuery) -> list[str]:
    """The declared columns, without a `<term>Label` column beside its term (the term cell
    shows the label already)."""
    names = {c.name for c in query.declared}
    return [
        c.name
        for c in query.declared
        if not (c.name.endswith("Label") and c.name[: -len("Label")] in names)
    ]


def cells(kind: str, value: Any, lang: str) -> list[Cell]:
    """The cells of one shaped value (`api.shape`) of column type `kind`."""
    if value is None or value == []:
        return []
    if kind == "terms":
        return [c for v in value for c in cells("term", v, lang)]
    if kind == "strings":
        return [Cell(str(v)) for v in value]
    if kind == "term":
        labels = value["labels"]
        text = labels.get(lang) or labels.get("en") or next(iter(labels.values()), value["slug"])
        return [Cell(text, local_href(value["iri"]), iri=value["iri"])]
    if kind == "date":
        before = "≤ " if value["qualifier"] == "no later than" else ""
        return [Cell(before + value["value"], note="" if value["precision"] == "day" else
                     value["precision"])]  # fmt: skip
    if kind == "text":
        tag = value["lang"] or ""
        return [Cell(value["value"], note="@" + tag if tag else "", lang=tag)]
    if kind == "url":
        return [Cell(value, value, external=True, iri=value)]
    if kind == "boolean":
        return [Cell("yes" if value else "no")]
    return [Cell(str(value))]


async def answer(request: Request, query: CannedQuery, given: dict[str, str]) -> Answer:
    """Bind, run and shape one page of the question (`PAGE_ROWS` rows)."""
    state = request.app.state
    index, labels = indexes(request)
    lang = given.get("lang") or "en"
    try:
        binding = bind(query, given, index)
        result = await run_in_threadpool(
            state.api_executor.run,
            QueryRequest(
                query=query.paged_text(PAGE_ROWS + 1, 0),
                result_format=SPARQL_JSON,
                substitutions=binding.substitutions,
                max_rows=PAGE_ROWS + 1,
            ),
        )
    except PeacetalksError as e:
        return Answer(status=e.status, error=e.message, error_code=e.code)
    bindings = json.loads(result.body)["results"]["bindings"]
    out = Answer(columns=shown_columns(query), truncated=len(bindings) > PAGE_ROWS)
    types = {c.name: c.type for c in query.declared}
    for b in bindings[:PAGE_ROWS]:
        row = row_values(query, b, labels)
        out.rows.append([cells(types[c], row.get(c), lang) for c in out.columns])
    # columns no row fills (no quote, no event …) only widen the table
    filled = [i for i in range(len(out.columns)) if any(r[i] for r in out.rows)]
    if out.rows:
        out.columns = [out.columns[i] for i in filled]
        out.rows = [[r[i] for i in filled] for r in out.rows]
    return out


def data_links(query: CannedQuery, given: dict[str, str]) -> list[tuple[str, str]]:
    """The same answer as JSON and CSV."""
    values = {k: v for k, v in given.items() if v}
    return [
        (name, f"/api/{query.name}?" + urlencode({**values, "format": fmt}))
        for name, fmt in (("JSON", "json"), ("CSV", "csv"))
    ]
