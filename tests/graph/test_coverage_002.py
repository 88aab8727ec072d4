"""Coverage of digest 002 (Mainichi 2025-03-14, Asahi 2022-03-11): graph/statements-002.ttl.

Loads the ontology and every graph file into a pyoxigraph store (union default graph),
lists the statements relayed by digest 002, asserts their exact number and names, and
checks spot facts (including the Putin–Lukashenko meeting-date disagreement) by SPARQL.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from curated import ask, assert_statement_list, check_provenance, curated_store, relayed_statements

DIGEST = "digest-002"
EXPECTED = [
    "002-01-putin-no-unconditional-30-day-ceasefire",
    "002-02-putin-lasting-peace-root-causes",
    "002-03-putin-limit-arms-deliveries",
    "002-04-putin-continue-us-russia-talks",
    "002-05-mainichi-putin-seeks-favourable-terms",
    "002-06-putin-condemns-cross-border-attacks",
    "002-07-mainichi-putin-eyes-talks-with-trump",
    "002-08-trump-putin-remarks-promising",
    "002-09-trump-positive-on-phone-talks",
    "002-10-putin-discuss-monitoring-with-trump",
    "002-11-putin-rearmament-violations-need-us-talks",
    "002-12-us-g7-frozen-assets-funding",
    "002-13-us-ukraine-10-year-security-agreement",
    "002-14-asahi-lukashenko-in-moscow-to-meet-putin",
    "002-15-lukashenko-no-need-to-rush-ceasefire",
    "002-16-lukashenko-warns-us-ploy",
    "002-17-digest-russia-advantaged-kursk-withdrawal",
    "002-18-digest-post-ceasefire-risks",
    "002-19-digest-header-2022-turkish-plan",
    "002-20-digest-header-putin-backs-us-plan-2024",
    "002-21-digest-header-zelensky-refuses",
    "002-22-digest-chapter-putin-expects-monitoring-talks",
    "002-23-digest-chapter-russia-advantaged-risks",
]


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return curated_store()


def test_statement_count(store: ox.Store) -> None:
    found = relayed_statements(store, DIGEST)
    assert_statement_list(found, EXPECTED, 23, f"statements relayed by {DIGEST}")


def test_provenance(store: ox.Store) -> None:
    check_provenance(store, DIGEST)


SPOT_FACTS = {
    "Putin: not unconditionally, quote, Mainichi URL": """ASK {
        statement:002-01-putin-no-unconditional-30-day-ceasefire pt:speaker actor:vladimir-putin ;
            pt:speakerOffice post:russian-president ;
            pt:issue issue:ceasefire-30-day ; pt:stance stance:conditional ;
            pt:quote "議論すべき問題ある"@ja ; pt:quoteIsTranslation true ;
            pt:saidNoLaterThan "2025-03-14"^^xsd:date ;
            dcterms:subject event:us-30-day-ceasefire-proposal ;
            prov:wasDerivedFrom ?a ; pt:figure ?f .
        ?a schema:url <https://mainichi.jp/articles/20250314/k00/00m/030/015000c> .
        ?f schema:value 30 ; schema:unitText "day" .
    }""",
    "root causes demanded": """ASK {
        statement:002-02-putin-lasting-peace-root-causes pt:issue issue:root-causes ;
            pt:stance stance:demands .
    }""",
    "limits on arms deliveries during a ceasefire": """ASK {
        statement:002-03-putin-limit-arms-deliveries pt:issue issue:rearmament-during-ceasefire ;
            pt:stance stance:demands .
    }""",
    "cross-border attacks condemned": """ASK {
        statement:002-06-putin-condemns-cross-border-attacks pt:stance stance:criticizes ;
            pt:target actor:ukrainian-armed-forces .
    }""",
    "Trump: 'promising', responding to Putin": """ASK {
        statement:002-08-trump-putin-remarks-promising pt:speaker actor:donald-trump ;
            pt:quote "頼もしい"@ja ; pt:stance stance:welcomes ;
            pt:respondsTo statement:002-01-putin-no-unconditional-30-day-ceasefire .
    }""",
    "Putin wants to discuss monitoring with Trump": """ASK {
        statement:002-10-putin-discuss-monitoring-with-trump pt:issue issue:ceasefire-monitoring ;
            pt:target actor:donald-trump .
    }""",
    "G7 frozen assets and the 10-year agreement": """ASK {
        statement:002-12-us-g7-frozen-assets-funding pt:speaker actor:united-states ;
            pt:issue issue:frozen-assets ; dcterms:subject event:g7-frozen-assets-loan .
        statement:002-13-us-ukraine-10-year-security-agreement
            pt:issue issue:bilateral-security-agreement ;
            dcterms:subject event:us-ukraine-security-agreement ; pt:figure ?f .
        ?f schema:value 10 ; schema:unitText "year" .
    }""",
    "Asahi 2022 report, originally by RIA Novosti and TASS": """ASK {
        statement:002-14-asahi-lukashenko-in-moscow-to-meet-putin pt:speaker outlet:asahi ;
            pt:originallyReportedBy outlet:ria-novosti , outlet:tass ;
            pt:saidNoLaterThan "2022-03-11"^^xsd:date ; prov:wasDerivedFrom ?a .
        ?a schema:url <https://www.asahi.com/articles/ASQ3C5QBRQ3CIIPE01N.html> .
    }""",
    "Lukashenko: no rush, ploy; digest's own account with a neutral year bound": """ASK {
        statement:002-15-lukashenko-no-need-to-rush-ceasefire
            pt:speaker actor:alexander-lukashenko ; pt:speakerOffice post:belarusian-president ;
            pt:issue issue:ceasefire ; pt:atEvent event:putin-lukashenko-meeting-moscow ;
            pt:saidNoLaterThan "2025"^^xsd:gYear ; prov:wasDerivedFrom source:digest-002 .
        statement:002-16-lukashenko-warns-us-ploy pt:quote "策略"@ja ;
            pt:target actor:united-states ; pt:stance stance:warns .
        FILTER NOT EXISTS { statement:002-15-lukashenko-no-need-to-rush-ceasefire
                            prov:wasDerivedFrom source:asahi-asq3c5qbrq3ciipe01n }
    }""",
    "meeting-date disagreement between sources": """ASK {
        disagreement:putin-lukashenko-meeting-date a pt:Disagreement ;
            pt:disputedAspect "date" ; pt:disagreementKind pt:BetweenSources ;
            pt:account ?a1 , ?a2 .
        ?a1 a pt:Account ; pt:aboutResource event:putin-lukashenko-meeting-moscow ;
            pt:aboutProperty pt:date ; pt:claimedValue "2022-03"^^xsd:gYearMonth ;
            prov:wasDerivedFrom source:asahi-asq3c5qbrq3ciipe01n ; pt:relayedBy source:digest-002 .
        ?a2 a pt:Account ; pt:aboutResource event:putin-lukashenko-meeting-moscow ;
            pt:aboutProperty pt:date ; pt:claimedValue "2025"^^xsd:gYear ;
            prov:wasDerivedFrom source:digest-002 .
    }""",
    "Kursk withdrawal possible (digest's analysis)": """ASK {
        statement:002-17-digest-russia-advantaged-kursk-withdrawal
            pt:speaker outlet:chrysanthemum-digest ; pt:issue issue:kursk ;
            pt:stance stance:predicts .
    }""",
}


@pytest.mark.parametrize("name", sorted(SPOT_FACTS))
def test_spot_fact(store: ox.Store, name: str) -> None:
    assert ask(store, SPOT_FACTS[name]), name


def test_monitoring_summary_stops_at_its_sentence(store: ox.Store) -> None:
    """Erratum 6: "responsibility for violations" is the next sentence's (002-11), not 002-10's."""
    assert not ask(
        store,
        """ASK { statement:002-10-putin-discuss-monitoring-with-trump pt:summary ?t .
                 FILTER(CONTAINS(STR(?t), "responsibility") || CONTAINS(STR(?t), "責任")) }""",
    )
    assert ask(
        store,
        """ASK { statement:002-11-putin-rearmament-violations-need-us-talks pt:summary ?t .
                 FILTER(CONTAINS(STR(?t), "責任")) }""",
    )


def test_header_contradicted_by_the_body_is_a_disagreement(store: ox.Store) -> None:
    assert ask(
        store,
        """ASK { disagreement:putin-support-for-us-plan
                   pt:account statement:002-20-digest-header-putin-backs-us-plan-2024 ,
                              statement:002-01-putin-no-unconditional-30-day-ceasefire . }""",
    )
