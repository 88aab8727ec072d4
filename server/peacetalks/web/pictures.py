"""Pictures of who stood where, drawn on the server as SVG (readable without JavaScript,
downloadable): the stance matrix (issues × actors, each cell the latest stance as of a
date), the timeline (events and statements on a time axis; imprecise dates as spans) and
the stance strip of an actor or issue (from the `stance-shifts` canned query).

Every value reaches SPARQL as a bound term (`QueryRequest.substitutions`), never as text.
Each stance is drawn with a colour AND a symbol, so the pictures read in greyscale too.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox
from fastapi import Request
from starlette.concurrency import run_in_threadpool

from peacetalks.errors import BadRequest
from peacetalks.linked_data.jsonld_context import ID_SPACE
from peacetalks.sparql.executor import QueryRequest
from peacetalks.sparql.result_cache import CachedAnswer, ResultCache
from peacetalks.web.vocabulary import Vocabulary

SPARQL_JSON = "application/sparql-results+json"
STANCE = ID_SPACE + "stance/"
XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass(frozen=True)
class Polarity:
    name: str
    symbol: str
    fill: str
    en: str
    ja: str


POLARITIES = {
    "positive": Polarity("positive", "+", "#1a7f37", "for (supports, agrees, proposes …)",
                         "賛成 (支持・合意・提案など)"),
    "negative": Polarity("negative", "−", "#b35900", "against (rejects, opposes, doubts …)",
                         "反対 (拒否・反対・疑問など)"),
    "mixed": Polarity("mixed", "±", "#6f42c1", "both on the same date", "同じ日に両方"),
    "neutral": Polarity("neutral", "○", "#6e7781", "no position (claims, announces …)",
                        "立場なし (主張・発表など)"),
}  # fmt: skip
"""Stance families: colour and symbol (the symbols alone tell them apart in greyscale)."""

PREFIXES = """PREFIX pt: <https://w3id.org/peacetalks/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
POLARITY = """
  OPTIONAL { ?stance skos:broader* ?top .
    FILTER(?top IN (<https://w3id.org/peacetalks/id/stance/positive>,
                    <https://w3id.org/peacetalks/id/stance/negative>)) }
  BIND(COALESCE(STRAFTER(STR(?top), "/id/stance/"), "neutral") AS ?polarity)"""

MATRIX_QUERY = (
    PREFIXES
    + """SELECT ?asOf ?speaker ?issue ?statement ?stance ?date ?polarity WHERE {
  ?statement a pt:Statement ; pt:speaker ?speaker ; pt:issue ?issue ; pt:stance ?stance ;
             pt:dateSaid|pt:saidNoLaterThan ?date .
  FILTER(STR(?date) <= STR(?asOf))"""
    + POLARITY
    + "\n}"
)
"""Every dated statement said no later than `?asOf` (a year-dated one counts from its
year), with the polarity of its stance."""

STATEMENTS_QUERY = (
    PREFIXES
    + """SELECT ?actor ?issue ?statement ?speaker ?stance ?date ?noLaterThan ?polarity WHERE {
  ?statement a pt:Statement ; pt:speaker ?speaker ; pt:stance ?stance .
  { ?statement pt:dateSaid ?date BIND(false AS ?noLaterThan) }
  UNION { ?statement pt:saidNoLaterThan ?date BIND(true AS ?noLaterThan) }
  FILTER(sameTerm(?speaker, COALESCE(?actor, ?speaker)))
  OPTIONAL { ?statement pt:coversIssue ?covered FILTER(sameTerm(?covered, ?issue)) }
  FILTER(COALESCE(STR(?issue), "") = "" || BOUND(?covered))"""
    + POLARITY
    + "\n}"
)

# An optional parameter is tested with COALESCE(STR(?p), "") = "", not !BOUND(?p): the engine
# reads BOUND of a variable no pattern binds as false before the substitution applies.
EVENTS_QUERY = (
    PREFIXES
    + """SELECT ?actor ?issue ?event ?start ?end ?planned WHERE {
  ?event a pt:Event .
  { ?event pt:date ?start } UNION { ?event pt:startDate ?start OPTIONAL { ?event pt:endDate ?end } }
  UNION { ?event pt:plannedDate ?start BIND(true AS ?planned) }
  OPTIONAL { ?event pt:participant ?who FILTER(sameTerm(?who, ?actor)) }
  FILTER(COALESCE(STR(?actor), "") = "" || BOUND(?who))
  OPTIONAL { ?event pt:issue ?about FILTER(sameTerm(?about, ?issue)) }
  FILTER(COALESCE(STR(?issue), "") = "" || BOUND(?about))
}"""
)

DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def parse_day(text: str | None, name: str, end: bool = False) -> dt.date | None:
    """`YYYY`, `YYYY-MM` or `YYYY-MM-DD` as its first day (its last with `end`); 400 if not."""
    if text is None or text == "":
        return None
    if not DATE.match(text):
        raise BadRequest(f"parameter {name!r}: {text!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    try:
        return span(text)[1 if end else 0]
    except ValueError as e:
        raise BadRequest(f"parameter {name!r}: {text!r} is not a date ({e})") from None


def span(text: str) -> tuple[dt.date, dt.date]:
    """The days a date of the given precision covers: a day, a month or a year."""
    parts = [int(p) for p in text[:10].split("-")]
    if len(parts) == 1:
        return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)
    if len(parts) == 2:
        last = calendar.monthrange(parts[0], parts[1])[1]
        return dt.date(parts[0], parts[1], 1), dt.date(parts[0], parts[1], last)
    day = dt.date(parts[0], parts[1], parts[2])
    return day, day


def _literal(value: str) -> str:
    return str(ox.Literal(value))


def _iri(value: str) -> str:
    return str(ox.NamedNode(value))


async def select(
    request: Request, query: str, bound: Mapping[str, str]
) -> list[dict[str, dict[str, str]]]:
    """Run one of the queries above on the `/api` workers with `bound` (N-Triples terms),
    through the result cache (the dataset does not change while serving)."""
    cache: ResultCache | None = getattr(request.app.state, "result_cache", None)
    key = cache.key(query, accept=SPARQL_JSON, substitutions=bound) if cache else None
    answer = cache.get(key) if cache is not None and key else None
    if answer is None:
        result = await run_in_threadpool(
            request.app.state.api_executor.run,
            QueryRequest(query=query, result_format=SPARQL_JSON, substitutions=dict(bound)),
        )
        answer = CachedAnswer(result.body, result.media_type, result.rows, result.truncated)
        if cache is not None and key:
            cache.put(key, answer)
    body = answer.body
    if answer.truncated:  # past the server's row cap: the page says the picture is cut
        request.state.picture_truncated = True
    bindings: list[dict[str, dict[str, str]]] = json.loads(body)["results"]["bindings"]
    return bindings


# --------------------------------------------------------------------------- the matrix


@dataclass
class MatrixCell:
    polarity: Polarity
    stances: list[str]
    date: str
    statements: list[str]


@dataclass
class Matrix:
    as_of: str
    issues: list[str] = field(default_factory=list)
    actors: list[str] = field(default_factory=list)
    cells: dict[tuple[str, str], MatrixCell] = field(default_factory=dict)


async def matrix(request: Request, as_of: dt.date) -> Matrix:
    """The latest stance of each actor on each issue, among statements said by `as_of`."""
    rows = await select(request, MATRIX_QUERY, {"asOf": _literal(as_of.isoformat())})
    latest: dict[tuple[str, str], list[dict[str, dict[str, str]]]] = {}
    for row in rows:
        key = (row["issue"]["value"], row["speaker"]["value"])
        have = latest.get(key)
        date = row["date"]["value"]
        if have is None or date > have[0]["date"]["value"]:
            latest[key] = [row]
        elif date == have[0]["date"]["value"]:
            have.append(row)
    out = Matrix(as_of.isoformat())
    said_by: dict[str, int] = {}
    about: dict[str, int] = {}
    for (issue, actor), found in latest.items():
        polarities = {r["polarity"]["value"] for r in found} - {"neutral"}
        name = "mixed" if len(polarities) > 1 else (polarities.pop() if polarities else "neutral")
        out.cells[issue, actor] = MatrixCell(
            POLARITIES[name],
            sorted({r["stance"]["value"] for r in found}),
            found[0]["date"]["value"],
            sorted({r["statement"]["value"] for r in found}),
        )
        said_by[actor] = said_by.get(actor, 0) + 1
        about[issue] = about.get(issue, 0) + 1
    out.actors = sorted(said_by, key=lambda a: (-said_by[a], a))
    out.issues = sorted(about, key=lambda i: (-about[i], i))
    return out


# --------------------------------------------------------------------------- the timeline


@dataclass
class Mark:
    """One thing on the time axis: a point (`start == end`) or a span."""

    iri: str
    lane: str
    start: dt.date
    end: dt.date
    text: str
    polarity: Polarity | None = None
    no_later_than: bool = False
    precision: str = "day"
    row: int = 0
    count: int = 1
    href: str | None = None
    """Where a merged mark leads (the speaker's page); else the mark's own page."""


def merge(marks: Sequence[Mark]) -> list[Mark]:
    """Marks of one lane with the same span and polarity as one mark counting them (40
    statements a digest dates only to "2025" are one bar "×40", not 40 rows)."""
    groups: dict[tuple[object, ...], list[Mark]] = {}
    for m in marks:
        key = (m.lane, m.start, m.end, m.polarity.name if m.polarity else "", m.no_later_than)
        groups.setdefault(key, []).append(m)
    out = []
    for group in groups.values():
        if len(group) == 1 or not group[0].lane:
            out.extend(group)
            continue
        first = group[0]
        texts = "\n".join(m.text for m in group[:8]) + ("\n…" if len(group) > 8 else "")
        out.append(
            Mark(first.lane, first.lane, first.start, first.end, f"{len(group)} ×\n{texts}",
                 first.polarity, first.no_later_than, first.precision, count=len(group),
                 href=None)
        )  # fmt: skip
    return out


NO_LATER_THAN_DAYS = 30
"""How far back a "said no later than" span is drawn (the source gives only the bound)."""


def _precision(term: Mapping[str, str]) -> str:
    datatype = term.get("datatype", "")
    if datatype == XSD + "gYear":
        return "year"
    if datatype == XSD + "gYearMonth":
        return "month"
    return {4: "year", 7: "month"}.get(len(term.get("value", "")), "day")


async def timeline(
    request: Request, vocabulary: Vocabulary, lang: str, actor: str | None, issue: str | None
) -> list[Mark]:
    """Statements (one lane per speaker) and events (one lane), filtered by actor and issue."""
    bound = {k: _iri(v) for k, v in (("actor", actor), ("issue", issue)) if v}
    marks = []
    for row in await select(request, STATEMENTS_QUERY, bound):
        start, end = span(row["date"]["value"])
        no_later = row["noLaterThan"]["value"] == "true"
        if no_later and start == end:  # a day: drawn as the month before it
            start = end - dt.timedelta(days=NO_LATER_THAN_DAYS)
        iri = row["statement"]["value"]
        speaker = row["speaker"]["value"]
        stance = vocabulary.label(row["stance"]["value"], lang)
        when = ("≤ " if no_later else "") + row["date"]["value"]
        marks.append(
            Mark(iri, speaker, start, end, f"{when} · {vocabulary.label(speaker, lang)} · "
                 f"{stance}: {vocabulary.label(iri, lang)}",
                 POLARITIES[row["polarity"]["value"]], no_later, _precision(row["date"]))
        )  # fmt: skip
    seen: set[str] = set()
    for row in await select(request, EVENTS_QUERY, bound):
        iri = row["event"]["value"]
        if iri in seen:
            continue
        seen.add(iri)
        start, end = span(row["start"]["value"])
        if "end" in row:
            end = max(end, span(row["end"]["value"])[1])
        planned = " (planned)" if "planned" in row else ""
        marks.append(
            Mark(iri, "", start, end, f"{row['start']['value']} · "
                 f"{vocabulary.label(iri, lang)}{planned}", precision=_precision(row["start"]))
        )  # fmt: skip
    return marks


def pack(marks: Sequence[Mark], gap: dt.timedelta) -> int:
    """Put overlapping marks of one lane on separate rows (greedy by start); the row count."""
    ends: list[dt.date] = []
    for m in sorted(marks, key=lambda m: (m.start, m.end)):
        for i, end in enumerate(ends):
            if m.start > end + gap:
                m.row, ends[i] = i, m.end
                break
        else:
            m.row = len(ends)
            ends.append(m.end)
    return max(1, len(ends))


# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class Axis:
    """Days → x pixels between `left` and `right`."""

    start: dt.date
    end: dt.date
    left: float
    right: float

    def x(self, day: dt.date) -> float:
        total = max(1, (self.end - self.start).days)
        return self.left + (day - self.start).days / total * (self.right - self.left)

    def ticks(self) -> list[tuple[float, str]]:
        """One tick per month (per year when the axis spans more than three years)."""
        out = []
        years = self.end.year - self.start.year > 3
        day = dt.date(self.start.year, 1 if years else self.start.month, 1)
        while day <= self.end:
            if day >= self.start:
                out.append((self.x(day), str(day.year) if years else day.isoformat()[:7]))
            day = (
                dt.date(day.year + 1, 1, 1)
                if years or day.month == 12
                else dt.date(day.year, day.month + 1, 1)
            )
        return out


# --------------------------------------------------------------------------- the strip


@dataclass
class StripPoint:
    date: str
    day: dt.date
    polarity: Polarity
    stances: list[str]
    statements: list[str]


@dataclass
class Shift:
    lane: str
    before: StripPoint
    after: StripPoint
    flipped: bool


def polarity_of(names: Sequence[str]) -> Polarity:
    found = set(names) - {"neutral"}
    if len(found) > 1:
        return POLARITIES["mixed"]
    return POLARITIES[found.pop()] if found else POLARITIES["neutral"]


def shifts(rows: Sequence[Mapping[str, object]], lane_column: str) -> list[Shift]:
    """`stance-shifts` rows (the API's shape) as shifts between two dated points."""
    out = []
    for row in rows:
        points = []
        for side in ("before", "after"):
            date: dict[str, str] = row[side + "Date"]  # type: ignore[assignment]
            stances: list[dict[str, str]] = row[side + "Stances"]  # type: ignore[assignment]
            said: list[dict[str, str]] = row[side]  # type: ignore[assignment]
            polarities: list[str] = row[side + "Polarities"]  # type: ignore[assignment]
            points.append(
                StripPoint(date["value"], span(date["value"])[0], polarity_of(polarities),
                           [s["iri"] for s in stances], [s["iri"] for s in said])
            )  # fmt: skip
        lane: dict[str, str] = row[lane_column]  # type: ignore[assignment]
        out.append(Shift(lane["iri"], points[0], points[1], bool(row["polarityFlipped"])))
    return out
