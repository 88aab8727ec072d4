"""What `GET /id/{kind}/{slug}` says about one resource.

`describe()` gives the RDF description (a bounded, symmetric description): the resource's
own triples, the triples that point at it (e.g. an actor's statements via `pt:speaker`), and
the labels of every resource either side, so a client can show names without more requests.
Asserted triples only unless `inferred=True`, which adds those of `…/graph/inferred`.

The functions below it gather what the HTML page shows: labels by language, statements as
rows (date, speaker, issues, stance, summaries, sources), the statements about an issue
(including its narrower issues), at an event, or supported by a source.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from peacetalks.dataset.loading import INFERRED_GRAPH
from peacetalks.linked_data.jsonld_context import ID_SPACE, KINDS, PREFIXES

PT = PREFIXES["pt"]
RDF_TYPE = PREFIXES["rdf"] + "type"
RDFS_LABEL = PREFIXES["rdfs"] + "label"
SKOS_PREF = PREFIXES["skos"] + "prefLabel"
SKOS_BROADER = PREFIXES["skos"] + "broader"
PROV_DERIVED = PREFIXES["prov"] + "wasDerivedFrom"
LABEL_PROPERTIES = (RDFS_LABEL, SKOS_PREF)


_INFERRED = ox.NamedNode(INFERRED_GRAPH)


SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.~-]*")
"""What a slug may look like in a request (the data's slugs are lower-case words and `-`)."""


def resource_iri(kind: str, slug: str) -> str:
    return f"{ID_SPACE}{kind}/{slug}"


def valid_slug(slug: str) -> bool:
    """True when `slug` can be part of one of our IRIs (else it names nothing)."""
    return SLUG.fullmatch(slug) is not None


def _keep(quad: ox.Quad, inferred: bool) -> bool:
    return inferred or quad.graph_name != _INFERRED


def exists(store: ox.Store, iri: str) -> bool:
    """True when the resource is the subject of an asserted triple."""
    node = ox.NamedNode(iri)
    return any(q.graph_name != _INFERRED for q in store.quads_for_pattern(node, None, None))


def _sort(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    return sorted(set(triples), key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def label_triples(store: ox.Store, nodes: Iterable[ox.NamedNode]) -> list[ox.Triple]:
    """`rdfs:label` and `skos:prefLabel` triples of `nodes`."""
    out = []
    for node in nodes:
        for p in LABEL_PROPERTIES:
            for q in store.quads_for_pattern(node, ox.NamedNode(p), None):
                out.append(ox.Triple(q.subject, q.predicate, q.object))
    return out


def describe(store: ox.Store, iri: str, *, inferred: bool = False) -> list[ox.Triple]:
    """The resource's triples, the triples pointing at it, and its neighbours' labels."""
    node = ox.NamedNode(iri)
    own = [
        ox.Triple(q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(node, None, None)
        if _keep(q, inferred)
    ]
    incoming = [
        ox.Triple(q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, node)
        if _keep(q, inferred)
    ]
    neighbours = {t.object for t in own if isinstance(t.object, ox.NamedNode)}
    neighbours |= {t.subject for t in incoming if isinstance(t.subject, ox.NamedNode)}
    neighbours.discard(node)
    return _sort([*own, *incoming, *label_triples(store, neighbours)])


# --------------------------------------------------------------------------- HTML data


def labels(store: ox.Store, iri: str) -> dict[str, str]:
    """Preferred labels by language tag ('' for none): rdfs:label, else skos:prefLabel."""
    found: dict[str, str] = {}
    node = ox.NamedNode(iri)
    for p in reversed(LABEL_PROPERTIES):  # rdfs:label wins
        for q in store.quads_for_pattern(node, ox.NamedNode(p), None):
            if isinstance(q.object, ox.Literal):
                found[q.object.language or ""] = q.object.value
    return found


def compact(iri: str) -> str:
    """`prefix:local` for a known namespace, else the IRI."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


class Labeller:
    """Labels of IRIs in `lang` (else English, else any), memoised for one page."""

    def __init__(self, store: ox.Store, lang: str = "en") -> None:
        self.store = store
        self.lang = lang
        self._cache: dict[str, str] = {}

    def __call__(self, iri: str) -> str:
        if iri not in self._cache:
            found = labels(self.store, iri)
            self._cache[iri] = (
                found.get(self.lang)
                or found.get("en")
                or found.get("")
                or next(iter(found.values()), "")
                or compact(iri)
            )
        return self._cache[iri]


def asserted_triples(store: ox.Store, iri: str) -> list[ox.Triple]:
    node = ox.NamedNode(iri)
    return _sort(
        ox.Triple(q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(node, None, None)
        if q.graph_name != _INFERRED
    )


def incoming_triples(store: ox.Store, iri: str) -> list[ox.Triple]:
    node = ox.NamedNode(iri)
    return _sort(
        ox.Triple(q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, node)
        if q.graph_name != _INFERRED
    )


def types(store: ox.Store, iri: str) -> list[str]:
    """Asserted rdf:type IRIs."""
    return sorted(
        t.object.value
        for t in asserted_triples(store, iri)
        if t.predicate.value == RDF_TYPE and isinstance(t.object, ox.NamedNode)
    )


@dataclass
class StatementRow:
    """One statement as the HTML tables show it."""

    iri: str
    date: str = ""
    """`pt:dateSaid`, or `≤ ` + `pt:saidNoLaterThan`, or ''."""
    speakers: list[str] = field(default_factory=list)
    issues: list[str] = field(default_factory=list)
    stances: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    summary: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)


def statement_row(store: ox.Store, iri: str) -> StatementRow:
    values: dict[str, list[ox.NamedNode | ox.Literal]] = defaultdict(list)
    for t in asserted_triples(store, iri):
        if isinstance(t.object, ox.NamedNode | ox.Literal):
            values[t.predicate.value].append(t.object)

    def iris(prop: str) -> list[str]:
        return sorted(v.value for v in values[PT + prop] if isinstance(v, ox.NamedNode))

    row = StatementRow(iri)
    if values[PT + "dateSaid"]:
        row.date = min(v.value for v in values[PT + "dateSaid"])
    elif values[PT + "saidNoLaterThan"]:
        row.date = "≤ " + min(v.value for v in values[PT + "saidNoLaterThan"])
    row.speakers = iris("speaker")
    row.issues = iris("issue")
    row.stances = iris("stance")
    row.events = iris("atEvent")
    row.sources = sorted(v.value for v in values[PROV_DERIVED] if isinstance(v, ox.NamedNode))
    for v in values[PT + "summary"]:
        if isinstance(v, ox.Literal):
            row.summary[v.language or ""] = v.value
    return row


def _date_key(row: StatementRow) -> tuple[str, str]:
    return (row.date.removeprefix("≤ ") or "9999", row.iri)


def _statements(store: ox.Store, query: str, iri: str) -> list[StatementRow]:
    rows = store.query(
        query,
        use_default_graph_as_union=True,
        substitutions={ox.Variable("x"): ox.NamedNode(iri)},
    )
    found = sorted({r["st"].value for r in rows})  # type: ignore[union-attr]
    return sorted((statement_row(store, s) for s in found), key=_date_key)


def statements_by(store: ox.Store, actor: str) -> list[StatementRow]:
    """What an actor said (as speaker), by date."""
    return _statements(store, f"SELECT ?st ?x WHERE {{ ?st <{PT}speaker> ?x }}", actor)


def statements_about(store: ox.Store, issue: str) -> list[StatementRow]:
    """Statements on an issue or any issue narrower than it, by date."""
    return _statements(
        store,
        f"SELECT ?st ?x WHERE {{ ?st a <{PT}Statement> ; <{PT}issue> ?i . "
        f"?i <{SKOS_BROADER}>* ?x }}",
        issue,
    )


def statements_at(store: ox.Store, event: str) -> list[StatementRow]:
    """Statements made at an event."""
    return _statements(store, f"SELECT ?st ?x WHERE {{ ?st <{PT}atEvent> ?x }}", event)


def statements_from(store: ox.Store, source: str) -> list[StatementRow]:
    """Statements an article supports (derived from it, or relayed by a digest)."""
    return _statements(
        store,
        f"SELECT ?st ?x WHERE {{ ?st a <{PT}Statement> . "
        f"{{ ?st <{PROV_DERIVED}> ?x }} UNION {{ ?st <{PT}relayedBy> ?x }} }}",
        source,
    )


def supported_by(store: ox.Store, source: str) -> list[str]:
    """Resources other than statements derived from or relayed by a source."""
    rows = store.query(
        f"SELECT DISTINCT ?r ?x WHERE {{ {{ ?r <{PROV_DERIVED}> ?x }} UNION "
        f"{{ ?r <{PT}relayedBy> ?x }} FILTER NOT EXISTS {{ ?r a <{PT}Statement> }} }} ORDER BY ?r",
        use_default_graph_as_union=True,
        substitutions={ox.Variable("x"): ox.NamedNode(source)},
    )
    return [r["r"].value for r in rows]  # type: ignore[union-attr]


def narrower(store: ox.Store, issue: str) -> list[str]:
    """Issues directly narrower than `issue`."""
    node = ox.NamedNode(issue)
    return sorted(
        {
            q.subject.value
            for q in store.quads_for_pattern(None, ox.NamedNode(SKOS_BROADER), node)
            if isinstance(q.subject, ox.NamedNode)
        }
    )


def resources_of_kind(store: ox.Store, kind: str) -> list[str]:
    """IRIs in `id/{kind}/` that are subjects of asserted triples, sorted."""
    prefix = f"{ID_SPACE}{kind}/"
    rows = store.query(
        "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } "
        f'FILTER(?g != <{INFERRED_GRAPH}> && isIRI(?s) && STRSTARTS(STR(?s), "{prefix}")) }} '
        "ORDER BY ?s"
    )
    return [r["s"].value for r in rows]  # type: ignore[union-attr]


def kind_counts(store: ox.Store) -> dict[str, int]:
    """Resources per kind."""
    rows = store.query(
        "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } "
        f'FILTER(?g != <{INFERRED_GRAPH}> && isIRI(?s) && STRSTARTS(STR(?s), "{ID_SPACE}")) }}'
    )
    counts = dict.fromkeys(KINDS, 0)
    assert isinstance(rows, ox.QuerySolutions)
    for r in rows:
        kind = r["s"].value[len(ID_SPACE) :].split("/", 1)[0]
        if kind in counts:
            counts[kind] += 1
    return counts
