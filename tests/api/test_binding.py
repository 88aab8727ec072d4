"""Parameter values → RDF terms: label resolution (en, ja, slug, IRI, unknown, ambiguous)
and the per-type checks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyoxigraph as ox
import pytest
from peacetalks.api.binding import AmbiguousValue, LabelIndex, UnknownValue, term_for
from peacetalks.api.params import BindingError, Param, check_syntax

FIXTURE = Path(__file__).parents[1] / "data" / "api" / "fixture.ttl"
ID = "https://w3id.org/peacetalks/id/"


@pytest.fixture(scope="module")
def index() -> LabelIndex:
    store = ox.Store()
    store.load(path=FIXTURE, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode("urn:x:fixture"))
    return LabelIndex.from_store(store)


@pytest.mark.parametrize(
    ("kind", "value", "slug"),
    [
        ("issue", "crimea", "crimea"),  # slug
        ("issue", "CRIMEA", "crimea"),  # case-insensitive
        ("issue", "Crimea", "crimea"),  # English label
        ("issue", "クリミア", "crimea"),  # Japanese label
        ("issue", ID + "issue/crimea", "crimea"),  # IRI
        ("issue", "30-day ceasefire", "ceasefire-30-day"),
        ("issue", "ceasefire", "ceasefire"),  # exact beats the partial "30-day ceasefire"
        ("issue", "lasting peace", "ending-the-war"),  # altLabel
        ("actor", "putin", "vladimir-putin"),  # a word of the label; not "Putin's press secretary"
        ("actor", "Vladimir Putin", "vladimir-putin"),
        ("actor", "プーチン", "vladimir-putin"),  # Japanese altLabel
        ("actor", "ゼレンスキー", "volodymyr-zelensky"),  # Japanese substring of the label
        ("actor", "  Trump ", "donald-trump"),  # exact altLabel, trimmed
        ("actor", "bbc", "bbc"),  # outlets are actors too
        ("event", "trump-putin-call-2025-02-12", "trump-putin-call-2025-02-12"),
        ("event", "kursk incursion", "kursk-incursion-2024"),
    ],
)
def test_resolves(index: LabelIndex, kind: str, value: str, slug: str) -> None:
    assert index.resolve(kind, value).slug == slug


def test_unknown_is_404_with_close_matches(index: LabelIndex) -> None:
    with pytest.raises(UnknownValue) as error:
        index.resolve("actor", "putn", param="actor")
    assert error.value.status == 404
    assert "vladimir-putin (Vladimir Putin)" in error.value.suggestions
    assert "parameter 'actor'" in error.value.message


def test_unknown_iri_is_404(index: LabelIndex) -> None:
    with pytest.raises(UnknownValue):
        index.resolve("issue", ID + "issue/atlantis")


def test_issue_slug_is_not_an_actor(index: LabelIndex) -> None:
    with pytest.raises(UnknownValue):
        index.resolve("actor", "crimea")


def test_ambiguous_is_400_listing_candidates(index: LabelIndex) -> None:
    with pytest.raises(AmbiguousValue) as error:
        index.resolve("actor", "administration", param="actor")
    assert error.value.status == 400
    assert error.value.candidates == [
        "biden-administration (Biden administration)",
        "us-administration (Trump administration)",
    ]


def _param(type_: str, bound: str = "lower") -> Param:
    return Param(name="p", type=type_, description="", bound=bound)


@pytest.mark.parametrize(
    ("value", "bound", "expected"),
    [
        ("2025", "lower", date(2025, 1, 1)),
        ("2025", "upper", date(2025, 12, 31)),
        ("2025-02", "lower", date(2025, 2, 1)),
        ("2025-02", "upper", date(2025, 2, 28)),
        ("2024-02", "upper", date(2024, 2, 29)),
        ("2025-02-12", "upper", date(2025, 2, 12)),
    ],
)
def test_dates(value: str, bound: str, expected: date) -> None:
    assert check_syntax(_param("date", bound), value) == expected


@pytest.mark.parametrize(
    ("type_", "value"),
    [
        ("date", "2025-02-30"),
        ("date", "2025-13"),
        ("date", "12/02/2025"),
        ("date", "2025-02-12T10:00"),
        ("integer", "1.5"),
        ("integer", "12abc"),
        ("language", "english!"),
        ("language", "e"),
        ("iri", "crimea"),
        ("iri", "http://x/a b"),
        ("iri", "http://x/a>b"),
        ("string", ""),
        ("string", "a\nSERVICE <http://evil/> {}"),
        ("string", "x" * 301),
        ("actor", "put\nin"),
    ],
)
def test_malformed_values_name_the_parameter(type_: str, value: str) -> None:
    with pytest.raises(BindingError) as error:
        check_syntax(_param(type_), value)
    assert error.value.status == 400
    assert error.value.message.startswith("parameter 'p': ")


@pytest.mark.parametrize(
    ("type_", "value", "term"),
    [
        ("date", "2025-02", '"2025-02-01"^^<http://www.w3.org/2001/XMLSchema#date>'),
        ("integer", "+42", '"42"^^<http://www.w3.org/2001/XMLSchema#integer>'),
        ("language", "EN-gb", '"en-gb"'),
        ("string", 'a" } UNION { ?s ?p ?o', '"a\\" } UNION { ?s ?p ?o"'),
        ("iri", "https://example.org/x", "<https://example.org/x>"),
    ],
)
def test_terms_are_rdf_terms_not_text(type_: str, value: str, term: str) -> None:
    bound, _ = term_for(_param(type_), value, None)
    assert str(bound) == term


@pytest.mark.parametrize(
    ("value", "slug"),
    [
        ("trump", "donald-trump"),  # not ambiguous with "Trump administration"
        ("トランプ", "donald-trump"),
        ("putin", "vladimir-putin"),
        ("プーチン", "vladimir-putin"),
        ("zelensky", "volodymyr-zelensky"),
        ("ゼレンスキー", "volodymyr-zelensky"),
    ],
)
def test_surnames_resolve_in_the_shipped_graph(value: str, slug: str) -> None:
    """The sources name people by surname (トランプ氏, プーチン大統領); so do users."""
    from curated import curated_store

    assert LabelIndex.from_store(curated_store()).resolve("actor", value).slug == slug
