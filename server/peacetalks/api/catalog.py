"""Canned queries: parse and validate the `#+` YAML headers of `queries/*.rq`.

A canned query is a plain SPARQL SELECT file whose first lines start with `#+`; stripped of
that marker they form a YAML mapping with a closed set of keys (`HEADER_KEYS`,
`PARAM_KEYS`). The file stem is the query's name. Parameter `issue` binds the query
variable `?issue` (the name *is* the variable); values are bound as RDF terms by
`peacetalks.api.binding` through pyoxigraph `substitutions`, never spliced into the text.

Every problem is a `CatalogError` naming the file, raised while the catalog loads (at
application start-up), so a broken header never reaches a request. The rules, and why:

- the text parses (pyoxigraph, and rdflib for the algebra checks) and is a SELECT;
- each parameter variable is in the top-level projection — pyoxigraph 0.5 only substitutes
  projected variables (SEP-0007) — and occurs in the body;
- every variable the body reads but never binds is a declared parameter (else it would be a
  silently unbound "undeclared parameter");
- no `BOUND(?param)`: with substitutions pyoxigraph 0.5.13 evaluates it to false even when
  the parameter is given, so optional parameters must use `COALESCE` (see queries/README.md);
- the query has a top-level ORDER BY (stable pages) and no LIMIT/OFFSET of its own (the API
  appends validated `LIMIT`/`OFFSET` integers; see `CannedQuery.paged_text`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml
from rdflib.plugins.sparql import parser as rdflib_parser
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Variable as RdflibVariable

from peacetalks.api.params import DATE_BOUNDS, PARAM_TYPES, BindingError, Param, check_syntax

HEADER_KEYS = {"summary", "description", "tags", "params"}
"""Keys allowed at the top of a header; `summary` and `description` are required."""
PARAM_KEYS = {"name", "type", "required", "default", "description", "example", "bound"}
"""Keys allowed in one parameter; `name`, `type` and `description` are required."""
RESERVED_NAMES = {"limit", "offset", "format"}
"""Query-string names the API itself uses; no parameter may take them."""

_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
_HEADER_LINE = re.compile(r"#\+ ?(.*)\Z")


class CatalogError(ValueError):
    """A canned-query file that cannot be served; the message starts with the file."""

    def __init__(self, file: Path, message: str) -> None:
        super().__init__(f"{file}: {message}")
        self.file = file
        self.message = message


@dataclass(frozen=True)
class CannedQuery:
    """One `queries/<name>.rq`: its header, its SPARQL text and what the checks derived."""

    name: str
    path: Path
    summary: str
    description: str
    tags: tuple[str, ...]
    params: tuple[Param, ...]
    text: str
    variables: tuple[str, ...]
    """The top-level projection, in order (parameter variables included)."""
    lists: tuple[tuple[str, str], ...] = ()
    """(column, separator) of every `(GROUP_CONCAT(…; separator=…) AS ?column)`: the API
    returns those as sorted arrays (GROUP_CONCAT's order is the engine's, not stable)."""

    def separator(self, column: str) -> str | None:
        return dict(self.lists).get(column)

    @property
    def columns(self) -> tuple[str, ...]:
        """Result columns shown by the API: the projection without the parameter variables
        (those are echoed under `params`)."""
        names = {p.name for p in self.params}
        return tuple(v for v in self.variables if v not in names)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def example_params(self) -> dict[str, str]:
        """Values for an example call: each parameter's `example` or `default`, if any."""
        return {p.name: p.sample for p in self.params if p.sample is not None}

    def paged_text(self, limit: int, offset: int) -> str:
        """The query with a `LIMIT`/`OFFSET` appended on a new line (after any trailing
        comment). Safe: the text is ours, checked at load to have no slice of its own, and
        both numbers are Python ints rendered with `%d`."""
        if not isinstance(limit, int) or not isinstance(offset, int) or limit < 0 or offset < 0:
            raise ValueError("limit and offset must be non-negative integers")
        return f"{self.text.rstrip()}\nLIMIT {limit:d} OFFSET {offset:d}\n"


# --- header parsing ---------------------------------------------------------------------------


def split_header(source: str) -> tuple[str, str]:
    """(`#+` header without its markers, the rest); the header is the leading `#+` lines."""
    lines = source.splitlines(keepends=True)
    header: list[str] = []
    for line in lines:
        match = _HEADER_LINE.match(line.rstrip("\r\n"))
        if not match:
            break
        header.append(match.group(1))
    return "\n".join(header), "".join(lines[len(header) :])


def _text(file: Path, where: str, value: Any, *, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(file, f"{where} must be a non-empty string")
    return value.strip()


def _scalar(file: Path, where: str, value: Any) -> str | None:
    """A default/example: YAML may read `2025` or `true` as non-strings; keep their text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise CatalogError(file, f"{where} must be a scalar, not {type(value).__name__}")


def _parse_param(file: Path, index: int, raw: Any) -> Param:
    if not isinstance(raw, dict):
        raise CatalogError(file, f"params[{index}] must be a mapping")
    name = raw.get("name")
    where = f"parameter {name!r}" if isinstance(name, str) else f"params[{index}]"
    unknown = set(raw) - PARAM_KEYS
    if unknown:
        raise CatalogError(
            file,
            f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
            f"allowed: {', '.join(sorted(PARAM_KEYS))}",
        )
    if not isinstance(name, str) or not _NAME.match(name):
        raise CatalogError(file, f"{where}: name must match [a-z][a-z0-9_]*")
    if name in RESERVED_NAMES:
        raise CatalogError(file, f"{where}: the name is reserved by the API ({name})")
    ptype = raw.get("type")
    if ptype not in PARAM_TYPES:
        raise CatalogError(file, f"{where}: type must be one of {', '.join(PARAM_TYPES)}")
    required = raw.get("required", False)
    if not isinstance(required, bool):
        raise CatalogError(file, f"{where}: required must be true or false")
    default = _scalar(file, f"{where}: default", raw.get("default"))
    example = _scalar(file, f"{where}: example", raw.get("example"))
    if required and default is not None:
        raise CatalogError(file, f"{where}: a required parameter cannot have a default")
    if required and example is None:
        raise CatalogError(file, f"{where}: a required parameter needs an example")
    bound = raw.get("bound", "lower")
    if bound not in DATE_BOUNDS or ("bound" in raw and ptype != "date"):
        raise CatalogError(file, f"{where}: bound is for date parameters: lower or upper")
    param = Param(
        name=name,
        type=ptype,
        description=_text(file, f"{where}: description", raw.get("description")) or "",
        required=required,
        default=default,
        example=example,
        bound=bound,
    )
    # Defaults and examples must at least be well-formed values of their type.
    for label, value in (("default", default), ("example", example)):
        if value is not None:
            try:
                check_syntax(param, value)
            except BindingError as e:
                raise CatalogError(file, f"{where}: {label} {value!r}: {e.reason}") from e
    return param


def parse_header(file: Path, header: str) -> dict[str, Any]:
    """The header as a validated mapping (keys checked; params not yet converted)."""
    if not header.strip():
        raise CatalogError(file, "no `#+` header: the file must start with `#+ summary: …`")
    try:
        data = yaml.safe_load(header)
    except yaml.YAMLError as e:
        raise CatalogError(file, f"header is not valid YAML: {e}") from e
    if not isinstance(data, dict):
        raise CatalogError(file, "header must be a YAML mapping")
    unknown = set(data) - HEADER_KEYS
    if unknown:
        raise CatalogError(
            file,
            f"unknown header key(s) {', '.join(sorted(map(str, unknown)))}; "
            f"allowed: {', '.join(sorted(HEADER_KEYS))}",
        )
    return data


# --- query checks -------------------------------------------------------------------------------


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


# --- loading -------------------------------------------------------------------------------------


def load_query(path: Path) -> CannedQuery:
    """Parse and validate one `.rq` file; raises `CatalogError` naming it."""
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CatalogError(path, f"cannot read: {e}") from e
    header, _ = split_header(source)
    data = parse_header(path, header)
    raw_params = data.get("params") or []
    if not isinstance(raw_params, list):
        raise CatalogError(path, "params must be a list of mappings")
    params = tuple(_parse_param(path, i, raw) for i, raw in enumerate(raw_params))
    names = [p.name for p in params]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise CatalogError(path, f"parameter(s) declared twice: {', '.join(duplicates)}")
    tags = data.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
        raise CatalogError(path, "tags must be a list of strings")
    name = path.stem
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name):
        raise CatalogError(path, "file name must be lower-case words joined by '-'")
    variables, lists = check_query(path, source, params)
    return CannedQuery(
        name=name,
        path=path,
        summary=_text(path, "summary", data.get("summary")) or "",
        description=_text(path, "description", data.get("description")) or "",
        tags=tuple(tags),
        params=params,
        text=source,
        variables=variables,
        lists=lists,
    )


class Catalog(Mapping[str, CannedQuery]):
    """The canned queries of one directory, by name, in name order."""

    def __init__(self, queries: Mapping[str, CannedQuery]) -> None:
        self._queries = dict(sorted(queries.items()))

    @classmethod
    def load(cls, directory: Path) -> Catalog:
        """Every `*.rq` directly in `directory` (not `checks/`); the first error raises."""
        queries = {}
        for path in sorted(directory.glob("*.rq")):
            query = load_query(path)
            queries[query.name] = query
        return cls(queries)

    def __getitem__(self, name: str) -> CannedQuery:
        return self._queries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._queries)

    def __len__(self) -> int:
        return len(self._queries)

    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(self._queries)


TABLE_START = "<!-- catalog-table:start (generated by tests/expected/regenerate.py) -->"
TABLE_END = "<!-- catalog-table:end -->"


def markdown_table(catalog: Mapping[str, CannedQuery]) -> str:
    """The queries/README.md table: name, summary, parameters (required ones in bold)."""
    lines = ["| query | question | parameters |", "|---|---|---|"]
    for query in catalog.values():
        params = ", ".join(
            (f"**{p.name}**" if p.required else p.name) + f" ({p.type})" for p in query.params
        )
        lines.append(f"| [`{query.name}`]({query.name}.rq) | {query.summary} | {params or '—'} |")
    return "\n".join([TABLE_START, *lines, TABLE_END])


def replace_table(readme: str, table: str) -> str:
    """`readme` with the text between the table markers replaced by `table`."""
    start, end = readme.index(TABLE_START), readme.index(TABLE_END) + len(TABLE_END)
    return readme[:start] + table + readme[end:]
