"""The reference checks of a canned query's SPARQL body, on rdflib's algebra (slow: ~0.05-0.6 s
a query, so never at start-up).

The catalog checks every start with `peacetalks.api.query_scan` (pyoxigraph and tokens). This
module makes the same checks on the algebra, plus the one tokens cannot make — a variable
the body reads that no pattern binds, an undeclared parameter — and `lint` runs them on a
loaded catalog, also reporting any verdict the start-up checks reached differently.
`peacetalks validate` and the test suite run it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from rdflib.plugins.sparql import parser as rdflib_parser
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Variable as RdflibVariable

from peacetalks.api.catalog_errors import CatalogError
from peacetalks.api.params import Param
from peacetalks.api.query_scan import bound_parameter, check_substitutable, projection


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
    variables = projection(file, text)
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
        raise bound_parameter(file, bad_bound[0])
    check_substitutable(file, text, params, variables)
    return variables, _list_columns(algebra, variables)


def _list_columns(algebra: CompValue, variables: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    separators: dict[str, str] = {}
    for item in _walk(algebra):
        if isinstance(item, CompValue) and item.name == "Aggregate_GroupConcat":
            # dict.get: CompValue.get answers a missing key with its name; " " is SPARQL's default
            separators[str(item.res)] = str(dict.get(item, "separator", " "))
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


def lint(queries: Iterable[Any]) -> list[CatalogError]:
    """The reference checks on every `CannedQuery` of a loaded catalog: their errors, and a
    `CatalogError` wherever the start-up checks saw other projected variables or list
    columns than the algebra shows."""
    problems = []
    for query in queries:
        try:
            variables, lists = check_query(query.path, query.text, query.params)
        except CatalogError as e:
            problems.append(e)
            continue
        if (variables, lists) != (query.variables, query.lists):
            problems.append(
                CatalogError(
                    query.path,
                    f"the start-up checks read {query.variables} / lists {query.lists}, "
                    f"rdflib's algebra {variables} / {lists}: please report this",
                )
            )
    return problems
