"""Canned queries: parse and validate the `#+` YAML headers of `queries/*.rq`.

A canned query is a plain SPARQL SELECT file whose first lines start with `#+`; stripped of
that marker they form a YAML mapping with a closed set of keys (`HEADER_KEYS`,
`PARAM_KEYS`). The file stem is the query's name. Parameter `issue` binds the query
variable `?issue` (the name *is* the variable); values are bound as RDF terms by
`peacetalks.api.binding` through pyoxigraph `substitutions`, never spliced into the text.

Every problem is a `CatalogError` naming the file, raised while the catalog loads (at
application start-up), so a broken header never reaches a request. The rules, and why:

- the text parses (pyoxigraph) and is a SELECT;
- each parameter variable is in the top-level projection — pyoxigraph 0.5 only substitutes
  projected variables (SEP-0007) — and occurs in the body;
- no `BOUND(?param)`: with substitutions pyoxigraph 0.5.13 evaluates it to false even when
  the parameter is given, so optional parameters must use `COALESCE` (see queries/README.md);
- the query has a top-level ORDER BY (stable pages) and no LIMIT/OFFSET of its own (the API
  appends validated `LIMIT`/`OFFSET` integers; see `CannedQuery.paged_text`).

The SPARQL rules are checked on pyoxigraph's parser and the guard's tokens
(`peacetalks.api.query_scan`: milliseconds, every start). One more rule needs the algebra —
every variable the body reads but never binds is a declared parameter (else it would be a
silently unbound "undeclared parameter") — and is checked with rdflib by
`peacetalks.api.query_checks`, the reference the test suite and `peacetalks validate` run.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from peacetalks.api import query_scan
from peacetalks.api.catalog_errors import CatalogError
from peacetalks.api.params import DATE_BOUNDS, PARAM_TYPES, BindingError, Param, check_syntax
from peacetalks.api.shape import COLUMN_TYPES, LIST_TYPES, Column

log = logging.getLogger("peacetalks.catalog")

HEADER_KEYS = {
    "summary",
    "description",
    "summary_ja",
    "description_ja",
    "tags",
    "params",
    "columns",
}
"""Keys allowed at the top of a header; `summary`, `description` and `columns` are required
(`summary_ja` / `description_ja`: the Japanese text of the pages, English if absent)."""
COLUMN_KEYS = {"name", "type", "description", "qualifier"}
"""Keys allowed in one column; `name`, `type` and `description` are required."""
PARAM_KEYS = {
    "name",
    "type",
    "required",
    "default",
    "description",
    "description_ja",
    "example",
    "bound",
}
"""Keys allowed in one parameter; `name`, `type` and `description` are required."""
RESERVED_NAMES = {"limit", "offset", "format"}
"""Query-string names the API itself uses; no parameter may take them."""

_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
_HEADER_LINE = re.compile(r"#\+ ?(.*)\Z")


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
    declared: tuple[Column, ...] = ()
    """The `columns:` of the header: each result column with its type (`api.shape`)."""
    summary_ja: str = ""
    description_ja: str = ""
    """Japanese `summary` and `description` (empty: the pages show the English)."""

    @cached_property
    def _separators(self) -> dict[str, str]:
        return dict(self.lists)

    def separator(self, column: str) -> str | None:
        """The GROUP_CONCAT separator of a list column (asked per cell: built once)."""
        return self._separators.get(column)

    @property
    def columns(self) -> tuple[str, ...]:
        """Result columns shown by the API, as declared: the projection without the
        parameter variables (echoed under `params`) and the date qualifiers (inside dates)."""
        return tuple(c.name for c in self.declared)

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


def _refuse_unknown_keys(file: Path, where: str, raw: dict[Any, Any], allowed: Any) -> None:
    """A header entry may only use the keys its kind defines; name the strays and the set."""
    unknown = set(raw) - set(allowed)
    if unknown:
        raise CatalogError(
            file,
            f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
            f"allowed: {', '.join(sorted(allowed))}",
        )


def _parse_param(file: Path, index: int, raw: Any) -> Param:
    if not isinstance(raw, dict):
        raise CatalogError(file, f"params[{index}] must be a mapping")
    name = raw.get("name")
    where = f"parameter {name!r}" if isinstance(name, str) else f"params[{index}]"
    _refuse_unknown_keys(file, where, raw, PARAM_KEYS)
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
        description_ja=_text(
            file, f"{where}: description_ja", raw.get("description_ja"), required=False
        )
        or "",
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


def _parse_column(file: Path, index: int, raw: Any) -> Column:
    if not isinstance(raw, dict):
        raise CatalogError(file, f"columns[{index}] must be a mapping")
    name = raw.get("name")
    where = f"column {name!r}" if isinstance(name, str) else f"columns[{index}]"
    _refuse_unknown_keys(file, where, raw, COLUMN_KEYS)
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
        raise CatalogError(file, f"{where}: name must be a SPARQL variable name")
    ctype = raw.get("type")
    if ctype not in COLUMN_TYPES:
        raise CatalogError(file, f"{where}: type must be one of {', '.join(COLUMN_TYPES)}")
    qualifier = raw.get("qualifier")
    if qualifier is not None and (ctype != "date" or not isinstance(qualifier, str)):
        raise CatalogError(file, f"{where}: qualifier names a variable, for date columns only")
    description = _text(file, f"{where}: description", raw.get("description")) or ""
    return Column(name, ctype, description, qualifier)


def check_columns(
    file: Path, columns: tuple[Column, ...], shown: tuple[str, ...], lists: dict[str, str]
) -> None:
    """The declared columns are exactly the projected ones (`shown`: projection minus
    parameters), in order, with the date qualifiers beside them; list types are exactly the
    GROUP_CONCAT columns."""
    qualifiers = {c.qualifier for c in columns if c.qualifier}
    expected = [v for v in shown if v not in qualifiers]
    names = [c.name for c in columns]
    if names != expected:
        raise CatalogError(
            file,
            f"columns: declared {', '.join(names) or 'none'}; the query projects "
            f"{', '.join(expected) or 'none'} (same names, same order)",
        )
    missing = sorted(q for q in qualifiers if q not in shown)
    if missing:
        raise CatalogError(file, f"columns: qualifier {missing[0]!r} is not projected")
    for column in columns:
        if (column.type in LIST_TYPES) != (column.name in lists):
            raise CatalogError(
                file,
                f"column {column.name!r}: {', '.join(LIST_TYPES)} are exactly the "
                "(GROUP_CONCAT(…) AS ?column) columns",
            )


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML has it: the 13 headers in ~0.05 s instead of ~0.5 s of
pure-Python parsing at every start."""


def parse_header(file: Path, header: str) -> dict[str, Any]:
    """The header as a validated mapping (keys checked; params not yet converted)."""
    if not header.strip():
        raise CatalogError(file, "no `#+` header: the file must start with `#+ summary: …`")
    try:
        data = yaml.load(header, Loader=_YAML_LOADER)  # a safe loader (C or Python)
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
    variables, lists = query_scan.check_query(path, source, params)
    raw_columns = data.get("columns")
    if not isinstance(raw_columns, list) or not raw_columns:
        raise CatalogError(path, "columns must be a list of mappings (name, type, description)")
    columns = tuple(_parse_column(path, i, raw) for i, raw in enumerate(raw_columns))
    shown = tuple(v for v in variables if v not in set(names))
    check_columns(path, columns, shown, dict(lists))
    return CannedQuery(
        name=name,
        path=path,
        summary=_text(path, "summary", data.get("summary")) or "",
        description=_text(path, "description", data.get("description")) or "",
        summary_ja=_text(path, "summary_ja", data.get("summary_ja"), required=False) or "",
        description_ja=_text(path, "description_ja", data.get("description_ja"), required=False)
        or "",
        tags=tuple(tags),
        params=params,
        text=source,
        variables=variables,
        lists=lists,
        declared=columns,
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
