"""Coverage of digest 001 (Reuters 2025-02-10, Asahi GLOBE+ 2025-02-19): graph/statements-001.ttl.

Loads the ontology and every graph file into a pyoxigraph store (union default graph),
lists the statements relayed by digest 001, asserts their exact number and names (so a
dropped statement shows in review), and checks spot facts by SPARQL.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

ROOT = Path(__file__).resolve().parent.parent
GRAPH_BASE = "https://w3id.org/peacetalks/graph/"
PREFIXES = """
PREFIX pt: <https://w3id.org/peacetalks/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX actor: <https://w3id.org/peacetalks/id/actor/>
PREFIX outlet: <https://w3id.org/peacetalks/id/outlet/>
PREFIX post: <https://w3id.org/peacetalks/id/post/>
PREFIX issue: <https://w3id.org/peacetalks/id/issue/>
PREFIX stance: <https://w3id.org/peacetalks/id/stance/>
PREFIX event: <https://w3id.org/peacetalks/id/event/>
PREFIX statement: <https://w3id.org/peacetalks/id/statement/>
PREFIX source: <https://w3id.org/peacetalks/id/source/>
PREFIX figure: <https://w3id.org/peacetalks/id/figure/>
PREFIX account: <https://w3id.org/peacetalks/id/account/>
PREFIX disagreement: <https://w3id.org/peacetalks/id/disagreement/>
"""
STATEMENT_NS = "https://w3id.org/peacetalks/id/statement/"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    """Ontology (without the shapes) and every graph file, each in its own named graph."""
    s = ox.Store()
    files = [p for p in sorted((ROOT / "ontology").glob("*.ttl")) if p.name != "shapes.ttl"]
    files += sorted((ROOT / "graph").glob("*.ttl"))
    for path in files:
        graph = ox.NamedNode(GRAPH_BASE + path.relative_to(ROOT).as_posix())
        s.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=graph)
    return s


def ask(store: ox.Store, query: str) -> bool:
    return bool(store.query(PREFIXES + query, use_default_graph_as_union=True))


def select(store: ox.Store, query: str) -> list[list[str]]:
    rows = store.query(PREFIXES + query, use_default_graph_as_union=True)
    return [[term.value for term in row] for row in rows]


def relayed_statements(store: ox.Store, digest: str) -> list[str]:
    rows = select(
        store,
        "SELECT DISTINCT ?s WHERE { ?s a pt:Statement ; "
        f"pt:relayedBy source:{digest} }} ORDER BY ?s",
    )
    return [row[0].removeprefix(STATEMENT_NS) for row in rows]


def check_provenance(store: ox.Store, digest: str) -> None:
    """Each statement relayed by the digest is derived from the digest or an article it cites."""
    bad = select(
        store,
        f"""SELECT ?s ?src WHERE {{
          ?s a pt:Statement ; pt:relayedBy source:{digest} ; prov:wasDerivedFrom ?src .
          FILTER(?src != source:{digest})
          FILTER NOT EXISTS {{ source:{digest} dcterms:references ?src }}
        }}""",
    )
    assert bad == []
    missing = select(
        store,
        f"""SELECT ?s WHERE {{
          ?s a pt:Statement ; pt:relayedBy source:{digest} .
          FILTER NOT EXISTS {{ ?s prov:wasDerivedFrom ?src }}
        }}""",
    )
    assert missing == []


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
]


def test_statement_count(store: ox.Store) -> None:
    found = relayed_statements(store, DIGEST)
    print(f"{len(found)} statements relayed by {DIGEST}:")
    for slug in found:
        print("  ", slug)
    assert len(found) == 21
    assert found == EXPECTED


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
    "four main focuses, by the outlet": """ASK {
        statement:001-08-reuters-four-main-focuses pt:speaker outlet:reuters ;
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
    "no Nobel statement (digest header not recorded)": """ASK {
        FILTER NOT EXISTS { ?s pt:relayedBy source:digest-001 ; pt:summary ?t .
                            FILTER(CONTAINS(STR(?t), "Nobel")) }
    }""",
}


@pytest.mark.parametrize("name", sorted(SPOT_FACTS))
def test_spot_fact(store: ox.Store, name: str) -> None:
    assert ask(store, SPOT_FACTS[name]), name
