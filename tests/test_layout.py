"""The package layout: one import package `peacetalks`, a sub-package per concern, layers
that import downwards only, no import circle, and a wheel that installs nothing else.

The import graph is read from the source with `ast` (every `import` statement, including
those inside functions; `if TYPE_CHECKING:` blocks are left out, since they never run).
"""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "server" / "peacetalks"

TOP_LEVEL = {
    "__init__",
    "__main__",
    "app",
    "cli",
    "settings",
    "errors",
    "logs",
    "resources",
    "deps",
    "security",
}
"""The modules that tie the sub-packages together; everything else sits in a sub-package."""

LAYERS: dict[str, set[str]] = {
    "dataset": set(),
    "frame": set(),
    "sparql": {"dataset"},
    "api": {"dataset", "sparql"},
    "linked_data": {"dataset", "sparql", "frame"},
    "ops": {"dataset"},
    "curation": {"dataset", "sparql", "api"},
    "web": {"dataset", "sparql", "api", "linked_data", "frame"},
    "backend": {"dataset", "sparql"},
}
"""Sub-package → the sub-packages it may import (the architecture's layers, bottom first)."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    found: set[str] = set()

    def resolve(name: str) -> None:
        if name == "peacetalks" or name.startswith("peacetalks."):
            found.add(name if name in MODULES else name.rsplit(".", 1)[0])

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                resolve(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                resolve(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    found.discard(module)
    return found


GRAPH = {
    name: _imports(ast.parse(path.read_text(encoding="utf-8")), name, path.stem == "__init__")
    for name, path in MODULES.items()
}


def subpackage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in LAYERS) else None


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of `graph` as a list of nodes (first = last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := dfs(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := dfs(node)):
            return cycle
    return None


def test_the_graph_reader_sees_real_imports() -> None:
    """Guard against a reader that finds nothing (which would make every check pass)."""
    assert "peacetalks.sparql.guard" in GRAPH["peacetalks.sparql.routes"]
    assert "peacetalks.api.params" in GRAPH["peacetalks.api.catalog"]
    assert "peacetalks.dataset.store" in GRAPH["peacetalks.cli"]  # an import inside a function
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_every_module_sits_in_a_subpackage_named_for_its_concern() -> None:
    strays = [
        name
        for name, path in MODULES.items()
        if path.parent == PACKAGE and path.stem not in TOP_LEVEL
    ]
    assert not strays, f"modules at the top of peacetalks/ that belong in a sub-package: {strays}"
    subpackages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert subpackages - {"_data"} == set(LAYERS), "a sub-package is missing from LAYERS"
    for name in LAYERS:
        doc = ast.get_docstring(ast.parse((PACKAGE / name / "__init__.py").read_text()))
        assert doc and len(doc) > 40, f"peacetalks/{name}/__init__.py says what it holds"


def test_no_import_circle_between_modules() -> None:
    cycle = find_cycle(GRAPH)
    assert cycle is None, "import circle: " + " → ".join(cycle or [])


def test_subpackages_import_only_the_layers_below() -> None:
    wrong = []
    for module, targets in GRAPH.items():
        source = subpackage(module)
        if source is None:
            continue
        for target in targets:
            dest = subpackage(target)
            if dest is not None and dest != source and dest not in LAYERS[source]:
                wrong.append(f"{module} imports {target}")
    assert not wrong, "imports against the layers of tests/test_layout.py LAYERS:\n" + "\n".join(
        wrong
    )
    packages = {
        s: {subpackage(t) for m in GRAPH if subpackage(m) == s for t in GRAPH[m]} for s in LAYERS
    }
    assert find_cycle({s: {d for d in ds if d and d != s} for s, ds in packages.items()}) is None


def test_python_dash_m_peacetalks() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "peacetalks", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: peacetalks ")
    assert "serve" in result.stdout


PIP_WHEEL = (
    sys.executable,
    "-m",
    "pip",
    "wheel",
    "--no-deps",
    "--no-build-isolation",
    "--no-index",
)


def test_the_wheel_installs_peacetalks_and_nothing_named_server(tmp_path: Path) -> None:
    """Build the wheel offline (hatchling from the test extras, no build isolation)."""
    pytest.importorskip("hatchling")
    result = subprocess.run(
        [*PIP_WHEEL, "--no-index", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    (wheel,) = tmp_path.glob("peacetalks-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/", 1)[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"peacetalks"}, tops
    for wanted in (
        "peacetalks/__main__.py",
        "peacetalks/sparql/worker.py",
        "peacetalks/_data/ontology/peacetalks.ttl",
        "peacetalks/_data/graph/actors.ttl",
        "peacetalks/_data/queries/who-said-what.rq",
    ):
        assert wanted in names, wanted
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "peacetalks = peacetalks.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()
