"""Canonical Turtle: one deterministic text for a graph, so diffs show real changes.

The file's leading `#` comment block is kept as a header; then the prefixes it declares,
sorted; then the subjects in sections with banner comments (an ontology: header, classes,
object / datatype / annotation properties, the rest; other files: one section per
rdf:type), sorted within a section. Predicates come in a fixed order (rdf:type, labels,
definitions, then alphabetical); objects are sorted; blank nodes used once are inlined as
`[ … ]` and RDF lists as `( … )`. Only the header survives from the original comments.

    python -m peacetalks.dataset.canonical FILE…          rewrite the files canonically
    python -m peacetalks.dataset.canonical --check FILE…  exit 1, naming files not canonical
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

RULE = "# " + "-" * 75
MAX_LINE = 100
INDENT = "    "

HEAD_PREDICATES = (
    RDF.type,
    RDFS.label,
    SKOS.prefLabel,
    SKOS.altLabel,
    SKOS.definition,
    RDFS.comment,
)
"""Predicates written first, in this order; the others follow alphabetically."""

ONTOLOGY_SECTIONS = (
    ("Ontology header", (OWL.Ontology,)),
    ("Classes", (OWL.Class, RDFS.Class)),
    (
        "Object properties",
        (
            OWL.ObjectProperty,
            OWL.TransitiveProperty,
            OWL.SymmetricProperty,
            OWL.AsymmetricProperty,
            OWL.ReflexiveProperty,
            OWL.IrreflexiveProperty,
            OWL.InverseFunctionalProperty,
        ),
    ),
    ("Datatype properties", (OWL.DatatypeProperty,)),
    ("Annotation properties", (OWL.AnnotationProperty,)),
)
OTHER_ONTOLOGY_SECTION = "Individuals and concepts"
UNTYPED_SECTION = "Untyped resources"

_PN_LOCAL = re.compile(r"^([A-Za-z0-9_]([A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?)?$")
# bare numbers only where rdflib's parser keeps the lexical form as written
_INTEGER = re.compile(r"^(0|-?[1-9][0-9]*)$")
_DECIMAL = re.compile(r"^-?(0|[1-9][0-9]*)\.[0-9]+$")
_DOUBLE = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?[eE]-?[0-9]+$")
_IRI_UNSAFE = re.compile(r'[\x00-\x20<>"{}|^`\\]')


class CanonicalError(Exception):
    """The file cannot be put in canonical form (parse error, or output not isomorphic)."""


def _escape_string(text: str) -> str:
    out = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def read_header(text: str) -> list[str]:
    """The leading `#` lines of a Turtle text, up to the first other line or banner rule."""
    header = []
    for line in text.splitlines():
        if not line.startswith("#") or line.rstrip() == RULE:
            break
        header.append(line.rstrip())
    return header


def parse(text: str) -> rdflib.Graph:
    """Parse Turtle keeping each literal's lexical form exactly as written."""
    graph = rdflib.Graph(bind_namespaces="none")
    saved = rdflib.NORMALIZE_LITERALS
    term_logger = logging.getLogger("rdflib.term")
    saved_level = term_logger.level
    # ill-typed literals ("2025-13-01"^^xsd:date) are kept as written; SHACL reports them
    term_logger.setLevel(logging.ERROR + 1)
    rdflib.NORMALIZE_LITERALS = False
    try:
        graph.parse(data=text, format="turtle")
    except Exception as error:  # rdflib raises several unrelated types for bad syntax
        raise CanonicalError(f"cannot parse: {error}") from error
    finally:
        rdflib.NORMALIZE_LITERALS = saved
        term_logger.setLevel(saved_level)
    return graph


class _Writer:
    """Renders one graph; holds the prefix table and the blank-node layout."""

    def __init__(self, graph: rdflib.Graph) -> None:
        self.graph = graph
        self.prefixes = sorted((str(p), str(ns)) for p, ns in graph.namespaces())
        # longest namespace first; among equal namespaces the first prefix in sort order
        self._compact = sorted(self.prefixes, key=lambda pn: (-len(pn[1]), pn[0]))
        self.refs: dict[BNode, int] = defaultdict(int)
        for _, _, obj in graph:
            if isinstance(obj, BNode):
                self.refs[obj] += 1
        self.labels: dict[BNode, str] = {}
        self._layout_blank_nodes()

    # -- terms ---------------------------------------------------------------

    def iri(self, iri: URIRef) -> str:
        text = str(iri)
        for prefix, namespace in self._compact:
            if text.startswith(namespace):
                local = text[len(namespace) :]
                if _PN_LOCAL.match(local):
                    return f"{prefix}:{local}"
        escaped = _IRI_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04X}", text)
        return f"<{escaped}>"

    def literal(self, lit: Literal) -> str:
        lexical = str(lit)
        if lit.language:
            return f"{_escape_string(lexical)}@{lit.language}"
        datatype = lit.datatype
        if datatype is None:
            return _escape_string(lexical)
        if datatype == XSD.boolean and lexical in ("true", "false"):
            return lexical
        if datatype == XSD.integer and _INTEGER.match(lexical):
            return lexical
        if datatype == XSD.decimal and _DECIMAL.match(lexical):
            return lexical
        if datatype == XSD.double and _DOUBLE.match(lexical):
            return lexical
        return f"{_escape_string(lexical)}^^{self.iri(URIRef(datatype))}"

    def term(self, node: rdflib.term.Node, depth: int) -> str:
        if isinstance(node, URIRef):
            return "()" if node == RDF.nil else self.iri(node)
        if isinstance(node, Literal):
            return self.literal(node)
        if isinstance(node, BNode):
            if node in self.labels:
                return self.labels[node]
            items = self._list_items(node)
            if items is not None:
                return self._render_list(items, depth)
            return self._render_inline(node, depth)
        raise CanonicalError(f"unsupported term {node!r}")

    # -- blank nodes -----------------------------------------------------------

    def _list_items(self, node: BNode) -> list[rdflib.term.Node] | None:
        """The members of a well-formed RDF list headed by `node`, or None."""
        cells = self._list_cells(node)
        return None if cells is None else [item for _, item in cells]

    def _list_cells(self, node: BNode) -> list[tuple[BNode, rdflib.term.Node]] | None:
        """(cell, member) pairs of a well-formed RDF list headed by `node`, or None."""
        items: list[tuple[BNode, rdflib.term.Node]] = []
        seen = set()
        current: rdflib.term.Node = node
        while current != RDF.nil:
            if not isinstance(current, BNode) or current in seen or current in self.labels:
                return None
            if current is not node and self.refs[current] != 1:
                return None
            seen.add(current)
            predicates = list(self.graph.predicate_objects(current))
            firsts = [o for p, o in predicates if p == RDF.first]
            rests = [o for p, o in predicates if p == RDF.rest]
            if len(firsts) != 1 or len(rests) != 1 or len(predicates) != 2:
                return None
            items.append((current, firsts[0]))
            current = rests[0]
        return items

    def _inline_children(self, node: BNode) -> Iterable[BNode]:
        """Blank nodes written inside `node`: list cells and members, or its objects."""
        cells = self._list_cells(node)
        if cells is not None:
            inner = [cell for cell, _ in cells[1:]]
            return inner + [item for _, item in cells if isinstance(item, BNode)]
        return [o for _, o in self.graph.predicate_objects(node) if isinstance(o, BNode)]

    def _layout_blank_nodes(self) -> None:
        """Decide which blank nodes are inlined and which need a `_:bN` label.

        A blank node used as object exactly once is inlined where it is used; one used more
        than once, or caught in a cycle, gets a label and is written as its own subject.
        Labels are numbered by the sorted text of the nodes they stand for.
        """
        blanks = {n for n in self.graph.all_nodes() if isinstance(n, BNode)}
        shared = {b for b in blanks if self.refs[b] > 1}
        while True:
            self.labels = {b: "_:?" for b in shared}
            reached: set[BNode] = set()
            stack = [b for b in blanks if self.refs[b] == 0 or b in shared]
            stack += [o for s, _, o in self.graph if isinstance(s, URIRef) and isinstance(o, BNode)]
            while stack:
                current = stack.pop()
                if current in reached:
                    continue
                reached.add(current)
                for child in self._inline_children(current):
                    if child not in shared:
                        stack.append(child)
            unreached = blanks - reached
            if not unreached:
                break
            shared |= unreached
        signatures = sorted((self._render_inline(b, 0, as_subject=True), str(b)) for b in shared)
        ordered = [BNode(name) for _, name in signatures]
        self.labels = {b: f"_:b{i}" for i, b in enumerate(ordered)}

    def _render_list(self, items: Sequence[rdflib.term.Node], depth: int) -> str:
        rendered = [self.term(item, depth + 1) for item in items]
        one_line = "( " + " ".join(rendered) + " )"
        if len(one_line) <= 80 and "\n" not in one_line:
            return one_line
        pad = INDENT * (depth + 1)
        return "(\n" + "\n".join(pad + r for r in rendered) + "\n" + INDENT * depth + ")"

    def _render_inline(self, node: BNode, depth: int, as_subject: bool = False) -> str:
        lines = self._predicate_lines(node, depth + 1)
        one_line = "[ " + " ; ".join(lines) + " ]"
        if as_subject or (len(one_line) <= 80 and "\n" not in one_line):
            return one_line
        pad = INDENT * (depth + 1)
        return "[\n" + " ;\n".join(pad + line for line in lines) + "\n" + INDENT * depth + "]"

    # -- subjects ----------------------------------------------------------------

    def _predicate_key(self, predicate: URIRef) -> tuple[int, str]:
        if predicate in HEAD_PREDICATES:
            return (HEAD_PREDICATES.index(predicate), "")
        return (len(HEAD_PREDICATES), self.iri(predicate))

    def _object_key(self, node: rdflib.term.Node) -> tuple[int, str, str, str]:
        if isinstance(node, URIRef):
            return (0, self.iri(node), "", "")
        if isinstance(node, BNode):
            return (1, self.term(node, 0), "", "")
        assert isinstance(node, Literal)
        datatype = self.iri(URIRef(node.datatype)) if node.datatype else ""
        return (2, node.language or "", datatype, str(node))

    def _predicate_lines(self, subject: rdflib.term.Node, depth: int) -> list[str]:
        by_predicate: dict[URIRef, list[rdflib.term.Node]] = defaultdict(list)
        for predicate, obj in self.graph.predicate_objects(subject):
            by_predicate[URIRef(str(predicate))].append(obj)
        lines = []
        for predicate in sorted(by_predicate, key=self._predicate_key):
            verb = "a" if predicate == RDF.type else self.iri(predicate)
            objects = sorted(by_predicate[predicate], key=self._object_key)
            rendered = [self.term(o, depth) for o in objects]
            one_line = f"{verb} " + " , ".join(rendered)
            if len(INDENT * depth + one_line) <= MAX_LINE and "\n" not in one_line:
                lines.append(one_line)
            else:
                pad = INDENT * (depth + 1)
                lines.append(f"{verb} " + (" ,\n" + pad).join(rendered))
        return lines

    def subject_text(self, subject: rdflib.term.Node) -> str:
        if isinstance(subject, BNode) and subject not in self.labels:
            name = "[]"
        else:
            name = self.term(subject, 0)
        lines = self._predicate_lines(subject, 1)
        return f"{name} " + (" ;\n" + INDENT).join(lines) + " ."

    def roots(self) -> list[rdflib.term.Node]:
        """Subjects written at top level: IRIs, unreferenced and labelled blank nodes."""
        roots = set()
        for subject in self.graph.subjects(unique=True):
            if isinstance(subject, BNode) and self.refs[subject] and subject not in self.labels:
                continue
            roots.add(subject)
        return list(roots)

    # -- sections ---------------------------------------------------------------

    def _types(self, subject: rdflib.term.Node) -> set[rdflib.term.Node]:
        return set(self.graph.objects(subject, RDF.type))

    def sections(self) -> list[tuple[str, list[rdflib.term.Node]]]:
        roots = self.roots()
        ontologies = set(self.graph.subjects(RDF.type, OWL.Ontology))
        groups: dict[str, list[rdflib.term.Node]] = defaultdict(list)
        if ontologies:
            order = [title for title, _ in ONTOLOGY_SECTIONS] + [OTHER_ONTOLOGY_SECTION]
            for subject in roots:
                types = self._types(subject)
                title = next(
                    (t for t, classes in ONTOLOGY_SECTIONS if types & set(classes)),
                    OTHER_ONTOLOGY_SECTION,
                )
                groups[title].append(subject)
            own = tuple(str(o).rstrip("#/") for o in ontologies)

            def key(subject: rdflib.term.Node) -> tuple[int, str]:
                is_own = isinstance(subject, URIRef) and str(subject).startswith(own)
                return (0 if is_own else 1, self.subject_text(subject))

        else:
            for subject in roots:
                groups[self._section_type(subject)].append(subject)
            order = [*sorted(t for t in groups if t != UNTYPED_SECTION), UNTYPED_SECTION]

            def key(subject: rdflib.term.Node) -> tuple[int, str]:
                return (0, self.subject_text(subject))

        return [(title, sorted(groups[title], key=key)) for title in order if groups.get(title)]

    def _section_type(self, subject: rdflib.term.Node) -> str:
        """A subject's section: its first type in sort order, preferring non-OWL/RDF(S) ones."""
        names = sorted(self.term(t, 0) for t in self._types(subject))
        if not names:
            return UNTYPED_SECTION
        generic = (str(OWL), str(RDF), str(RDFS))
        specific = [
            self.term(t, 0)
            for t in self._types(subject)
            if not (isinstance(t, URIRef) and str(t).startswith(generic))
        ]
        return sorted(specific)[0] if specific else names[0]


def canonical_text(text: str) -> str:
    """The canonical Turtle for a Turtle text (header comments kept)."""
    graph = parse(text)
    writer = _Writer(graph)
    parts = []
    header = read_header(text)
    if header:
        parts.append("\n".join(header))
    if writer.prefixes:
        parts.append("\n".join(f"@prefix {p}: <{ns}> ." for p, ns in writer.prefixes))
    for title, subjects in writer.sections():
        parts.append(f"{RULE}\n# {title}\n{RULE}")
        parts.extend(writer.subject_text(s) for s in subjects)
    result = "\n\n".join(parts) + "\n"
    try:
        same = isomorphic(parse(result), graph)
    except Exception as error:  # rdflib's n3() refuses IRIs with spaces and the like
        raise CanonicalError(f"cannot compare output with input: {error}") from error
    if not same:
        raise CanonicalError("canonical output is not isomorphic to the input (writer bug)")
    return result


def is_canonical(path: Path) -> bool:
    """True when the file's text equals its canonical form."""
    text = path.read_text(encoding="utf-8")
    return canonical_text(text) == text


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: rewrite files in place, or with --check list those not canonical."""
    parser = argparse.ArgumentParser(
        prog="python -m peacetalks.dataset.canonical", description=__doc__
    )
    parser.add_argument("--check", action="store_true", help="report, do not rewrite")
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args(argv)
    status = 0
    for path in args.files:
        try:
            text = path.read_text(encoding="utf-8")
            canonical = canonical_text(text)
        except (OSError, CanonicalError) as error:
            print(f"{path}: {error}", file=sys.stderr)
            status = 2
            continue
        if canonical == text:
            continue
        if args.check:
            print(f"{path}: not in canonical form")
            status = max(status, 1)
        else:
            path.write_text(canonical, encoding="utf-8")
            print(f"{path}: rewritten")
    return status


if __name__ == "__main__":
    sys.exit(main())
