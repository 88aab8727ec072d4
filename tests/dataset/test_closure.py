"""The Oxigraph rules' closure equals owlrl's, triple for triple, but for the listed differences.

owlrl (`peacetalks.dataset.reference`) is the reference; the differences are the ones
`peacetalks.dataset.inference` documents: owlrl's `x owl:sameAs x` for every resource and its
`owl:disjointWith` axioms between XSD datatypes. Anything else either side adds fails.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from peacetalks import resources
from peacetalks.dataset.inference import OWL, XSD, owl_rl_inferences
from peacetalks.dataset.loading import read_source, shipped_sources
from peacetalks.dataset.reference import owlrl_inferences

SAME_AS = ox.NamedNode(OWL + "sameAs")
DISJOINT = ox.NamedNode(OWL + "disjointWith")


def _listed_difference(t: ox.Triple) -> bool:
    """A triple owlrl adds that our closure leaves out on purpose."""
    if t.predicate == SAME_AS and t.subject == t.object:
        return True
    return t.predicate == DISJOINT and all(
        isinstance(x, ox.NamedNode) and x.value.startswith(XSD) for x in (t.subject, t.object)
    )


def _compare(quads: list[ox.Quad]) -> tuple[set[ox.Triple], set[ox.Triple], set[ox.Triple]]:
    """(ours, only owlrl's unlisted, only ours)."""
    ours = set(owl_rl_inferences(quads))
    reference = {t for t in owlrl_inferences(quads) if not _listed_difference(t)}
    return ours, reference - ours, ours - reference


def test_closure_on_the_curated_graph_equals_owlrl() -> None:
    quads = [q for s in shipped_sources(resources.data_root()) for q in read_source(s)]
    if not quads:
        pytest.skip("no shipped ontology or graph in this checkout")
    ours, missing, extra = _compare(quads)
    assert not missing, f"owlrl infers {len(missing)} more, e.g. {sorted(map(str, missing))[:5]}"
    assert not extra, f"we infer {len(extra)} owlrl does not, e.g. {sorted(map(str, extra))[:5]}"
    covers = ox.NamedNode("https://w3id.org/peacetalks/ontology#coversIssue")
    assert any(t.predicate == covers for t in ours)  # the property chain the queries rely on


FIXTURE = """
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix : <http://example.org/> .
:p a owl:ObjectProperty ; rdfs:domain :A ; rdfs:range :B .
:q a owl:ObjectProperty ; owl:inverseOf :p .
:r a owl:ObjectProperty , owl:TransitiveProperty ; owl:equivalentProperty :r2 .
:s a owl:ObjectProperty , owl:SymmetricProperty ; rdfs:subPropertyOf :r .
:chain a owl:ObjectProperty ; owl:propertyChainAxiom ( :p :r :s ) .
:f a owl:ObjectProperty , owl:FunctionalProperty .
:i a owl:ObjectProperty , owl:InverseFunctionalProperty .
:A a owl:Class ; rdfs:subClassOf :C ; owl:equivalentClass :A2 .
:B a owl:Class ; rdfs:subClassOf :C .
:C a owl:Class .
:x :p :y . :y :r :z . :z :r :w . :w :s :v .
:x :f :m1 , :m2 . :k1 :i :n . :k2 :i :n .
:x owl:sameAs :x9 . :x9 :p :u .
"""


def test_closure_on_every_rule_equals_owlrl() -> None:
    """A fixture using each construct the rules cover, so rules the curated graph does not
    exercise (functional properties, sameAs, a 3-step chain, equivalences) are compared too."""
    graph = ox.NamedNode("http://example.org/g")
    quads = [
        ox.Quad(t.subject, t.predicate, t.object, graph)
        for t in ox.parse(FIXTURE, format=ox.RdfFormat.TURTLE)
    ]
    ours, missing, extra = _compare(quads)
    assert not missing, sorted(map(str, missing))
    assert not extra, sorted(map(str, extra))
    ex = "http://example.org/"
    expected = {
        (ex + "x", ex + "chain", ex + "v"),  # p ∘ r ∘ s, r transitive
        (ex + "m1", OWL + "sameAs", ex + "m2"),
        (ex + "k1", OWL + "sameAs", ex + "k2"),
        (ex + "x9", ex + "f", ex + "m1"),  # eq-rep-s
    }
    got = {(t.subject.value, t.predicate.value, t.object.value) for t in ours}
    assert expected <= got
