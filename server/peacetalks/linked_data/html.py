"""The linked-data pages (no JavaScript): resources, listings, errors and the fallback
ontology documentation, rendered from `templates/` (Jinja2, autoescaped — labels and
summaries may contain `<` or `&` — inside the shared frame of `peacetalks.frame`).

Links to `https://w3id.org/peacetalks/id/…` become local `/id/…` paths, ontology terms link
to `/ontology`, any other IRI (Wikidata, outlet URLs) is an external link.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox

from peacetalks.frame.pages import Frame, Pages
from peacetalks.linked_data import describe
from peacetalks.linked_data.jsonld_context import ID_SPACE, ONTOLOGY_IRI, ONTOLOGY_NS

Labeller = Callable[[str], str]


def local_href(iri: str) -> str | None:
    """The path this server answers for one of our IRIs, else None."""
    if iri.startswith(ID_SPACE):
        return "/id/" + iri[len(ID_SPACE) :]
    if iri == ONTOLOGY_IRI or iri.startswith(ONTOLOGY_NS):
        return "/ontology" + iri[len(ONTOLOGY_IRI) :]
    return None


def error_page(
    status: int,
    title: str,
    message: str,
    suggestions: Sequence[str] = (),
    frame: Frame | None = None,
) -> str:
    """An error page (404 and the like); `suggestions` are IRIs or local paths."""
    return _render(
        "error.html", frame, title=f"{status} {title}", status=status, heading=title,
        message=message, suggestions=[local_href(x) or x for x in suggestions],
    )  # fmt: skip


# --------------------------------------------------------------------------- pages


JA = {
    "Date": "日付", "Speaker": "話者", "Issues": "論点", "Stance": "立場", "Summary": "要約",
    "Event": "イベント", "Sources": "出典", "Property": "プロパティ", "Value": "値",
    "Resource": "リソース", "Properties": "プロパティ", "Narrower issues": "下位の論点",
    "Participants": "参加者", "None recorded.": "記録なし。", "Nothing links here.": "参照なし。",
    "This description as": "この記述の形式:", "Referenced by": "参照元", "and": "ほか",
    "more.": "件。", "Resources by kind": "種類別のリソース", "Did you mean:": "もしかして:",
    "Changes of stance over time": "立場の変化", "the changes as a table": "表で見る",
    "download SVG": "SVGをダウンロード",
}  # fmt: skip
"""The Japanese of the pages' fixed words (data comes with its own labels)."""

PAGES = Pages([Path(__file__).parent / "templates"])


def word(text: str, lang: str) -> str:
    return JA.get(text, text) if lang == "ja" else text


def _render(template: str, frame: Frame | None, **context: Any) -> str:
    page = frame or Frame()
    return PAGES.render(template, page, w=lambda text: word(text, page.lang), **context)


@dataclass(frozen=True)
class Shown:
    """A value as shown: `kind` iri (a link when `href`), literal or bnode."""

    text: str
    href: str | None = None
    external: bool = False
    kind: str = "iri"
    lang: str = ""
    note: str = ""


def shown_link(iri: str, text: str | None = None) -> Shown:
    """Our IRIs as local paths, other http(s) IRIs as external links, anything else as text."""
    shown = text if text is not None else iri
    local = local_href(iri)
    if local is not None:
        return Shown(shown, local)
    if iri.startswith(("http://", "https://")):
        return Shown(shown, iri, external=True)
    return Shown(shown)


def shown_term(t: object, label: Labeller) -> Shown:
    """An RDF term: IRIs as labelled links, literals with their language or datatype."""
    if isinstance(t, ox.NamedNode):
        return shown_link(t.value, label(t.value))
    if isinstance(t, ox.Literal):
        if t.language:
            return Shown(t.value, kind="literal", lang=t.language)
        datatype = t.datatype.value
        note = "" if datatype.endswith("#string") else datatype.rsplit("#", 1)[-1]
        return Shown(t.value, kind="literal", note=note)
    if isinstance(t, ox.BlankNode):
        return Shown(t.value, kind="bnode")
    return Shown(str(t))


def _summary_order(summary: dict[str, str]) -> list[tuple[str, str]]:
    order = ("en", "ja", *sorted(k for k in summary if k not in ("en", "ja")))
    return [(code, summary[code]) for code in order if code in summary]


def _statement_rows(rows: Sequence[describe.StatementRow], label: Labeller) -> list[dict]:
    def many(iris: Iterable[str]) -> list[Shown]:
        return [shown_link(i, label(i)) for i in iris]

    return [
        {"when": shown_link(r.iri, r.date or "undated"), "speakers": many(r.speakers),
         "issues": many(r.issues), "stances": many(r.stances),
         "summary": _summary_order(r.summary), "events": many(r.events),
         "sources": many(r.sources)}
        for r in rows
    ]  # fmt: skip


def _properties(triples: Sequence[ox.Triple], label: Labeller) -> list[dict]:
    grouped: dict[str, list[object]] = {}
    for t in triples:
        grouped.setdefault(t.predicate.value, []).append(t.object)
    return [
        {"link": shown_link(p, label(p)),
         "compact": describe.compact(p) if label(p) != describe.compact(p) else "",
         "objects": [shown_term(v, label) for v in values]}
        for p, values in grouped.items()
    ]  # fmt: skip


def resource_page(
    store: ox.Store,
    iri: str,
    alternates: Sequence[tuple[str, str, str]],
    max_incoming: int = 500,
    frame: Frame | None = None,
) -> str:
    """The HTML description of one resource: labels (en/ja), properties, its statements, and
    for an actor or an issue its changes of stance (the picture at /strip.svg)."""
    lang = frame.lang if frame else "en"
    ja = lang == "ja"
    label = describe.Labeller(store, lang)
    names = describe.labels(store, iri)
    title = (
        names.get(lang)
        or names.get("en")
        or names.get("")
        or next(iter(names.values()), describe.compact(iri))
    )
    # `id/issue/crimea` is an issue; `id/issue` (no slug) is the concept scheme, not one
    path = iri[len(ID_SPACE) :].split("/") if iri.startswith(ID_SPACE) else []
    kind = path[0] if len(path) == 2 and path[1] else ""
    sections: list[dict[str, Any]] = []

    def statements(heading: str, rows: Sequence[describe.StatementRow], speaker: bool) -> None:
        sections.append({"heading": heading, "statements": _statement_rows(rows, label),
                         "speaker": speaker})  # fmt: skip

    def items(heading: str, iris: Iterable[str]) -> None:
        sections.append({"heading": heading, "statements": None,
                         "entries": [shown_link(i, label(i)) for i in iris]})  # fmt: skip

    strip = None
    if kind in ("actor", "issue"):
        strip = {
            "query": f"{kind}={quote(path[1])}",
            "alt": f"{title}: 立場の変化 (日付ごとの立場、反転を強調)"
            if ja
            else f"{title}: changes of stance over time (stances by date; flips in bold)",
        }
    if kind == "actor":
        rows = describe.statements_by(store, iri)
        statements(
            f"{title}の発言 ({len(rows)})" if ja else f"Statements by {title} ({len(rows)})",
            rows, speaker=False,
        )  # fmt: skip
    elif kind == "issue":
        narrower = describe.narrower(store, iri)
        if narrower:
            items(word("Narrower issues", lang), narrower)
        rows = describe.statements_about(store, iri)
        statements(
            f"{title}について誰が何を言ったか (下位の論点を含む, {len(rows)})"
            if ja
            else f"Who said what about {title}, including narrower issues ({len(rows)})",
            rows, speaker=True,
        )  # fmt: skip
    elif kind == "event":
        participants = [
            t.object.value
            for t in describe.asserted_triples(store, iri)
            if t.predicate.value == describe.PT + "participant"
            and isinstance(t.object, ox.NamedNode)
        ]
        items(word("Participants", lang), participants)
        rows = describe.statements_at(store, iri)
        statements(
            f"このイベントでの発言 ({len(rows)})" if ja else f"Said at this event ({len(rows)})",
            rows, speaker=True,
        )  # fmt: skip
    elif kind == "source":
        rows = describe.statements_from(store, iri)
        statements(
            f"この出典が裏付ける発言 ({len(rows)})"
            if ja
            else f"Statements this source supports ({len(rows)})",
            rows, speaker=True,
        )  # fmt: skip
        other = describe.supported_by(store, iri)
        items(
            f"この出典から派生・中継されたもの ({len(other)})"
            if ja
            else f"Other resources derived from or relayed by it ({len(other)})",
            other,
        )
    incoming = describe.incoming_triples(store, iri)
    return _render(
        "resource.html",
        frame,
        title=title,
        iri=iri,
        other_labels=[(code, text) for code, text in sorted(names.items()) if text != title],
        types=[shown_link(t, label(t)) for t in describe.types(store, iri)],
        alternates=alternates,
        properties=_properties(describe.asserted_triples(store, iri), label),
        strip=strip,
        sections=sections,
        incoming=[
            (shown_term(t.subject, label), shown_link(t.predicate.value, label(t.predicate.value)))
            for t in incoming[:max_incoming]
        ],
        incoming_total=len(incoming),
    )


def kind_page(store: ox.Store, kind: str, iris: Sequence[str], frame: Frame | None = None) -> str:
    """The resources of one kind, with their English and Japanese labels."""
    rows = []
    for iri in iris:
        names = describe.labels(store, iri)
        rows.append(
            (shown_link(iri, iri[len(ID_SPACE) :]), names.get("en") or names.get("", ""),
             names.get("ja", ""))
        )  # fmt: skip
    return _render("kind.html", frame, title=f"peacetalks — {kind}", kind=kind, rows=rows)


def kinds_page(counts: dict[str, int], frame: Frame | None = None) -> str:
    return _render("kinds.html", frame, title="peacetalks — resources", counts=counts)


def ontology_page(triples: Sequence[ox.Triple], frame: Frame | None = None) -> str:
    """Our own ontology documentation (used when pyLODE is unavailable or fails): every
    class and property with its labels, definition and schema links, from `ontology.html`."""
    from peacetalks.linked_data.jsonld_context import PREFIXES

    rdf_type = PREFIXES["rdf"] + "type"
    owl = PREFIXES["owl"]
    values: dict[str, dict[str, list[object]]] = {}
    for t in triples:
        if isinstance(t.subject, ox.NamedNode):
            values.setdefault(t.subject.value, {}).setdefault(t.predicate.value, []).append(
                t.object
            )

    def texts(iri: str, prop: str, lang: str) -> str:
        return " ".join(
            o.value
            for o in values.get(iri, {}).get(prop, [])
            if isinstance(o, ox.Literal) and o.language == lang
        )

    def term(iri: str) -> dict[str, Any]:
        parents = [
            o.value
            for p in ("subClassOf", "subPropertyOf", "domain", "range")
            for o in values[iri].get(PREFIXES["rdfs"] + p, [])
            if isinstance(o, ox.NamedNode)
        ]
        return {
            "local": iri[len(ONTOLOGY_NS) :],
            "label": texts(iri, PREFIXES["rdfs"] + "label", "en") or describe.compact(iri),
            "ja": texts(iri, PREFIXES["rdfs"] + "label", "ja"),
            "definition": texts(iri, PREFIXES["skos"] + "definition", "en"),
            "parents": [shown_link(p, describe.compact(p)) for p in parents],
        }

    groups = []
    for heading, cls in (
        ("Classes", owl + "Class"),
        ("Object properties", owl + "ObjectProperty"),
        ("Datatype properties", owl + "DatatypeProperty"),
        ("Annotation properties", owl + "AnnotationProperty"),
    ):
        terms = sorted(
            iri
            for iri, props in values.items()
            if iri.startswith(ONTOLOGY_NS)
            and any(isinstance(o, ox.NamedNode) and o.value == cls for o in props.get(rdf_type, []))
        )
        groups.append((heading, [term(iri) for iri in terms]))
    return _render(
        "ontology.html",
        frame,
        title="peacetalks ontology",
        heading=texts(ONTOLOGY_IRI, PREFIXES["dcterms"] + "title", "en") or "peacetalks ontology",
        description=texts(ONTOLOGY_IRI, PREFIXES["dcterms"] + "description", "en"),
        iri=ONTOLOGY_IRI,
        groups=groups,
    )
