"""Coverage of digest 004 (Gakken, undated; Asahi GLOBE+ 2025-02-19): graph/statements-004.ttl.

Loads the ontology and every graph file into a pyoxigraph store (union default graph),
lists the statements derived from or relayed by digest 004, asserts their exact number and
names (so a dropped statement shows in review), and checks spot facts by SPARQL: speaker,
issue, stance, dates, source URLs, the inauguration-date and Hegseth/Austin disagreements.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from curated import STATEMENT_NS, ask, curated_store, select

EXPECTED = [
    "004-01-russia-aim-overthrow-denazify",
    "004-02-russia-opposes-ukraine-nato",
    "004-03-ukraine-tentative-no-nato",
    "004-04-russia-demands-demilitarization-denazification",
    "004-05-ukraine-proposes-non-aligned-non-nuclear",
    "004-06-asahi-globe-trump-wants-peace-credit",
    "004-07-asahi-globe-russia-seeks-favourable-terms",
    "004-08-asahi-globe-ukraine-needs-nato-to-trust-ceasefire",
    "004-09-asahi-globe-russia-will-not-tolerate-nato",
    "004-10-asahi-globe-ukraine-cannot-recognise-occupied-land",
    "004-11-asahi-globe-us-aims-sovereign-ukraine",
    "004-12-asahi-globe-outlook-unclear",
    "004-13-trump-negotiations-start-immediately",
    "004-14-trump-to-meet-putin-saudi-arabia",
    "004-15-zelensky-lasting-reliable-peace",
    "004-16-trump-crimea-recovery-low",
    "004-17-hegseth-nato-membership-unlikely",
    "004-18-trump-agrees-hegseth-nato-unlikely",
    "004-19-remarks-blow-to-ukraine-please-russia",
    "004-20-trump-warns-tariffs-sanctions",
    "004-21-trump-very-big-favour-to-russia",
    "004-22-trump-reveals-planned-meeting-putin",
    "004-23-zelensky-peacekeepers-including-us",
    "004-24-zelensky-no-talks-without-us",
    "004-25-some-ukrainians-welcome-trump-tough-stance",
    "004-26-ukraine-calls-for-concrete-action",
    "004-27-russia-no-reaction-to-trump",
    "004-28-russian-officials-deal-with-us",
    "004-29-asahi-globe-effect-of-warning-unclear",
    "004-30-digest-header-third-year-nuclear-threat",
    "004-31-digest-intro-inauguration-2024-negotiations",
    "004-32-digest-intro-third-year-outlook-unclear",
    "004-33-digest-intro-aims-unmet-europe-defence",
    "004-34-digest-chapter-aim-overthrow-government",
    "004-35-digest-chapter-agreed-to-negotiate",
    "004-36-digest-next-page-putin-nuclear-use",
]


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return curated_store()


def statements_of_digest(store: ox.Store) -> list[str]:
    """Statements relayed by digest 004 or derived from it or from an article it cites.

    The Asahi GLOBE+ article is cited by digests 001 and 004, so statements derived from it
    are counted here only when digest 004 relays them.
    """
    rows = select(
        store,
        """SELECT DISTINCT ?s WHERE {
          ?s a pt:Statement .
          { ?s pt:relayedBy source:digest-004 }
          UNION { ?s prov:wasDerivedFrom source:digest-004 }
          UNION { ?s prov:wasDerivedFrom source:gakken-ukraine2022 }
        } ORDER BY ?s""",
    )
    return [row[0].removeprefix(STATEMENT_NS) for row in rows]


def test_statement_count_and_names(store: ox.Store) -> None:
    found = statements_of_digest(store)
    print(f"\ndigest 004: {len(found)} statements")
    for name in found:
        print("  ", name)
    assert len(found) == 36
    assert found == EXPECTED


def test_every_statement_cites_a_cited_article(store: ox.Store) -> None:
    bad = select(
        store,
        """SELECT ?s ?src WHERE {
          ?s a pt:Statement ; pt:relayedBy source:digest-004 ; prov:wasDerivedFrom ?src .
          FILTER NOT EXISTS { source:digest-004 dcterms:references ?src }
          # the digest's own header/💡 claims are derived from the digest itself
          FILTER NOT EXISTS { ?s a pt:DigestClaim FILTER(?src = source:digest-004) }
        }""",
    )
    assert bad == []


def test_hegseth_remark_and_trump_agreement(store: ox.Store) -> None:
    assert ask(
        store,
        """ASK {
          statement:004-17-hegseth-nato-membership-unlikely pt:speaker actor:pete-hegseth ;
            pt:speakerOffice post:us-secretary-of-defense ; pt:issue issue:nato-membership ;
            pt:stance stance:doubts ;
            pt:quote "ウクライナがNATOに加盟する可能性は低い"@ja ;
            pt:conflictsWith statement:000-08-austin-nato-membership-unlikely .
          statement:004-18-trump-agrees-hegseth-nato-unlikely pt:speaker actor:donald-trump ;
            pt:stance stance:agrees ;
            pt:respondsTo statement:004-17-hegseth-nato-membership-unlikely .
        }""",
    )


def test_inauguration_date_disagreement(store: ox.Store) -> None:
    rows = select(
        store,
        """SELECT ?value ?src WHERE {
          disagreement:trump-inauguration-date pt:disputedAspect "date" ;
            pt:disagreementKind pt:BetweenSources ; pt:account ?a .
          ?a pt:aboutResource event:trump-inauguration-2025 ; pt:aboutProperty pt:date ;
            pt:claimedValue ?value ; prov:wasDerivedFrom ?src .
        } ORDER BY ?value""",
    )
    assert rows == [
        ["2024-01", "https://w3id.org/peacetalks/id/source/digest-004"],
        ["2025-01", "https://w3id.org/peacetalks/id/source/gakken-ukraine2022"],
    ]
    assert ask(store, 'ASK { event:trump-inauguration-2025 pt:date "2025-01"^^xsd:gYearMonth }')


def test_tariff_and_sanctions_warning(store: ox.Store) -> None:
    rows = select(
        store,
        """SELECT ?bound ?url WHERE {
          statement:004-20-trump-warns-tariffs-sanctions pt:speaker actor:donald-trump ;
            pt:issue issue:tariffs , issue:sanctions ; pt:stance stance:warns ;
            pt:target actor:vladimir-putin ; pt:saidNoLaterThan ?bound ;
            prov:wasDerivedFrom ?src ; pt:relayedBy source:digest-004 .
          ?src schema:url ?url ; dcterms:publisher outlet:asahi-globe .
        }""",
    )
    assert rows == [["2025-02-19", "https://globe.asahi.com/article/15630313"]]


def test_2022_negotiation_positions(store: ox.Store) -> None:
    assert ask(
        store,
        """ASK {
          statement:004-03-ukraine-tentative-no-nato pt:speaker actor:ukraine ;
            pt:issue issue:nato-membership , issue:neutrality ; pt:stance stance:agrees ;
            pt:saidNoLaterThan "2025"^^xsd:gYear ; pt:atEvent event:istanbul-talks-2022 .
          statement:004-04-russia-demands-demilitarization-denazification pt:speaker actor:russia ;
            pt:issue issue:demilitarization , issue:denazification ; pt:stance stance:demands .
          event:istanbul-talks-2022 pt:dateNotGiven true .
        }""",
    )


def test_2022_negotiations_take_nothing_from_digest_002s_header() -> None:
    """Erratum 2: the year and place came from digest 002's unsupported header."""
    store = curated_store()
    assert not ask(
        store,
        """ASK {
          { event:istanbul-talks-2022 pt:date|pt:place|pt:startDate ?any }
          UNION { event:istanbul-talks-2022 prov:wasDerivedFrom|pt:relayedBy source:digest-002 }
          UNION { ?s pt:atEvent event:istanbul-talks-2022 ; pt:dateSaid ?d }
        }""",
    )
    assert ask(
        store,
        """ASK { statement:002-19-digest-header-2022-turkish-plan a pt:DigestClaim ;
                   dcterms:subject event:istanbul-talks-2022 }""",
    )


def test_russia_not_reacting_is_an_observation_not_an_act(store: ox.Store) -> None:
    """Erratum 1: 「反応していない」 reports an absence; Asahi GLOBE+ observes it."""
    assert ask(
        store,
        """ASK { statement:004-27-russia-no-reaction-to-trump pt:speaker outlet:asahi-globe ;
                   pt:stance stance:claims }""",
    )
    assert not ask(
        store,
        """ASK { { statement:004-27-russia-no-reaction-to-trump pt:respondsTo ?x }
                 UNION { statement:004-27-russia-no-reaction-to-trump
                           pt:stance stance:declines-to-comment } }""",
    )


def test_fifth_term_outcome_is_only_the_election(store: ox.Store) -> None:
    """Erratum 3: Gakken's clause on Zelensky is not the election's outcome."""
    rows = select(store, "SELECT ?o WHERE { event:putin-fifth-term-election pt:outcome ?o }")
    assert rows and not any("Zelensky" in o or "ゼレンスキー" in o for (o,) in rows)


def test_zelensky_wants_us_in_peacekeeping(store: ox.Store) -> None:
    assert ask(
        store,
        """ASK {
          statement:004-23-zelensky-peacekeepers-including-us pt:speaker actor:volodymyr-zelensky ;
            pt:speakerOffice post:ukrainian-president ; pt:issue issue:peacekeeping ;
            pt:stance stance:demands ; pt:target actor:united-states .
        }""",
    )


def test_asahi_globe_analysis_speaks_as_outlet(store: ox.Store) -> None:
    rows = select(
        store,
        """SELECT (COUNT(?s) AS ?n) WHERE {
          ?s pt:relayedBy source:digest-004 ; pt:speaker outlet:asahi-globe .
        }""",
    )
    assert rows == [["10"]]  # 004-27 (Russia has not reacted) is the outlet's observation


def test_gakken_dates_and_figures(store: ox.Store) -> None:
    assert ask(
        store,
        """ASK {
          event:russian-invasion-2022 pt:date "2022-02-24"^^xsd:date ;
            pt:figure figure:004-un-civilian-casualties .
          figure:004-un-civilian-casualties schema:value 12300 .
          event:annexation-of-four-regions-2022 pt:date "2022-09-30"^^xsd:date .
          event:ukrainian-counteroffensive-2023 pt:startDate "2023-06"^^xsd:gYearMonth .
          event:kursk-incursion-2024 pt:startDate "2024-08"^^xsd:gYearMonth .
          event:russian-war-aim-change-2022 pt:date "2022-03"^^xsd:gYearMonth .
          source:gakken-ukraine2022 pt:dateNotGiven true ;
            schema:url <https://kids.gakken.co.jp/kagaku/nandemo/ukraine2022/> .
        }""",
    )
