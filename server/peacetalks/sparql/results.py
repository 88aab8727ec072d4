"""Capped serializers: never read more than `cap + 1` solutions or triples.

SPARQL results (SELECT, ASK) are written here per the W3C specs — JSON
(https://www.w3.org/TR/sparql11-results-json/), XML (https://www.w3.org/TR/rdf-sparql-XMLres/),
CSV and TSV (https://www.w3.org/TR/sparql11-results-csv-tsv/) — so that a query whose
results are cut at the cap costs only the solutions read. RDF graphs are collected up to the
cap and written by pyoxigraph. Each function returns `(body, rows, truncated)`.

XML (SPARQL XML results, RDF/XML) is the one syntax that cannot carry every literal:
a carriage return is written `&#13;` (a raw CR would be read back as a line feed), and a
literal holding a character XML 1.0 forbids (U+0000–U+0008, U+000B, U+000C,
U+000E–U+001F, U+FFFE, U+FFFF) makes the writer raise `NotRepresentable` (406, naming
the character and the formats that carry it) rather than answer malformed XML. JSON,
CSV, TSV, Turtle and N-Triples carry every literal unchanged.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from peacetalks.errors import NotRepresentable

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RDF_DIR_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"

RDF_FORMAT_BY_MEDIA_TYPE: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}

COMMON_PREFIXES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": XSD,
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "schema": "https://schema.org/",
    "dcterms": "http://purl.org/dc/terms/",
    "pt": "https://w3id.org/peacetalks/ontology#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "void": "http://rdfs.org/ns/void#",
}
"""Prefixes used to shorten Turtle/TriG output (only those the graph uses are written)."""


# ---------------------------------------------------------------------------- XML text

_NOT_XML_10 = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters outside XML 1.0's `Char` production (https://www.w3.org/TR/xml/#charsets);
surrogates cannot occur in the engine's strings."""


def _xml_text(value: str) -> str:
    """Element content: `&`, `<`, `>` escaped, and CR as `&#13;` so that it survives the
    parser's line-end normalisation (https://www.w3.org/TR/xml/#sec-line-ends)."""
    return escape(value, {"\r": "&#13;"})


def check_xml_chars(text: str, media_type: str, alternatives: str) -> None:
    """Raise `NotRepresentable` if `text` holds a character XML 1.0 cannot carry."""
    bad = _NOT_XML_10.search(text)
    if bad is not None:
        raise NotRepresentable(
            f"a literal in the results contains U+{ord(bad.group()):04X}, which XML 1.0 "
            f"cannot carry, so there is no {media_type} form of this answer; "
            f"ask for {alternatives}"
        )


# ---------------------------------------------------------------------------- terms


def _nt_string(value: str) -> str:
    return (
        '"'
        + value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
        + '"'
    )


def nt_term(term: Term) -> str:
    """N-Triples form of a term (used by TSV), with tabs and newlines escaped."""
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        text = _nt_string(term.value)
        if term.language:
            direction = getattr(term, "direction", None)
            suffix = f"--{direction.value}" if direction is not None else ""
            return f"{text}@{term.language}{suffix}"
        if term.datatype.value == XSD_STRING:
            return text
        return f"{text}^^<{term.datatype.value}>"
    return f"<<( {nt_term(term.subject)} {nt_term(term.predicate)} {nt_term(term.object)} )>>"


def json_term(term: Term) -> dict[str, object]:
    """SPARQL JSON results form of a term."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, object] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {
            "subject": json_term(term.subject),
            "predicate": json_term(term.predicate),
            "object": json_term(term.object),
        },
    }


def xml_term(term: Term) -> str:
    """SPARQL XML results form of a term (CR as `&#13;`; see `check_xml_chars`)."""
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        text = _xml_text(term.value)
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{text}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{text}</literal>"
        return f"<literal>{text}</literal>"
    return (
        f"<triple><subject>{xml_term(term.subject)}</subject>"
        f"<predicate>{xml_term(term.predicate)}</predicate>"
        f"<object>{xml_term(term.object)}</object></triple>"
    )


def csv_term(term: Term) -> str:
    """CSV form: the bare value (IRI, lexical form, `_:label`), quoted when needed."""
    if isinstance(term, ox.BlankNode):
        value = f"_:{term.value}"
    elif isinstance(term, ox.Triple):
        value = nt_term(term)
    else:
        value = term.value
    if any(c in value for c in '",\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


# ---------------------------------------------------------------------------- solutions


def _take(items: Iterable[object], cap: int) -> tuple[list[object], bool]:
    got = list(islice(iter(items), cap + 1))
    return got[:cap], len(got) > cap


def _write_json(variables: list[str], rows: list[ox.QuerySolution]) -> bytes:
    bindings = []
    for row in rows:
        binding = {}
        for v in variables:
            term = row[v]
            if term is not None:
                binding[v] = json_term(term)
        bindings.append(binding)
    doc = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    return json.dumps(doc, ensure_ascii=False).encode()


def _write_xml(variables: list[str], rows: list[ox.QuerySolution]) -> bytes:
    out = io.StringIO()
    out.write('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">')
    out.write("<head>")
    for v in variables:
        out.write(f"<variable name={quoteattr(v)}/>")
    out.write("</head><results>")
    for row in rows:
        out.write("<result>")
        for v in variables:
            term = row[v]
            if term is not None:
                out.write(f"<binding name={quoteattr(v)}>{xml_term(term)}</binding>")
        out.write("</result>")
    out.write("</results></sparql>\n")
    text = out.getvalue()
    # Markup never holds such characters, so one scan of the document checks every literal.
    check_xml_chars(
        text, SPARQL_XML, "application/sparql-results+json, text/csv or text/tab-separated-values"
    )
    return text.encode()


def _write_csv(variables: list[str], rows: list[ox.QuerySolution]) -> bytes:
    lines = [",".join(variables)]
    for row in rows:
        lines.append(",".join("" if row[v] is None else csv_term(row[v]) for v in variables))
    return ("\r\n".join(lines) + "\r\n").encode()


def _write_tsv(variables: list[str], rows: list[ox.QuerySolution]) -> bytes:
    lines = ["\t".join("?" + v for v in variables)]
    for row in rows:
        lines.append("\t".join("" if row[v] is None else nt_term(row[v]) for v in variables))
    return ("\n".join(lines) + "\n").encode()


SPARQL_XML = "application/sparql-results+xml"

SOLUTION_WRITERS: dict[str, Callable[[list[str], list[ox.QuerySolution]], bytes]] = {
    "application/sparql-results+json": _write_json,
    SPARQL_XML: _write_xml,
    "text/csv": _write_csv,
    "text/tab-separated-values": _write_tsv,
}


def write_solutions(
    solutions: ox.QuerySolutions, media_type: str, cap: int
) -> tuple[bytes, int, bool]:
    """Serialize at most `cap` solutions; `truncated` is True when there were more."""
    variables = [v.value for v in solutions.variables]
    rows, truncated = _take(solutions, cap)
    body = SOLUTION_WRITERS[media_type](variables, rows)  # type: ignore[arg-type]
    return body, len(rows), truncated


def write_boolean(value: bool, media_type: str) -> bytes:
    """Serialize an ASK result."""
    word = "true" if value else "false"
    if media_type == "application/sparql-results+json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if media_type == "application/sparql-results+xml":
        return (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{word}</boolean></sparql>\n"
        ).encode()
    return f"{word}\r\n".encode() if media_type == "text/csv" else f"{word}\n".encode()


# ---------------------------------------------------------------------------- graphs


def used_prefixes(
    items: Sequence[ox.Triple] | Sequence[ox.Quad], table: Mapping[str, str] = COMMON_PREFIXES
) -> dict[str, str]:
    """The entries of `table` whose namespace some IRI or datatype in `items` starts with,
    so Turtle/TriG output declares only the prefixes it uses."""
    iris: set[str] = set()
    for t in items:
        for term in (t.subject, t.predicate, t.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    return {name: ns for name, ns in table.items() if any(i.startswith(ns) for i in iris)}


def write_triples(
    triples: Iterator[ox.Triple] | Iterable[ox.Triple], media_type: str, cap: int
) -> tuple[bytes, int, bool]:
    """Serialize at most `cap` triples (CONSTRUCT, DESCRIBE) with pyoxigraph."""
    got, truncated = _take(triples, cap)
    rows: list[ox.Triple] = got  # type: ignore[assignment]
    fmt = RDF_FORMAT_BY_MEDIA_TYPE[media_type]
    if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        items: list[ox.Triple] | list[ox.Quad] = [
            ox.Quad(t.subject, t.predicate, t.object) for t in rows
        ]
    else:
        items = rows
    prefixes = used_prefixes(rows) if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
    body = ox.serialize(items, format=fmt, prefixes=prefixes)
    assert body is not None
    if fmt == ox.RdfFormat.RDF_XML:
        body = _rdf_xml_fixed(rows, body)
    return body, len(rows), truncated


def _rdf_xml_fixed(triples: Sequence[ox.Triple], body: bytes) -> bytes:
    """pyoxigraph's RDF/XML with the XML defects mended: a raw CR can only come from a
    literal (markup uses LF and tabs; IRIs hold no CR), so it becomes `&#13;`; a literal
    XML 1.0 cannot carry raises `NotRepresentable`."""
    for t in triples:
        if isinstance(t.object, ox.Literal):
            check_xml_chars(
                t.object.value,
                "application/rdf+xml",
                "text/turtle, application/n-triples or application/ld+json",
            )
    return body.replace(b"\r", b"&#13;")
