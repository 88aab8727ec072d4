"""Small HTML pages (no JavaScript): resources, listings, errors, and the fallback ontology
documentation; the page frame and helpers are shared with `peacetalks.web`.

Every piece of data goes through `esc()` — labels and summaries may contain `<` or `&`.
Links to `https://w3id.org/peacetalks/id/…` become local `/id/…` paths, ontology terms link
to `/ontology`, any other IRI (Wikidata, outlet URLs) is an external link.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from html import escape
from urllib.parse import quote

import pyoxigraph as ox

from peacetalks.frame.pages import Frame, wrap
from peacetalks.linked_data import describe
from peacetalks.linked_data.jsonld_context import ID_SPACE, ONTOLOGY_IRI, ONTOLOGY_NS

Labeller = Callable[[str], str]


def esc(text: object) -> str:
    """Text escaped for HTML content and attribute values."""
    return escape(str(text), quote=True)


def local_href(iri: str) -> str | None:
    """The path this server answers for one of our IRIs, else None."""
    if iri.startswith(ID_SPACE):
        return "/id/" + iri[len(ID_SPACE) :]
    if iri == ONTOLOGY_IRI or iri.startswith(ONTOLOGY_NS):
        return "/ontology" + iri[len(ONTOLOGY_IRI) :]
    return None


def link(iri: str, text: str | None = None) -> str:
    """An `<a>` to an IRI: local path for ours, external link for the rest."""
    shown = esc(text if text is not None else iri)
    local = local_href(iri)
    if local is not None:
        return f'<a href="{esc(local)}">{shown}</a>'
    if iri.startswith(("http://", "https://")):
        return f'<a class="external" rel="external" href="{esc(iri)}">{shown}</a>'
    return shown


def term(t: object, label: Labeller) -> str:
    """An RDF term: IRIs as labelled links, literals with their language or datatype."""
    if isinstance(t, ox.NamedNode):
        return link(t.value, label(t.value))
    if isinstance(t, ox.Literal):
        if t.language:
            return f'<span class="lit" lang="{esc(t.language)}">{esc(t.value)}</span>'
        datatype = t.datatype.value
        if datatype.endswith("#string"):
            return f'<span class="lit">{esc(t.value)}</span>'
        short = datatype.rsplit("#", 1)[-1]
        return f'<span class="lit">{esc(t.value)} <small>({esc(short)})</small></span>'
    if isinstance(t, ox.BlankNode):
        return f"<code>_:{esc(t.value)}</code>"
    return esc(t)


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A table; `rows` cells are HTML already (escape data with `esc` or `term`)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>\n" for row in rows)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>\n"


def page(title: str, body: str, *, frame: Frame | None = None, head: str = "") -> str:
    """A complete HTML document in the shared frame (`peacetalks.frame`); `title` is text,
    `body` and `head` are HTML."""
    return wrap(title, body, frame, head)


def alternate_links(alternates: Sequence[tuple[str, str, str]]) -> str:
    """`<link rel="alternate">` elements for (href, media type, name)."""
    return "".join(
        f'<link rel="alternate" type="{esc(mt)}" href="{esc(href)}" title="{esc(name)}">\n'
        for href, mt, name in alternates
    )


def format_links(alternates: Sequence[tuple[str, str, str]]) -> str:
    """'Also as: Turtle · JSON-LD · …' paragraph."""
    items = " · ".join(f'<a href="{esc(href)}">{esc(name)}</a>' for href, _, name in alternates)
    return f'<p class="meta">This description as {items}</p>\n'


def section(title: str, content: str) -> str:
    return f"<section>\n<h2>{esc(title)}</h2>\n{content}</section>\n"


def plain_list(items: Iterable[str]) -> str:
    """A `<ul>`; items are HTML."""
    inner = "".join(f"<li>{i}</li>\n" for i in items)
    return f"<ul>\n{inner}</ul>\n" if inner else "<p>None.</p>\n"


def summaries(summary: dict[str, str]) -> str:
    """English then Japanese summary, each with its language."""
    parts = []
    for lang in ("en", "ja", *sorted(k for k in summary if k not in ("en", "ja"))):
        if lang in summary:
            attr = f' lang="{esc(lang)}"' if lang else ""
            parts.append(f"<div{attr}>{esc(summary[lang])}</div>")
    return "".join(parts)


def links(iris: Iterable[str], label: Labeller) -> str:
    return ", ".join(link(i, label(i)) for i in iris)


def error_page(
    status: int,
    title: str,
    message: str,
    suggestions: Sequence[str] = (),
    frame: Frame | None = None,
) -> str:
    """An error page (404 and the like); `suggestions` are IRIs or local paths."""
    body = f"<h1>{esc(status)} — {esc(title)}</h1>\n<p>{esc(message)}</p>\n"
    if suggestions:
        items = [
            f'<a href="{esc(local_href(s) or s)}">{esc(local_href(s) or s)}</a>'
            for s in suggestions
        ]
        body += "<p>Did you mean:</p>\n" + plain_list(items)
    return page(f"{status} {title}", body, frame=frame)


# --------------------------------------------------------------------------- pages


JA = {
    "Date": "日付", "Speaker": "話者", "Issues": "論点", "Stance": "立場", "Summary": "要約",
    "Event": "イベント", "Sources": "出典", "Property": "プロパティ", "Value": "値",
    "Resource": "リソース", "Properties": "プロパティ", "Narrower issues": "下位の論点",
    "Participants": "参加者", "None recorded.": "記録なし。", "Nothing links here.": "参照なし。",
}  # fmt: skip
"""The Japanese of the resource pages' fixed words (data comes with its own labels)."""


def word(text: str, lang: str) -> str:
    return JA.get(text, text) if lang == "ja" else text


def _statement_table(
    rows: Sequence[describe.StatementRow], label: Labeller, *, speaker: bool = True,
    lang: str = "en",
) -> str:  # fmt: skip
    headers = ["Date", *(["Speaker"] if speaker else []), "Issues", "Stance", "Summary"]
    headers = [word(h, lang) for h in [*headers, "Event", "Sources"]]
    cells = []
    for r in rows:
        when = f'<span class="date">{link(r.iri, r.date or "undated")}</span>'
        cells.append(
            [
                when,
                *([links(r.speakers, label)] if speaker else []),
                links(r.issues, label),
                links(r.stances, label),
                summaries(r.summary),
                links(r.events, label),
                links(r.sources, label),
            ]
        )
    if not cells:
        return f"<p>{word('None recorded.', lang)}</p>\n"
    return table(headers, cells)


def _properties(triples: Sequence[ox.Triple], label: Labeller, lang: str = "en") -> str:
    grouped: dict[str, list[object]] = {}
    for t in triples:
        grouped.setdefault(t.predicate.value, []).append(t.object)
    rows = [
        [
            link(p, label(p))
            + (
                f' <small class="meta">{esc(describe.compact(p))}</small>'
                if label(p) != describe.compact(p)
                else ""
            ),
            "<br>".join(term(v, label) for v in values),
        ]
        for p, values in grouped.items()
    ]
    return table([word("Property", lang), word("Value", lang)], rows)


def resource_page(
    store: ox.Store,
    iri: str,
    alternates: Sequence[tuple[str, str, str]],
    max_incoming: int = 500,
    frame: Frame | None = None,
    extra: str = "",
) -> str:
    """The HTML description of one resource: labels (en/ja), properties, its statements."""
    lang = frame.lang if frame else "en"
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
    body = f"<h1>{esc(title)}</h1>\n"
    others = [(lang, text) for lang, text in sorted(names.items()) if text != title]
    for other, text in others:
        attr = f' lang="{esc(other)}"' if other else ""
        body += f'<p class="label"{attr}>{esc(text)}</p>\n'
    kinds = describe.types(store, iri)
    body += f'<p class="meta">IRI <code>{esc(iri)}</code>'
    if kinds:
        body += " — " + links(kinds, label)
    body += "</p>\n" + format_links(alternates)
    ja = lang == "ja"
    body += section(
        word("Properties", lang), _properties(describe.asserted_triples(store, iri), label, lang)
    )
    if kind in ("actor", "issue"):
        body += stance_strip(kind, path[1], title, frame)
    if kind == "actor":
        rows = describe.statements_by(store, iri)
        body += section(
            f"{title}の発言 ({len(rows)})" if ja else f"Statements by {title} ({len(rows)})",
            _statement_table(rows, label, speaker=False, lang=lang),
        )
    elif kind == "issue":
        narrower = describe.narrower(store, iri)
        if narrower:
            body += section(
                word("Narrower issues", lang), plain_list(link(i, label(i)) for i in narrower)
            )
        rows = describe.statements_about(store, iri)
        body += section(
            f"{title}について誰が何を言ったか (下位の論点を含む, {len(rows)})"
            if ja
            else f"Who said what about {title}, including narrower issues ({len(rows)})",
            _statement_table(rows, label, lang=lang),
        )
    elif kind == "event":
        participants = [
            t.object.value
            for t in describe.asserted_triples(store, iri)
            if t.predicate.value == describe.PT + "participant"
            and isinstance(t.object, ox.NamedNode)
        ]
        body += section(
            word("Participants", lang), plain_list(link(p, label(p)) for p in participants)
        )
        rows = describe.statements_at(store, iri)
        body += section(
            f"このイベントでの発言 ({len(rows)})" if ja else f"Said at this event ({len(rows)})",
            _statement_table(rows, label, lang=lang),
        )
    elif kind == "source":
        rows = describe.statements_from(store, iri)
        body += section(
            f"この出典が裏付ける発言 ({len(rows)})"
            if ja
            else f"Statements this source supports ({len(rows)})",
            _statement_table(rows, label, lang=lang),
        )
        other = describe.supported_by(store, iri)
        body += section(
            f"Other resources derived from or relayed by it ({len(other)})",
            plain_list(link(r, label(r)) for r in other),
        )
    incoming = describe.incoming_triples(store, iri)
    rows_in = [
        [term(t.subject, label), link(t.predicate.value, label(t.predicate.value))]
        for t in incoming[:max_incoming]
    ]
    more = (
        f'<p class="meta">… and {len(incoming) - max_incoming} more.</p>\n'
        if len(incoming) > max_incoming
        else ""
    )
    body += section(
        f"参照元 ({len(incoming)})" if ja else f"Referenced by ({len(incoming)})",
        (
            table([word("Resource", lang), word("Property", lang)], rows_in)
            if rows_in
            else f"<p>{word('Nothing links here.', lang)}</p>\n"
        )
        + more,
    )
    return page(title, body, frame=frame, head=alternate_links(alternates))


def stance_strip(kind: str, slug: str, name: str, frame: Frame | None) -> str:
    """The picture of changes of stance (an SVG drawn by `peacetalks.web` at /strip.svg)."""
    ja = frame is not None and frame.lang == "ja"
    query = f"{kind}={quote(slug)}"
    heading = "立場の変化" if ja else "Changes of stance over time"
    alt = (
        f"{name}: 立場の変化 (日付ごとの立場、反転を強調)"
        if ja
        else f"{name}: changes of stance over time (stances by date; flips in bold)"
    )
    table = "表で見る" if ja else "the changes as a table"
    download = "SVGをダウンロード" if ja else "download SVG"
    return section(
        heading,
        f'<figure class="strip"><img src="/strip.svg?{esc(query)}" alt="{esc(alt)}">\n'
        f'<figcaption class="meta"><a href="/questions/stance-shifts?{esc(query)}">'
        f'{esc(table)}</a> · <a href="/strip.svg?{esc(query)}" download>{esc(download)}</a>'
        "</figcaption></figure>\n",
    )


def kind_page(store: ox.Store, kind: str, iris: Sequence[str], frame: Frame | None = None) -> str:
    """The resources of one kind, with their English and Japanese labels."""
    rows = []
    for iri in iris:
        names = describe.labels(store, iri)
        rows.append(
            [
                link(iri, iri[len(ID_SPACE) :]),
                esc(names.get("en") or names.get("", "")),
                f'<span lang="ja">{esc(names["ja"])}</span>' if "ja" in names else "",
            ]
        )
    body = f"<h1>{esc(kind)} ({len(iris)})</h1>\n" + table(["Resource", "Label", "ラベル"], rows)
    return page(f"peacetalks — {kind}", body, frame=frame)


def kinds_page(counts: dict[str, int], frame: Frame | None = None) -> str:
    items = [f'<a href="/id/{esc(k)}/">{esc(k)}</a> ({n})' for k, n in counts.items() if n]
    body = "<h1>Resources by kind</h1>\n" + plain_list(items)
    return page("peacetalks — resources", body, frame=frame)


def ontology_page(triples: Sequence[ox.Triple]) -> str:
    """Our own ontology documentation (used when pyLODE is unavailable or fails)."""
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

    def label(iri: str) -> str:
        return texts(iri, PREFIXES["rdfs"] + "label", "en") or describe.compact(iri)

    groups = (
        ("Classes", owl + "Class"),
        ("Object properties", owl + "ObjectProperty"),
        ("Datatype properties", owl + "DatatypeProperty"),
        ("Annotation properties", owl + "AnnotationProperty"),
    )
    title = texts(ONTOLOGY_IRI, PREFIXES["dcterms"] + "title", "en") or "peacetalks ontology"
    description = texts(ONTOLOGY_IRI, PREFIXES["dcterms"] + "description", "en")
    body = f"<h1>{esc(title)}</h1>\n<p>{esc(description)}</p>\n"
    body += f'<p class="meta">IRI <code>{esc(ONTOLOGY_IRI)}</code> — also as '
    body += '<a href="/ontology?format=ttl">Turtle</a> · '
    body += '<a href="/ontology?format=rdfxml">RDF/XML</a> · '
    body += '<a href="/ontology?format=jsonld">JSON-LD</a></p>\n'
    for heading, cls in groups:
        terms = sorted(
            iri
            for iri, props in values.items()
            if iri.startswith(ONTOLOGY_NS)
            and any(isinstance(o, ox.NamedNode) and o.value == cls for o in props.get(rdf_type, []))
        )
        items = []
        for iri in terms:
            local = iri[len(ONTOLOGY_NS) :]
            ja = texts(iri, PREFIXES["rdfs"] + "label", "ja")
            definition = texts(iri, PREFIXES["skos"] + "definition", "en")
            parents = [
                o.value
                for p in ("subClassOf", "subPropertyOf", "domain", "range")
                for o in values[iri].get(PREFIXES["rdfs"] + p, [])
                if isinstance(o, ox.NamedNode)
            ]
            items.append(
                f'<dt id="{esc(local)}">{esc(label(iri))} <code>pt:{esc(local)}</code>'
                + (f' <span lang="ja">{esc(ja)}</span>' if ja else "")
                + f"</dt>\n<dd>{esc(definition)}"
                + (
                    f'<br><small class="meta">{links(parents, describe.compact)}</small>'
                    if parents
                    else ""
                )
                + "</dd>\n"
            )
        body += section(f"{heading} ({len(terms)})", "<dl>\n" + "".join(items) + "</dl>\n")
    return page("peacetalks ontology", body)
