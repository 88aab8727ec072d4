"""Dumps of the dataset: every RDF format × asserted / inferred / all graphs, cached.

Quad formats (N-Quads, TriG) keep the named graphs; triple formats (Turtle, N-Triples,
JSON-LD, RDF/XML) carry the union of the selected graphs, each triple once. Statements are
sorted, so the bytes depend only on the data: the strong `ETag` is the dataset version plus
format plus selection, and `Content-Digest` (RFC 9530) is the SHA-256 of the bytes. The data
is immutable while the server runs, so each (format, graphs) dump is built once, on first
request, and kept (`DumpCache`).

JSON-LD is compact JSON-LD with the published context
(`peacetalks.linked_data.jsonld_context`) embedded, so a dump expands offline to the same
triples (`compact_jsonld`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import pyoxigraph as ox

from peacetalks.dataset.loading import INFERRED_GRAPH
from peacetalks.dataset.store import Dataset
from peacetalks.errors import BadRequest
from peacetalks.linked_data.jsonld_context import CONTEXT, PREFIXES
from peacetalks.sparql.results import used_prefixes


@dataclass(frozen=True)
class DumpFormat:
    media_type: str
    name: str
    """Short name used in file names and `peacetalks export --format`."""
    extension: str
    rdf_format: ox.RdfFormat
    quads: bool
    """True when the format keeps named graphs."""


DUMP_FORMATS: tuple[DumpFormat, ...] = (
    DumpFormat("text/turtle", "turtle", "ttl", ox.RdfFormat.TURTLE, False),
    DumpFormat("application/n-triples", "ntriples", "nt", ox.RdfFormat.N_TRIPLES, False),
    DumpFormat("application/n-quads", "nquads", "nq", ox.RdfFormat.N_QUADS, True),
    DumpFormat("application/trig", "trig", "trig", ox.RdfFormat.TRIG, True),
    DumpFormat("application/ld+json", "jsonld", "jsonld", ox.RdfFormat.JSON_LD, False),
    DumpFormat("application/rdf+xml", "rdfxml", "rdf", ox.RdfFormat.RDF_XML, False),
)
"""Same media types as `peacetalks.sparql.negotiation.RDF_FORMATS` (which negotiates them)."""
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
BY_MEDIA_TYPE = {f.media_type: f for f in DUMP_FORMATS}
BY_NAME = {f.name: f for f in DUMP_FORMATS}

GRAPH_SELECTIONS = ("all", "asserted", "inferred")
"""`graphs=` values: both, the curated (and ontology) graphs only, the OWL RL inferences only."""


def check_selection(graphs: str | None) -> str:
    """The `graphs=` value, defaulting to `all`; `BadRequest` (400) for anything else."""
    value = (graphs or "all").strip().lower()
    if value not in GRAPH_SELECTIONS:
        raise BadRequest(
            f"graphs={graphs!r} is not one of {', '.join(GRAPH_SELECTIONS)} "
            "(asserted: the curated and ontology graphs; inferred: the OWL RL inferences)"
        )
    return value


def selected_graphs(dataset: Dataset, graphs: str) -> list[str]:
    """Named graph IRIs in a selection, sorted."""
    names = sorted(dataset.graph_counts)
    if graphs == "asserted":
        return [g for g in names if g != INFERRED_GRAPH]
    if graphs == "inferred":
        return [g for g in names if g == INFERRED_GRAPH]
    return names


def _key(term: object) -> str:
    return str(term)


def canonical_blank_nodes(quads: list[ox.Quad]) -> list[ox.Quad]:
    """`quads` with blank nodes relabelled from their surroundings, not from the parser.

    The store gives blank nodes random identifiers on every load; a dump must not change
    with them. Each blank node is named by a hash of the statements it occurs in (other
    blank nodes by their previous-round names, refined until stable), so the labels — and so
    the sorted output — depend only on the data. Nodes still alike after that are symmetric
    (swapping them changes nothing) and get a numeric suffix.
    """
    mentions: dict[ox.BlankNode, list[ox.Quad]] = defaultdict(list)
    for q in quads:
        for node in {q.subject, q.object}:
            if isinstance(node, ox.BlankNode):
                mentions[node].append(q)
    if not mentions:
        return quads
    names = dict.fromkeys(mentions, "")

    def show(term: object, me: ox.BlankNode) -> str:
        if isinstance(term, ox.BlankNode):
            return "_:self" if term == me else "_:" + names[term]
        return str(term)

    # Refine until no class of equally named nodes splits any more (at most one round per
    # node): a fixed number of rounds left list cells deep inside SHACL `sh:or` lists
    # indistinguishable, and their tie-break followed the store's random identifiers.
    distinct = 1
    for _ in range(len(mentions)):
        names = {
            b: hashlib.sha256(
                "\n".join(
                    sorted(
                        f"{show(q.subject, b)} {q.predicate} {show(q.object, b)} {q.graph_name}"
                        for q in qs
                    )
                ).encode()
            ).hexdigest()[:20]
            for b, qs in mentions.items()
        }
        if len(set(names.values())) == distinct:
            break
        distinct = len(set(names.values()))
    seen: dict[str, int] = {}
    mapping: dict[ox.BlankNode, ox.BlankNode] = {}
    for b in sorted(mentions, key=lambda b: names[b]):
        n = seen.get(names[b], 0)
        seen[names[b]] = n + 1
        mapping[b] = ox.BlankNode(f"b{names[b]}" + (f"x{n}" if n else ""))

    def relabel(t: Any) -> Any:
        return mapping.get(t, t) if isinstance(t, ox.BlankNode) else t

    return [
        ox.Quad(relabel(q.subject), q.predicate, relabel(q.object), q.graph_name) for q in quads
    ]


def dataset_quads(store: ox.Store, graph_iris: Iterable[str]) -> list[ox.Quad]:
    """All quads of the given named graphs, blank nodes relabelled, sorted by graph,
    subject, predicate, object."""
    quads: list[ox.Quad] = []
    for iri in graph_iris:
        quads += store.quads_for_pattern(None, None, None, ox.NamedNode(iri))
    quads = canonical_blank_nodes(quads)
    quads.sort(
        key=lambda q: (_key(q.graph_name), _key(q.subject), _key(q.predicate), _key(q.object))
    )
    return quads


def union_triples(quads: Iterable[ox.Quad]) -> list[ox.Triple]:
    """The distinct triples of `quads`, sorted (the union of their graphs)."""
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
    return sorted(triples, key=lambda t: (_key(t.subject), _key(t.predicate), _key(t.object)))


def _compact_iri(iri: str) -> str:
    """`prefix:local` when a context prefix covers `iri` (and the result cannot be misread
    as an absolute IRI), else the IRI itself."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns) and not iri[len(ns) :].startswith("//"):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def _node_ref(term: ox.NamedNode | ox.BlankNode) -> str:
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else _compact_iri(term.value)


def _jsonld_value(term: Any) -> Any:
    if isinstance(term, ox.NamedNode | ox.BlankNode):
        return {"@id": _node_ref(term)}
    if term.language:
        return {"@value": term.value, "@language": term.language}
    if term.datatype.value == XSD_STRING:
        return term.value
    # The lexical form is kept as written: no conversion to JSON numbers or booleans.
    return {"@value": term.value, "@type": _compact_iri(term.datatype.value)}


def compact_jsonld(triples: Sequence[ox.Triple]) -> bytes:
    """Compact JSON-LD of `triples` with the published context embedded.

    A flat `@graph` of node objects, one per subject, keys and IRIs compacted with the
    context's prefixes (https://www.w3.org/TR/json-ld11/#compact-iris), literals with their
    language or datatype and their exact lexical form. Lists stay as `rdf:first`/`rdf:rest`
    nodes: folding them into `@list` can lose statements about list nodes (rdflib's
    serializer drops e.g. `_:b owl:sameAs _:b` this way), and the point is a lossless dump.
    """
    rdf_type = PREFIXES["rdf"] + "type"
    nodes: dict[str, dict[str, Any]] = {}
    for t in triples:
        subject = _node_ref(t.subject)  # type: ignore[arg-type]
        node = nodes.setdefault(subject, {"@id": subject})
        if t.predicate.value == rdf_type and isinstance(t.object, ox.NamedNode):
            node.setdefault("@type", []).append(_compact_iri(t.object.value))
        else:
            key = _compact_iri(t.predicate.value)
            node.setdefault(key, []).append(_jsonld_value(t.object))
    graph = [
        {k: (v[0] if isinstance(v, list) and len(v) == 1 else v) for k, v in n.items()}
        for n in nodes.values()
    ]
    doc = {
        "@context": CONTEXT["@context"],
        "@graph": sorted((_sorted_values(n) for n in graph), key=lambda n: n["@id"]),
    }
    return (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


def _json_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _sorted_values(node: dict[str, Any]) -> dict[str, Any]:
    return {k: sorted(v, key=_json_key) if isinstance(v, list) else v for k, v in node.items()}


def serialize_triples(triples: Sequence[ox.Triple], media_type: str) -> bytes:
    """`triples` in an RDF format (quad formats put them in the default graph)."""
    fmt = BY_MEDIA_TYPE[media_type]
    triples = sorted(triples, key=lambda t: (_key(t.subject), _key(t.predicate), _key(t.object)))
    if fmt.name == "jsonld":
        return compact_jsonld(triples)
    items: Sequence[ox.Triple] | Sequence[ox.Quad] = triples
    if fmt.quads:
        items = [ox.Quad(t.subject, t.predicate, t.object) for t in triples]
    return _write(items, fmt)


def _write(items: Sequence[ox.Triple] | Sequence[ox.Quad], fmt: DumpFormat) -> bytes:
    prefixes = None
    if fmt.rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML):
        prefixes = used_prefixes(items, PREFIXES)
    body = ox.serialize(items, format=fmt.rdf_format, prefixes=prefixes)
    return body or b""


@dataclass(frozen=True)
class Dump:
    """One dump's bytes and the metadata that goes into its headers."""

    body: bytes
    format: DumpFormat
    graphs: str
    version: str
    statements: int
    """Triples (triple formats) or quads (quad formats) in the dump."""
    last_modified: datetime

    @property
    def etag(self) -> str:
        return f'"{self.version}-{self.format.name}-{self.graphs}"'

    @property
    def content_digest(self) -> str:
        digest = base64.b64encode(hashlib.sha256(self.body).digest()).decode()
        return f"sha-256=:{digest}:"

    @property
    def filename(self) -> str:
        return f"peacetalks-{self.version}-{self.graphs}.{self.format.extension}"

    def headers(self) -> dict[str, str]:
        """Validators and metadata shared by 200 and 304 answers."""
        return {
            "ETag": self.etag,
            "Last-Modified": http_date(self.last_modified),
            "X-Peacetalks-Dataset-Version": self.version,
            "Cache-Control": "public, max-age=3600",
            "Vary": "Accept",
        }


def built_at(dataset: Dataset) -> datetime:
    """When the dataset was built: the N-Quads cache's mtime (else the load time), to the second."""
    try:
        moment = datetime.fromtimestamp(dataset.nquads_path.stat().st_mtime, UTC)
    except OSError:
        moment = dataset.loaded_at
    return moment.replace(microsecond=0)


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def build_dump(dataset: Dataset, media_type: str, graphs: str) -> Dump:
    """Serialize the selected graphs of `dataset` in one format."""
    fmt = BY_MEDIA_TYPE[media_type]
    quads = dataset_quads(dataset.store, selected_graphs(dataset, graphs))
    if fmt.quads:
        body = _write(quads, fmt)
        count = len(quads)
    else:
        triples = union_triples(quads)
        body = compact_jsonld(triples) if fmt.name == "jsonld" else _write(triples, fmt)
        count = len(triples)
    return Dump(body, fmt, graphs, dataset.version, count, built_at(dataset))


class DumpCache:
    """Dumps of one (immutable) dataset, built lazily, once per (format, graphs)."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self._dumps: dict[tuple[str, str], Dump] = {}
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, media_type: str, graphs: str) -> Dump:
        key = (media_type, graphs)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._dumps:
                self._dumps[key] = build_dump(self.dataset, media_type, graphs)
            return self._dumps[key]


def _etags(header: str) -> list[str]:
    return [t.strip().removeprefix("W/") for t in header.split(",") if t.strip()]


def not_modified(
    if_none_match: str | None, if_modified_since: str | None, etag: str, last_modified: datetime
) -> bool:
    """True when a conditional GET may be answered 304 (RFC 9110 §13.1.2, §13.1.3).

    If-None-Match (weak comparison, `*` matches) takes precedence; If-Modified-Since is
    only looked at without it, and an unparsable date is ignored.
    """
    if if_none_match is not None:
        tags = _etags(if_none_match)
        return "*" in tags or etag.removeprefix("W/") in tags
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return last_modified <= since
    return False
