"""Read SPARQL answers back from their bytes and compare them as the specs define equality.

Used by the W3C query harness (`tests/sparql/test_w3c_query.py`) and the awkward-literal
fixture (`tests/sparql/test_awkward_literals.py`): solution sequences compare as multisets
(sequences where the query orders) with blank nodes matched by a bijection; graphs compare
by isomorphism. SPARQL XML is read with the standard library's expat parser, which applies
XML's rules (CR normalised to LF, forbidden characters rejected) as every XML client does.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.etree import ElementTree

import pyoxigraph as ox
import rdflib
from rdflib.compare import isomorphic

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Cell = Term | str | None
"""A bound term, a CSV cell (CSV carries bare strings only), or None for unbound."""

JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
SOLUTION_TYPES = (JSON, XML, CSV, TSV)
GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
}
SR = "{http://www.w3.org/2005/sparql-results#}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True)
class Table:
    """A solution sequence: the variables and one tuple of cells per solution."""

    variables: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


Answer = Table | bool


def from_engine(result: object) -> Answer:
    """The engine's in-process answer to a SELECT or ASK as a `Table` or a bool."""
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    assert isinstance(result, ox.QuerySolutions), type(result)
    variables = tuple(v.value for v in result.variables)
    return Table(variables, tuple(tuple(row[v] for v in variables) for row in result))


# ------------------------------------------------------------------------ reading bytes


def _xml_term(node: ElementTree.Element) -> Term:
    tag = node.tag.removeprefix(SR)
    text = node.text or ""
    if tag == "uri":
        return ox.NamedNode(text)
    if tag == "bnode":
        return ox.BlankNode(text)
    if tag == "literal":
        if node.get(XML_LANG):
            return ox.Literal(text, language=node.get(XML_LANG))
        datatype = node.get("datatype")
        return ox.Literal(text, datatype=ox.NamedNode(datatype) if datatype else None)
    if tag == "triple":
        parts = [_xml_term(node.find(SR + p)[0]) for p in ("subject", "predicate", "object")]
        return ox.Triple(*parts)
    raise AssertionError(f"unknown SPARQL XML term element {tag}")


def read_xml(body: bytes) -> Answer:
    """SPARQL XML results, parsed strictly (a malformed document raises ParseError)."""
    root = ElementTree.fromstring(body)
    boolean = root.find(SR + "boolean")
    if boolean is not None:
        return (boolean.text or "").strip() == "true"
    variables = tuple(v.get("name", "") for v in root.iter(SR + "variable"))
    rows = []
    for result in root.iter(SR + "result"):
        bound = {b.get("name"): _xml_term(b[0]) for b in result.findall(SR + "binding")}
        rows.append(tuple(bound.get(v) for v in variables))
    return Table(variables, tuple(rows))


def _read_with_engine(body: bytes, fmt: ox.QueryResultsFormat) -> Answer:
    parsed = ox.parse_query_results(body, format=fmt)
    if isinstance(parsed, ox.QueryBoolean):
        return bool(parsed)
    return from_engine(parsed)


def read_csv(body: bytes) -> Answer:
    """SPARQL CSV: a header of variable names, then one record of bare values per solution
    (an empty field is unbound, or an empty literal: CSV cannot tell them apart)."""
    text = body.decode("utf-8")
    if text.strip() in ("true", "false"):
        return text.strip() == "true"
    records = list(csv.reader(io.StringIO(text, newline="")))
    header, *rows = records
    # a solution of one unbound variable (or of none) is an empty line, which csv reads as []
    rows = [row or [""] * len(header) for row in rows]
    assert all(len(row) == len(header) for row in rows), records
    return Table(tuple(header), tuple(tuple(cell or None for cell in row) for row in rows))


def read_answer(body: bytes, media_type: str) -> Answer:
    """A SELECT/ASK answer in any of the four result formats."""
    if media_type == XML:
        return read_xml(body)
    if media_type == CSV:
        return read_csv(body)
    if media_type == TSV and body.strip() in (b"true", b"false"):
        return body.strip() == b"true"
    fmt = ox.QueryResultsFormat.JSON if media_type == JSON else ox.QueryResultsFormat.TSV
    return _read_with_engine(body, fmt)


def read_result_file(body: bytes, suffix: str) -> Answer:
    """A W3C expected-result file (.srx, .srj, .csv, .tsv)."""
    media_type = {".srx": XML, ".srj": JSON, ".csv": CSV, ".tsv": TSV}[suffix]
    if media_type == JSON and "boolean" in json.loads(body):
        return bool(json.loads(body)["boolean"])
    return read_answer(body, media_type)


def csv_cell(term: Cell) -> Cell:
    """What CSV keeps of a term: the IRI, the lexical form or `_:label`; None when unbound
    or empty (https://www.w3.org/TR/sparql11-results-csv-tsv/#csv)."""
    if term is None or isinstance(term, str):
        return term or None
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value or None


def as_csv(answer: Answer) -> Answer:
    """`answer` reduced to what its CSV form carries."""
    if isinstance(answer, bool):
        return answer
    return Table(answer.variables, tuple(tuple(csv_cell(c) for c in r) for r in answer.rows))


def read_graph(body: bytes, media_type: str) -> rdflib.Graph:
    """A CONSTRUCT/DESCRIBE answer; RDF/XML through rdflib's expat-based parser (strict)."""
    if media_type == "application/rdf+xml":
        return rdflib.Graph().parse(data=body, format="xml")
    triples = ox.parse(body, format=GRAPH_TYPES[media_type])
    return to_rdflib(ox.Triple(q.subject, q.predicate, q.object) for q in triples)


def to_rdflib(triples: Iterable[ox.Triple]) -> rdflib.Graph:
    """The triples as an rdflib graph (via N-Triples), for `rdflib.compare.isomorphic`."""
    text = ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES) or b""
    return rdflib.Graph().parse(data=text, format="nt")


def same_graph(a: rdflib.Graph, b: rdflib.Graph) -> bool:
    return isomorphic(a, b)


# ------------------------------------------------------------------------ comparing


XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("integer", "decimal", "float", "double", "boolean")}


def _number(cell: ox.Literal) -> object:
    """The value of a numeric or boolean literal (`1.0` and `1` are one decimal; `3.21E4`
    and `32100` one double; `0` and `false` one boolean), or its lexical form when invalid."""
    if cell.datatype.value == XSD + "boolean":
        return (XSD + "boolean", {"1": "true", "0": "false"}.get(cell.value, cell.value))
    try:
        return (cell.datatype.value, Decimal(cell.value))
    except ArithmeticError:
        return ("term", str(cell))


def _key(cell: Cell, by_value: bool = False) -> object:
    """Hashable form of a cell with blank nodes (and CSV `_:` cells) abstracted away;
    `by_value` compares numeric and boolean literals by datatype and value, not spelling."""
    if isinstance(cell, ox.BlankNode) or (isinstance(cell, str) and cell.startswith("_:")):
        return "_:"
    if by_value and isinstance(cell, ox.Literal) and cell.datatype.value in NUMERIC:
        return _number(cell)
    if by_value and isinstance(cell, str):  # a CSV cell: untyped, so any number by value
        try:
            return ("csv-number", Decimal(cell))
        except ArithmeticError:
            pass
    return cell if isinstance(cell, str) or cell is None else ("term", str(cell))


def _label(cell: Cell) -> str | None:
    if isinstance(cell, ox.BlankNode):
        return cell.value
    if isinstance(cell, str) and cell.startswith("_:"):
        return cell[2:]
    return None


Bijection = tuple[dict[str, str], dict[str, str]]


def _bind(a: Sequence[Cell], b: Sequence[Cell], bij: Bijection, by_value: bool) -> Bijection | None:
    """Extend the bijection `bij` so that row `a` equals row `b`; None if impossible."""
    new_pairs, new_back = dict(bij[0]), dict(bij[1])
    for x, y in zip(a, b, strict=True):
        if _key(x, by_value) != _key(y, by_value):
            return None
        lx, ly = _label(x), _label(y)
        if lx is None:
            continue
        assert ly is not None
        if new_pairs.setdefault(lx, ly) != ly or new_back.setdefault(ly, lx) != lx:
            return None
    return new_pairs, new_back


def same_rows(
    expected: Table, actual: Table, *, ordered: bool, by_value: bool = False, budget: int = 200_000
) -> bool:
    """Equal solution sequences: same variables; rows equal up to a blank-node bijection,
    as multisets (or in order when `ordered`); numbers by value when `by_value`."""
    if set(expected.variables) != set(actual.variables) or len(expected.rows) != len(actual.rows):
        return False
    index = [actual.variables.index(v) for v in expected.variables]
    rows = [tuple(r[i] for i in index) for r in actual.rows]
    want = list(expected.rows)

    def shapes(table: list[tuple[Cell, ...]]) -> Counter[tuple[object, ...]]:
        return Counter(tuple(_key(c, by_value) for c in r) for r in table)

    if shapes(want) != shapes(rows):
        return False
    if ordered:
        pairs: Bijection | None = ({}, {})
        for a, b in zip(want, rows, strict=True):
            pairs = _bind(a, b, pairs, by_value) if pairs else None
        return pairs is not None
    steps = [budget]

    def search(i: int, used: frozenset[int], bij: Bijection) -> bool:
        if i == len(want):
            return True
        for j, row in enumerate(rows):
            steps[0] -= 1
            if steps[0] < 0:
                raise AssertionError("blank-node matching exceeded its budget")
            nxt = None if j in used else _bind(want[i], row, bij, by_value)
            if nxt is not None and search(i + 1, used | {j}, nxt):
                return True
        return False

    return search(0, frozenset(), ({}, {}))


def same_answer(expected: Answer, actual: Answer, *, ordered: bool, by_value: bool = False) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected == actual
    return same_rows(expected, actual, ordered=ordered, by_value=by_value)
