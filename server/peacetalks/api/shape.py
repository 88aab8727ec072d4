"""The one JSON shape of the canned API: typed columns, their values and their JSON schemas.

Every column of a canned query is declared in its header (`columns:`, see queries/README.md)
with one of `COLUMN_TYPES`; the same type always gives the same JSON value, whichever query
it comes from:

- `term` — one of our resources: `{"iri", "kind", "slug", "labels": {"en": …, "ja": …}}`
  (`kind` is the IRI's path segment: actor, outlet, issue, stance, statement, event, …;
  labels from rdfs:label or skos:prefLabel, one per language). A stance is a term too,
  so it always carries both its slug (`criticizes`) and its labels ("criticises").
- `terms` — a list of terms (a `GROUP_CONCAT` of IRIs), sorted by IRI.
- `date` — `{"value": "2025-02", "precision": "year"|"month"|"day", "qualifier": null |
  "no later than"}`; the qualifier comes from the column named by `qualifier:` in the header.
- `text` — `{"value", "lang"}` (`lang` null for text without a language tag).
- `string`, `strings` (a sorted list), `integer`, `boolean`, `url` (a web address).

Any column but a list may be `null` (unbound, or an empty string); a list is `[]` when
empty. `json_schema`
gives the JSON schema of one query's answer (in OpenAPI, and checked by tests/api).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

ID_BASE = "https://w3id.org/peacetalks/id/"
XSD = "http://www.w3.org/2001/XMLSchema#"

COLUMN_TYPES = ("term", "terms", "date", "text", "string", "strings", "integer", "boolean", "url")
LIST_TYPES = ("terms", "strings")
"""Types computed as `(GROUP_CONCAT(…; separator=…) AS ?column)`; answered as sorted lists."""
QUALIFIERS = ("no later than",)
"""What a date's qualifier may say (null: the date the source gives)."""

_PRECISION = {XSD + "gYear": "year", XSD + "gYearMonth": "month", XSD + "date": "day"}
_INTEGERS = {
    XSD + t
    for t in (
        "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
        "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong",
        "unsignedShort", "unsignedByte",
    )
}  # fmt: skip


@dataclass(frozen=True)
class Column:
    """One declared result column."""

    name: str
    type: str
    description: str
    qualifier: str | None = None
    """`date` only: the projected variable that says how to read the date (not a column)."""


# --- labels -------------------------------------------------------------------------------------

_LABELS_QUERY = """
SELECT ?r ?label WHERE {
  { ?r <http://www.w3.org/2000/01/rdf-schema#label> ?label }
  UNION { ?r <http://www.w3.org/2004/02/skos/core#prefLabel> ?label }
  FILTER(isIRI(?r) && STRSTARTS(STR(?r), "https://w3id.org/peacetalks/id/") && isLITERAL(?label))
}
"""


class Labels:
    """The labels of our resources by language (built once per dataset version): what a
    `term` value shows. The smallest label per language wins, so the answer is stable."""

    TERMS_KEPT = 100_000
    """How many term objects `Labels.term` keeps (the IRIs of a dataset's results; past it, new
    ones are built per call)."""

    def __init__(self, labels: Mapping[str, Mapping[str, str]]) -> None:
        self._labels = labels
        self._terms: dict[str, dict[str, Any]] = {}

    @classmethod
    def from_store(cls, store: ox.Store) -> Labels:
        found: dict[str, dict[str, str]] = {}
        solutions = store.query(_LABELS_QUERY, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        for row in solutions:
            label = row["label"]
            assert isinstance(label, ox.Literal)
            by_lang = found.setdefault(row["r"].value, {})
            lang = label.language or ""
            if lang not in by_lang or label.value < by_lang[lang]:
                by_lang[lang] = label.value
        return cls(found)

    def of(self, iri: str) -> dict[str, str]:
        return dict(sorted(self._labels.get(iri, {}).items()))

    def term(self, iri: str) -> dict[str, Any]:
        """The `term` object of one IRI, built once per IRI and then shared by every answer
        that shows it (a 23-row page of who-said-what names ~140 terms; building them per
        row was half of its shaping time, issue 12): treat it as read-only."""
        found = self._terms.get(iri)
        if found is None:
            kind, slug = "", iri
            if iri.startswith(ID_BASE):
                kind, _, slug = iri[len(ID_BASE) :].partition("/")
            found = {"iri": iri, "kind": kind, "slug": slug, "labels": self.of(iri)}
            if len(self._terms) < self.TERMS_KEPT:
                self._terms[iri] = found
        return found


# --- values -------------------------------------------------------------------------------------


def _number(term: Mapping[str, str]) -> Any:
    value, datatype = term.get("value", ""), term.get("datatype", "")
    try:
        if datatype in _INTEGERS:
            return int(value)
        return float(value)
    except ValueError:
        return value


def value(
    column: Column,
    binding: Mapping[str, Mapping[str, str]],
    labels: Labels,
    separator: str | None = None,
) -> Any:
    """The JSON value of `column` in one SPARQL JSON solution (`separator`: that of the
    column's GROUP_CONCAT, for the list types)."""
    raw = binding.get(column.name)
    if column.type in LIST_TYPES:
        text = raw.get("value", "") if raw else ""
        items = sorted({i for i in text.split(separator or " ") if i}) if text else []
        return [labels.term(i) for i in items] if column.type == "terms" else items
    if raw is None:
        return None
    text = raw.get("value", "")
    if column.type == "term":
        return labels.term(text)
    if column.type == "date":
        qualifier = binding.get(column.qualifier or "", {}).get("value") or None
        precision = _PRECISION.get(raw.get("datatype", ""))
        if precision is None:  # an xsd:dateTime or plain text: say what it is by its shape
            precision = {4: "year", 7: "month"}.get(len(text), "day")
        return {"value": text, "precision": precision, "qualifier": qualifier}
    if column.type == "text":
        return {"value": text, "lang": raw.get("xml:lang") or None}
    if column.type == "integer":
        return _number(raw)
    if column.type == "boolean":
        return text in ("true", "1")
    return text or None  # an empty string says nothing: null, never ""


def csv_cells(column: Column, value: Any, lang: str, labelled: bool = False) -> list[str]:
    """The CSV cells of one value (see `csv_header`): a term gives its IRI and its label in
    `lang` (else English, else any; only the IRI when the query has its own label column,
    `labelled`), a date its value and its qualifier, text its text, a list its items joined
    by "; "."""
    if column.type == "term":
        cells = ["", ""] if value is None else [value["iri"], _label(value, lang)]
        return cells[:1] if labelled else cells
    if column.type == "date":
        if value is None:
            return ["", ""] if column.qualifier else [""]
        return [value["value"], value["qualifier"] or ""][: 2 if column.qualifier else 1]
    if column.type == "terms":
        return ["; ".join(_label(t, lang) or t["iri"] for t in value)]
    if column.type == "strings":
        return ["; ".join(value)]
    if value is None:
        return [""]
    if column.type == "text":
        return [value["value"]]
    if column.type == "boolean":
        return ["true" if value else "false"]
    return [str(value)]


def csv_header(column: Column, labelled: bool = False) -> list[str]:
    """`speaker` → `speaker`, `speakerLabel` (unless `labelled`: the query has its own
    `speakerLabel`); a qualified date → `date`, `dateQualifier`."""
    if column.type == "term":
        return [column.name] if labelled else [column.name, column.name + "Label"]
    if column.type == "date" and column.qualifier:
        return [column.name, column.qualifier]
    return [column.name]


def _label(value: Mapping[str, Any], lang: str) -> str:
    labels = value["labels"]
    for key in (lang, "en", *sorted(labels)):
        if key in labels:
            return str(labels[key])
    return ""


def csv_columns(columns: tuple[Column, ...]) -> list[tuple[Column, bool]]:
    """(column, labelled) for each column: labelled when a `<name>Label` column exists."""
    names = {c.name for c in columns}
    return [(c, c.type == "term" and c.name + "Label" in names) for c in columns]


# --- JSON schemas -------------------------------------------------------------------------------

TERM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "One of our resources: IRI, kind (its IRI path segment), slug, labels.",
    "required": ["iri", "kind", "slug", "labels"],
    "additionalProperties": False,
    "properties": {
        "iri": {"type": "string", "format": "iri", "pattern": "^https://w3id.org/peacetalks/"},
        "kind": {"type": "string", "pattern": "^[a-z]+$"},
        "slug": {"type": "string", "minLength": 1},
        "labels": {
            "type": "object",
            "description": "Label by language tag (en, ja).",
            "additionalProperties": {"type": "string"},
        },
    },
}
DATE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A date as precise as the source, and how to read it.",
    "required": ["value", "precision", "qualifier"],
    "additionalProperties": False,
    "properties": {
        "value": {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?"},
        "precision": {"enum": ["year", "month", "day"]},
        "qualifier": {"enum": [None, *QUALIFIERS]},
    },
}
TEXT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["value", "lang"],
    "additionalProperties": False,
    "properties": {"value": {"type": "string"}, "lang": {"type": ["string", "null"]}},
}
_SCHEMAS: dict[str, dict[str, Any]] = {
    "term": TERM_SCHEMA,
    "terms": {"type": "array", "items": TERM_SCHEMA},
    "date": DATE_SCHEMA,
    "text": TEXT_SCHEMA,
    "string": {"type": "string"},
    "strings": {"type": "array", "items": {"type": "string"}},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "url": {"type": "string", "format": "uri"},
}
assert set(_SCHEMAS) == set(COLUMN_TYPES)


def column_schema(column: Column) -> dict[str, Any]:
    schema = dict(_SCHEMAS[column.type])
    if column.type not in LIST_TYPES:
        schema = {"anyOf": [schema, {"type": "null"}]}
    return {**schema, "description": f"({column.type}) {column.description}"}


def row_schema(columns: tuple[Column, ...]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": [c.name for c in columns],
        "additionalProperties": False,
        "properties": {c.name: column_schema(c) for c in columns},
    }


def answer_schema(name: str, columns: tuple[Column, ...], params: Mapping[str, Any]) -> dict:
    """The JSON schema of `GET /api/<name>`'s JSON answer; `params` maps each parameter to
    the schema of its echoed value."""
    return {
        "type": "object",
        "required": ["query", "params", "columns", "rows", "limit", "offset", "truncated"],
        "additionalProperties": False,
        "properties": {
            "query": {"const": name},
            "params": {
                "type": "object",
                "required": list(params),
                "additionalProperties": False,
                "properties": {k: {"anyOf": [v, {"type": "null"}]} for k, v in params.items()},
            },
            "columns": {"const": [c.name for c in columns]},
            "rows": {"type": "array", "items": row_schema(columns)},
            "limit": {"type": "integer", "minimum": 0},
            "offset": {"type": "integer", "minimum": 0},
            "truncated": {"type": "boolean"},
            "next": {"type": "string", "description": "The next page (when truncated)."},
        },
    }
