"""Identifiers written inside notes and definitions must name resources that exist.

`queries/checks/dangling-iri-violation.rq` catches a misspelt IRI in the object of a triple;
a slug written as text (`see figure:004-war-three-years`) escapes it. This test reads every
skos:note, pt:curatorNote and skos:definition of the ontology and the graph, finds each
prefixed name of an id namespace in it (`event:…`, `statement:…`, `figure:…` …), and asks
that the IRI it stands for is typed somewhere in the union (issue 17, erratum 4).
"""

from __future__ import annotations

import re

import pyoxigraph as ox
from curated import curated_store, select

ID = "https://w3id.org/peacetalks/id/"
KINDS = [
    *("account", "actor", "disagreement", "event", "figure", "issue"),
    *("outlet", "place", "post", "source", "stance", "statement"),
]
# a prefixed name: kind, colon, a slug of lower-case words, digits and hyphens
PREFIXED = re.compile(r"\b(" + "|".join(KINDS) + r"):([a-z0-9]+(?:-[a-z0-9]+)*)")
TEXT_PROPERTIES = """
  VALUES ?property { skos:note pt:curatorNote skos:definition }
"""


def names_in_text(text: str) -> list[str]:
    """The id-namespace IRIs written as prefixed names in `text`, in order."""
    return [f"{ID}{kind}/{slug}" for kind, slug in PREFIXED.findall(text)]


def test_names_in_text_reads_prefixed_names() -> None:
    text = "see figure:004-war-third-year and statement:000-06-x; outlet/reuters, pt:Issue."
    assert names_in_text(text) == [
        f"{ID}figure/004-war-third-year",
        f"{ID}statement/000-06-x",
    ]


def dangling_names_in_notes(store: ox.Store) -> list[tuple[str, str]]:
    rows = select(
        store,
        "SELECT ?subject ?text WHERE {" + TEXT_PROPERTIES + " ?subject ?property ?text }",
    )
    typed = {row[0] for row in select(store, "SELECT DISTINCT ?s WHERE { ?s a ?type }")}
    return sorted(
        (subject, iri) for subject, text in rows for iri in names_in_text(text) if iri not in typed
    )


def test_every_identifier_in_a_note_exists() -> None:
    assert dangling_names_in_notes(curated_store()) == []


def test_a_misspelt_identifier_in_a_note_is_found() -> None:
    store = ox.Store()
    store.load(
        input=(
            "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
            f'<{ID}figure/a> a <urn:x> ; skos:note "see figure:a and figure:b"@en .'
        ),
        format=ox.RdfFormat.TURTLE,
        to_graph=ox.NamedNode("urn:test"),
    )
    assert dangling_names_in_notes(store) == [(f"{ID}figure/a", f"{ID}figure/b")]
