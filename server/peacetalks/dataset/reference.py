"""The reference OWL RL closure with owlrl (pure Python), over the union of the graphs.

Not on the serving or build path: `peacetalks.dataset.inference` computes the inferences
inside Oxigraph. This is what tests/dataset/test_closure.py and the benchmark compare it
against. Returns only the triples the closure adds (nothing already asserted, no triple with
a literal subject, which owlrl produces internally).
"""

from __future__ import annotations

from collections.abc import Iterable

import owlrl
import pyoxigraph as ox
import rdflib
from rdflib.term import Node


def _to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language, normalize=False)
        return rdflib.Literal(
            term.value, datatype=rdflib.URIRef(term.datatype.value), normalize=False
        )
    raise TypeError(f"unsupported term in inference input: {term!r}")


def _to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unsupported term in inference output: {term!r}")


def _key(t: tuple[object, object, object]) -> tuple[str, str, str]:
    return (str(t[0]), str(t[1]), str(t[2]))


def owlrl_inferences(quads: Iterable[ox.Quad]) -> list[ox.Triple]:
    """The triples the OWL RL closure adds to the union of `quads` (RDF-star terms skipped)."""
    graph = rdflib.Graph()
    asserted: set[tuple[str, str, str]] = set()
    for q in quads:
        if isinstance(q.subject, ox.Triple) or isinstance(q.object, ox.Triple):
            continue
        triple = (_to_rdflib(q.subject), _to_rdflib(q.predicate), _to_rdflib(q.object))
        graph.add(triple)
        asserted.add(_key((q.subject, q.predicate, q.object)))
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    new: list[ox.Triple] = []
    for s, p, o in graph:
        if isinstance(s, rdflib.Literal) or not isinstance(p, rdflib.URIRef):
            continue
        subject, predicate = _to_ox(s), _to_ox(p)
        assert not isinstance(subject, ox.Literal) and isinstance(predicate, ox.NamedNode)
        inferred = ox.Triple(subject, predicate, _to_ox(o))
        if _key((inferred.subject, inferred.predicate, inferred.object)) not in asserted:
            new.append(inferred)
    return new
