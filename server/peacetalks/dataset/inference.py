"""OWL 2 RL inferences computed inside Oxigraph: rules as SPARQL CONSTRUCT, semi-naive.

The rules are the OWL 2 RL/RDF rules (W3C OWL 2 Profiles, §4.3) that the constructs of
this ontology and of RDFS/OWL data in general need: class and property hierarchies,
equivalences, domains and ranges, inverse, symmetric and transitive properties, property
chains (one rule per `owl:propertyChainAxiom`, any length) and `owl:sameAs` (symmetry,
transitivity, replacement). Each rule is its head and body atoms; it runs once per body
atom with that atom matched only against the triples new in the previous round (the
`delta` graph) and the others against everything — the semi-naive fixpoint, which never
re-derives a join whose inputs are all old. Triples with a literal subject are dropped by
CONSTRUCT, as RDF requires.

Reflexive triples (`?c rdfs:subClassOf ?c`, `?p rdfs:subPropertyOf ?p`, the equivalences)
come only from the declarations `owl:Class`, `owl:ObjectProperty`, `owl:DatatypeProperty`,
as in owlrl, not from transitivity (an undeclared `?a ≡ ?b` gives no `?a ⊑ ?a`).

Differences from owlrl's closure (the reference, see `peacetalks.dataset.reference` and
tests/dataset/test_closure.py), each deliberate:
- no `x owl:sameAs x` for every resource (eq-ref): true of everything, useless to a query;
- no `owl:disjointWith` between XSD datatypes (owlrl's own axioms; OWL 2 RL's dt-diff and
  dt-not-type only check consistency, they add no triple).
Rules for class expressions (restrictions, intersections, unions, keys, cardinalities)
and the consistency checks (`owl:Nothing` members, disjointness) are not implemented: the
ontology uses none of those expressions; `peacetalks validate` checks consistency.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyoxigraph as ox

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"

_PREFIXES = {"rdf": RDF, "rdfs": RDFS, "owl": OWL}
_DELTA = ox.NamedNode("urn:peacetalks:inference:delta")
"""The triples new in the previous round; everything (old and new) is in the default graph."""
_DEFAULT = ox.DefaultGraph()
_SAME_AS = ox.NamedNode(OWL + "sameAs")


@dataclass(frozen=True)
class Rule:
    """`head` holds when all `body` atoms match (SPARQL triple patterns)."""

    name: str
    head: tuple[str, ...]
    body: tuple[str, ...]
    filter: str = ""
    """A SPARQL FILTER expression the match must also pass."""

    def variants(self) -> list[str]:
        """One CONSTRUCT per body atom, that atom matched in the delta graph only."""
        head = " . ".join(self.head)
        queries = []
        for i, atom in enumerate(self.body):
            others = " . ".join(a for j, a in enumerate(self.body) if j != i)
            where = f"GRAPH <{_DELTA.value}> {{ {atom} }} {others}"
            if self.filter:
                where += f" FILTER({self.filter})"
            queries.append(f"CONSTRUCT {{ {head} }} WHERE {{ {where} }}")
        return queries


def _r(name: str, head: str | tuple[str, ...], *body: str) -> Rule:
    return Rule(name, (head,) if isinstance(head, str) else head, body)


def _irreflexive(name: str, head: str, *body: str) -> Rule:
    """A rule whose head `?a <p> ?c` is dropped when ?a and ?c are one term: as owlrl, the
    reflexive triples come only from the declarations (scm-cls, scm-op, scm-dp)."""
    a, _, c = head.split()
    return Rule(name, (head,), body, f"!sameTerm({a}, {c})")


RULES: tuple[Rule, ...] = (
    # schema (scm-*)
    _r(
        "scm-cls",
        (
            "?c rdfs:subClassOf ?c",
            "?c owl:equivalentClass ?c",
            "?c rdfs:subClassOf owl:Thing",
            "owl:Nothing rdfs:subClassOf ?c",
        ),
        "?c a owl:Class",
    ),
    _irreflexive(
        "scm-sco", "?a rdfs:subClassOf ?c", "?a rdfs:subClassOf ?b", "?b rdfs:subClassOf ?c"
    ),
    _r(
        "scm-eqc1",
        ("?a rdfs:subClassOf ?b", "?b rdfs:subClassOf ?a"),
        "?a owl:equivalentClass ?b",
    ),
    _irreflexive(
        "scm-eqc2", "?a owl:equivalentClass ?b", "?a rdfs:subClassOf ?b", "?b rdfs:subClassOf ?a"
    ),
    _r(
        "scm-op",
        ("?p rdfs:subPropertyOf ?p", "?p owl:equivalentProperty ?p"),
        "?p a owl:ObjectProperty",
    ),
    _r(
        "scm-dp",
        ("?p rdfs:subPropertyOf ?p", "?p owl:equivalentProperty ?p"),
        "?p a owl:DatatypeProperty",
    ),
    _irreflexive(
        "scm-spo",
        "?a rdfs:subPropertyOf ?c",
        "?a rdfs:subPropertyOf ?b",
        "?b rdfs:subPropertyOf ?c",
    ),
    _r(
        "scm-eqp1",
        ("?a rdfs:subPropertyOf ?b", "?b rdfs:subPropertyOf ?a"),
        "?a owl:equivalentProperty ?b",
    ),
    _irreflexive(
        "scm-eqp2",
        "?a owl:equivalentProperty ?b",
        "?a rdfs:subPropertyOf ?b",
        "?b rdfs:subPropertyOf ?a",
    ),
    _r("scm-dom1", "?p rdfs:domain ?c2", "?p rdfs:domain ?c1", "?c1 rdfs:subClassOf ?c2"),
    _r("scm-dom2", "?p1 rdfs:domain ?c", "?p2 rdfs:domain ?c", "?p1 rdfs:subPropertyOf ?p2"),
    _r("scm-rng1", "?p rdfs:range ?c2", "?p rdfs:range ?c1", "?c1 rdfs:subClassOf ?c2"),
    _r("scm-rng2", "?p1 rdfs:range ?c", "?p2 rdfs:range ?c", "?p1 rdfs:subPropertyOf ?p2"),
    # classes and properties (cax-*, prp-*)
    _r("cax-sco", "?x a ?c2", "?c1 rdfs:subClassOf ?c2", "?x a ?c1"),
    _r("prp-dom", "?x a ?c", "?p rdfs:domain ?c", "?x ?p ?y"),
    _r("prp-rng", "?y a ?c", "?p rdfs:range ?c", "?x ?p ?y"),
    _r("prp-spo1", "?x ?p2 ?y", "?p1 rdfs:subPropertyOf ?p2", "?x ?p1 ?y"),
    _r("prp-inv1", "?y ?q ?x", "?p owl:inverseOf ?q", "?x ?p ?y"),
    _r("prp-inv2", "?y ?p ?x", "?p owl:inverseOf ?q", "?x ?q ?y"),
    _r("prp-symp", "?y ?p ?x", "?p a owl:SymmetricProperty", "?x ?p ?y"),
    _r("prp-trp", "?x ?p ?z", "?p a owl:TransitiveProperty", "?x ?p ?y", "?y ?p ?z"),
    Rule(
        "prp-fp",
        ("?y1 owl:sameAs ?y2",),
        ("?p a owl:FunctionalProperty", "?x ?p ?y1", "?x ?p ?y2"),
        "!sameTerm(?y1, ?y2)",
    ),
    Rule(
        "prp-ifp",
        ("?x1 owl:sameAs ?x2",),
        ("?p a owl:InverseFunctionalProperty", "?x1 ?p ?y", "?x2 ?p ?y"),
        "!sameTerm(?x1, ?x2)",
    ),
    # equality (eq-*; eq-ref left out, see the module docstring)
    _r("eq-sym", "?y owl:sameAs ?x", "?x owl:sameAs ?y"),
    _r("eq-trans", "?x owl:sameAs ?z", "?x owl:sameAs ?y", "?y owl:sameAs ?z"),
    _r("eq-rep-s", "?t ?p ?o", "?s owl:sameAs ?t", "?s ?p ?o"),
    _r("eq-rep-p", "?s ?q ?o", "?p owl:sameAs ?q", "?s ?p ?o"),
    _r("eq-rep-o", "?s ?p ?t", "?o owl:sameAs ?t", "?s ?p ?o"),
)
"""The fixed rules; property chains add one rule each (`chain_rules`)."""

ANNOTATION_PROPERTIES = (
    *(RDFS + n for n in ("label", "comment", "seeAlso", "isDefinedBy")),
    *(OWL + n for n in ("deprecated", "versionInfo", "priorVersion")),
    *(OWL + n for n in ("backwardCompatibleWith", "incompatibleWith")),
)
"""OWL 2's built-in annotation properties (OWL 2 Structural Specification §5.5)."""

_XSD_NAMES = (
    "decimal",
    "integer",
    "nonNegativeInteger",
    "nonPositiveInteger",
    "positiveInteger",
    "negativeInteger",
    "long",
    "int",
    "short",
    "byte",
    "unsignedLong",
    "unsignedInt",
    "unsignedShort",
    "unsignedByte",
    "float",
    "double",
    "string",
    "normalizedString",
    "token",
    "language",
    "Name",
    "NCName",
    "NMTOKEN",
    "boolean",
    "hexBinary",
    "base64Binary",
    "anyURI",
    "dateTime",
    "dateTimeStamp",
    "date",
    "time",
)

DATATYPES = (
    RDF + "PlainLiteral",
    RDF + "XMLLiteral",
    RDF + "HTML",
    RDF + "langString",
    RDFS + "Literal",
    *(XSD + n for n in _XSD_NAMES),
)
"""The OWL 2 RL datatypes (OWL 2 Profiles §4.2, as owlrl reads it: also rdf:HTML and
rdf:langString, plus xsd:date and xsd:time), each an `rdfs:Datatype` (dt-type1)."""


def axioms() -> list[ox.Triple]:
    """The axiomatic triples: owl:Thing and owl:Nothing are classes (cls-thing, cls-nothing1),
    the built-in annotation properties and the datatypes are typed."""
    a, n = ox.NamedNode(RDF + "type"), ox.NamedNode
    return [
        ox.Triple(n(OWL + "Thing"), a, n(OWL + "Class")),
        ox.Triple(n(OWL + "Nothing"), a, n(OWL + "Class")),
        ox.Triple(n(OWL + "Nothing"), n(RDFS + "subClassOf"), n(OWL + "Thing")),
        *(ox.Triple(n(p), a, n(OWL + "AnnotationProperty")) for p in ANNOTATION_PROPERTIES),
        *(ox.Triple(n(d), a, n(RDFS + "Datatype")) for d in DATATYPES),
    ]


def _list(store: ox.Store, head: ox.NamedNode | ox.BlankNode) -> list[ox.NamedNode] | None:
    """The members of an RDF list if they are all IRIs and the list is well formed."""
    first, rest, nil = (ox.NamedNode(RDF + n) for n in ("first", "rest", "nil"))
    items: list[ox.NamedNode] = []
    node: object = head
    for _ in range(10_000):
        if node == nil:
            return items
        if not isinstance(node, ox.NamedNode | ox.BlankNode):
            return None
        firsts = [q.object for q in store.quads_for_pattern(node, first, None, _DEFAULT)]
        rests = [q.object for q in store.quads_for_pattern(node, rest, None, _DEFAULT)]
        if len(firsts) != 1 or len(rests) != 1 or not isinstance(firsts[0], ox.NamedNode):
            return None
        items.append(firsts[0])
        node = rests[0]
    return None


def chain_rules(store: ox.Store) -> list[Rule]:
    """prp-spo2: one rule per `?p owl:propertyChainAxiom (p1 … pn)` with IRI members."""
    rules = []
    axiom = ox.NamedNode(OWL + "propertyChainAxiom")
    for q in store.quads_for_pattern(None, axiom, None, _DEFAULT):
        head = q.object
        members = _list(store, head) if isinstance(head, ox.NamedNode | ox.BlankNode) else None
        if not members or not isinstance(q.subject, ox.NamedNode):
            continue
        body = tuple(f"?x{i} <{m.value}> ?x{i + 1}" for i, m in enumerate(members))
        rules.append(Rule(f"prp-spo2 {q.subject.value}", (f"?x0 {q.subject} ?x{len(body)}",), body))
    return rules


def owl_rl_inferences(
    quads: Iterable[ox.Quad], *, on_round: Callable[[int, int], None] | None = None
) -> list[ox.Triple]:
    """The triples the OWL RL closure (this module's rules) adds to the union of `quads`:
    nothing already asserted. `on_round(round, new_triples)` reports progress."""
    store = ox.Store()
    default = _DEFAULT
    store.extend(
        ox.Quad(q.subject, q.predicate, q.object, default)
        for q in quads
        if not isinstance(q.subject, ox.Triple) and not isinstance(q.object, ox.Triple)
    )
    new = [t for t in axioms() if ox.Quad(t.subject, t.predicate, t.object) not in store]
    store.extend(ox.Quad(t.subject, t.predicate, t.object, default) for t in new)
    # Round 0: everything is new.
    store.extend(ox.Quad(q.subject, q.predicate, q.object, _DELTA) for q in store)
    queries = [v for rule in (*RULES, *chain_rules(store)) for v in rule.variants()]
    inferred: list[ox.Triple] = list(new)
    for round_ in range(1, 10_000):
        fresh: dict[ox.Triple, None] = {}
        for query in queries:
            result = store.query(query, prefixes=_PREFIXES)
            assert isinstance(result, ox.QueryTriples)
            for t in result:
                if t.predicate == _SAME_AS and t.subject == t.object:
                    continue  # eq-ref: left out (module docstring)
                if ox.Quad(t.subject, t.predicate, t.object) not in store:
                    fresh[t] = None
        store.clear_graph(_DELTA)
        if on_round:
            on_round(round_, len(fresh))
        if not fresh:
            break
        store.extend(
            ox.Quad(t.subject, t.predicate, t.object, g) for t in fresh for g in (default, _DELTA)
        )
        inferred.extend(fresh)
    return inferred
