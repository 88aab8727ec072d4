"""Coverage of digest 003 (Mainichi 2025-03-02, Jiji 2025-02-11, logmi): graph/statements-003.ttl.

Loads the ontology and every graph file into a pyoxigraph store (union default graph),
lists the statements relayed by digest 003, asserts their exact number and names, and
checks spot facts by SPARQL.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from curated import ask, assert_statement_list, check_provenance, curated_store, relayed_statements

DIGEST = "digest-003"
EXPECTED = [
    "003-01-zelensky-questions-trump-pro-russia",
    "003-02-vance-criticizes-biden-diplomacy",
    "003-03-vance-peace-through-diplomacy",
    "003-04-trump-ww3-gamble",
    "003-05-zelensky-us-diplomacy-failed-since-2014",
    "003-06-trump-ukraine-weak-position",
    "003-07-trump-ukraine-may-become-russian",
    "003-08-trump-big-progress",
    "003-09-trump-demands-rare-earths-500-billion",
    "003-10-trump-claims-ukraine-agreed-rare-earths",
    "003-11-us-administration-aid-resumption-conditions",
    "003-12-trump-wants-zelensky-election-or-resignation",
    "003-13-digest-trump-aligned-with-russia-concern",
    "003-14-china-welcomes-breakdown",
    "003-15-russia-welcomes-breakdown",
    "003-16-zelensky-putin-broke-agreements",
    "003-17-trump-not-grateful-enough",
    "003-18-trump-ukraine-has-no-cards",
    "003-19-zelensky-regrets-argument",
    "003-20-zelensky-strong-final-agreement-with-us",
    "003-21-zelensky-ready-under-trump-leadership",
    "003-22-zelensky-partial-ceasefire",
    "003-23-zelensky-thanks-us-support-javelin",
    "003-24-zelensky-ready-to-sign-minerals-deal",
    "003-25-digest-header-talks-broke-down",
    "003-26-digest-chapter-criticism-and-backlash",
    "003-27-digest-chapter-aid-resumption-conditions",
    "003-28-digest-chapter-zelensky-cooperation",
    "003-29-digest-conclusion-relations-cooled",
    "003-30-digest-conclusion-trump-positive-on-russia-talks",
    "003-31-digest-conclusion-zelensky-repair-efforts",
    "003-32-mainichi-headline-disrespectful",
]


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return curated_store()


def test_statement_count(store: ox.Store) -> None:
    found = relayed_statements(store, DIGEST)
    assert_statement_list(found, EXPECTED, 32, f"statements relayed by {DIGEST}")


def test_provenance(store: ox.Store) -> None:
    check_provenance(store, DIGEST)


SPOT_FACTS = {
    "WW3 quote at the 2025-02-28 meeting, Mainichi URL": """ASK {
        statement:003-04-trump-ww3-gamble pt:speaker actor:donald-trump ;
            pt:speakerOffice post:us-president ; pt:stance stance:criticizes ;
            pt:target actor:volodymyr-zelensky ;
            pt:quote "あなたは第三次世界大戦に賭けるのか"@ja ; pt:quoteIsTranslation true ;
            pt:dateSaid "2025-02-28"^^xsd:date ;
            pt:atEvent event:trump-zelensky-meeting-2025-02-28 ;
            prov:wasDerivedFrom ?a .
        ?a schema:url <https://mainichi.jp/articles/20250301/k00/00m/030/003000c> ;
            dcterms:issued "2025-03-02"^^xsd:date .
    }""",
    "Vance criticises the Biden administration": """ASK {
        statement:003-02-vance-criticizes-biden-diplomacy pt:speaker actor:jd-vance ;
            pt:speakerOffice post:us-vice-president ; pt:target actor:biden-administration ;
            pt:stance stance:criticizes .
    }""",
    "Zelensky answers Vance on US diplomacy since 2014": """ASK {
        statement:003-05-zelensky-us-diplomacy-failed-since-2014
            pt:speaker actor:volodymyr-zelensky ; pt:issue issue:crimea ;
            pt:respondsTo statement:003-03-vance-peace-through-diplomacy .
    }""",
    "Ukraine 'may become Russian' (Jiji 2025-02-11)": """ASK {
        statement:003-07-trump-ukraine-may-become-russian pt:issue issue:territorial-cession ;
            pt:quote "いつかロシア領になるかもしれない"@ja ;
            pt:saidNoLaterThan "2025-02-11"^^xsd:date ; prov:wasDerivedFrom ?a .
        ?a schema:url <https://www.jiji.com/jc/article?k=2025021100398&g=int> .
        FILTER NOT EXISTS { statement:003-07-trump-ukraine-may-become-russian pt:speakerOffice ?o }
    }""",
    "500 billion dollars of rare earths demanded": """ASK {
        statement:003-09-trump-demands-rare-earths-500-billion pt:issue issue:rare-earths ;
            pt:stance stance:demands ; pt:target actor:ukraine ; pt:figure ?f .
        ?f a pt:Figure ; schema:value 500000000000 ; schema:unitText "USD" .
        statement:003-10-trump-claims-ukraine-agreed-rare-earths pt:stance stance:claims .
    }""",
    "aid resumption conditions (digest's own, after the meeting)": """ASK {
        statement:003-11-us-administration-aid-resumption-conditions
            pt:speaker actor:us-administration ; pt:stance stance:conditional ;
            pt:issue issue:minerals-deal , issue:territorial-cession ;
            dcterms:subject event:us-aid-pause-2025-03 ;
            prov:wasDerivedFrom source:digest-003 ; pt:saidNoLaterThan "2025"^^xsd:gYear .
    }""",
    "elections or resignation, reportedly": """ASK {
        statement:003-12-trump-wants-zelensky-election-or-resignation
            pt:issue issue:elections-in-ukraine ; pt:hedge "と報じられ"@ja .
    }""",
    "China and Russia welcome the breakdown": """ASK {
        statement:003-14-china-welcomes-breakdown pt:speaker actor:china ;
            pt:stance stance:welcomes .
        statement:003-15-russia-welcomes-breakdown pt:speaker actor:russia ;
            pt:stance stance:welcomes .
    }""",
    "logmi transcript quotes": """ASK {
        statement:003-17-trump-not-grateful-enough pt:quote "感謝が足りない"@ja ;
            pt:dateSaid "2025-02-28"^^xsd:date ; prov:wasDerivedFrom ?a .
        statement:003-18-trump-ukraine-has-no-cards pt:quote "交渉カードがない"@ja .
        ?a schema:url <https://logmi.jp/main/social_economy/331531> .
    }""",
    "Zelensky: strong final agreement, partial ceasefire, minerals deal": """ASK {
        statement:003-20-zelensky-strong-final-agreement-with-us
            pt:quote "米国と協力して強力な最終合意に至りたい"@ja ; pt:stance stance:supports .
        statement:003-22-zelensky-partial-ceasefire pt:stance stance:proposes ;
            pt:issue issue:prisoner-exchange , issue:air-ceasefire , issue:sea-ceasefire ,
                issue:energy-infrastructure-ceasefire .
        statement:003-24-zelensky-ready-to-sign-minerals-deal pt:issue issue:minerals-deal ;
            pt:stance stance:offers .
        statement:003-19-zelensky-regrets-argument pt:stance stance:regrets .
    }""",
    "Vance and Zelensky disagree on diplomacy (between parties)": """ASK {
        disagreement:diplomacy-can-stop-russia pt:disagreementKind pt:BetweenParties ;
            pt:account statement:003-03-vance-peace-through-diplomacy ,
                statement:003-05-zelensky-us-diplomacy-failed-since-2014 .
        statement:003-03-vance-peace-through-diplomacy
            pt:conflictsWith statement:003-05-zelensky-us-diplomacy-failed-since-2014 .
    }""",
    "Trump's two titles in digest 003 are accounts of the title disagreement": """ASK {
        ?d a pt:Disagreement ; pt:disputedAspect "title" ; pt:account ?a1 , ?a2 .
        ?a1 pt:aboutResource actor:donald-trump ; pt:claimedValue post:us-president ;
            pt:relayedBy source:digest-003 .
        ?a2 pt:aboutResource actor:donald-trump ; pt:claimedValue ?title ;
            pt:relayedBy source:digest-003 .
        FILTER(CONTAINS(STR(?title), "前大統領"))
    }""",
}


@pytest.mark.parametrize("name", sorted(SPOT_FACTS))
def test_spot_fact(store: ox.Store, name: str) -> None:
    assert ask(store, SPOT_FACTS[name]), name


def test_mainichi_headline_quote_is_the_outlets(store: ox.Store) -> None:
    """The headline's 「失礼だ」 names no speaker: it is recorded as Mainichi's own headline."""
    assert ask(
        store,
        """ASK { statement:003-32-mainichi-headline-disrespectful pt:speaker outlet:mainichi ;
                   pt:quote "失礼だ"@ja ; pt:quoteIsTranslation true ;
                   prov:wasDerivedFrom source:mainichi-20250301-003000c ;
                   pt:atEvent event:trump-zelensky-meeting-2025-02-28 . }""",
    )
