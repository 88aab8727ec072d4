"""Capped serializers: never read (much) more than `cap + 1` solutions or triples.

SELECT results are written by pyoxigraph's own writers — JSON
(https://www.w3.org/TR/sparql11-results-json/), XML (https://www.w3.org/TR/rdf-sparql-XMLres/),
CSV and TSV (https://www.w3.org/TR/sparql11-results-csv-tsv/) — into `CappedOutput`, which
counts the rows in the bytes as they are written and stops the writer once it has seen the
row after the cap: the body is cut after row `cap` and closed, and the engine produced at
most one writer buffer (8 KiB) of rows beyond the cap. A Python writer over the first
`cap + 1` solutions (`write_solutions_py`: for a cap of 0, and the reference the tests
compare with) took twice as long. ASK is written here; RDF graphs are collected up to the
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
from typing import IO, cast

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


def escape(value: str, entities: dict[str, str] | None = None) -> str:
    """`xml.sax.saxutils.escape`, imported on first use: it pulls in urllib.request, http
    and email (~65 ms), which the query workers, serving JSON, should not load at start."""
    from xml.sax.saxutils import escape as sax_escape

    return sax_escape(value, entities or {})


def quoteattr(value: str) -> str:
    """`xml.sax.saxutils.quoteattr`, imported on first use (see `escape`)."""
    from xml.sax.saxutils import quoteattr as sax_quoteattr

    return sax_quoteattr(value)


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


def write_solutions_py(
    solutions: Iterable[ox.QuerySolution], variables: list[str], media_type: str, cap: int
) -> tuple[bytes, int, bool]:
    """Serialize at most `cap` solutions in Python; `truncated` is True when there were more."""
    rows, truncated = _take(solutions, cap)
    body = SOLUTION_WRITERS[media_type](variables, rows)  # type: ignore[arg-type]
    return body, len(rows), truncated


NATIVE_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    SPARQL_XML: ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}

_JSON_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|"|[{}]')
"""A whole JSON string (skipped: braces inside it are text), an unfinished one, or a brace."""
_CSV_TOKENS = re.compile(rb'"[^"]*(?:""[^"]*)*"(?=[^"])|"|\r\n')
"""A whole quoted CSV field (line breaks inside it are text; whole once a byte other than a
quote follows it), an unfinished one, or a line end."""


class _Enough(Exception):
    """Raised from `CappedOutput.write` to stop pyoxigraph's writer."""


class CappedOutput:
    """A binary file for pyoxigraph's SPARQL results writers that finds the rows in the
    bytes written so far and stops the writer (`_Enough`) once a row after row `cap` begins.
    Rows: JSON — the objects three braces deep (`{"results":{"bindings":[{…}`), strings
    skipped; XML — `<result>…</result>` (`<` in text is escaped); TSV — lines after the
    header (line breaks in terms are escaped); CSV — CRLF-ended lines after the header,
    outside quoted fields. Counting is done on whole chunks with C-level scans where the
    syntax allows (JSON: see `_scan_json`; XML, TSV)."""

    def __init__(self, syntax: ox.QueryResultsFormat, cap: int) -> None:
        assert cap >= 1
        self.syntax, self.cap = syntax, cap
        self.data = bytearray()
        self.rows = 0
        """Rows whose end has been seen (at most `cap`)."""
        self.cut: int | None = None
        """Where row `cap` ends, once it has."""
        self.truncated = False
        self._pos = 0  # scanned up to here: outside any string, quoted field or mark
        self._depth = 0
        self._starts: list[bytes] | None = None  # JSON: how each row can begin
        self._longest = 1
        self._walking = False
        self._header = syntax in (ox.QueryResultsFormat.TSV, ox.QueryResultsFormat.CSV)

    def write(self, chunk: bytes) -> int:
        if self.truncated:  # the writer may try again (flushing on drop): keep refusing
            raise _Enough
        self.data += chunk
        self._scan()
        if self.truncated:
            raise _Enough
        return len(chunk)

    def flush(self) -> None:
        pass

    def finish(self) -> None:
        """Scan the rest, once the writer has returned."""
        self._scan()

    def _scan(self) -> None:
        if self.syntax == ox.QueryResultsFormat.JSON:
            if self._walking:
                self._walk_json()
            else:
                self._scan_json()
        elif self.syntax == ox.QueryResultsFormat.XML:
            self._scan_marks(b"</result>", b"<result>")
        elif self.syntax == ox.QueryResultsFormat.TSV:
            self._scan_marks(b"\n", None)
        else:
            self._scan_csv()

    def _scan_json(self) -> None:
        """Rows are counted by their first key: a row object begins `{"VAR":{"type":"` for
        one of the variables, which no string can hold (a `"` inside one is written `\"`,
        and no closing quote is followed by a name). Two shapes escape that count — an
        empty row `{}` and, with a variable called like a triple term's keys, a triple
        term — and switch to walking the tokens."""
        data = self.data
        if self._starts is None:
            if b"{}" in data or b'"type":"triple"' in data:
                self._walk_json()
                return
            if not data.startswith(b'{"head":{"vars":[') or b"]}" not in data:
                return  # the head is not all there yet
            head = json.loads(data[: data.index(b"]}") + 2] + b"}")
            names = head["head"]["vars"]
            if set(names) & {"subject", "predicate", "object"}:
                self._walk_json()
                return
            self._starts = [b'{"' + n.encode() + b'":{"type":"' for n in names]
            self._longest = max((len(m) for m in self._starts), default=1)
            self._pos = data.index(b"]}")
        if b"{}" in data[self._pos :] or b'"type":"triple"' in data[self._pos :]:
            self._walk_json()
            return
        found = sum(data.count(m, self._pos) for m in self._starts)
        if self.rows + found <= self.cap:
            self.rows += found
            self._pos = max(self._pos, len(data) - self._longest + 1)
            return
        # row `cap + 1` begins in what is new: find where (row starts in order)
        pattern = re.compile(b"|".join(re.escape(m) for m in self._starts))
        rows = self.rows
        for m in pattern.finditer(data, self._pos):
            if rows == self.cap:
                self.cut = m.start() - 1  # the comma before it
                break
            rows += 1
        self.rows, self.truncated = self.cap, True

    def _walk_json(self) -> None:
        """The general count: every token from where the walk stopped, strings skipped."""
        if not self._walking:
            self._walking, self._pos, self._depth, self.rows = True, 0, 0, 0
        data, depth = self.data, self._depth
        for m in _JSON_TOKENS.finditer(data, self._pos):
            c = data[m.start()]
            if c == 34 and m.end() - m.start() == 1:  # a string not all written yet
                self._pos, self._depth = m.start(), depth
                return
            if c == 123:  # {
                depth += 1
                if depth == 3 and self.cut is not None:  # a row after row `cap`
                    self.truncated = True
                    return
            elif c == 125:  # }
                if depth == 3:
                    self.rows += 1
                    if self.rows == self.cap:
                        self.cut = m.end()
                depth -= 1
        self._pos, self._depth = len(data), depth

    def _scan_marks(self, mark: bytes, start_mark: bytes | None) -> None:
        data = self.data
        if self.cut is None:
            needed = self.cap - self.rows + self._header  # marks up to the end of row `cap`
            found = data.count(mark, self._pos)
            if found < needed:
                self.rows += found - (self._header and found > 0)
                self._header = self._header and found == 0
                self._pos = max(self._pos, len(data) - len(mark) + 1)
                return
            at = self._pos
            for _ in range(needed):
                at = data.index(mark, at) + len(mark)
            self.cut, self.rows, self._header, self._pos = at, self.cap, False, at
        # after row `cap`: does another row begin? (TSV: any byte is one)
        if start_mark is None:
            self.truncated = len(data) > self.cut
        else:
            self.truncated = data.find(start_mark, self.cut) >= 0

    def _scan_csv(self) -> None:
        data = self.data
        for m in _CSV_TOKENS.finditer(data, self._pos):
            token = m.group()
            if token == b'"':  # a quoted field not yet written to its end
                self._pos = m.start()
                return
            if token != b"\r\n":  # a whole quoted field
                continue
            if self.cut is not None:
                self.truncated = True
                return
            if self._header:
                self._header = False
            else:
                self.rows += 1
                if self.rows == self.cap:
                    self.cut = m.end()
                    if len(data) > m.end():
                        self.truncated = True
                        return
        self._pos = len(data)

    def body(self) -> bytes:
        """The document: everything written, or, past the cap, rows 1…`cap` closed."""
        if not self.truncated:
            return bytes(self.data)
        assert self.cut is not None
        closing = {
            ox.QueryResultsFormat.JSON: b"]}}",
            ox.QueryResultsFormat.XML: b"</results></sparql>",
        }.get(self.syntax, b"")
        return bytes(self.data[: self.cut]) + closing


def write_solutions(
    solutions: ox.QuerySolutions, media_type: str, cap: int
) -> tuple[bytes, int, bool]:
    """Serialize at most `cap` solutions with pyoxigraph's writer (`CappedOutput`);
    `truncated` is True when there were more."""
    if cap < 1:
        variables = [v.value for v in solutions.variables]
        return write_solutions_py(solutions, variables, media_type, cap)
    syntax = NATIVE_FORMATS[media_type]
    out = CappedOutput(syntax, cap)
    try:
        solutions.serialize(cast(IO[bytes], out), format=syntax)  # write() is all it uses
    except _Enough:
        pass
    else:
        out.finish()
    body = out.body()
    if syntax == ox.QueryResultsFormat.XML:
        body = _xml_results_fixed(body)
    return body, min(out.rows, cap), out.truncated


def _xml_results_fixed(body: bytes) -> bytes:
    """pyoxigraph's SPARQL XML with the XML defects mended (see the module docstring): a raw
    CR can only come from a literal, so it becomes `&#13;`; a literal XML 1.0 cannot carry
    raises `NotRepresentable`."""
    check_xml_chars(
        body.decode(),
        SPARQL_XML,
        "application/sparql-results+json, text/csv or text/tab-separated-values",
    )
    return body.replace(b"\r", b"&#13;")


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
