"""Issue 17 (curation errata): the digests' own claims, the parties' conflicts, the article dates.

Every header, 💡, chapter-answer and next-page claim of a digest is a pt:DigestClaim of that
digest; one filter keeps or drops them; the conflicts between the parties the issue names are
answers of the canned `disputed` query; the 公開日 vs URL-date gaps are disagreements.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from curated import ROOT, STATEMENT_NS, ask, curated_store, select

DIGEST_CLAIMS = {
    "digest-000": ["000-30", "000-31", "000-32", "000-33", "000-34"],
    "digest-001": ["001-22", "001-23", "001-24", "001-25", "001-26", "001-27", "001-28", "001-29"],
    "digest-002": ["002-19", "002-20", "002-21", "002-22", "002-23"],
    "digest-003": ["003-25", "003-26", "003-27", "003-28", "003-29", "003-30", "003-31"],
    "digest-004": ["004-30", "004-31", "004-32", "004-33", "004-34", "004-35", "004-36"],
}


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return curated_store()


@pytest.mark.parametrize("digest", sorted(DIGEST_CLAIMS))
def test_digest_claims_of_each_digest(store: ox.Store, digest: str) -> None:
    rows = select(
        store,
        f"""SELECT ?s WHERE {{ ?s a pt:DigestClaim ; prov:wasDerivedFrom source:{digest} ;
                                 pt:speaker outlet:chrysanthemum-digest }} ORDER BY ?s""",
    )
    assert [row[0].removeprefix(STATEMENT_NS)[:6] for row in rows] == DIGEST_CLAIMS[digest]


def test_one_filter_drops_the_digest_framing(store: ox.Store) -> None:
    """With the filter, no statement left is a header/💡 line; without it, all are there."""
    every = select(store, "SELECT (COUNT(?s) AS ?n) WHERE { ?s a pt:Statement }")
    kept = select(
        store,
        """SELECT (COUNT(?s) AS ?n) WHERE { ?s a pt:Statement
             FILTER NOT EXISTS { ?s a pt:DigestClaim } }""",
    )
    framing = sum(len(v) for v in DIGEST_CLAIMS.values())
    assert int(every[0][0]) - int(kept[0][0]) == framing
    # the Nobel 💡 line of digest 001 is framing: gone once the filter is applied
    assert not ask(
        store,
        """ASK { ?s a pt:Statement ; pt:summary ?t FILTER(CONTAINS(STR(?t), "Nobel"))
                 FILTER NOT EXISTS { ?s a pt:DigestClaim } }""",
    )


def disputed_pairs(store: ox.Store) -> set[frozenset[str]]:
    """The (accountA, accountB) pairs the canned `disputed` query answers, unordered."""
    query = (ROOT / "queries" / "disputed.rq").read_text(encoding="utf-8")
    rows = store.query(
        query,
        use_default_graph_as_union=True,
        substitutions={ox.Variable("lang"): ox.Literal("en")},
    )
    assert isinstance(rows, ox.QuerySolutions)
    pairs = set()
    for row in rows:
        a, b = row["accountA"], row["accountB"]
        assert a is not None and b is not None
        pairs.add(frozenset({a.value.rsplit("/", 1)[1][:6], b.value.rsplit("/", 1)[1][:6]}))
    return pairs


PARTY_CONFLICTS = [
    # optimism of Trump and the White House against Zelensky and Starmer
    *[{o, p} for o in ("000-05", "000-19", "000-25", "002-08") for p in ("000-21", "000-23")],
    # "won't join NATO / won't intervene" against US peacekeepers and Asahi's NATO view
    {"001-16", "004-23"},
    {"001-16", "004-08"},
    # a digest header or chapter answer contradicted by its body
    {"002-01", "002-20"},
    {"000-19", "000-34"},
]


def test_party_conflicts_are_disputed_answers(store: ox.Store) -> None:
    pairs = disputed_pairs(store)
    missing = [sorted(c) for c in PARTY_CONFLICTS if frozenset(c) not in pairs]
    assert missing == []
    # accounts on the same side are never paired
    assert frozenset({"000-05", "000-19"}) not in pairs
    assert frozenset({"000-21", "000-23"}) not in pairs


def test_march_call_box_and_paragraphs_are_both_kept(store: ox.Store) -> None:
    assert ask(
        store,
        """ASK { disagreement:march-2025-call-to-come-or-held
                   pt:account account:march-2025-call-planned-reuters-box ,
                              account:march-2025-call-held-digest-000 .
                 account:march-2025-call-planned-reuters-box pt:claimedValue pt:Planned .
                 account:march-2025-call-held-digest-000 pt:claimedValue pt:Occurred . }""",
    )


@pytest.mark.parametrize(
    ("article", "published", "url"),
    [
        ("reuters-3njg2ougxgjobvjo3fz7li7gnee", "2025-02-10", "2025-02-09"),
        ("reuters-re6avztuejowhgal3ojf3ro7aa", "2025-03-18", "2025-03-17"),
        ("mainichi-20250301-003000c", "2025-03-02", "2025-03-01"),
    ],
)
def test_published_and_url_dates_are_a_disagreement(
    store: ox.Store, article: str, published: str, url: str
) -> None:
    rows = select(
        store,
        f"""SELECT ?value WHERE {{
          ?d a pt:Disagreement ; pt:disagreementKind pt:BetweenSources ; pt:account ?a .
          ?a pt:aboutResource source:{article} ; pt:aboutProperty dcterms:issued ;
             pt:claimedValue ?value .
        }} ORDER BY ?value""",
    )
    assert rows == [[url], [published]]


def test_crimea_wording_is_not_a_between_sources_disagreement(store: ox.Store) -> None:
    """Erratum 5: both renderings come from one BBC relay; the box's wording survives as the
    digest's own 💡 line, not as a second source."""
    assert not ask(store, "ASK { disagreement:crimea-remark-wording ?p ?o }")
    assert ask(
        store,
        """ASK { statement:000-33-digest-intro-crimea-return a pt:DigestClaim ;
                   pt:summary ?t
                 FILTER(CONTAINS(STR(?t), "returning the Crimean peninsula to Russia")) }""",
    )


def test_concept_definitions_carry_no_unsourced_facts(store: ox.Store) -> None:
    """Erratum 7: no date of acceptance or pause, no region names the sources do not give."""
    rows = select(
        store,
        """SELECT ?c ?d WHERE {
          VALUES ?c { issue:ceasefire-30-day issue:intelligence-sharing issue:annexed-regions }
          ?c skos:definition ?d .
          FILTER(CONTAINS(?d, "March") || CONTAINS(?d, "3月") || CONTAINS(?d, "accepted")
                 || CONTAINS(?d, "Donetsk") || CONTAINS(?d, "Luhansk")
                 || CONTAINS(?d, "Zaporizhzhia") || CONTAINS(?d, "ドネツク"))
        }""",
    )
    assert rows == []
