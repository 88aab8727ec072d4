"""Coverage of digest 000 (BBC 2025-02-13, Reuters 2025-03-18): graph/statements-000.ttl.

Loads the ontology and every graph file into a pyoxigraph store (union default graph),
lists the statements derived from or relayed by digest 000, asserts their exact number and
names (so a dropped statement shows in review), and checks spot facts by SPARQL: speaker,
issue, stance, dates, source URLs, the Austin/Hegseth and Kursk disagreements.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from curated import STATEMENT_NS, ask, assert_statement_list, curated_store, select

EXPECTED = [
    "000-01-trump-negotiations-start-immediately",
    "000-02-trump-mutual-visits-discussed",
    "000-03-trump-direct-meeting-possible",
    "000-04-trump-tweet-stop-the-war",
    "000-05-trump-putin-wants-peace",
    "000-06-trump-crimea-return-unlikely",
    "000-07-trump-some-land-will-return",
    "000-08-austin-nato-membership-unlikely",
    "000-09-trump-agrees-austin-nato-unlikely",
    "000-10-zelensky-confirms-call-lasting-peace",
    "000-11-zelensky-cooperate-next-steps",
    "000-12-zelensky-meaningful-conversation",
    "000-13-zelensky-territorial-exchange-kursk",
    "000-14-trump-intends-talks-with-putin",
    "000-15-trump-concessions-land-power-plants",
    "000-16-us-division-of-assets",
    "000-17-peskov-confirms-call",
    "000-18-peskov-no-comment-land-power-plants",
    "000-19-trump-closer-to-ceasefire",
    "000-20-trump-productive-talks-ceasefire-proposal",
    "000-21-zelensky-accuses-putin-delaying",
    "000-22-zelensky-urges-us-strong-measures",
    "000-23-starmer-russia-not-serious",
    "000-24-starmer-more-economic-pressure",
    "000-25-white-house-closer-to-peace",
    "000-26-russia-kursk-troops-isolated",
    "000-27-ukraine-military-regrouped",
    "000-28-trump-urges-spare-kursk-soldiers",
    "000-29-putin-dignified-treatment-if-surrender",
    "000-30-digest-headline-call-negotiations-start",
    "000-31-digest-intro-agreed-to-start-negotiations",
    "000-32-digest-intro-direct-meeting-suggested",
    "000-33-digest-intro-crimea-return",
    "000-34-digest-chapter-no-agreement-on-ceasefire",
]


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return curated_store()


def statements_of_digest(store: ox.Store) -> list[str]:
    """Statements relayed by digest 000 or derived from it or from an article it cites."""
    rows = select(
        store,
        """SELECT DISTINCT ?s WHERE {
          ?s a pt:Statement .
          { ?s pt:relayedBy source:digest-000 }
          UNION { ?s prov:wasDerivedFrom source:digest-000 }
          UNION { ?s prov:wasDerivedFrom ?a . source:digest-000 dcterms:references ?a }
        } ORDER BY ?s""",
    )
    return [row[0].removeprefix(STATEMENT_NS) for row in rows]


def test_statement_count_and_names(store: ox.Store) -> None:
    assert_statement_list(statements_of_digest(store), EXPECTED, 34, "digest 000")


def test_every_statement_cites_a_cited_article(store: ox.Store) -> None:
    bad = select(
        store,
        """SELECT ?s ?src WHERE {
          ?s a pt:Statement ; pt:relayedBy source:digest-000 ; prov:wasDerivedFrom ?src .
          FILTER NOT EXISTS { source:digest-000 dcterms:references ?src }
          # the digest's own header/💡 claims are derived from the digest itself
          FILTER NOT EXISTS { ?s a pt:DigestClaim FILTER(?src = source:digest-000) }
        }""",
    )
    assert bad == []


def test_trump_agrees_with_austin_on_nato(store: ox.Store) -> None:
    assert ask(
        store,
        """ASK {
          statement:000-09-trump-agrees-austin-nato-unlikely pt:speaker actor:donald-trump ;
            pt:speakerOffice post:us-president ; pt:issue issue:nato-membership ;
            pt:stance stance:agrees ; pt:quote "おそらく正しいと思う"@ja ;
            pt:respondsTo statement:000-08-austin-nato-membership-unlikely .
          statement:000-08-austin-nato-membership-unlikely pt:speaker actor:lloyd-austin ;
            pt:speakerOffice post:us-secretary-of-defense ; pt:stance stance:doubts .
        }""",
    )


def test_austin_hegseth_speaker_disagreement(store: ox.Store) -> None:
    assert ask(
        store,
        """ASK {
          statement:000-08-austin-nato-membership-unlikely
            pt:conflictsWith statement:004-17-hegseth-nato-membership-unlikely .
          disagreement:nato-remark-speaker a pt:Disagreement ;
            pt:account statement:000-08-austin-nato-membership-unlikely ,
                       statement:004-17-hegseth-nato-membership-unlikely ;
            pt:disputedAspect "speaker" ; pt:disagreementKind pt:BetweenSources .
        }""",
    )


def test_call_agreement_date_event_and_bbc_source(store: ox.Store) -> None:
    rows = select(
        store,
        """SELECT ?date ?url ?issued WHERE {
          statement:000-01-trump-negotiations-start-immediately pt:dateSaid ?date ;
            pt:atEvent event:trump-putin-call-2025-02-12 ;
            pt:stance stance:announces ; pt:issue issue:ending-the-war ;
            prov:wasDerivedFrom ?src ; pt:relayedBy source:digest-000 .
          ?src schema:url ?url ; dcterms:issued ?issued ; dcterms:publisher outlet:bbc .
        }""",
    )
    assert rows == [
        ["2025-02-12", "https://www.bbc.com/japanese/articles/czj3zrj73kro", "2025-02-13"]
    ]


def test_kursk_claims_between_parties(store: ox.Store) -> None:
    assert ask(
        store,
        """ASK {
          statement:000-26-russia-kursk-troops-isolated pt:speaker actor:russia ;
            pt:quote "孤立"@ja ; pt:issue issue:kursk .
          statement:000-27-ukraine-military-regrouped pt:speaker actor:ukrainian-armed-forces ;
            pt:stance stance:denies ; pt:quote "再編に成功"@ja ;
            pt:respondsTo statement:000-26-russia-kursk-troops-isolated .
          disagreement:kursk-troops-isolated-or-regrouped pt:disagreementKind pt:BetweenParties ;
            pt:account statement:000-26-russia-kursk-troops-isolated ,
                       statement:000-27-ukraine-military-regrouped .
        }""",
    )


def test_putin_dignified_treatment_reuters(store: ox.Store) -> None:
    rows = select(
        store,
        """SELECT ?bound ?url WHERE {
          statement:000-29-putin-dignified-treatment-if-surrender pt:speaker actor:vladimir-putin ;
            pt:issue issue:treatment-of-surrendering-troops ; pt:stance stance:offers ;
            pt:quote "尊厳ある扱い"@ja ; pt:saidNoLaterThan ?bound ; prov:wasDerivedFrom ?src .
          ?src schema:url ?url .
        }""",
    )
    assert rows == [
        [
            "2025-03-18",
            "https://jp.reuters.com/world/ukraine/RE6AVZTUEJOWHGAL3OJF3RO7AA-2025-03-17/",
        ]
    ]


def test_press_secretary_identified_as_peskov(store: ox.Store) -> None:
    assert ask(
        store,
        """ASK {
          statement:000-18-peskov-no-comment-land-power-plants pt:speaker actor:dmitry-peskov ;
            pt:speakerOffice post:russian-presidential-press-secretary ;
            pt:stance stance:declines-to-comment ; pt:issue issue:power-plants ;
            pt:respondsTo statement:000-15-trump-concessions-land-power-plants .
          actor:dmitry-peskov pt:curatorNote ?note .
        }""",
    )


def test_guardian_report_on_territorial_exchange(store: ox.Store) -> None:
    assert ask(
        store,
        """ASK {
          statement:000-13-zelensky-territorial-exchange-kursk
            pt:speaker actor:volodymyr-zelensky ; pt:issue issue:territorial-exchange ;
            pt:stance stance:proposes ; pt:originallyReportedBy outlet:the-guardian ;
            pt:hedge "とガーディアン紙は報じています"@ja .
        }""",
    )


def test_march_call_not_given_a_day(store: ox.Store) -> None:
    rows = select(
        store,
        """SELECT ?p ?d WHERE {
          event:trump-putin-call-2025-03-18 ?p ?d .
          FILTER (?p IN (pt:date, pt:plannedDate, pt:startDate))
        }""",
    )
    assert rows == [["https://w3id.org/peacetalks/ontology#plannedDate", "2025-03"]]
