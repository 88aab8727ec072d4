"""Coverage of digest 001 (Reuters 2025-02-10, Asahi GLOBE+ 2025-02-19): graph/statements-001.ttl.

Loads the ontology and every graph file into a pyoxigraph store (union default graph),
lists the statements relayed by digest 001, asserts their exact number and names (so a
dropped statement shows in review), and checks spot facts by SPARQL.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from curated import (
    ask,
    assert_statement_list,
    check_provenance,
    curated_store,
    relayed_statements,
    select,
)

DIGEST = "digest-001"
EXPECTED = [
    "001-01-trump-talks-progressing",
    "001-02-trump-sanctions-tariffs-leverage",
    "001-03-trump-rare-earths-access",
    "001-04-white-house-sanctions-relief",
    "001-05-trump-declares-negotiations",
    "001-06-digest-saudi-meeting-expected",
    "001-07-reuters-talks-difficult-minsk",
    "001-08-reuters-four-main-focuses",
    "001-09-putin-demands-sanctions-lifted",
    "001-10-reuters-european-politics-affect-talks",
    "001-11-trump-six-months",
    "001-12-trump-orders-kellogg-100-days",
    "001-13-asahi-globe-talks-agreed-hard-conditions",
    "001-14-asahi-globe-russia-little-gain-trump-achievement",
    "001-15-asahi-globe-trump-putin-good-relations",
    "001-16-us-no-nato-no-intervention",
    "001-17-us-pre-2014-borders-unlikely",
    "001-18-asahi-globe-unfavourable-terms-for-ukraine",
    "001-19-trump-war-europes-problem",
    "001-20-asahi-globe-us-plan-munich",
    "001-21-asahi-globe-possible-peacekeeping-minerals-deal",
    "001-22-digest-headline-pro-russia-remarks-stir",
    "001-23-digest-headline-call-negotiations-in-view",
    "001-24-digest-intro-trump-values-putin-relationship",
    "001-25-digest-intro-us-leads-talks",
    "001-26-digest-intro-trump-nobel-peace-prize",
    "001-27-digest-chapter-negotiations-difficult",
    "001-28-digest-chapter-good-relations",
    "001-29-digest-next-page-experts-doubt",
]


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return curated_store()


def test_statement_count(store: ox.Store) -> None:
    found = relayed_statements(store, DIGEST)
    assert_statement_list(found, EXPECTED, 29, f"statements relayed by {DIGEST}")


def test_provenance(store: ox.Store) -> None:
    check_provenance(store, DIGEST)


SPOT_FACTS = {
    "trump-talks-progressing: speaker, office, stance, date bound, Reuters URL": """ASK {
        statement:001-01-trump-talks-progressing pt:speaker actor:donald-trump ;
            pt:speakerOffice post:us-president ; pt:stance stance:claims ;
            pt:issue issue:ending-the-war ;
            pt:saidNoLaterThan "2025-02-10"^^xsd:date ;
            dcterms:subject event:trump-putin-contact-before-2025-02-09 ;
            prov:wasDerivedFrom ?a ; pt:relayedBy source:digest-001 .
        ?a schema:url
            <https://jp.reuters.com/world/ukraine/3NJG2OUXGJOBVJO3FZ7LI7GNEE-2025-02-09/> ;
            dcterms:issued "2025-02-10"^^xsd:date .
    }""",
    "sanctions and tariffs as leverage on Putin": """ASK {
        statement:001-02-trump-sanctions-tariffs-leverage pt:speaker actor:donald-trump ;
            pt:issue issue:sanctions , issue:tariffs ; pt:target actor:vladimir-putin .
    }""",
    "white house considers sanctions relief": """ASK {
        statement:001-04-white-house-sanctions-relief pt:speaker actor:white-house ;
            pt:issue issue:sanctions-relief ; pt:stance stance:neutral .
    }""",
    "12 February call: declared start of negotiations (digest's own account)": """ASK {
        statement:001-05-trump-declares-negotiations pt:speaker actor:donald-trump ;
            pt:dateSaid "2025-02-12"^^xsd:date ; pt:atEvent event:trump-putin-call-2025-02-12 ;
            pt:stance stance:announces ; prov:wasDerivedFrom source:digest-001 .
    }""",
    "four main focuses, the digest's own analysis": """ASK {
        statement:001-08-reuters-four-main-focuses pt:speaker outlet:chrysanthemum-digest ;
            prov:wasDerivedFrom source:digest-001 ;
            pt:issue issue:security-arrangements , issue:territorial-recovery ,
                issue:ceasefire-monitoring , issue:sanctions-relief ;
            pt:curatorNote ?note .
        FILTER NOT EXISTS {
            statement:001-08-reuters-four-main-focuses pt:issue issue:security-guarantees
        }
    }""",
    "Putin demands sanctions relief": """ASK {
        statement:001-09-putin-demands-sanctions-lifted pt:speaker actor:vladimir-putin ;
            pt:speakerOffice post:russian-president ;
            pt:issue issue:sanctions-relief ; pt:stance stance:demands .
    }""",
    "six months, quoted and hedged": """ASK {
        statement:001-11-trump-six-months pt:quote "6か月はほしい"@ja ; pt:quoteIsTranslation true ;
            pt:hedge "と言われています"@ja ; pt:figure ?f .
        ?f schema:value 6 ; schema:unitText "month" .
    }""",
    "Kellogg ordered 100 days, reportedly": """ASK {
        statement:001-12-trump-orders-kellogg-100-days pt:target actor:keith-kellogg ;
            pt:quote "100日以内"@ja ; pt:hedge "と言われています"@ja ; pt:stance stance:demands ;
            pt:figure ?f .
        ?f schema:value 100 ; schema:unitText "day" .
    }""",
    "US: no NATO for Ukraine (Asahi GLOBE+ 2025-02-19)": """ASK {
        statement:001-16-us-no-nato-no-intervention pt:speaker actor:united-states ;
            pt:issue issue:nato-membership ; pt:stance stance:rejects ;
            pt:saidNoLaterThan "2025-02-19"^^xsd:date ; prov:wasDerivedFrom ?a .
        ?a schema:url <https://globe.asahi.com/article/15630313> .
    }""",
    "pre-2014 borders doubted, hedged": """ASK {
        statement:001-17-us-pre-2014-borders-unlikely pt:issue issue:pre-2014-borders ;
            pt:stance stance:doubts ; pt:hedge "とされている"@ja .
    }""",
    "US peace plan at Munich": """ASK {
        statement:001-20-asahi-globe-us-plan-munich pt:speaker outlet:asahi-globe ;
            dcterms:subject event:munich-security-conference-2025 .
    }""",
    "the Nobel claim is the digest's own (its 💡 line)": """ASK {
        statement:001-26-digest-intro-trump-nobel-peace-prize a pt:DigestClaim ;
            pt:speaker outlet:chrysanthemum-digest ; prov:wasDerivedFrom source:digest-001 .
        FILTER NOT EXISTS { ?s pt:relayedBy source:digest-001 ; pt:summary ?t .
                            FILTER(CONTAINS(STR(?t), "Nobel"))
                            FILTER NOT EXISTS { ?s a pt:DigestClaim } }
    }""",
}


def test_block_after_reuters_box_is_the_digests_own(store: ox.Store) -> None:
    """Erratum 8: the paragraph block after the Reuters box (2025-02-10) opens with the
    12 February call, so every statement, figure and event taken from it is the digest's."""
    rows = select(
        store,
        """SELECT ?x ?src WHERE {
          VALUES ?x {
            statement:001-05-trump-declares-negotiations
            statement:001-06-digest-saudi-meeting-expected
            statement:001-07-reuters-talks-difficult-minsk
            statement:001-08-reuters-four-main-focuses
            statement:001-09-putin-demands-sanctions-lifted
            statement:001-10-reuters-european-politics-affect-talks
            statement:001-11-trump-six-months statement:001-12-trump-orders-kellogg-100-days
            figure:001-six-months figure:001-hundred-days
            event:minsk-agreements event:kellogg-appointment event:german-federal-election-2025
          }
          ?x prov:wasDerivedFrom ?src .
        } ORDER BY ?x""",
    )
    assert rows and {src for _, src in rows} == {"https://w3id.org/peacetalks/id/source/digest-001"}
    assert not ask(
        store,
        """ASK { ?s pt:relayedBy source:digest-001 ; pt:speaker outlet:reuters ;
                   prov:wasDerivedFrom source:digest-001 }""",
    )


@pytest.mark.parametrize("name", sorted(SPOT_FACTS))
def test_spot_fact(store: ox.Store, name: str) -> None:
    assert ask(store, SPOT_FACTS[name]), name
