"""The checks of a canned query's SPARQL body, on rdflib's algebra (slow: ~0.3-0.6 s a query).

Imported only when `peacetalks.api.catalog` finds no cached verdict for a file's content:
the serving path never imports rdflib's SPARQL parser when the cache is warm.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib.plugins.sparql import parser as rdflib_parser
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Variable as RdflibVariable

from peacetalks.api.catalog_errors import CatalogError
from peacetalks.api.params import Param


def _walk(node: Any) -> Iterator[Any]:
    """Every value in an rdflib algebra tree (CompValues, lists, dicts, paths, terms)."""
    yield node
    if isinstance(node, CompValue):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(key)
            yield from _walk(value)
    elif isinstance(node, list | tuple | set):
        for value in node:
            yield from _walk(value)


def _bound_by_pattern(node: Any) -> set[str]:
    """Variables some pattern binds: triples, BIND targets, VALUES, GRAPH ?g, aggregates."""
    names: set[str] = set()
    for item in _walk(node):
        if not isinstance(item, CompValue):
            continue
        if item.name in ("BGP", "TriplesBlock"):  # TriplesBlock: untranslated, in EXISTS
            for triple in item.triples:
                names.update(str(t) for t in triple if isinstance(t, RdflibVariable))
        elif item.name == "Extend" or item.name.startswith("Aggregate_"):
            target = item.get("var") if item.name == "Extend" else item.get("res")
            if isinstance(target, RdflibVariable):
                names.add(str(target))
        elif item.name == "values":
            for row in item.res:
                names.update(str(v) for v in row)
        elif item.name == "Graph" and isinstance(item.term, RdflibVariable):
            names.add(str(item.term))
    return names


def _top_level(algebra: CompValue) -> list[str]:
    """Names of the solution modifiers above the pattern (Slice, Project, OrderBy, …)."""
    names = []
    node = algebra.p
    while isinstance(node, CompValue) and node.name in {
        "Slice", "Project", "Distinct", "Reduced", "OrderBy", "Extend",
    }:  # fmt: skip
        names.append(node.name)
        node = node.p
    return names


def check_query(
    file: Path, text: str, params: tuple[Param, ...]
) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """Validate the SPARQL body against its parameters; returns the projected variables and
    the list columns (see `CannedQuery.lists`)."""
    variables = _projection(file, text)
    try:
        algebra = translateQuery(rdflib_parser.parseQuery(text)).algebra
    except Exception as e:  # rdflib raises pyparsing and its own exceptions
        raise CatalogError(file, f"rdflib cannot read the query: {e}") from e
    modifiers = _top_level(algebra)
    if "Slice" in modifiers:
        raise CatalogError(file, "no LIMIT/OFFSET in the file: the API pages the results")
    if "OrderBy" not in modifiers:
        raise CatalogError(file, "needs a top-level ORDER BY (pages must be stable)")
    body = _pattern_below_projection(algebra)
    used: set[str] = set()
    reads_bound: set[str] = set()
    for item in _walk(body):
        if isinstance(item, RdflibVariable):
            used.add(str(item))
        elif isinstance(item, CompValue) and item.name == "Builtin_BOUND":
            reads_bound.add(str(item.arg))
    declared = {p.name for p in params}
    for name in sorted(declared - used):
        raise CatalogError(file, f"parameter {name!r} is declared but ?{name} is unused")
    free = {v for v in used - _bound_by_pattern(body) if not v.startswith("__")}
    undeclared = sorted(free - declared)
    if undeclared:
        raise CatalogError(
            file,
            "variable(s) read but never bound — undeclared parameter(s): "
            + ", ".join("?" + v for v in undeclared),
        )
    bad_bound = sorted(reads_bound & declared)
    if bad_bound:
        raise CatalogError(
            file,
            f"BOUND(?{bad_bound[0]}) on a parameter is always false under pyoxigraph "
            "substitutions; use COALESCE (see queries/README.md)",
        )
    missing = [p.name for p in params if p.name not in variables]
    if missing:  # pyoxigraph 0.5 substitutes only projected variables
        raise CatalogError(
            file,
            f"?{missing[0]} is not in the top-level SELECT: every parameter variable must be "
            "projected (and grouped by, if the query aggregates)",
        )
    try:  # the final word: pyoxigraph itself accepts the substitutions
        ox.Store().query(text, substitutions={ox.Variable(p.name): ox.Literal("") for p in params})
    except RuntimeError as e:
        raise CatalogError(file, f"{e} (name every parameter variable in the SELECT)") from e
    return variables, _list_columns(algebra, variables)


def _projection(file: Path, text: str) -> tuple[str, ...]:
    """The SELECT's variables, by pyoxigraph's parser. (A helper so that no pyoxigraph result
    outlives it: frames of `check_query` can be kept alive by rdflib's exception caching,
    and pyoxigraph objects must be dropped on the thread that made them.)"""
    try:
        solutions = ox.Store().query(text)
    except SyntaxError as e:
        raise CatalogError(file, f"SPARQL syntax error: {e}") from e
    if not isinstance(solutions, ox.QuerySolutions):
        raise CatalogError(file, "only SELECT queries can be canned queries")
    return tuple(v.value for v in solutions.variables)


def _list_columns(algebra: CompValue, variables: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    separators: dict[str, str] = {}
    for item in _walk(algebra):
        if isinstance(item, CompValue) and item.name == "Aggregate_GroupConcat":
            separator = item.get("separator")
            separators[str(item.res)] = " " if separator is None else str(separator)
    found = {}
    for item in _walk(algebra):
        if (
            isinstance(item, CompValue)
            and item.name == "Extend"
            and str(item.expr) in separators
            and str(item.var) in variables
        ):
            found[str(item.var)] = separators[str(item.expr)]
    return tuple(sorted(found.items()))


def _pattern_below_projection(algebra: CompValue) -> Any:
    node = algebra.p
    while isinstance(node, CompValue) and node.name in {"Slice", "Project", "Distinct", "Reduced"}:
        node = node.p
    return node
