"""Cell values → resources, resolved the way the canned API resolves parameters.

`peacetalks.api.binding.LabelIndex` does the work (IRI, slug, exact label in English or
Japanese, then partial label); this module adds the kinds a statement row names beyond the
API's (stances, posts, sources, statements, figures, outlets), article URLs, and the
resources the rows themselves create (`new:SLUG`). A failure is a `CellError` whose message
names the value and its close matches; the caller adds the row and column.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from peacetalks.api.binding import ID_BASE, AmbiguousValue, LabelIndex, UnknownValue
from peacetalks.dataset.loading import GRAPH_BASE

KINDS = {
    "issue": "issue",
    "stance": "stance",
    "post": "post",
    "event": "event",
    "source": "source",
    "statement": "statement",
    "figure": "figure",
    "outlet": "outlet",
    "place": "place",
}
"""IRI path → kind of the curation index (speakers and targets use the API's actor index,
in which news outlets are actors too)."""

NEW = "new:"
"""Prefix of a cell that asks for a new resource (`new:jane-doe`)."""
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
"""Lower-case ASCII words joined by `-` (docs/architecture.md, IRIs)."""
_URL = re.compile(r"^https?://", re.IGNORECASE)

_URLS_QUERY = """
SELECT ?source ?url WHERE {
  ?source <https://schema.org/url> ?url
  FILTER(STRSTARTS(STR(?source), "https://w3id.org/peacetalks/id/source/"))
}"""
_TYPES_QUERY = """
SELECT ?r ?type WHERE {
  ?r a ?type FILTER(STRSTARTS(STR(?r), "https://w3id.org/peacetalks/id/"))
}"""


_ARTICLE_FACTS = {
    "https://schema.org/url": "url",
    "http://purl.org/dc/terms/publisher": "outlet",
    "http://purl.org/dc/terms/title": "title",
    "http://www.w3.org/2000/01/rdf-schema#label": "label",
    "http://purl.org/dc/terms/issued": "issued",
    "http://purl.org/dc/terms/language": "language",
}
"""Article property → key of `Resolver.article`'s facts."""

_FILES_QUERY = """
SELECT ?r ?g WHERE {
  GRAPH ?g { ?r a ?type } FILTER(STRSTARTS(STR(?r), "https://w3id.org/peacetalks/id/"))
} ORDER BY ?g"""


class CellError(Exception):
    """A value that names no resource, or several; `str()` is the message for the curator."""


def iri_of(kind: str, slug: str) -> str:
    """`https://w3id.org/peacetalks/id/{kind}/{slug}`."""
    return f"{ID_BASE}{kind}/{slug}"


def slug_of(iri: str) -> str:
    """The slug of an `id/…` IRI (the last path segment); other IRIs unchanged."""
    return iri.rsplit("/", 1)[-1] if iri.startswith(ID_BASE) else iri


class Resolver:
    """Resolution against one store (the graph the rows go into) plus the rows' own
    new resources and statements."""

    def __init__(self, store: ox.Store) -> None:
        self._store = store
        self._index = LabelIndex.from_store(store, KINDS)
        self._actors = LabelIndex.from_store(store)
        self._urls: dict[str, str] = {}
        for row in store.query(_URLS_QUERY, use_default_graph_as_union=True):  # type: ignore[union-attr]
            self._urls.setdefault(row["url"].value.rstrip("/"), row["source"].value)
        self.types: dict[str, set[str]] = {}
        for row in store.query(_TYPES_QUERY, use_default_graph_as_union=True):  # type: ignore[union-attr]
            self.types.setdefault(row["r"].value, set()).add(row["type"].value)
        self.files: dict[str, str] = {}
        """Resource IRI → the file (named graph, relative to the graph base) typing it."""
        for row in store.query(_FILES_QUERY):  # type: ignore[union-attr]
            self.files.setdefault(row["r"].value, row["g"].value.removeprefix(GRAPH_BASE))
        self.pending: dict[str, dict[str, str]] = {}
        """kind → slug → IRI of the resources and statements the rows create."""

    def exists(self, iri: str) -> bool:
        """True when the store describes `iri` (it has a type)."""
        return iri in self.types

    def add_pending(self, kind: str, slug: str) -> str:
        """Register a resource the rows create; returns its IRI."""
        iri = iri_of(kind, slug)
        self.pending.setdefault(kind, {})[slug] = iri
        return iri

    def resolve(self, kind: str, value: str) -> str:
        """The IRI `value` names. `kind` is `actor` (actors and outlets) or one of `KINDS`;
        the rows' own new resources and statements come first."""
        text = value.strip()
        if text.startswith(NEW):
            raise CellError(f"{value!r} asks for a new {kind}, which this column cannot create")
        for key in ("actor", "outlet") if kind == "actor" else (kind,):
            pending = self.pending.get(key, {})
            if text in pending:
                return pending[text]
            if text in pending.values():
                return text
        if kind == "source" and _URL.match(text) and not text.startswith(ID_BASE):
            found = self._urls.get(text.rstrip("/"))
            if found:
                return found
        index = self._actors if kind == "actor" else self._index
        try:
            return index.resolve(kind, text).iri
        except AmbiguousValue as e:
            raise CellError(
                f"{value!r} is ambiguous; did you mean one of: {', '.join(e.candidates)}"
            ) from e
        except UnknownValue as e:
            hint = f"; close matches: {', '.join(e.suggestions)}" if e.suggestions else ""
            raise CellError(f"no {kind} matches {value!r}{hint}") from e

    def article(self, iri: str) -> dict[str, str]:
        """An article's URL, outlet, title (and `title_lang`), labels (`label_en`,
        `label_ja`), publication date and language; the first in sort order of each."""
        facts: dict[str, str] = {}
        pairs = {
            (q.predicate.value, q.object)
            for q in self._store.quads_for_pattern(ox.NamedNode(iri), None, None)
        }
        for predicate, value in sorted(pairs, key=str):
            key = _ARTICLE_FACTS.get(predicate)
            if key is None:
                continue
            if key == "label" and isinstance(value, ox.Literal):
                key = f"label_{value.language}"
            if key in facts or isinstance(value, ox.Triple):
                continue
            facts[key] = value.value
            if key == "title" and isinstance(value, ox.Literal) and value.language:
                facts["title_lang"] = value.language
        return facts
