"""The curated graph (graph/*.ttl) as a whole: it parses, conforms to the shapes, passes every
quality rule in queries/checks/, defines the fixed identifiers of graph/README.md, and copies
titles and URLs exactly from the digests.

Each `*-violation.rq` is run over the shipped data (must return no rows) and over a tiny
inline bad fixture (must return rows), so a rule that silently matches nothing is caught.
A new rule without a fixture fails `test_every_check_has_a_bad_fixture`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from peacetalks.dataset import loading, validation

ROOT = Path(__file__).resolve().parents[2]
GRAPH_DIR = ROOT / "graph"
CHECKS_DIR = ROOT / "queries" / "checks"
SOURCES_DIR = ROOT.parent / "shared" / "sources"
GRAPH_FILES = sorted(GRAPH_DIR.glob("*.ttl"))
CHECKS = validation.violation_queries(CHECKS_DIR)
ID = "https://w3id.org/peacetalks/id/"

PREFIXES = """\
@prefix pt: <https://w3id.org/peacetalks/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix schema: <https://schema.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix actor: <https://w3id.org/peacetalks/id/actor/> .
@prefix outlet: <https://w3id.org/peacetalks/id/outlet/> .
@prefix source: <https://w3id.org/peacetalks/id/source/> .
@prefix issue: <https://w3id.org/peacetalks/id/issue/> .
@prefix stance: <https://w3id.org/peacetalks/id/stance/> .
@prefix statement: <https://w3id.org/peacetalks/id/statement/> .
@prefix event: <https://w3id.org/peacetalks/id/event/> .
@prefix disagreement: <https://w3id.org/peacetalks/id/disagreement/> .
"""

# A well-formed minimal world the bad fixtures build on: one dated news article cited by one
# digest, one actor, one issue and one stance in their schemes.
FIXTURE_BASE = """\
source:digest-x a pt:DigestArticle ; dcterms:identifier "x" ;
    dcterms:references source:news-x .
source:news-x a pt:NewsArticle ; schema:url <https://example.org/x> ;
    dcterms:publisher outlet:x ; dcterms:issued "2025-02-13"^^xsd:date .
outlet:x a pt:NewsOutlet ; rdfs:label "X"@en , "X"@ja .
actor:a a pt:Person ; rdfs:label "A"@en , "エー"@ja .
issue:i a pt:Issue ; skos:inScheme <https://w3id.org/peacetalks/id/issue> .
stance:s a pt:Stance ; skos:inScheme <https://w3id.org/peacetalks/id/stance> .
<https://w3id.org/peacetalks/id/issue> a skos:ConceptScheme .
<https://w3id.org/peacetalks/id/stance> a skos:ConceptScheme .
statement:ok a pt:Statement ; pt:speaker actor:a ; pt:issue issue:i ; pt:stance stance:s ;
    pt:dateSaid "2025-02"^^xsd:gYearMonth ; pt:summary "ok"@en , "ok"@ja ;
    pt:quote "ok"@ja ; pt:quoteIsTranslation true ;
    prov:wasDerivedFrom source:news-x ; pt:relayedBy source:digest-x .
event:ok a pt:PhoneCall ; pt:participant actor:a ; pt:date "2025-02-13"^^xsd:date ;
    pt:status pt:Occurred ; prov:wasDerivedFrom source:news-x ; pt:relayedBy source:digest-x .
"""

# check name -> Turtle (added to FIXTURE_BASE) that the check must report.
BAD_FIXTURES: dict[str, str] = {
    "statement-without-source-violation": """
        statement:x a pt:Statement ; pt:relayedBy source:digest-x .""",
    "statement-without-relay-violation": """
        statement:x a pt:Statement ; prov:wasDerivedFrom source:news-x .
        statement:y a pt:Statement ; pt:relayedBy source:news-x .""",
    "statement-source-without-url-violation": """
        source:news-y a pt:NewsArticle ; dcterms:issued "2025-02-13"^^xsd:date .
        statement:x a pt:Statement ; prov:wasDerivedFrom source:news-y .""",
    "statement-source-not-cited-violation": """
        source:news-z a pt:NewsArticle ; schema:url <https://example.org/z> .
        statement:x a pt:Statement ; prov:wasDerivedFrom source:news-z ;
            pt:relayedBy source:digest-x .""",
    "news-article-without-url-or-date-violation": """
        source:news-y a pt:NewsArticle ; dcterms:publisher outlet:x .""",
    "actor-without-label-violation": """
        actor:b a pt:State ; rdfs:label "B"@en .
        statement:x pt:speaker actor:c .
        actor:c rdfs:label "シー"@ja .""",
    "dangling-iri-violation": """
        statement:x a pt:Statement ; pt:speaker actor:donald-trunp .""",
    "date-said-after-reported-violation": """
        statement:x a pt:Statement ; pt:dateSaid "2025-03"^^xsd:gYearMonth ;
            prov:wasDerivedFrom source:news-x .
        statement:y a pt:Statement ; pt:dateSaid "2025-02-14"^^xsd:date ;
            prov:wasDerivedFrom source:news-x .""",
    "event-date-after-reported-violation": """
        event:x a pt:PhoneCall ; pt:date "2025-02-20"^^xsd:date ; pt:status pt:Occurred ;
            prov:wasDerivedFrom source:news-x .""",
    "statement-without-bilingual-summary-violation": """
        statement:x a pt:Statement ; pt:summary "only English"@en .""",
    "event-without-source-violation": """
        event:x a pt:Meeting ; pt:relayedBy source:digest-x .""",
    "event-dated-and-undated-violation": """
        event:x a pt:Meeting ; pt:date "2025-02-12"^^xsd:date ; pt:dateNotGiven true .""",
    "disagreement-with-fewer-than-two-accounts-violation": """
        disagreement:x a pt:Disagreement ; pt:account statement:x ;
            pt:disputedAspect "speaker" .""",
    "conflict-without-disagreement-violation": """
        statement:x a pt:Statement ; pt:conflictsWith statement:y .
        statement:y a pt:Statement .""",
    "concept-not-in-scheme-violation": """
        statement:x a pt:Statement ; pt:issue issue:made-up ; pt:stance issue:i .""",
    "exact-match-not-wikidata-entity-violation": """
        actor:a skos:exactMatch <https://www.wikidata.org/wiki/Q22686> .""",
    "quote-without-translation-flag-violation": """
        statement:x a pt:Statement ; pt:quote "直ちに始まる"@ja .""",
    "between-sources-disagreement-from-one-source-violation": """
        statement:x a pt:Statement ; prov:wasDerivedFrom source:news-x .
        statement:y a pt:Statement ; prov:wasDerivedFrom source:news-x .
        disagreement:x a pt:Disagreement ; pt:account statement:x , statement:y ;
            pt:disagreementKind pt:BetweenSources .""",
    "article-url-date-without-disagreement-violation": """
        source:news-y a pt:NewsArticle ; schema:url <https://example.org/a-2025-02-09/> ;
            dcterms:issued "2025-02-10"^^xsd:date .""",
    "digest-claim-not-from-digest-violation": """
        statement:x a pt:DigestClaim , pt:Statement ; prov:wasDerivedFrom source:news-x ;
            pt:relayedBy source:digest-x ; pt:speaker outlet:chrysanthemum-digest .
        statement:y a pt:DigestClaim , pt:Statement ; prov:wasDerivedFrom source:digest-x ;
            pt:relayedBy source:digest-x ; pt:speaker actor:a .""",
    "concept-definition-with-year-violation": """
        issue:j a skos:Concept ; skos:prefLabel "j"@en ;
            skos:definition "A ceasefire, accepted in March 2025 (event:x-2014)."@en .""",
}

# Wikidata entities the issue allows (certain identifications); anything else must be left out.
ALLOWED_WIKIDATA = {
    "Q212",
    "Q159",
    "Q30",
    "Q145",
    "Q148",
    "Q183",
    "Q184",
    "Q43",
    "Q28",
    "Q214",
    "Q851",
    "Q7184",
    "Q458",
    "Q1065",
    "Q22686",
    "Q7747",
    "Q3874799",
    "Q6279",
    "Q649",
    "Q1899",
    "Q61",
    "Q1726",
    "Q7835",
    "Q9531",
}


@pytest.fixture(scope="module")
def store() -> ox.Store:
    """The shipped ontology and graph, each file in its own named graph (as the server does)."""
    s = ox.Store()
    loading.load_sources(s, loading.shipped_sources(ROOT))
    return s


@pytest.fixture(scope="module")
def graph() -> rdflib.Graph:
    """Union of graph/*.ttl (rdflib), without the ontology."""
    return validation.load_graph(GRAPH_FILES)


def _select(store: ox.Store, query: str) -> list[list[str]]:
    rows = store.query(query, use_default_graph_as_union=True)
    return [[term.value if term is not None else "" for term in row] for row in rows]


# --- parsing ----------------------------------------------------------------------------------


def test_graph_files_present() -> None:
    names = {p.name for p in GRAPH_FILES}
    for name in (
        "actors.ttl",
        "outlets.ttl",
        "places.ttl",
        "sources.ttl",
        "events.ttl",
        "background.ttl",
        "disagreements.ttl",
        "statements-000.ttl",
        "statements-004.ttl",
    ):
        assert name in names


@pytest.mark.parametrize("path", GRAPH_FILES, ids=lambda p: p.name)
def test_parses_with_pyoxigraph(path: Path) -> None:
    triples = list(ox.parse(path=path, format=ox.RdfFormat.TURTLE))
    assert triples


@pytest.mark.parametrize("path", GRAPH_FILES, ids=lambda p: p.name)
def test_parses_with_rdflib(path: Path) -> None:
    assert len(rdflib.Graph().parse(path, format="turtle")) > 0


@pytest.mark.parametrize("path", GRAPH_FILES, ids=lambda p: p.name)
def test_file_starts_with_header_comment(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith(f"# graph/{path.name}")


@pytest.mark.parametrize("path", GRAPH_FILES, ids=lambda p: p.name)
def test_file_is_in_canonical_form(path: Path) -> None:
    """`python -m peacetalks.dataset.canonical` would not change the file (so diffs show real
    changes)."""
    canonical = pytest.importorskip("peacetalks.dataset.canonical")
    text = path.read_text(encoding="utf-8")
    assert canonical.canonical_text(text) == text, (
        f"run: python -m peacetalks.dataset.canonical {path}"
    )


# --- SHACL ------------------------------------------------------------------------------------


def test_graph_conforms_to_shapes(graph: rdflib.Graph) -> None:
    report = validation.shacl_validate(graph, ontology_graph=validation.load_ontology())
    assert report.violations == [], report.text
    assert report.conforms


# --- quality rules ----------------------------------------------------------------------------


def test_there_are_checks() -> None:
    assert len(CHECKS) >= 10


@pytest.mark.parametrize("check", CHECKS, ids=lambda p: p.stem)
def test_check_passes_on_graph(check: Path, store: ox.Store) -> None:
    result = _run(store, check)
    assert result.rows == [], f"{check.name}: {result.rows}"


def _run(store: ox.Store, check: Path) -> validation.CheckResult:
    solutions = store.query(check.read_text(encoding="utf-8"), use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions), f"{check.name} must be a SELECT"
    names = [v.value for v in solutions.variables]
    rows = [{n: s[n].value for n in names if s[n] is not None} for s in solutions]
    return validation.CheckResult(name=check.stem, rows=rows)


@pytest.mark.parametrize("check", CHECKS, ids=lambda p: p.stem)
def test_check_has_header_comment(check: Path) -> None:
    assert check.read_text(encoding="utf-8").startswith("# Detects ")


def test_every_check_has_a_bad_fixture() -> None:
    assert {c.stem for c in CHECKS} == set(BAD_FIXTURES)


def test_fixture_base_is_clean() -> None:
    s = ox.Store()
    s.load(PREFIXES + FIXTURE_BASE, format=ox.RdfFormat.TURTLE)
    for check in CHECKS:
        assert _run(s, check).rows == [], check.name


@pytest.mark.parametrize("name", sorted(BAD_FIXTURES))
def test_check_catches_bad_fixture(name: str) -> None:
    s = ox.Store()
    s.load(PREFIXES + FIXTURE_BASE + BAD_FIXTURES[name], format=ox.RdfFormat.TURTLE)
    result = _run(s, CHECKS_DIR / f"{name}.rq")
    assert result.rows, f"{name} found nothing in its bad fixture"


def test_runner_reports_checks(store: ox.Store) -> None:
    """peacetalks.dataset.validation's runner sees the same rules and finds nothing."""
    results = validation.run_violation_checks(store, CHECKS_DIR)
    assert [r.name for r in results] == [c.stem for c in CHECKS]
    assert all(r.passed for r in results), [r for r in results if not r.passed]


# --- fixed identifiers (graph/README.md) --------------------------------------------------------


def _readme_slugs() -> dict[str, set[str]]:
    text = (GRAPH_DIR / "README.md").read_text(encoding="utf-8")
    parts = re.split(r"\*\*(\w+)/\*\*", text)
    slugs: dict[str, set[str]] = {}
    for kind, body in zip(parts[1::2], parts[2::2], strict=True):
        found = {
            t for t in re.findall(r"`([^`]+)`", body) if re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", t)
        }
        slugs.setdefault(kind, set()).update(found)
    if "digest-000" in slugs.get("source", set()):
        slugs["source"] |= {f"digest-00{i}" for i in range(5)}
    return slugs


FIXED_KINDS = ("actor", "outlet", "post", "place", "source", "event")


@pytest.mark.parametrize("kind", FIXED_KINDS)
def test_fixed_identifiers_are_defined(kind: str, graph: rdflib.Graph) -> None:
    slugs = _readme_slugs()[kind]
    assert slugs
    typed = {str(s) for s in graph.subjects(rdflib.RDF.type, None)}
    missing = sorted(s for s in slugs if f"{ID}{kind}/{s}" not in typed)
    assert missing == []


def test_readme_slug_counts() -> None:
    slugs = _readme_slugs()
    assert len(slugs["actor"]) == 34
    assert len(slugs["event"]) == 31
    assert len(slugs["source"]) == 15


# --- sources copied exactly ---------------------------------------------------------------------


def _digest_text() -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(SOURCES_DIR.glob("*.txt")))


@pytest.mark.skipif(not SOURCES_DIR.is_dir(), reason="shared/sources not beside the checkout")
def test_titles_and_urls_verbatim(graph: rdflib.Graph) -> None:
    text = _digest_text()
    titles = list(graph.subject_objects(rdflib.DCTERMS.title))
    urls = list(graph.subject_objects(rdflib.URIRef("https://schema.org/url")))
    assert len(titles) >= 14 and len(urls) == 10
    assert [str(s) for s, t in titles if str(t) not in text] == []
    assert [str(u) for s, u in urls if str(u) not in text] == []


@pytest.mark.skipif(not SOURCES_DIR.is_dir(), reason="shared/sources not beside the checkout")
def test_digest_identifiers_are_file_stems(graph: rdflib.Graph) -> None:
    stems = {p.stem for p in SOURCES_DIR.glob("*.txt")}
    digests = set(
        graph.subjects(
            rdflib.RDF.type, rdflib.URIRef("https://w3id.org/peacetalks/ontology#DigestArticle")
        )
    )
    assert {str(graph.value(d, rdflib.DCTERMS.identifier)) for d in digests} == stems


# --- background and external identifiers ----------------------------------------------------------


def test_tenures_only_in_background() -> None:
    tenure = rdflib.URIRef("https://w3id.org/peacetalks/ontology#Tenure")
    for path in GRAPH_FILES:
        g = rdflib.Graph().parse(path, format="turtle")
        if path.name != "background.ttl":
            assert not list(g.subjects(rdflib.RDF.type, tenure)), path.name


def test_wikidata_ids_are_the_certain_ones(graph: rdflib.Graph) -> None:
    found = {str(o).rsplit("/", 1)[-1] for o in graph.objects(None, rdflib.SKOS.exactMatch)}
    assert found <= ALLOWED_WIKIDATA
