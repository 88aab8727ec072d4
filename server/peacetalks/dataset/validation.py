"""Quality checks on the graph: SHACL shapes (pyshacl) and `*-violation.rq` SPARQL rules.

Used by the tests and by `peacetalks validate`. SHACL runs without inference: the
ontology (TBox plus the issue and stance schemes) is merged into the data graph so that
`sh:class` follows `rdfs:subClassOf`, but no OWL RL closure is computed first — a shape
must hold of what the curators wrote, not of what a reasoner could add.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import rdflib
from rdflib.namespace import SH

from peacetalks import resources

ONTOLOGY_FILES = ("peacetalks.ttl", "issues.ttl", "stances.ttl")
"""The files of `ontology/` that make up the ontology graph (shapes.ttl is separate)."""


@dataclass(frozen=True)
class Violation:
    """One SHACL validation result, reduced to what a curator needs to find and fix it."""

    focus_node: str
    result_path: str | None
    value: str | None
    source_shape: str
    constraint: str
    severity: str
    message: str


@dataclass(frozen=True)
class ValidationReport:
    """Outcome of a SHACL run: `conforms`, the results, and pyshacl's readable report text."""

    conforms: bool
    violations: list[Violation]
    text: str


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one `*-violation.rq` query: its name (file stem) and the rows it returned."""

    name: str
    rows: list[dict[str, str]]

    @property
    def passed(self) -> bool:
        """A violation query passes when it returns no rows."""
        return not self.rows


def default_shapes_path() -> Path:
    """`ontology/shapes.ttl` of the shipped data."""
    return resources.ontology_dir() / "shapes.ttl"


def ontology_paths(ontology_dir: Path | None = None) -> list[Path]:
    """The ontology files (TBox, issue scheme, stance scheme) that exist in `ontology_dir`."""
    directory = ontology_dir if ontology_dir is not None else resources.ontology_dir()
    return [directory / name for name in ONTOLOGY_FILES if (directory / name).is_file()]


_QUAD_FORMATS = {".trig": "trig", ".nq": "nquads"}


def load_graph(paths: Iterable[Path]) -> rdflib.Graph:
    """Parse RDF files into one rdflib Graph (a union; named graphs are not kept).

    The format follows the suffix (Turtle when unknown); TriG and N-Quads are flattened.
    """
    graph = rdflib.Graph()
    for path in paths:
        quad_format = _QUAD_FORMATS.get(path.suffix.lower())
        if quad_format is not None:
            dataset = rdflib.Dataset()
            dataset.parse(path, format=quad_format)
            for s, p, o, _ in dataset.quads((None, None, None, None)):
                graph.add((s, p, o))
        else:
            graph.parse(path, format=rdflib.util.guess_format(str(path)) or "turtle")
    return graph


def load_ontology(ontology_dir: Path | None = None) -> rdflib.Graph:
    """The ontology graph: peacetalks.ttl + issues.ttl + stances.ttl."""
    return load_graph(ontology_paths(ontology_dir))


def _text(graph: rdflib.Graph, node: rdflib.term.Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, rdflib.URIRef):
        return node.n3(graph.namespace_manager)
    return str(node)


def _violations(results: rdflib.Graph) -> list[Violation]:
    found = []
    for result in results.subjects(rdflib.RDF.type, SH.ValidationResult):
        found.append(
            Violation(
                focus_node=_text(results, results.value(result, SH.focusNode)) or "",
                result_path=_text(results, results.value(result, SH.resultPath)),
                value=_text(results, results.value(result, SH.value)),
                source_shape=str(results.value(result, SH.sourceShape)),
                constraint=str(results.value(result, SH.sourceConstraintComponent)),
                severity=str(results.value(result, SH.resultSeverity)),
                message=" / ".join(
                    sorted(str(m) for m in results.objects(result, SH.resultMessage))
                ),
            )
        )
    return sorted(found, key=lambda v: (v.focus_node, v.source_shape, v.value or ""))


def shacl_validate(
    data: rdflib.Graph,
    shapes_path: Path | None = None,
    ontology_graph: rdflib.Graph | None = None,
    inference: str = "none",
    focus_nodes: Iterable[str] | None = None,
) -> ValidationReport:
    """Validate `data` against the shapes (default `ontology/shapes.ttl`).

    With `focus_nodes` (IRIs), only those nodes are validated, each against the shapes that
    target it; the rest of `data` is still there for the constraints to look at.

    `ontology_graph` (e.g. `load_ontology()`) is merged into a copy of the data first, so
    that `sh:class` sees subclass axioms and the issue/stance concepts; `data` is not changed.
    """
    shapes = rdflib.Graph().parse(shapes_path or default_shapes_path(), format="turtle")
    target = data
    if ontology_graph is not None:
        target = rdflib.Graph()
        for triple in data:
            target.add(triple)
        for triple in ontology_graph:
            target.add(triple)
    conforms, results, text = pyshacl.validate(
        target,
        shacl_graph=shapes,
        inference=inference,
        advanced=True,
        allow_warnings=True,
        focus_nodes=None if focus_nodes is None else [rdflib.URIRef(n) for n in focus_nodes],
    )
    assert isinstance(results, rdflib.Graph)
    return ValidationReport(
        conforms=bool(conforms), violations=_violations(results), text=str(text)
    )


def violation_queries(checks_dir: Path) -> list[Path]:
    """The `*-violation.rq` files of `checks_dir`, sorted by name."""
    return sorted(checks_dir.glob("*-violation.rq"))


def _term_text(term: object) -> str:
    return str(getattr(term, "value", term))


def run_violation_checks(store: ox.Store, checks_dir: Path) -> list[CheckResult]:
    """Run every `*-violation.rq` in `checks_dir` over the union of all graphs in `store`.

    Each query must be a SELECT; a passing check returns no rows. Results keep each row as
    a dict of variable name to the value's lexical form (unbound variables are left out).
    """
    outcomes = []
    for path in violation_queries(checks_dir):
        solutions = store.query(path.read_text(encoding="utf-8"), use_default_graph_as_union=True)
        if not isinstance(solutions, ox.QuerySolutions):
            raise ValueError(f"{path.name}: a violation check must be a SELECT query")
        names = [variable.value for variable in solutions.variables]
        rows = []
        for solution in solutions:
            row = {}
            for name in names:
                value = solution[name]
                if value is not None:
                    row[name] = _term_text(value)
            rows.append(row)
        outcomes.append(CheckResult(name=path.stem, rows=rows))
    return outcomes
