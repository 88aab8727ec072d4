"""The ontology files: parse, canonical form, documentation of every term, the contract
with docs/architecture.md and graph/README.md, OWL 2 RL profile, the OWL RL inferences we
rely on (owlrl) and OWL 2 DL consistency (owlready2 + HermiT, when installed)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import owlrl
import pytest
import rdflib
from owlrl.Namespaces import ERRNS
from peacetalks.dataset import canonical, validation
from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

ROOT = Path(__file__).resolve().parents[2]
ONTOLOGY_DIR = ROOT / "ontology"
ONTOLOGY_FILES = sorted(ONTOLOGY_DIR.glob("*.ttl"))
ONTOLOGY_IRI = URIRef("https://w3id.org/peacetalks/ontology")
PT = Namespace("https://w3id.org/peacetalks/ontology#")
ID = "https://w3id.org/peacetalks/id/"
ISSUE = Namespace(ID + "issue/")
STANCE = Namespace(ID + "stance/")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # a plain Namespace: pytest probes attributes
TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


@pytest.fixture(scope="module")
def tbox() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY_DIR / "peacetalks.ttl")


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    """peacetalks.ttl + issues.ttl + stances.ttl."""
    return validation.load_ontology(ONTOLOGY_DIR)


def _pt_terms(graph: rdflib.Graph) -> list[URIRef]:
    terms: set[URIRef] = set()
    for kind in (*TERM_TYPES, OWL.NamedIndividual):
        terms |= {
            s
            for s in graph.subjects(RDF.type, kind)
            if isinstance(s, URIRef) and str(s).startswith(str(PT))
        }
    return sorted(terms)


def _concepts(graph: rdflib.Graph) -> list[URIRef]:
    return sorted(s for s in graph.subjects(RDF.type, SKOS.Concept) if isinstance(s, URIRef))


def _langs(graph: rdflib.Graph, subject: URIRef, predicate: URIRef) -> set[str]:
    return {
        o.language
        for o in graph.objects(subject, predicate)
        if isinstance(o, Literal) and o.language
    }


# -- files -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ONTOLOGY_FILES, ids=lambda p: p.name)
def test_file_is_in_canonical_form(path: Path) -> None:
    """Parses, and `python -m peacetalks.dataset.canonical` would not change it."""
    text = path.read_text(encoding="utf-8")
    assert canonical.canonical_text(text) == text, (
        f"run: python -m peacetalks.dataset.canonical {path}"
    )


def test_all_ontology_files_present() -> None:
    names = {p.name for p in ONTOLOGY_FILES}
    assert {"peacetalks.ttl", "issues.ttl", "stances.ttl", "shapes.ttl"} <= names


TRICKY_TURTLE = r"""# a header that must survive
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:b ex:p ex:a .
ex:a a ex:T ; ex:q [ ex:r "long \"quoted\"\nnewline"@en-GB ; ex:s ( 1 ( "x" ) [ ex:t 2.5 ] ) ] .
ex:c ex:p "01"^^xsd:integer , "2025-13"^^xsd:gYearMonth , true , "tab	here" ,
    <http://example.org/a(b)#c/d> .
ex:d ex:p _:shared . ex:e ex:p _:shared . _:shared ex:v "s" .
_:x ex:next _:y . _:y ex:next _:x .
[] ex:free ex:z .
"""


def test_canonical_writer_round_trips_tricky_turtle() -> None:
    out = canonical.canonical_text(TRICKY_TURTLE)
    assert out.startswith("# a header that must survive\n\n@prefix ex:")
    assert canonical.canonical_text(out) == out
    assert rdflib.compare.isomorphic(canonical.parse(out), canonical.parse(TRICKY_TURTLE))
    assert '"01"^^xsd:integer' in out  # lexical forms are kept as written


def test_canonical_check_cli(tmp_path: Path) -> None:
    messy = tmp_path / "messy.ttl"
    messy.write_text("@prefix ex: <http://example.org/> .\nex:b ex:p ex:c . ex:a ex:p ex:c .\n")
    assert canonical.main(["--check", str(messy)]) == 1
    assert canonical.main([str(messy)]) == 0
    assert canonical.main(["--check", str(messy)]) == 0
    broken = tmp_path / "broken.ttl"
    broken.write_text("ex:a ex:p .\n")
    assert canonical.main(["--check", str(broken)]) == 2


# -- header and documentation ------------------------------------------------------------


def test_ontology_header(tbox: rdflib.Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in tbox
    for predicate in (DCTERMS.title, DCTERMS.description, DCTERMS.creator):
        assert tbox.value(ONTOLOGY_IRI, predicate) is not None, predicate
    assert tbox.value(ONTOLOGY_IRI, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    for predicate in (DCTERMS.created, DCTERMS.modified):
        value = tbox.value(ONTOLOGY_IRI, predicate)
        assert isinstance(value, Literal) and value.datatype == XSD.date
    assert str(tbox.value(ONTOLOGY_IRI, OWL.versionInfo)) == "0.1.0"
    assert tbox.value(ONTOLOGY_IRI, OWL.versionIRI) == URIRef(f"{ONTOLOGY_IRI}/0.1.0")


def test_terms_found(tbox: rdflib.Graph) -> None:
    assert len(_pt_terms(tbox)) > 80


@pytest.mark.parametrize(
    "term",
    _pt_terms(rdflib.Graph().parse(ONTOLOGY_DIR / "peacetalks.ttl")),
    ids=lambda t: str(t).split("#")[1],
)
def test_term_is_documented(term: URIRef, tbox: rdflib.Graph) -> None:
    assert {"en", "ja"} <= _langs(tbox, term, RDFS.label), "rdfs:label @en and @ja"
    definitions = _langs(tbox, term, SKOS.definition) | _langs(tbox, term, RDFS.comment)
    assert "en" in definitions, "skos:definition or rdfs:comment @en"
    assert (term, RDFS.isDefinedBy, ONTOLOGY_IRI) in tbox


@pytest.mark.parametrize(
    ("file", "scheme"),
    [("issues.ttl", URIRef(ID + "issue")), ("stances.ttl", URIRef(ID + "stance"))],
)
def test_concepts_are_documented(file: str, scheme: URIRef) -> None:
    graph = rdflib.Graph().parse(ONTOLOGY_DIR / file)
    assert (scheme, RDF.type, SKOS.ConceptScheme) in graph
    concepts = _concepts(graph)
    assert concepts
    for concept in concepts:
        assert {"en", "ja"} <= _langs(graph, concept, SKOS.prefLabel), concept
        assert "en" in _langs(graph, concept, SKOS.definition), concept
        assert (concept, SKOS.inScheme, scheme) in graph, concept
        assert (concept, RDFS.isDefinedBy, ONTOLOGY_IRI) in graph, concept
        is_top = (concept, SKOS.topConceptOf, scheme) in graph
        assert is_top == (graph.value(concept, SKOS.broader) is None), concept
        assert is_top == ((scheme, SKOS.hasTopConcept, concept) in graph), concept


def test_concept_hierarchies_are_acyclic(ontology: rdflib.Graph) -> None:
    for concept in _concepts(ontology):
        for parent in ontology.objects(concept, SKOS.broader):
            ancestors = set(ontology.transitive_objects(parent, SKOS.broader))
            assert concept not in ancestors, f"{concept} is its own ancestor"


# -- the shared contract -------------------------------------------------------------------


def test_every_term_of_the_architecture_is_defined(tbox: rdflib.Graph) -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    names = set(re.findall(r"\bpt:([A-Za-z][A-Za-z0-9]*)", doc))
    assert len(names) > 60
    defined = {
        str(s)[len(str(PT)) :] for s in tbox.subjects(RDF.type, None) if str(s).startswith(str(PT))
    }
    assert sorted(names - defined) == []


def _readme_slugs(kind: str) -> set[str]:
    readme = (ROOT / "graph" / "README.md").read_text(encoding="utf-8")
    block = re.search(rf"\*\*{kind}/\*\*(.*?)(?:\n\n|\Z)", readme, re.DOTALL)
    assert block, f"no **{kind}/** paragraph in graph/README.md"
    return set(re.findall(r"`([a-z0-9]+(?:-[a-z0-9]+)*)`", block.group(1)))


@pytest.mark.parametrize(("kind", "cls"), [("issue", PT.Issue), ("stance", PT.Stance)])
def test_fixed_slugs_of_graph_readme_are_concepts(
    kind: str, cls: URIRef, ontology: rdflib.Graph
) -> None:
    slugs = _readme_slugs(kind)
    assert len(slugs) > 20
    defined = {
        str(s)[len(ID + kind + "/") :]
        for s in ontology.subjects(RDF.type, cls)
        if str(s).startswith(ID + kind + "/")
    }
    assert sorted(slugs - defined) == []


def test_four_main_focuses(ontology: rdflib.Graph) -> None:
    focuses = set(ontology.objects(ISSUE["main-focuses"], SKOS.member))
    assert focuses == {
        ISSUE["security-arrangements"],
        ISSUE["territorial-recovery"],
        ISSUE["ceasefire-monitoring"],
        ISSUE["sanctions-relief"],
    }
    assert (ISSUE["main-focuses"], RDF.type, SKOS.Collection) in ontology


# -- OWL 2 RL profile ----------------------------------------------------------------------

NOT_IN_RL = (
    OWL.unionOf,  # only allowed in subclass position; we use none at all
    OWL.someValuesFrom,
    OWL.minCardinality,
    OWL.cardinality,
    OWL.minQualifiedCardinality,
    OWL.qualifiedCardinality,
    OWL.hasSelf,
    OWL.complementOf,
    OWL.oneOf,
    OWL.disjointUnionOf,
    OWL.ReflexiveProperty,
)


def test_owl2_rl_profile(ontology: rdflib.Graph) -> None:
    """No construct outside OWL 2 RL; datatype ranges only from the RL datatype map."""
    used = {p for p in NOT_IN_RL if any(ontology.triples((None, p, None)))}
    used |= {t for t in NOT_IN_RL if (None, RDF.type, t) in ontology}
    assert not used
    for prop in ontology.subjects(RDF.type, OWL.DatatypeProperty):
        for rng in ontology.objects(prop, RDFS.range):
            assert rng in (XSD.boolean, XSD.string, XSD.date, XSD.integer, XSD.decimal), (prop, rng)
    for prop in ontology.subjects(RDF.type, OWL.FunctionalProperty):
        pytest.fail(f"{prop} is functional: owlrl would merge values with owl:sameAs")


# -- OWL RL inferences (owlrl) ------------------------------------------------------------

FIXTURE = """
@prefix actor: <https://w3id.org/peacetalks/id/actor/> .
@prefix event: <https://w3id.org/peacetalks/id/event/> .
@prefix issue: <https://w3id.org/peacetalks/id/issue/> .
@prefix post: <https://w3id.org/peacetalks/id/post/> .
@prefix pt: <https://w3id.org/peacetalks/ontology#> .
@prefix stance: <https://w3id.org/peacetalks/id/stance/> .
@prefix statement: <https://w3id.org/peacetalks/id/statement/> .

actor:fixture-person a pt:Person .
actor:fixture-state a pt:State .
statement:fixture-1 a pt:Statement ;
    pt:speaker actor:fixture-person ;
    pt:issue issue:crimea , issue:energy-infrastructure-ceasefire ;
    pt:stance stance:rejects ;
    pt:atEvent event:fixture-call ;
    pt:conflictsWith statement:fixture-2 .
statement:fixture-2 a pt:Statement ; pt:issue issue:territory .
event:fixture-call a pt:PhoneCall ;
    pt:participant actor:fixture-state ; pt:place actor:fixture-state .
<https://w3id.org/peacetalks/id/tenure/fixture> a pt:Tenure ;
    pt:holder actor:fixture-person ; pt:office post:fixture-post .
"""
F_PERSON = URIRef(ID + "actor/fixture-person")
F_STATE = URIRef(ID + "actor/fixture-state")
F_S1 = URIRef(ID + "statement/fixture-1")
F_S2 = URIRef(ID + "statement/fixture-2")
F_CALL = URIRef(ID + "event/fixture-call")
F_TENURE = URIRef(ID + "tenure/fixture")
F_POST = URIRef(ID + "post/fixture-post")

EXPECTED = [
    # (name, triple) — each absent before the closure, present after
    ("person is a prov:Agent", (F_PERSON, RDF.type, PROV.Agent)),
    ("person is a pt:Actor", (F_PERSON, RDF.type, PT.Actor)),
    ("person is a schema:Person", (F_PERSON, RDF.type, SCHEMA.Person)),
    ("state is a place", (F_STATE, RDF.type, PT.Place)),
    ("issue implies coversIssue", (F_S1, PT.coversIssue, ISSUE.crimea)),
    ("crimea covers territory", (F_S1, PT.coversIssue, ISSUE.territory)),
    ("two levels up", (F_S1, PT.coversIssue, ISSUE["partial-ceasefire"])),
    ("three levels up", (F_S1, PT.coversIssue, ISSUE.ceasefire)),
    ("to the top", (F_S1, PT.coversIssue, ISSUE["ending-the-war"])),
    ("speaker implies attribution", (F_S1, PROV.wasAttributedTo, F_PERSON)),
    ("atEvent implies generation", (F_S1, PROV.wasGeneratedBy, F_CALL)),
    ("conflictsWith is symmetric", (F_S2, PT.conflictsWith, F_S1)),
    ("statement is a prov:Entity", (F_S1, RDF.type, PROV.Entity)),
    ("phone call is an event", (F_CALL, RDF.type, PT.Event)),
    ("event is a prov:Activity", (F_CALL, RDF.type, PROV.Activity)),
    ("participant implies association", (F_CALL, PROV.wasAssociatedWith, F_STATE)),
    ("place implies prov:atLocation", (F_CALL, PROV.atLocation, F_STATE)),
    ("tenure gives org:holds", (F_PERSON, ORG.holds, F_POST)),
    ("holder is an org:member", (F_TENURE, ORG.member, F_PERSON)),
    ("tenure is an org:Membership", (F_TENURE, RDF.type, ORG.Membership)),
    (
        "concept transitive broader",
        (ISSUE["air-ceasefire"], SKOS.broaderTransitive, ISSUE.ceasefire),
    ),
]
NOT_EXPECTED = [
    ("coversIssue does not go down", (F_S2, PT.coversIssue, ISSUE.crimea)),
    ("reporter is not the speaker", (F_S2, PROV.wasAttributedTo, F_PERSON)),
]


def _closure(graph: rdflib.Graph) -> rdflib.Graph:
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    return graph


def _inconsistencies(graph: rdflib.Graph) -> list[str]:
    errors = [
        str(graph.value(m, ERRNS.error)) for m in graph.subjects(RDF.type, ERRNS.ErrorMessage)
    ]
    errors += [f"{s} is owl:Nothing" for s in graph.subjects(RDF.type, OWL.Nothing)]
    return errors


@pytest.fixture(scope="module")
def asserted(ontology: rdflib.Graph) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph += ontology
    for path in sorted((ROOT / "graph").glob("*.ttl")):
        graph.parse(path)
    graph.parse(data=FIXTURE, format="turtle")
    return graph


@pytest.fixture(scope="module")
def closed(asserted: rdflib.Graph) -> rdflib.Graph:
    """OWL RL closure of ontology + graph/*.ttl + the fixture (computed once per module)."""
    graph = rdflib.Graph()
    graph += asserted
    return _closure(graph)


def test_closure_is_consistent(closed: rdflib.Graph) -> None:
    assert _inconsistencies(closed) == []


@pytest.mark.parametrize(("name", "triple"), EXPECTED, ids=[n for n, _ in EXPECTED])
def test_inference(name: str, triple: tuple, asserted: rdflib.Graph, closed: rdflib.Graph) -> None:
    assert triple not in asserted, "the fixture must not state what we expect owlrl to infer"
    assert triple in closed


@pytest.mark.parametrize(("name", "triple"), NOT_EXPECTED, ids=[n for n, _ in NOT_EXPECTED])
def test_no_unwanted_inference(name: str, triple: tuple, closed: rdflib.Graph) -> None:
    assert triple not in closed


def test_owlrl_detects_a_clash(ontology: rdflib.Graph) -> None:
    """Negative control: a person who is also a government body is reported inconsistent."""
    graph = rdflib.Graph()
    graph += ontology
    graph.add((F_PERSON, RDF.type, PT.Person))
    graph.add((F_PERSON, RDF.type, PT.GovernmentBody))
    assert _inconsistencies(_closure(graph))


# -- OWL 2 DL consistency (owlready2 + HermiT) --------------------------------------------


def _hermit(graph: rdflib.Graph, tmp_path: Path) -> None:
    owlready2 = pytest.importorskip("owlready2")
    if shutil.which("java") is None:
        pytest.skip("java is not installed (HermiT needs it)")
    path = tmp_path / "ontology.nt"
    graph.serialize(path, format="nt", encoding="utf-8")
    world = owlready2.World()
    onto = world.get_ontology(path.as_uri()).load(format="ntriples")
    with onto:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    assert list(world.inconsistent_classes()) == []


def test_hermit_consistency(ontology: rdflib.Graph, tmp_path: Path) -> None:
    _hermit(ontology, tmp_path)


def test_hermit_consistency_with_curated_graph(asserted: rdflib.Graph, tmp_path: Path) -> None:
    """Ontology + graph/*.ttl + fixture. xsd:date, gYearMonth and gYear are not in the OWL 2
    datatype map, so HermiT refuses them; they are turned into plain strings first."""
    outside_owl2 = {XSD.date, XSD.gYearMonth, XSD.gYear}
    graph = rdflib.Graph()
    for s, p, o in asserted:
        if isinstance(o, Literal) and o.datatype in outside_owl2:
            o = Literal(str(o))
        graph.add((s, p, o))
    _hermit(graph, tmp_path)


def test_hermit_detects_a_clash(ontology: rdflib.Graph, tmp_path: Path) -> None:
    owlready2 = pytest.importorskip("owlready2")
    graph = rdflib.Graph()
    graph += ontology
    graph.add((F_PERSON, RDF.type, OWL.NamedIndividual))
    graph.add((F_PERSON, RDF.type, PT.Person))
    graph.add((F_PERSON, RDF.type, PT.GovernmentBody))
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        _hermit(graph, tmp_path)
