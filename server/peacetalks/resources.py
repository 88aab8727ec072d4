"""Where the shipped ontology, graph and queries are: a repository checkout or the wheel.

In a checkout the package is `server/peacetalks/`, two levels below `ontology/`, `graph/`
and `queries/`; an installed wheel carries copies under `peacetalks/_data/` (see
`hatch_build.py`). Both keep the same relative layout, so graph names
(`…/graph/graph/actors.ttl`) do not depend on which is used.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT_ROOT = PACKAGE_DIR.parent.parent
_WHEEL_ROOT = PACKAGE_DIR / "_data"


def is_checkout() -> bool:
    """True when running from a source checkout (`pyproject.toml` at the repository root)."""
    return (_CHECKOUT_ROOT / "pyproject.toml").is_file() and not _WHEEL_ROOT.is_dir()


def data_root() -> Path:
    """The directory holding `ontology/`, `graph/` and `queries/`."""
    return _CHECKOUT_ROOT if is_checkout() else _WHEEL_ROOT


def ontology_dir() -> Path:
    """`ontology/`: the OWL TBox, SKOS schemes and SHACL shapes."""
    return data_root() / "ontology"


def graph_dir() -> Path:
    """`graph/`: the curated data, one named graph per file."""
    return data_root() / "graph"


def queries_dir() -> Path:
    """`queries/`: canned `.rq` files."""
    return data_root() / "queries"


def checks_dir() -> Path:
    """`queries/checks/`: `*-violation.rq` quality rules."""
    return queries_dir() / "checks"
