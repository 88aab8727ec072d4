"""Content negotiation over the two tables (results, RDF)."""

from __future__ import annotations

import pytest
from peacetalks.errors import NotAcceptable
from peacetalks.sparql.negotiation import RDF_FORMATS, RESULTS_FORMATS, content_type, negotiate


@pytest.mark.parametrize(
    ("accept", "kind", "expected"),
    [
        (None, "solutions", "application/sparql-results+json"),
        ("", "graph", "text/turtle"),
        ("*/*", "solutions", "application/sparql-results+json"),
        ("*/*", "graph", "text/turtle"),
        ("text/csv", "solutions", "text/csv"),
        ("text/tab-separated-values", "solutions", "text/tab-separated-values"),
        ("application/sparql-results+xml", "boolean", "application/sparql-results+xml"),
        ("application/json", "solutions", "application/sparql-results+json"),
        ("application/json", "graph", "application/ld+json"),
        ("application/rdf+xml", "graph", "application/rdf+xml"),
        ("application/n-triples", "graph", "application/n-triples"),
        ("text/*", "solutions", "text/csv"),
        (
            "text/csv;q=0.5, application/sparql-results+xml",
            "solutions",
            "application/sparql-results+xml",
        ),
        ("text/csv;q=0.9, */*;q=0.1", "solutions", "text/csv"),
        ("*/*;q=0.1, text/turtle;q=0", "graph", "application/n-triples"),
        (
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "graph",
            "application/rdf+xml",
        ),
        (
            "application/sparql-results+json, application/json;q=0.5",
            "solutions",
            "application/sparql-results+json",
        ),
    ],
)
def test_negotiate(accept: str | None, kind: str, expected: str) -> None:
    assert negotiate(accept, kind) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("param", "kind", "expected"),
    [
        ("json", "solutions", "application/sparql-results+json"),
        ("xml", "solutions", "application/sparql-results+xml"),
        ("csv", "solutions", "text/csv"),
        ("tsv", "boolean", "text/tab-separated-values"),
        ("turtle", "graph", "text/turtle"),
        ("ntriples", "graph", "application/n-triples"),
        ("nquads", "graph", "application/n-quads"),
        ("trig", "graph", "application/trig"),
        ("jsonld", "graph", "application/ld+json"),
        ("rdfxml", "graph", "application/rdf+xml"),
        ("text/csv", "solutions", "text/csv"),
        ("JSON", "solutions", "application/sparql-results+json"),
    ],
)
def test_format_parameter_wins(param: str, kind: str, expected: str) -> None:
    assert negotiate("application/sparql-results+xml", kind, format_param=param) == expected  # type: ignore[arg-type]


def test_nothing_acceptable_lists_the_alternatives() -> None:
    with pytest.raises(NotAcceptable) as info:
        negotiate("image/png", "solutions")
    assert info.value.available == [f.media_type for f in RESULTS_FORMATS]
    assert "text/csv" in info.value.message


def test_unknown_format_parameter_is_not_acceptable() -> None:
    with pytest.raises(NotAcceptable):
        negotiate(None, "graph", format_param="csv")


def test_q_zero_excludes() -> None:
    with pytest.raises(NotAcceptable):
        negotiate("text/csv;q=0", "solutions")


def test_tables_have_unique_names() -> None:
    for table in (RESULTS_FORMATS, RDF_FORMATS):
        names = [n for f in table for n in f.names]
        assert len(names) == len(set(names))


def test_content_type_adds_charset_to_text() -> None:
    assert content_type("text/csv") == "text/csv; charset=utf-8"
    assert content_type("application/sparql-results+json") == "application/sparql-results+json"


def test_several_format_values_first_usable_wins() -> None:
    """SPARQLWrapper sends format=rdf+xml&format=application/rdf+xml."""
    assert negotiate(None, "graph", format_param=["yaml", "rdf+xml"]) == "application/rdf+xml"
    with pytest.raises(NotAcceptable):
        negotiate(None, "solutions", format_param=["yaml", "png"])


def test_docstring_examples() -> None:
    import doctest

    import peacetalks.sparql.negotiation

    assert doctest.testmod(peacetalks.sparql.negotiation).failed == 0
