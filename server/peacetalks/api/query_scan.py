"""The start-up checks of a canned query's SPARQL body: pyoxigraph's parser and the guard's
tokens, no rdflib (the 13 shipped queries in a few milliseconds, where rdflib's parser
takes ~3.5 s).

What serving relies on is checked here, every start: the text is a SELECT pyoxigraph reads,
every parameter is projected and substitutable and appears in the pattern, no `BOUND()` on a
parameter, no top-level LIMIT/OFFSET (the API pages), a top-level ORDER BY (stable pages),
and the list columns, `(GROUP_CONCAT(…; separator=…) AS ?column)`, with their separators.

`peacetalks.api.query_checks` is the reference: the same verdicts on rdflib's algebra plus
the one check tokens cannot make (a variable read but bound by no pattern: an undeclared
parameter). `peacetalks validate` and the test suite run it; a test holds the two to the
same answers on every shipped query and every bad fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple

import pyoxigraph as ox

from peacetalks.api.catalog_errors import CatalogError
from peacetalks.api.params import Param
from peacetalks.sparql.guard import tokenize, unescape_codepoints

CheckResult = tuple[tuple[str, ...], tuple[tuple[str, str], ...]]
"""(projected variables, list columns) of a query that passed every check."""

_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


class _Tok(NamedTuple):
    """A token with what encloses it: `braces` group patterns deep, `parens` nesting."""

    kind: str
    text: str
    word: str
    """The upper-cased text of a name or keyword (`run`), else empty."""
    braces: int
    parens: int


def _tokens(text: str) -> Iterator[_Tok]:
    """The significant tokens, bracket runs split into single brackets, each with its depth
    (the depth inside it for an opening bracket, outside it for a closing one)."""
    braces = parens = 0
    for token in tokenize(text):
        kind, value = token.kind, token.text
        if kind != "brackets":
            yield _Tok(kind, value, value.upper() if kind == "run" else "", braces, parens)
            continue
        for char in token.text:
            if char == "{":
                braces += 1
            elif char == "}":
                braces -= 1
            elif char == "(":
                parens += 1
            elif char == ")":
                parens -= 1
            yield _Tok("bracket", char, "", braces, parens)


def _string_value(token: str) -> str:
    """The value of a SPARQL string token (quotes off, escapes applied)."""
    quote = 3 if token[:3] in ('"""', "'''") else 1
    body = unescape_codepoints(token[quote:-quote])
    out, i = [], 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            out.append(_ESCAPES.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def projection(file: Path, text: str, params: tuple[Param, ...] = ()) -> tuple[str, ...]:
    """The SELECT's variables, by pyoxigraph's parser (the query runs on an empty store:
    ~1-9 ms for a canned query, most of it planning), with every parameter substituted when
    pyoxigraph accepts that (see `check_substitutable`). (A function of its own so that no
    pyoxigraph result outlives it: frames of the rdflib checks can be kept alive by rdflib's
    exception caching, and pyoxigraph objects must be dropped on the thread that made them.)"""
    try:
        solutions = ox.Store().query(text, substitutions=_empty_values(params))
    except SyntaxError as e:
        raise CatalogError(file, f"SPARQL syntax error: {e}") from e
    except RuntimeError:  # a parameter pyoxigraph does not substitute: said by the caller
        if not params:
            raise
        return projection(file, text)
    if not isinstance(solutions, ox.QuerySolutions):
        raise CatalogError(file, "only SELECT queries can be canned queries")
    return tuple(v.value for v in solutions.variables)


def _empty_values(
    params: tuple[Param, ...],
) -> dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]:
    return {ox.Variable(p.name): ox.Literal("") for p in params}


def bound_parameter(file: Path, name: str) -> CatalogError:
    return CatalogError(
        file,
        f"BOUND(?{name}) on a parameter is always false under pyoxigraph "
        "substitutions; use COALESCE (see queries/README.md)",
    )


def check_substitutable(
    file: Path, text: str, params: tuple[Param, ...], variables: tuple[str, ...]
) -> None:
    """Every parameter is projected, and pyoxigraph accepts the substitutions."""
    missing = [p.name for p in params if p.name not in variables]
    if missing:  # pyoxigraph 0.5 substitutes only projected variables
        raise CatalogError(
            file,
            f"?{missing[0]} is not in the top-level SELECT: every parameter variable must be "
            "projected (and grouped by, if the query aggregates)",
        )
    try:  # the final word: pyoxigraph itself accepts the substitutions
        ox.Store().query(text, substitutions=_empty_values(params))
    except RuntimeError as e:
        raise CatalogError(file, f"{e} (name every parameter variable in the SELECT)") from e


def _used_variables(tokens: list[_Tok]) -> set[str]:
    """Variables the query reads: every occurrence but the bare names of the top-level
    projection (from the first top-level SELECT to its `{`, WHERE or FROM)."""
    start = next((i for i, t in enumerate(tokens) if t.braces == 0 and t.word == "SELECT"), 0)
    end = start + 1
    while end < len(tokens) and not (
        tokens[end].text == "{" or tokens[end].word in ("WHERE", "FROM")
    ):
        end += 1
    return {
        t.text[1:]
        for i, t in enumerate(tokens)
        if t.kind == "var" and not (start < i < end and t.parens == 0)
    }


def _list_columns(tokens: list[_Tok], variables: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(column, separator) of every `(GROUP_CONCAT(…) AS ?column)` whose column is projected."""
    found: dict[str, str] = {}
    for i, t in enumerate(tokens):
        if t.word != "GROUP_CONCAT" or i == 0 or tokens[i - 1].text != "(":
            continue
        depth = t.parens
        separator = " "  # SPARQL's default
        j = i + 1
        while j < len(tokens) and not (tokens[j].text == ")" and tokens[j].parens == depth):
            u = tokens[j]
            if (
                u.word == "SEPARATOR"
                and j + 2 < len(tokens)
                and tokens[j + 1].text == "="
                and tokens[j + 2].kind == "string"
            ):
                separator = _string_value(tokens[j + 2].text)
            j += 1
        if j + 2 < len(tokens) and tokens[j + 1].word == "AS" and tokens[j + 2].kind == "var":
            name = tokens[j + 2].text[1:]
            if name in variables:
                found[name] = separator
    return tuple(sorted(found.items()))


def check_query(file: Path, text: str, params: tuple[Param, ...]) -> CheckResult:
    """Validate the SPARQL body against its parameters; returns the projected variables and
    the list columns (see `CannedQuery.lists`). Raises `CatalogError` naming the file."""
    variables = projection(file, text, params)  # substituted: pyoxigraph accepts them
    tokens = list(_tokens(text))
    top = [t for t in tokens if t.braces == 0]
    if any(t.word in ("LIMIT", "OFFSET") for t in top):
        raise CatalogError(file, "no LIMIT/OFFSET in the file: the API pages the results")
    if not any(t.word == "ORDER" and u.word == "BY" for t, u in pairwise(top)):
        raise CatalogError(file, "needs a top-level ORDER BY (pages must be stable)")
    used = _used_variables(tokens)
    for p in sorted(params, key=lambda p: p.name):
        if p.name not in used:
            raise CatalogError(file, f"parameter {p.name!r} is declared but ?{p.name} is unused")
    declared = {p.name for p in params}
    for t, bracket, arg in zip(tokens, tokens[1:], tokens[2:], strict=False):
        if t.word == "BOUND" and bracket.text == "(" and arg.kind == "var":
            if arg.text[1:] not in declared:
                continue
            raise bound_parameter(file, arg.text[1:])
    if any(p.name not in variables for p in params):
        check_substitutable(file, text, params, variables)  # raises, naming the parameter
    return variables, _list_columns(tokens, variables)
