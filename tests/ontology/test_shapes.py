"""SHACL shapes (ontology/shapes.ttl) and the checks runner (peacetalks.dataset.validation).

Every tests/data/shapes/*-valid.ttl must conform; every *-invalid-<reason>.ttl must fail
with exactly the shapes its `# expect: ptsh:…` header lines name (sh:sourceShape), so an
example cannot pass by failing for some other reason. See tests/data/shapes/README.md.
"""

from __future__ import annotations

import glob
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from peacetalks.dataset import validation
from rdflib import Literal
from rdflib.namespace import RDF, SH

ROOT = Path(__file__).resolve().parents[2]
SHAPES = ROOT / "ontology" / "shapes.ttl"
EXAMPLES = Path(__file__).parents[1] / "data" / "shapes"
PTSH = "https://w3id.org/peacetalks/shapes#"
VALID = sorted(EXAMPLES.glob("*-valid.ttl"))
INVALID = sorted(EXAMPLES.glob("*-invalid-*.ttl"))


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return validation.load_ontology(ROOT / "ontology")


def _validate(example: Path, ontology: rdflib.Graph) -> validation.ValidationReport:
    data = validation.load_graph([EXAMPLES / "base.ttl", example])
    return validation.shacl_validate(data, SHAPES, ontology)


def _expected_shapes(example: Path) -> set[str]:
    text = example.read_text(encoding="utf-8")
    return {PTSH + name for name in re.findall(r"^# expect: ptsh:(\w+)$", text, re.MULTILINE)}


def test_there_are_examples() -> None:
    assert len(VALID) >= 5
    assert len(INVALID) >= 20


def test_base_conforms(ontology: rdflib.Graph) -> None:
    report = validation.shacl_validate(
        validation.load_graph([EXAMPLES / "base.ttl"]), SHAPES, ontology
    )
    assert report.conforms, report.text


@pytest.mark.parametrize("example", VALID, ids=lambda p: p.stem)
def test_valid_example_conforms(example: Path, ontology: rdflib.Graph) -> None:
    report = _validate(example, ontology)
    assert report.conforms, report.text


@pytest.mark.parametrize("example", INVALID, ids=lambda p: p.stem)
def test_invalid_example_fails_for_its_reason(example: Path, ontology: rdflib.Graph) -> None:
    expected = _expected_shapes(example)
    assert expected, f"{example.name} names no '# expect: ptsh:…' shape"
    report = _validate(example, ontology)
    assert not report.conforms
    assert {v.source_shape for v in report.violations} == expected, report.text
    assert all(v.message for v in report.violations), "every violation carries an sh:message"


def test_expected_shapes_exist() -> None:
    shapes = rdflib.Graph().parse(SHAPES)
    names = {str(s) for s in shapes.subjects() if str(s).startswith(PTSH)}
    for example in INVALID:
        assert _expected_shapes(example) <= names, example.name


def test_every_constraint_has_a_message() -> None:
    """Each property shape, and each node shape with its own constraint, has an @en message."""
    shapes = rdflib.Graph().parse(SHAPES)
    node_constraints = (SH["class"], SH["or"])
    for shape in set(shapes.subjects(RDF.type, SH.PropertyShape)) | {
        s
        for s in shapes.subjects(RDF.type, SH.NodeShape)
        if any(shapes.value(s, c) is not None for c in node_constraints)
    }:
        messages = [
            m
            for m in shapes.objects(shape, SH.message)
            if isinstance(m, Literal) and m.language == "en"
        ]
        assert messages, f"{shape} has no English sh:message"


def test_curated_graph_conforms(ontology: rdflib.Graph) -> None:
    files = sorted(glob.glob(str(ROOT / "graph" / "*.ttl")))
    if not files:
        pytest.skip("no graph/*.ttl yet")
    report = validation.shacl_validate(validation.load_graph(map(Path, files)), SHAPES, ontology)
    assert report.conforms, report.text


# -- violation checks runner -----------------------------------------------------------


def _store() -> ox.Store:
    store = ox.Store()
    store.load(
        input=b"<http://example.org/a> <http://example.org/p> <http://example.org/b> .",
        format=ox.RdfFormat.N_TRIPLES,
        to_graph=ox.NamedNode("http://example.org/g"),
    )
    return store


def test_violation_checks_see_named_graphs_and_report_rows(tmp_path: Path) -> None:
    (tmp_path / "clean-violation.rq").write_text("SELECT ?s WHERE { ?s ?p <http://nowhere> }")
    (tmp_path / "dirty-violation.rq").write_text("SELECT ?s ?o WHERE { ?s ?p ?o }")
    (tmp_path / "not-a-check.rq").write_text("SELECT * WHERE { ?s ?p ?o }")
    results = validation.run_violation_checks(_store(), tmp_path)
    assert [r.name for r in results] == ["clean-violation", "dirty-violation"]
    clean, dirty = results
    assert clean.passed and clean.rows == []
    assert not dirty.passed
    assert dirty.rows == [{"s": "http://example.org/a", "o": "http://example.org/b"}]


def test_violation_check_must_be_select(tmp_path: Path) -> None:
    (tmp_path / "ask-violation.rq").write_text("ASK { ?s ?p ?o }")
    with pytest.raises(ValueError, match="SELECT"):
        validation.run_violation_checks(_store(), tmp_path)


def test_shipped_violation_checks_parse(tmp_path: Path) -> None:
    """The curators' queries/checks/*-violation.rq run (their results are checked elsewhere)."""
    checks = ROOT / "queries" / "checks"
    if not list(checks.glob("*-violation.rq")):
        pytest.skip("no queries/checks/*-violation.rq yet")
    results = validation.run_violation_checks(ox.Store(), checks)
    assert all(r.passed for r in results)
