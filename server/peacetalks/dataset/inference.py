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

import re
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
_SAME_AS = ox.NamedNode(OWL + "sameAs")


@dataclass(frozen=True)
class Rule:
    """`head` holds when all `body` atoms match (SPARQL triple patterns)."""

    name: str
    head: tuple[str, ...]
    body: tuple[str, ...]
    filter: str = ""
    """A SPARQL FILTER expression the match must also pass."""

    @property
    def is_schema(self) -> bool:
        """All body atoms are schema atoms: the rule derives schema from schema."""
        return all(_is_schema(atom) for atom in self.body)

    def query(self, delta_atom: int | None = None) -> str:
        """The rule as a CONSTRUCT over everything known (the union of the store's graphs),
        or with body atom `delta_atom` matched in the delta graph only. Known triples are
        filtered out in the engine."""
        head = " . ".join(self.head)
        atoms = [
            f"GRAPH <{_DELTA.value}> {{ {atom} }}" if i == delta_atom else atom
            for i, atom in enumerate(self.body)
        ]
        where = " . ".join(atoms)
        if self.filter:
            where += f" FILTER({self.filter})"
        if len(self.head) == 1:
            where += f" FILTER NOT EXISTS {{ {head} }}"
        return f"CONSTRUCT {{ {head} }} WHERE {{ {where} }}"

    def specialise(self, store: ox.Store) -> list[Rule]:
        """This rule once per match of its schema atoms, with those atoms' variables
        replaced by the matched IRIs: `?x <p2> ?y :- Δ ?x <p1> ?y` for each sub-property
        pair, instead of every delta triple joined with the schema. Used while the schema
        is fixed; a rule without schema atoms, or matching blank nodes, stays as it is."""
        schema = [a for a in self.body if _is_schema(a)]
        data = [a for a in self.body if not _is_schema(a)]
        if not schema or not data:
            return [self]
        rows = store.query(
            f"SELECT DISTINCT * WHERE {{ {' . '.join(schema)} }}",
            prefixes=_PREFIXES,
            use_default_graph_as_union=True,
        )
        assert isinstance(rows, ox.QuerySolutions)
        names = [v.value for v in rows.variables]
        rules = []
        for row in rows:
            terms = {name: row[name] for name in names}
            if any(not isinstance(t, ox.NamedNode) for t in terms.values()):
                return [self]

            def bind(text: str, terms: dict[str, object] = terms) -> str:
                return _VARIABLE.sub(lambda m: str(terms.get(m.group(1), m.group(0))), text)

            rules.append(
                Rule(
                    self.name,
                    tuple(map(bind, self.head)),
                    tuple(map(bind, data)),
                    bind(self.filter),
                )
            )
        return rules

    def variants(self, *, schema_fixed: bool = False) -> list[str]:
        """One query per body atom, that atom matched in the delta graph (semi-naive);
        with `schema_fixed`, none for schema atoms (the schema closure is complete)."""
        return [
            self.query(i)
            for i, atom in enumerate(self.body)
            if not (schema_fixed and _is_schema(atom))
        ]


SCHEMA_PREDICATES = frozenset(
    f"{prefix}:{name}"
    for prefix, names in (
        ("rdfs", ("subClassOf", "subPropertyOf", "domain", "range")),
        ("owl", ("equivalentClass", "equivalentProperty", "inverseOf", "propertyChainAxiom")),
    )
    for name in names
)
SCHEMA_CLASSES = frozenset(
    "owl:" + name
    for name in (
        "Class",
        "ObjectProperty",
        "DatatypeProperty",
        "SymmetricProperty",
        "TransitiveProperty",
        "FunctionalProperty",
        "InverseFunctionalProperty",
    )
)
"""A body atom with one of these predicates, or typing with one of these classes, is about
the schema; the rest of the body atoms are about the data."""


_VARIABLE = re.compile(r"\?(\w+)")


def _is_schema(atom: str) -> bool:
    _, predicate, obj = atom.split()
    return predicate in SCHEMA_PREDICATES or (predicate == "a" and obj in SCHEMA_CLASSES)


_DIFFERENT = "!sameTerm(?%s1, ?%s2)"
"""With ?c1 = ?c2 (?p1 = ?p2) the head is the body atom itself: nothing to derive."""


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
    Rule(
        "cax-sco", ("?x a ?c2",), ("?c1 rdfs:subClassOf ?c2", "?x a ?c1"), _DIFFERENT % ("c", "c")
    ),
    _r("prp-dom", "?x a ?c", "?p rdfs:domain ?c", "?x ?p ?y"),
    _r("prp-rng", "?y a ?c", "?p rdfs:range ?c", "?x ?p ?y"),
    Rule(
        "prp-spo1",
        ("?x ?p2 ?y",),
        ("?p1 rdfs:subPropertyOf ?p2", "?x ?p1 ?y"),
        _DIFFERENT % ("p", "p"),
    ),
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
        firsts = list({q.object: None for q in store.quads_for_pattern(node, first, None)})
        rests = list({q.object: None for q in store.quads_for_pattern(node, rest, None)})
        if len(firsts) != 1 or len(rests) != 1 or not isinstance(firsts[0], ox.NamedNode):
            return None
        items.append(firsts[0])
        node = rests[0]
    return None


def chain_rules(store: ox.Store) -> list[Rule]:
    """prp-spo2: one rule per `?p owl:propertyChainAxiom (p1 … pn)` with IRI members."""
    rules = []
    axiom = ox.NamedNode(OWL + "propertyChainAxiom")
    found = {(q.subject, q.object): None for q in store.quads_for_pattern(None, axiom, None)}
    for prop, head in found:
        members = _list(store, head) if isinstance(head, ox.NamedNode | ox.BlankNode) else None
        if not members or not isinstance(prop, ox.NamedNode):
            continue
        body = tuple(f"?x{i} <{m.value}> ?x{i + 1}" for i, m in enumerate(members))
        rules.append(Rule(f"prp-spo2 {prop.value}", (f"?x0 {prop} ?x{len(body)}",), body))
    return rules


def _fixpoint(
    store: ox.Store,
    rules: list[Rule],
    inferred: ox.NamedNode,
    on_round: Callable[[int, int], None] | None,
    *,
    schema_fixed: bool = False,
) -> list[ox.Triple]:
    """Round 1 runs each rule over everything; later rounds run the semi-naive variants on
    the previous round's new triples (the delta graph), until a round adds nothing. New
    triples go to the graph `inferred` (and the delta graph while they are new). Returns
    the new triples that touch the schema."""
    first = [(i, r.query()) for i, r in enumerate(rules)]
    later = [(i, q) for i, r in enumerate(rules) for q in r.variants(schema_fixed=schema_fixed)]
    multi_head = {i for i, r in enumerate(rules) if len(r.head) > 1}
    schema_changes: list[ox.Triple] = []
    for round_ in range(1, 10_000):
        fresh: dict[ox.Triple, None] = {}
        idle = {i for i, r in enumerate(rules) if not _can_fire(store, r)}
        for i, query in first if round_ == 1 else later:
            if i in idle:
                continue
            result = store.query(query, prefixes=_PREFIXES, use_default_graph_as_union=True)
            assert isinstance(result, ox.QueryTriples)
            if i in multi_head:  # the engine filtered out known triples for the others
                fresh.update(
                    (t, None)
                    for t in result
                    if next(store.quads_for_pattern(t.subject, t.predicate, t.object), None) is None
                )
            else:
                fresh.update((t, None) for t in result)
        for t in [t for t in fresh if t.predicate == _SAME_AS and t.subject == t.object]:
            del fresh[t]  # eq-ref: left out (module docstring)
        store.clear_graph(_DELTA)
        if on_round:
            on_round(round_, len(fresh))
        if not fresh:
            return schema_changes
        store.extend(
            ox.Quad(t.subject, t.predicate, t.object, g) for t in fresh for g in (_DELTA, inferred)
        )
        schema_changes += (t for t in fresh if _changes_schema(t))
    raise RuntimeError("OWL RL inference did not reach a fixpoint")  # pragma: no cover


def _can_fire(store: ox.Store, rule: Rule) -> bool:
    """False when a body atom with a fixed predicate (and, for rdf:type, a fixed class)
    matches nothing at all: then no variant of the rule derives anything this round."""
    for atom in rule.body:
        _, predicate, obj = atom.split()
        if predicate.startswith("?"):
            continue
        pattern = f"?s {predicate} {obj if predicate == 'a' and not obj.startswith('?') else '?o'}"
        if not store.query(
            f"ASK {{ {pattern} }}", prefixes=_PREFIXES, use_default_graph_as_union=True
        ):
            return False
    return True


_SCHEMA_IRIS = frozenset(
    ox.NamedNode(_PREFIXES[term.split(":")[0]] + term.split(":")[1])
    for term in (*SCHEMA_PREDICATES, *SCHEMA_CLASSES, "rdf:first", "rdf:rest")
)
_RDF_TYPE = ox.NamedNode(RDF + "type")


def _changes_schema(t: ox.Triple) -> bool:
    """A triple a schema atom (or a property chain list) could match."""
    return t.predicate in _SCHEMA_IRIS or (t.predicate == _RDF_TYPE and t.object in _SCHEMA_IRIS)


def infer(
    store: ox.Store,
    inferred: ox.NamedNode,
    *,
    on_round: Callable[[int, int], None] | None = None,
) -> None:
    """Add to the graph `inferred` of `store` the triples the OWL RL closure (this module's
    rules) of the union of its named graphs adds: nothing already in any graph. The
    default graph is not read. `on_round(round, new_triples)` reports progress.

    Stratified: first the schema rules to their fixpoint, then the data rules with the
    schema atoms fixed (no variant for them: that would repeat every join of the first
    round). Should the data rules derive schema (say, a sub-property of
    rdfs:subClassOf), every rule runs again over everything: the plain semi-naive fixpoint.
    """
    store.extend(
        ox.Quad(t.subject, t.predicate, t.object, inferred)
        for t in axioms()
        if next(store.quads_for_pattern(t.subject, t.predicate, t.object), None) is None
    )
    _fixpoint(store, [r for r in RULES if r.is_schema], inferred, on_round)
    data = [
        s for r in (*RULES, *chain_rules(store)) if not r.is_schema for s in r.specialise(store)
    ]
    if _fixpoint(store, data, inferred, on_round, schema_fixed=True):
        _fixpoint(store, [*RULES, *chain_rules(store)], inferred, on_round)


def owl_rl_inferences(
    quads: Iterable[ox.Quad], *, on_round: Callable[[int, int], None] | None = None
) -> list[ox.Triple]:
    """The triples the OWL RL closure adds to the union of `quads` (see `infer`)."""
    store = ox.Store()
    graph = ox.NamedNode("urn:peacetalks:inference:asserted")
    store.extend(ox.Quad(q.subject, q.predicate, q.object, graph) for q in quads)
    inferred = ox.NamedNode("urn:peacetalks:inference:inferred")
    infer(store, inferred, on_round=on_round)
    return [
        ox.Triple(q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, None, inferred)
    ]
