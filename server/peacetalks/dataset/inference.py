"""OWL 2 RL inferences computed inside Oxigraph: rules as SPARQL INSERTs, semi-naive.

The rules are the OWL 2 RL/RDF rules (W3C OWL 2 Profiles, §4.3) that the constructs of
this ontology and of RDFS/OWL data in general need: class and property hierarchies,
equivalences, domains and ranges, inverse, symmetric and transitive properties, property
chains (one rule per `owl:propertyChainAxiom`, any length) and `owl:sameAs` (symmetry,
transitivity, replacement). Each rule is its head and body atoms; it runs once per body
atom with that atom matched only against the triples new in the previous round (a delta
graph) and the others against everything — the semi-naive fixpoint, which never
re-derives a join whose inputs are all old. Each rule is one SPARQL INSERT evaluated in
the engine, which also drops known triples, literal subjects and `x owl:sameAs x`: no
inferred triple crosses into Python.

Stratified (`infer`): the schema rules first; then the data rules instantiated once per
match of their schema atoms (`Rule.specialise`), the rules between properties grouped by
the strongly connected components of their predicates (`_strata`, so a transitive
property is closed before a chain that uses it runs), and the class memberships last, in
one INSERT per class (`_add_types`) instead of once per rule that derives them (a
statement is an `owl:Thing` by its type and by the domain of each of its properties).
Where that order would be unsound (a rule reading memberships as data, `owl:sameAs` in
play, a rule deriving schema) the plain fixpoint of all rules runs instead.

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

    def update(self, inferred: str, new: str | None, delta: str | None = None) -> str:
        """The rule (one head) as a SPARQL INSERT into the graphs `inferred` and `new` (the
        next round's delta, if any) over every named graph, or, with `delta`, with its first body
        atom matched only in that graph (the previous round's new triples; `variants` puts
        each atom first in turn, where the join starts). Known triples, literal subjects and
        `x owl:sameAs x` are filtered out in the engine: no triple crosses into Python."""
        (head,) = self.head
        s, p, o = head.split()
        atoms = [
            f"GRAPH <{delta}> {{ {atom} }}" if delta and i == 0 else f"GRAPH ?g{i} {{ {atom} }}"
            for i, atom in enumerate(self.body)
        ]
        where = " . ".join(atoms)
        tests = [self.filter] if self.filter else []
        if s.startswith("?"):
            tests.append(f"!isLiteral({s})")
        if p.startswith("?"):
            tests.append(f"isIRI({p})")
        if p.startswith("?") or p == "owl:sameAs":
            tests.append(f"!(sameTerm({p}, owl:sameAs) && sameTerm({s}, {o}))")  # eq-ref
        if tests:
            where += f" FILTER({' && '.join(f'({t})' for t in tests)})"
        where += f" FILTER NOT EXISTS {{ GRAPH ?known {{ {head} }} }}"
        into = f"GRAPH <{new}> {{ {head} }}" if new else ""
        return f"INSERT {{ GRAPH <{inferred}> {{ {head} }} {into} }} WHERE {{ {where} }}"

    def single_headed(self) -> list[Rule]:
        """One rule per head atom, with the same body."""
        return [Rule(self.name, (h,), self.body, self.filter) for h in self.head]

    def with_first(self, atom: int) -> Rule:
        """The same rule with body atom `atom` moved first."""
        body = (self.body[atom], *self.body[:atom], *self.body[atom + 1 :])
        return Rule(self.name, self.head, body, self.filter)

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

            test = bind(self.filter)
            if _NEVER.fullmatch(test):  # `!sameTerm(<a>, <a>)`: the head is the body
                continue
            rules.append(Rule(self.name, tuple(map(bind, self.head)), tuple(map(bind, data)), test))
        return rules

    def variants(
        self, *, schema_fixed: bool = False, fixed: frozenset[str] = frozenset()
    ) -> list[Rule]:
        """The rule once per body atom, that atom first, for matching in the delta graph
        (semi-naive); with `schema_fixed`, none for schema atoms (the schema closure is
        complete), and none for atoms whose predicate is in `fixed` (an earlier stratum
        completed it, see `_strata`)."""
        return [
            self.with_first(i)
            for i, atom in enumerate(self.body)
            if not (schema_fixed and _is_schema(atom)) and _predicate(atom) not in fixed
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
_NEVER = re.compile(r"!sameTerm\((<[^>]*>), \1\)")


def _predicate(atom: str) -> str:
    """The atom's predicate as `<iri>` (or `?variable`)."""
    predicate = atom.split()[1]
    if predicate == "a":
        return f"<{RDF}type>"
    prefix, colon, local = predicate.partition(":")
    if colon and prefix in _PREFIXES and not predicate.startswith("<"):
        return f"<{_PREFIXES[prefix]}{local}>"
    return predicate


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


_DELTAS = (
    ox.NamedNode("urn:peacetalks:inference:delta-1"),
    ox.NamedNode("urn:peacetalks:inference:delta-2"),
)
"""Scratch graphs: the triples new in the previous round, and those new in this one (the
two swap roles every round); every inferred triple is also in the graph `inferred`."""


def _fixpoint(
    store: ox.Store,
    rules: list[Rule],
    inferred: ox.NamedNode,
    on_round: Callable[[int, int], None] | None,
    *,
    schema_fixed: bool = False,
    fixed: frozenset[str] = frozenset(),
) -> bool:
    """Round 1 runs each rule over everything; later rounds run the semi-naive variants on
    the previous round's new triples (a delta graph), until a round adds nothing. New
    triples go to the graph `inferred` (and this round's delta graph). Each rule is one
    SPARQL INSERT run in the engine; a rule sees what the rules before it in the same round
    inserted, so it does not derive those again. A variant whose delta atom cannot match
    (fixed predicate, nothing new with it) is skipped, and so is a rule one of whose
    fixed-predicate atoms matches nothing yet (checked just before it runs).

    Rules that read nothing these rules write (`fixed`, or schema atoms with
    `schema_fixed`) run once, first, and their triples skip the delta graph: every
    recursive rule sees them in its round-1 run over everything. So do the triples of a
    chain that closes over itself (`_closes_itself`). Returns whether a new triple touches
    the schema (such triples always go through the delta graph, which is checked)."""
    rules = [one for r in rules for one in r.single_headed()]
    heads = {_predicate(r.head[0]) for r in rules}
    open_ = any(h.startswith("?") for h in heads)

    def recursive(atom: str) -> bool:
        p = _predicate(atom)
        return open_ or p.startswith("?") or p in heads

    variants = {
        id(r): [
            v for v in r.variants(schema_fixed=schema_fixed, fixed=fixed) if recursive(v.body[0])
        ]
        for r in rules
    }
    rules.sort(key=lambda r: bool(variants[id(r)]))  # the ones run once first
    to_delta = {
        id(r): _writes_schema(r)
        or (bool(variants[id(r)]) and not _closes_itself(store, r, rules, fixed, recursive))
        for r in rules
    }
    later = [(v, to_delta[id(r)]) for r in rules for v in variants[id(r)]]
    previous, new = _DELTAS
    schema_changed = False
    for round_ in range(1, 10_000):
        seen: dict[str, bool] = {}
        todo = [(r, to_delta[id(r)]) for r in rules] if round_ == 1 else later
        for rule, delta_too in todo:
            if round_ > 1 and not _may_match(store, rule.body[0], previous, seen):
                continue
            if _can_fire(store, rule):
                update = rule.update(
                    inferred.value,
                    new.value if delta_too else None,
                    previous.value if round_ > 1 else None,
                )
                store.update(update, prefixes=_PREFIXES)
        store.remove_graph(previous)
        if on_round:
            on_round(round_, _count(store, new))
        if not store.query(f"ASK {{ GRAPH <{new.value}> {{ ?s ?p ?o }} }}"):
            store.remove_graph(new)
            return schema_changed
        schema_changed = schema_changed or _changes_schema(store, new)
        previous, new = new, previous
    raise RuntimeError("OWL RL inference did not reach a fixpoint")  # pragma: no cover


def _writes_schema(rule: Rule) -> bool:
    """Whether the rule's head could be a triple a schema atom matches."""
    obj = rule.head[0].split()[2]
    p = _predicate(rule.head[0])
    if p == f"<{RDF}type>":
        return obj.startswith("?") or _predicate(f"?s {obj} ?o") in _SCHEMA_VALUES.split()
    return p.startswith("?") or p in _SCHEMA_VALUES.split()


def _closes_itself(
    store: ox.Store,
    rule: Rule,
    rules: list[Rule],
    fixed: frozenset[str],
    recursive: Callable[[str], bool],
) -> bool:
    """A chain `?x0 h ?x2 :- ?x0 h ?x1 . ?x1 q ?x2` with `q` transitive and complete
    (`fixed`), whose triples no other rule here reads: joining its own triples again
    gives nothing new (x0 h x1, x1 q x2, x2 q x3: x1 q x3, and x0 h x3 came from the same
    round-1 join), so they need not go through the delta graph. pt:coversIssue ∘
    skos:broaderTransitive is one: that saves a second pass over all its triples."""
    if not rule.name.startswith("prp-spo2") or len(rule.body) != 2:
        return False
    h, first, second = (_predicate(a) for a in (*rule.head, *rule.body))
    if first != h or second not in fixed:
        return False
    if any(
        other is not rule and any(_predicate(a) == h and recursive(a) for a in other.body)
        for other in rules
    ):
        return False
    return bool(store.query(f"ASK {{ GRAPH ?g {{ {second} a <{OWL}TransitiveProperty> }} }}"))


def _count(store: ox.Store, graph: ox.NamedNode) -> int:
    rows = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}")
    assert isinstance(rows, ox.QuerySolutions)
    return int(next(rows)["n"].value)


def _pattern(atom: str) -> str | None:
    """The atom's fixed predicate (and, for rdf:type, fixed class) as a pattern with
    variables elsewhere; None when its predicate is a variable."""
    _, predicate, obj = atom.split()
    if predicate.startswith("?"):
        return None
    return f"?s {predicate} {obj if predicate == 'a' and not obj.startswith('?') else '?o'}"


def _can_fire(store: ox.Store, rule: Rule) -> bool:
    """False when a body atom with a fixed predicate (and, for rdf:type, a fixed class)
    matches nothing at all: then no variant of the rule derives anything this round."""
    for atom in rule.body:
        pattern = _pattern(atom)
        if pattern and not store.query(f"ASK {{ GRAPH ?g {{ {pattern} }} }}", prefixes=_PREFIXES):
            return False
    return True


def _may_match(store: ox.Store, atom: str, delta: ox.NamedNode, seen: dict[str, bool]) -> bool:
    """Whether `atom` can match a triple of the graph `delta` (memoised in `seen`)."""
    pattern = _pattern(atom)
    if pattern is None:
        return True
    if pattern not in seen:
        seen[pattern] = bool(
            store.query(f"ASK {{ GRAPH <{delta.value}> {{ {pattern} }} }}", prefixes=_PREFIXES)
        )
    return seen[pattern]


_SCHEMA_IRIS = frozenset(
    ox.NamedNode(_PREFIXES[term.split(":")[0]] + term.split(":")[1])
    for term in (*SCHEMA_PREDICATES, *SCHEMA_CLASSES, "rdf:first", "rdf:rest")
)
_SCHEMA_VALUES = " ".join(sorted(str(n) for n in _SCHEMA_IRIS))


def _changes_schema(store: ox.Store, graph: ox.NamedNode) -> bool:
    """Whether `graph` holds a triple a schema atom (or a property chain list) could match."""
    return bool(
        store.query(
            f"ASK {{ GRAPH <{graph.value}> {{ {{ ?s ?p ?o VALUES ?p {{ {_SCHEMA_VALUES} }} }} "
            f"UNION {{ ?s a ?o VALUES ?o {{ {_SCHEMA_VALUES} }} }} }} }}"
        )
    )


def _strata(rules: list[Rule]) -> list[tuple[list[Rule], frozenset[str]]]:
    """The rules grouped by the strongly connected components of their predicate
    dependencies (head predicate on body predicates), dependencies first, each with the
    predicates earlier strata complete: `skos:broaderTransitive` is closed before the
    chain `pt:coversIssue ∘ skos:broaderTransitive` runs, so the chain has no semi-naive
    variant for it. One stratum when a predicate is a variable."""
    heads = {id(r): _predicate(r.head[0]) for r in rules}
    if any(p.startswith("?") for r in rules for p in (heads[id(r)], *map(_predicate, r.body))):
        return [(rules, frozenset())]
    edges: dict[str, set[str]] = {}
    for r in rules:
        for atom in r.body:
            edges.setdefault(heads[id(r)], set()).add(_predicate(atom))
    component: dict[str, int] = {}
    order: list[list[str]] = []
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []

    def visit(v: str) -> None:  # Tarjan: components come out dependencies first
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            members = []
            while True:
                w = stack.pop()
                component[w] = len(order)
                members.append(w)
                if w == v:
                    break
            order.append(members)

    for r in rules:
        if heads[id(r)] not in index:
            visit(heads[id(r)])
    strata: list[tuple[list[Rule], frozenset[str]]] = []
    done: set[str] = set()
    for n, members in enumerate(order):
        group = [r for r in rules if component[heads[id(r)]] == n]
        if group:
            strata.append((group, frozenset(done)))
        done.update(members)
    return strata


TYPING = frozenset({"cax-sco", "prp-dom", "prp-rng"})
"""The rules that derive class memberships from memberships and property triples."""
_TYPE = f"<{RDF}type>"


def _reads_types(atom: str) -> bool:
    predicate = atom.split()[1]
    return predicate in ("a", _TYPE) or predicate.startswith("?")


def _typing_last(typing: list[Rule], others: list[Rule]) -> bool:
    """Whether the class memberships can be derived in one pass after all other data rules
    have reached their fixpoint (`_add_types`): every typing rule is specialised (one data
    atom, a fixed class, not a schema class, not reading rdf:type as a property) and no
    other data rule reads memberships, except the `owl:sameAs` replacement rules, which
    only fire when sameAs triples exist (checked after)."""
    for r in typing:
        ((_, predicate, cls),) = (h.split() for h in r.head)
        (atom,) = r.body if len(r.body) == 1 else (None,)
        if atom is None or _is_schema(atom) or cls.startswith("?") or predicate != "a":
            return False
        if cls in _SCHEMA_VALUES.split() or (r.name != "cax-sco" and _reads_types(atom)):
            return False
    return not any(
        _reads_types(atom) for r in others if not r.name.startswith("eq-rep") for atom in r.body
    )


def _add_types(
    store: ox.Store,
    typing: list[Rule],
    inferred: ox.NamedNode,
    on_round: Callable[[int, int], None] | None,
) -> None:
    """cax-sco, prp-dom and prp-rng at once, one INSERT per class: each subject that any of
    the class's rules types, once (DISTINCT in the engine), instead of once per rule and
    round. Complete in one pass because the schema closure is: rdfs:subClassOf is
    transitive and domains and ranges hold for every superclass (scm-dom1, scm-rng1).

    Classes go most specific first (more strict superclasses), so a class can read the
    members of its strict subclasses instead of their sources: a branch `?x a <c1>` is left
    out when c1 ⊏ E ⊏ C for some class E (E's members include c1's), and `?x <p> ?y` when
    p's domain (range) is also some D ⊏ C. Only strict subclasses (C not ⊑ c1) prune, so
    equivalent classes keep their own branches."""
    rules: dict[str, list[tuple[str, str, Rule]]] = {}
    for r in typing:
        ((_, _, cls),) = (h.split() for h in r.head)
        ((_, p, o),) = (a.split() for a in r.body)
        source = o if r.name == "cax-sco" else p
        rules.setdefault(cls, []).append((r.name, source, r))
    sources = {c: {(name, src) for name, src, _ in rs} for c, rs in rules.items()}
    sub = {c: {src for name, src in srcs if name == "cax-sco"} for c, srcs in sources.items()}

    def strict(a: str, b: str) -> bool:
        """a ⊏ b: a ⊑ b and not b ⊑ a."""
        return a in sub.get(b, ()) and b not in sub.get(a, ())

    def pruned(cls: str, name: str, source: str) -> bool:
        below = [d for d in sub[cls] if strict(d, cls)]
        if name == "cax-sco":
            return any(strict(source, e) for e in below)
        return any((name, source) in sources.get(d, ()) for d in below)

    order = sorted(rules, key=lambda c: -sum(strict(c, d) for d in rules))
    before = _count(store, inferred) if on_round else 0
    for cls in order:
        union = []
        known = f"FILTER NOT EXISTS {{ GRAPH ?known {{ ?member a {cls} }} }}"
        for name, source, r in rules[cls]:
            if pruned(cls, name, source):
                continue
            ((subject, _, _),) = (h.split() for h in r.head)
            atom = " ".join(
                "?member" if t == subject else "?other" if t[0] == "?" else t
                for t in r.body[0].split()
            )
            test = f" FILTER({r.filter})" if r.filter else ""
            union.append(f"{{ GRAPH ?g {{ {atom} }}{test} {known} }}")
        store.update(  # known members dropped per branch, before DISTINCT: 30 % faster
            f"INSERT {{ GRAPH <{inferred.value}> {{ ?member a {cls} }} }} WHERE {{ "
            f"{{ SELECT DISTINCT ?member WHERE {{ {' UNION '.join(union)} }} }} "
            f"FILTER(!isLiteral(?member)) }}",
            prefixes=_PREFIXES,
        )
    if on_round:
        on_round(0, _count(store, inferred) - before)


def infer(
    store: ox.Store,
    inferred: ox.NamedNode,
    *,
    on_round: Callable[[int, int], None] | None = None,
) -> None:
    """Add to the graph `inferred` of `store` the triples the OWL RL closure (this module's
    rules) of the union of its named graphs adds: nothing already in any graph. The
    default graph is not read. `on_round(round, new_triples)` reports progress (round 0:
    the class memberships, `_add_types`).

    Stratified: first the schema rules to their fixpoint, then the data rules with the
    schema atoms fixed (no variant for them: that would repeat every join of the first
    round): the rules between properties to their fixpoint, then the class memberships in
    one pass (`_typing_last`; else all data rules together). Should the data rules derive
    schema (say, a sub-property of rdfs:subClassOf), every rule runs again over
    everything: the plain semi-naive fixpoint.
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
    typing = [r for r in data if r.name in TYPING]
    others = [r for r in data if r.name not in TYPING]
    same_as = f"ASK {{ GRAPH ?g {{ ?s <{OWL}sameAs> ?o }} }}"
    if not store.query(same_as):  # eq-* can only fire once some rule derives sameAs:
        others = [r for r in others if not r.name.startswith("eq-")]  # checked below
    if not _typing_last(typing, others):
        changed = _fixpoint(store, data, inferred, on_round, schema_fixed=True)
    elif any(
        _fixpoint(store, group, inferred, on_round, schema_fixed=True, fixed=fixed)
        for group, fixed in _strata(others)
    ):
        changed = True
    elif store.query(same_as):
        changed = _fixpoint(store, data, inferred, on_round, schema_fixed=True)
    else:
        _add_types(store, typing, inferred, on_round)
        changed = False
    if changed:
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
