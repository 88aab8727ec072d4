"""Scratch data roots for the curation tests: copies of ontology/, queries/ and graph/, so
that an import writes into a temporary graph/ and never into the repository's."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

ROOT = Path(__file__).resolve().parents[2]
STATEMENT = ox.NamedNode("https://w3id.org/peacetalks/ontology#Statement")


def copy_root(target: Path) -> Path:
    """`target` with copies of the repository's ontology/, queries/ and graph/."""
    for name in ("ontology", "queries", "graph"):
        shutil.copytree(ROOT / name, target / name)
    return target


def statement_triples(paths: list[Path]) -> set[ox.Triple]:
    """The triples whose subject is a pt:Statement, over the Turtle files `paths`."""
    triples = [t for p in paths for t in ox.parse(path=p, format=ox.RdfFormat.TURTLE)]
    statements = {t.subject for t in triples if t.object == STATEMENT}
    return {t for t in triples if t.subject in statements}


@pytest.fixture
def full_root(tmp_path: Path) -> Path:
    """A copy of the curated data, statements included."""
    return copy_root(tmp_path / "root")


@pytest.fixture(scope="session")
def _stripped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_root(tmp_path_factory.mktemp("stripped"))
    for path in sorted((root / "graph").glob("*.ttl")):
        triples = list(ox.parse(path=path, format=ox.RdfFormat.TURTLE))
        statements = {t.subject for t in triples if t.object == STATEMENT}
        if statements:
            kept = [t for t in triples if t.subject not in statements]
            path.write_bytes(ox.serialize(kept, format=ox.RdfFormat.TURTLE) or b"")
    return root


@pytest.fixture
def stripped_root(_stripped: Path, tmp_path: Path) -> Path:
    """A copy of the curated data whose graph files lost their pt:Statement nodes (figures,
    disagreements and the rest stay): the graph a statements import starts from."""
    root = tmp_path / "stripped"
    shutil.copytree(_stripped, root)
    return root
