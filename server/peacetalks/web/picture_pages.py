"""`/matrix`, `/timeline` (pages with the picture inline, a form, a download link),
`/matrix.svg`, `/timeline.svg` and `/strip.svg` (the pictures alone, `image/svg+xml`)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from peacetalks.api.binding import bind
from peacetalks.api.routes import row_values
from peacetalks.errors import BadRequest
from peacetalks.frame.pages import frame, language
from peacetalks.web import drawings, pictures, questions
from peacetalks.web.pages import PAGES, catalog
from peacetalks.web.vocabulary import vocabulary

router = APIRouter(tags=["pages"], default_response_class=Response)
FAR_FUTURE = dt.date(9999, 12, 31)
SVG = "image/svg+xml"


def _svg(body: str, filename: str) -> Response:
    return Response(
        body.encode("utf-8"),
        media_type=SVG,
        headers={"Content-Disposition": f'inline; filename="{filename}"', "Vary": "Cookie"},
    )


def cut(request: Request) -> bool:
    """True when a query behind the picture hit the row cap (`PEACETALKS_MAX_ROWS`)."""
    return bool(getattr(request.state, "picture_truncated", False))


def _label(request: Request) -> drawings.Label:
    v, lang = vocabulary(request.app.state), language(request)
    return lambda iri: v.label(iri, lang)


def _resolve(request: Request, kind: str, value: str | None) -> str | None:
    """A slug, IRI or label of `kind` → its IRI (404/400 with close matches), or None."""
    if not value:
        return None
    index, _ = questions.indexes(request)
    return index.resolve(kind, value).iri


async def _matrix(request: Request) -> tuple[dict[str, Any], str]:
    asked = pictures.parse_day(request.query_params.get("asof"), "asof", end=True)
    m = await pictures.matrix(request, asked or FAR_FUTURE)
    if asked is None:  # as of the latest statement
        m.as_of = max((c.date for c in m.cells.values()), default=FAR_FUTURE.isoformat())
    lang = language(request)
    svg = PAGES.render("matrix.svg", frame(request), d=drawings.matrix(m, _label(request), lang))
    return {"as_of": m.as_of, "asked": bool(asked), "actors": len(m.actors),
            "issues": len(m.issues)}, svg  # fmt: skip


@router.get("/matrix.svg", summary="The stance matrix as SVG", response_class=Response)
async def matrix_svg(request: Request) -> Response:
    info, svg = await _matrix(request)
    return _svg(svg, f"peacetalks-matrix-{info['as_of']}.svg")


@router.get("/matrix", summary="Who stands where: the stance matrix (HTML)")
async def matrix_page(request: Request) -> Response:
    info, svg = await _matrix(request)
    return PAGES.response(
        request, "matrix.html", title="peacetalks — who stands where", svg=Markup(svg),
        download="/matrix.svg?" + urlencode({"asof": info["as_of"]}), cut=cut(request), **info,
    )  # fmt: skip


async def _timeline(request: Request) -> tuple[dict[str, Any], str]:
    params = request.query_params
    start = pictures.parse_day(params.get("from"), "from") or dt.date(2025, 1, 1)
    actor = _resolve(request, "actor", params.get("actor"))
    issue = _resolve(request, "issue", params.get("issue"))
    lang = language(request)
    v = vocabulary(request.app.state)
    marks = await pictures.timeline(request, v, lang, actor, issue)
    # by default up to a fortnight after the last precisely dated mark (year-dated ones
    # would stretch the axis over the whole year)
    days = [m.end for m in marks if m.precision == "day"] or [m.end for m in marks]
    latest = max(days, default=dt.date(2025, 12, 31)) + dt.timedelta(days=14)
    end = pictures.parse_day(params.get("to"), "to", end=True) or latest
    if end <= start:
        raise BadRequest(f"'to' ({end}) must be after 'from' ({start})")
    d = drawings.timeline(marks, _label(request), lang, start, end)
    svg = PAGES.render("timeline.svg", frame(request), d=d)
    given = {k: params[k] for k in ("actor", "issue", "from", "to") if params.get(k)}
    outside = sum(1 for m in marks if m.end < start or m.start > end)
    return {"given": given, "start": start, "end": end, "shown": len(d["marks"]),
            "outside": outside}, svg  # fmt: skip


@router.get("/timeline.svg", summary="The timeline as SVG", response_class=Response)
async def timeline_svg(request: Request) -> Response:
    _, svg = await _timeline(request)
    return _svg(svg, "peacetalks-timeline.svg")


@router.get("/timeline", summary="Events and statements on a time axis (HTML)")
async def timeline_page(request: Request) -> Response:
    info, svg = await _timeline(request)
    v, lang = vocabulary(request.app.state), language(request)
    return PAGES.response(
        request, "timeline.html", title="peacetalks — timeline", svg=Markup(svg),
        download="/timeline.svg?" + urlencode(info["given"]),
        actors=questions.choices(v, "actor", lang), issues=questions.choices(v, "issue", lang),
        cut=cut(request), **info,
    )  # fmt: skip


@router.get(
    "/strip.svg",
    summary="Changes of stance over time of one actor or on one issue (SVG, from stance-shifts)",
    response_class=Response,
)
async def strip_svg(
    request: Request, actor: str | None = None, issue: str | None = None
) -> Response:
    if bool(actor) == bool(issue):
        raise BadRequest("give exactly one of 'actor' and 'issue'")
    kind, value = ("actor", actor) if actor else ("issue", issue)
    query = catalog(request)["stance-shifts"]
    index, labels = questions.indexes(request)
    lang = language(request)
    binding = bind(query, {kind: value or "", "lang": lang}, index)
    subject = index.resolve(kind, value or "").iri
    raw = await pictures.select(request, query.paged_text(1000, 0), binding.substitutions)
    rows = [row_values(query, b, labels) for b in raw]
    found = pictures.shifts(rows, "topic" if kind == "actor" else "speaker")
    d = drawings.strip(found, _label(request), lang, subject)
    svg = PAGES.render("timeline.svg", frame(request), d=d)
    return _svg(svg, f"peacetalks-stances-{drawings.slug(subject)}.svg")
