"""Canned-query parameters → RDF terms, bound with pyoxigraph `substitutions`.

A value is checked for its type (`params.check_syntax`, no dataset needed), then converted to one
RDF term (`bind`); the query text is never touched. Resource types (`issue`, `actor`,
`event`) are resolved against the dataset by `LabelIndex.resolve`, in this order:

1. a full IRI (`https://w3id.org/peacetalks/id/issue/crimea`) — it must exist (actors are
   `id/actor/…` and, since news outlets make statements too, `id/outlet/…`);
2. a slug (`crimea`), case-insensitive;
3. an exact label — rdfs:label, skos:prefLabel or skos:altLabel, any language,
   case- and width-insensitive (`Crimea`, `クリミア`, `Trump`);
4. a partial match on the preferred labels (rdfs:label, skos:prefLabel): every word of the
   value is a word of the label (`putin` → "Vladimir Putin"); a value in Japanese script
   matches as a substring (`プーチン` → "ウラジーミル・プーチン");
5. the same partial match on skos:altLabel.

The first step with a unique answer wins; several resources at one step → `AmbiguousValue`
(400), none at all → `UnknownValue` (404); both list close matches (difflib).

Dates: `YYYY`, `YYYY-MM` or `YYYY-MM-DD` bind an `xsd:date`; a year or month binds its first
day for a `bound: lower` parameter and its last day for `bound: upper`, so `from=2025-02`
and `to=2025-02` together cover February. (How the queries compare it to data dated only
to the month or year is in queries/README.md.)
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from peacetalks.api.catalog import CannedQuery
from peacetalks.api.params import IRI_SCHEME, BindingError, Param, check_syntax
from peacetalks.errors import NotFound

ID_BASE = "https://w3id.org/peacetalks/id/"
XSD = "http://www.w3.org/2001/XMLSchema#"
_WORD = re.compile(r"[\w'’]+")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")

KIND_OF_PATH = {"issue": "issue", "actor": "actor", "outlet": "actor", "event": "event"}
"""IRI path segment → parameter type: news outlets (pt:NewsOutlet ⊑ pt:Actor) speak too."""
ALT = "http://www.w3.org/2004/02/skos/core#altLabel"


class AmbiguousValue(BindingError):
    """400: a label that names several resources; `candidates` lists them."""

    code = "ambiguous_parameter"

    def __init__(self, param: str, value: str, candidates: list[str]) -> None:
        super().__init__(
            param, f"{value!r} is ambiguous; did you mean one of: {', '.join(candidates)}"
        )
        self.candidates = candidates


class UnknownValue(NotFound):
    """404: a slug, IRI or label that names nothing of the parameter's kind."""

    code = "unknown_parameter_value"

    def __init__(self, param: str, kind: str, value: str, suggestions: list[str]) -> None:
        hint = f"; close matches: {', '.join(suggestions)}" if suggestions else ""
        super().__init__(f"parameter {param!r}: no {kind} matches {value!r}{hint}")
        self.param = param
        self.suggestions = suggestions


# --- label resolution -----------------------------------------------------------------------


def normalize(text: str) -> str:
    """Case-, width- and space-insensitive form used for every comparison."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass
class _Resource:
    iri: str
    slug: str
    preferred: list[tuple[str, str]] = field(default_factory=list)  # (label, lang)
    alt: list[tuple[str, str]] = field(default_factory=list)

    @functools.cached_property
    def normalized_preferred(self) -> tuple[str, ...]:
        return tuple(normalize(t) for t, _ in self.preferred)

    @functools.cached_property
    def normalized_alt(self) -> tuple[str, ...]:
        return tuple(normalize(t) for t, _ in self.alt)

    def label(self) -> str:
        """English preferred label, else any preferred label, else the slug."""
        for text, lang in self.preferred:
            if lang == "en":
                return text
        return self.preferred[0][0] if self.preferred else self.slug

    def display(self) -> str:
        label = self.label()
        return self.slug if label == self.slug else f"{self.slug} ({label})"


@dataclass(frozen=True)
class Resolved:
    """A resource a parameter value resolved to."""

    iri: str
    slug: str
    label: str


_LABELS_QUERY = """
SELECT DISTINCT ?r ?p ?label WHERE {
  { ?r ?p ?label
    VALUES ?p { <http://www.w3.org/2000/01/rdf-schema#label>
                <http://www.w3.org/2004/02/skos/core#prefLabel>
                <http://www.w3.org/2004/02/skos/core#altLabel> } }
  UNION { ?r a ?type BIND(<urn:none> AS ?p) }
  FILTER(isIRI(?r) && STRSTARTS(STR(?r), "https://w3id.org/peacetalks/id/"))
}
"""


class LabelIndex:
    """Slugs and labels of the issues, actors and events of one dataset (built once per
    dataset version; a few hundred resources)."""

    def __init__(self, resources: Mapping[str, dict[str, _Resource]]) -> None:
        self._by_kind = resources

    @classmethod
    def from_store(cls, store: ox.Store, kinds: Mapping[str, str] = KIND_OF_PATH) -> LabelIndex:
        """Index the resources under `id/{path}/…` for each path of `kinds` (path → kind;
        default: the canned API's issues, actors with outlets, and events)."""
        by_kind: dict[str, dict[str, _Resource]] = {kind: {} for kind in kinds.values()}
        solutions = store.query(_LABELS_QUERY, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        for row in solutions:
            iri = row["r"].value
            kind, _, slug = iri[len(ID_BASE) :].partition("/")
            kind = kinds.get(kind, "")
            if kind not in by_kind or not slug or "/" in slug:
                continue
            resource = by_kind[kind].setdefault(iri, _Resource(iri, slug))
            label = row["label"]
            if not isinstance(label, ox.Literal):
                continue
            entry = (label.value, label.language or "")
            target = resource.alt if row["p"].value == ALT else resource.preferred
            if entry not in target:
                target.append(entry)
        for resources in by_kind.values():
            for resource in resources.values():
                resource.preferred.sort(key=lambda e: (e[1] != "en", e))
                resource.alt.sort()
        return cls(by_kind)

    def resolve(self, kind: str, value: str, *, param: str | None = None) -> Resolved:
        """The one resource of `kind` that `value` names (see the module docstring)."""
        param = param or kind
        resources = self._by_kind.get(kind, {})
        text = value.strip()
        if IRI_SCHEME.match(text):
            if text in resources:
                return self._resolved(resources[text])
            raise UnknownValue(param, kind, value, self._suggest(kind, text.rsplit("/", 1)[-1]))
        wanted = normalize(text)
        slugs = {wanted, wanted.replace(" ", "-")}
        steps: list[Callable[[_Resource], bool]] = [
            lambda r: r.slug in slugs,
            lambda r: wanted in r.normalized_preferred or wanted in r.normalized_alt,
            lambda r: any(_partial(wanted, t) for t in r.normalized_preferred),
            lambda r: any(_partial(wanted, t) for t in r.normalized_alt),
        ]
        for matches in steps:  # the first step that names anything decides
            found = [r for r in resources.values() if matches(r)]
            if len(found) == 1:
                return self._resolved(found[0])
            if len(found) > 1:
                candidates = sorted(r.display() for r in found)
                raise AmbiguousValue(param, value, candidates[:10])
        raise UnknownValue(param, kind, value, self._suggest(kind, wanted))

    @staticmethod
    def _resolved(resource: _Resource) -> Resolved:
        return Resolved(resource.iri, resource.slug, resource.label())

    def _suggest(self, kind: str, wanted: str) -> list[str]:
        """Up to five resources whose slug or a label is close to `wanted` (difflib)."""
        keys: dict[str, list[_Resource]] = {}
        for resource in self._by_kind.get(kind, {}).values():
            texts = [resource.slug] + [normalize(t) for t, _ in resource.preferred + resource.alt]
            words = [w for t in texts for w in re.split(r"[\s\-・]+", t) if len(w) >= 3]
            for key in dict.fromkeys(texts + words):
                keys.setdefault(key, []).append(resource)
        close = difflib.get_close_matches(normalize(wanted), list(keys), n=10, cutoff=0.6)
        shown: list[str] = []
        for key in close:
            for resource in keys[key]:
                if resource.display() not in shown:
                    shown.append(resource.display())
        return shown[:5]


def _partial(wanted: str, label: str) -> bool:
    """Every word of `wanted` is a word of `label` (both normalized); Japanese script: a
    substring."""
    if _JAPANESE.search(wanted):
        return wanted in label
    words = set(_WORD.findall(label))
    wanted_words = _WORD.findall(wanted)
    return bool(wanted_words) and all(w in words for w in wanted_words)


# --- binding a whole request ----------------------------------------------------------------


@dataclass(frozen=True)
class Binding:
    """What a request binds: N-Triples text of each substituted term (the executor's input)
    and the resolved values echoed in the response."""

    substitutions: dict[str, str]
    values: dict[str, Any]


def term_for(
    param: Param, value: str, index: LabelIndex | None
) -> tuple[ox.NamedNode | ox.Literal, Any]:
    """(RDF term, plain value shown in the response) for one parameter value."""
    checked = check_syntax(param, value)
    if param.type in ("issue", "actor", "event"):
        if index is None:
            raise RuntimeError("resource parameters need a LabelIndex")
        resolved = index.resolve(param.type, checked, param=param.name)
        return ox.NamedNode(resolved.iri), resolved.iri
    if param.type == "iri":
        return ox.NamedNode(checked), checked
    if param.type == "date":
        iso = checked.isoformat()
        return ox.Literal(iso, datatype=ox.NamedNode(XSD + "date")), iso
    if param.type == "integer":
        return ox.Literal(str(checked), datatype=ox.NamedNode(XSD + "integer")), checked
    return ox.Literal(checked), checked


def bind(query: CannedQuery, given: Mapping[str, str], index: LabelIndex | None) -> Binding:
    """Bind every parameter of `query` from `given` (name → raw text). Missing required →
    400; missing optional → its default, or left unbound (absent from `substitutions`)."""
    substitutions: dict[str, str] = {}
    values: dict[str, Any] = {}
    for param in query.params:
        raw = given.get(param.name)
        if raw is None or raw == "":
            if param.required:
                raise BindingError(param.name, "required")
            raw = param.default
        if raw is None:
            values[param.name] = None
            continue
        term, shown = term_for(param, raw, index)
        substitutions[param.name] = str(term)
        values[param.name] = shown
    return Binding(substitutions, values)
