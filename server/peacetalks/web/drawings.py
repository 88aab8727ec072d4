"""Geometry of the pictures: what `templates/*.svg` draw, computed from the data of
`peacetalks.web.pictures` (positions in pixels, colours, symbols, links, tooltips)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from peacetalks.linked_data.html import local_href
from peacetalks.linked_data.jsonld_context import ID_SPACE
from peacetalks.web.pictures import POLARITIES, Axis, Mark, Matrix, Shift, merge, pack

Label = Callable[[str], str]


def slug(iri: str) -> str:
    return iri.rsplit("/", 1)[-1] if iri.startswith(ID_SPACE) else iri


def legend(lang: str, x: float, y: float, columns: int = 4) -> list[tuple[Any, ...]]:
    """The key of colours and symbols, `columns` entries a row (300 px each)."""
    return [
        (x + (i % columns) * 300, y + (i // columns) * 20, p.fill, p.symbol,
         p.ja if lang == "ja" else p.en)
        for i, p in enumerate(POLARITIES.values())
    ]  # fmt: skip


def matrix(m: Matrix, label: Label, lang: str) -> dict[str, Any]:
    cell, left, top = 26, 250, 170
    width = max(left + cell * len(m.actors) + 40, 1200)
    height = top + cell * len(m.issues) + 60
    actors = [(left + i * cell + cell * 0.55, label(a), local_href(a)) for i, a in
              enumerate(m.actors)]  # fmt: skip
    issues = [(top + i * cell, label(s), local_href(s)) for i, s in enumerate(m.issues)]
    cells = []
    for (issue, actor), c in m.cells.items():
        x = left + m.actors.index(actor) * cell
        y = top + m.issues.index(issue) * cell
        stances = ", ".join(label(s) for s in c.stances)
        href = "/questions/who-said-what?" + urlencode(
            {"issue": slug(issue), "actor": slug(actor), "to": m.as_of}
        )
        title = f"{label(actor)} — {label(issue)}: {stances} ({c.date}; {len(c.statements)} "
        title += "statement" + ("s)" if len(c.statements) > 1 else ")")
        cells.append({"x": x, "y": y, "fill": c.polarity.fill, "symbol": c.polarity.symbol,
                      "href": href, "title": title})  # fmt: skip
    title = (
        f"立場の一覧 ({m.as_of} 時点の最新の立場)"
        if lang == "ja"
        else f"Who stands where: each actor's latest stance on each issue as of {m.as_of}"
    )
    return {"width": width, "height": height, "cell": cell, "left": left, "top": top,
            "actors": actors, "issues": issues, "cells": cells, "title": title,
            "legend": legend(lang, 20, height - 34)}  # fmt: skip


def _marks(
    marks: Sequence[Mark], lanes: list[tuple[str, str, str | None]], axis: Axis, top: float
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], float]:
    """Lane rows (packed), marks with positions; returns (lanes, marks, bottom y)."""
    row_h, y = 18, top
    out_lanes, out_marks = [], []
    gap = dt.timedelta(days=max(1, (axis.end - axis.start).days // 120))
    for key, name, href in lanes:
        mine = merge([m for m in marks if m.lane == key])
        if not mine:
            continue
        rows = pack(mine, gap)
        out_lanes.append({"y": y, "label": name, "href": href})
        for m in mine:
            x1, x2 = axis.x(max(m.start, axis.start)), axis.x(min(m.end, axis.end))
            polarity = m.polarity or POLARITIES["neutral"]
            is_span = m.precision != "day" or m.no_later_than or m.end > m.start
            symbol = (polarity.symbol if m.polarity else "◆") + (
                f" ×{m.count}" if m.count > 1 else ""
            )
            out_marks.append({
                "x": x1, "w": max(x2 - x1, 8), "y": y + 20 + m.row * row_h,
                "span": is_span, "dashed": m.no_later_than,
                "fill": polarity.fill if m.polarity else "#0b57a4",
                "symbol": symbol, "pw": 12 + 7 * (len(symbol) - 1),
                "href": local_href(m.iri) or m.iri, "title": m.text,
            })  # fmt: skip
        y += 24 + rows * row_h
    return out_lanes, out_marks, y


def timeline(
    marks: Sequence[Mark], label: Label, lang: str, start: dt.date, end: dt.date
) -> dict[str, Any]:
    width, left, top = 1240, 210, 40
    axis = Axis(start, end, left, width - 20)
    shown = [m for m in marks if m.end >= start and m.start <= end]
    speakers = sorted({m.lane for m in shown if m.lane}, key=lambda a: label(a).casefold())
    lanes: list[tuple[str, str, str | None]] = [
        ("", "イベント" if lang == "ja" else "Events", None)
    ]
    lanes += [(a, label(a), local_href(a)) for a in speakers]
    out_lanes, out_marks, y = _marks(shown, lanes, axis, top)
    title = (f"年表 {start} – {end}" if lang == "ja"
             else f"Timeline of events and statements, {start} – {end}")  # fmt: skip
    return {"id": "timeline", "width": width, "height": y + 50, "top": top, "bottom": 50,
            "ticks": axis.ticks(), "lanes": out_lanes, "marks": out_marks, "links": [],
            "title": title, "note": "", "legend": legend(lang, 10, y + 18)}  # fmt: skip


def strip(found: Sequence[Shift], label: Label, lang: str, subject: str) -> dict[str, Any]:
    """The stance-shifts of one actor (lanes: issues) or one issue (lanes: speakers)."""
    width, left, top = 1000, 210, 34
    days = [p.day for s in found for p in (s.before, s.after)]
    start = min(days) - dt.timedelta(days=10) if days else dt.date(2025, 1, 1)
    end = max(days) + dt.timedelta(days=10) if days else dt.date(2025, 12, 31)
    axis = Axis(start, end, left, width - 20)
    lanes = sorted({s.lane for s in found}, key=lambda i: label(i).casefold())
    out_lanes, marks, links = [], [], []
    y = top
    for lane in lanes:
        out_lanes.append({"y": y, "label": label(lane), "href": local_href(lane)})
        seen: set[tuple[str, str]] = set()
        for s in (s for s in found if s.lane == lane):
            x1, x2 = axis.x(s.before.day), axis.x(s.after.day)
            colour = "#1f2328" if s.flipped else "#8c959f"
            links.append({"x1": x1, "x2": x2, "y": y + 18, "colour": colour,
                          "flipped": s.flipped,
                          "label": "反転" if lang == "ja" else "flip"})  # fmt: skip
            for p in (s.before, s.after):
                if (lane, p.date) in seen:
                    continue
                seen.add((lane, p.date))
                stances = ", ".join(label(x) for x in p.stances)
                marks.append({"x": axis.x(p.day), "w": 0, "pw": 12, "y": y + 11, "span": False,
                              "dashed": False, "fill": p.polarity.fill,
                              "symbol": p.polarity.symbol,
                              "href": local_href(p.statements[0]) if p.statements else "",
                              "title": f"{p.date} · {label(lane)} · {stances}"})  # fmt: skip
        y += 34
    title = (f"{label(subject)}: 立場の変化" if lang == "ja"
             else f"{label(subject)}: changes of stance over time")  # fmt: skip
    note = ""
    if not found:
        note = (
            "立場の変化は記録されていません (各話者は同じ立場のままです)"
            if lang == "ja"
            else "No change of stance recorded: each speaker kept the same stance."
        )
        y += 10
    return {"id": "strip", "width": width, "height": y + 64, "top": top, "bottom": 64,
            "ticks": [] if note else axis.ticks(), "lanes": out_lanes, "marks": marks,
            "links": links, "title": title, "note": note,
            "legend": legend(lang, 10, y + 14, columns=2)}  # fmt: skip
