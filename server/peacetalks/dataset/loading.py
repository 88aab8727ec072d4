"""Parse RDF input files into named graphs of a pyoxigraph store.

Each triple-format file becomes its own named graph (`graph_iri_for`); quad formats
(N-Quads, TriG) keep the graphs they name, and their default-graph triples go to the
file's own graph. A syntax error raises `DataFileError` with the file, line, column and
the parser's message — the caller stops the build.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

GRAPH_BASE = "https://w3id.org/peacetalks/graph/"
"""Prefix of every named graph the build creates."""
INFERRED_GRAPH = GRAPH_BASE + "inferred"
"""Named graph holding the OWL RL inferences (only triples not already asserted)."""

FORMATS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
}
"""File extension → RDF syntax. Files with other extensions in a directory are ignored."""

QUAD_FORMATS = (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)


class DataFileError(Exception):
    """An input file that cannot be loaded; `line`/`column` are 1-based when known."""

    def __init__(self, file: Path, line: int | None, column: int | None, message: str) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        where = str(file)
        if line is not None:
            where += f":{line}" + (f":{column}" if column is not None else "")
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Source:
    """One input file and the named graph it loads into."""

    path: Path
    graph: str


def rdf_files(directory: Path) -> list[Path]:
    """The RDF files (by extension) under `directory`, recursively, sorted."""
    return sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix.lower() in FORMATS)


def graph_iri_for(path: Path, root: Path) -> str:
    """`…/graph/<path relative to root>` for a shipped file."""
    return GRAPH_BASE + quote(path.relative_to(root).as_posix())


def shipped_sources(root: Path) -> list[Source]:
    """The ontology and graph files under `root` (`ontology/`, `graph/`)."""
    sources = []
    for sub in ("ontology", "graph"):
        if (root / sub).is_dir():
            sources += [Source(p, graph_iri_for(p, root)) for p in rdf_files(root / sub)]
    return sources


def extra_sources(paths: Iterable[Path]) -> list[Source]:
    """Extra files or directories → `…/graph/extra/<name>` (a directory's files keep their
    path relative to that directory). A missing path is a `DataFileError`."""
    sources: list[Source] = []
    seen: dict[str, Path] = {}
    for given in paths:
        if given.is_dir():
            files = [(p, p.relative_to(given).as_posix()) for p in rdf_files(given)]
        elif given.is_file():
            if given.suffix.lower() not in FORMATS:
                raise DataFileError(given, None, None, "unknown RDF file extension")
            files = [(given, given.name)]
        else:
            raise DataFileError(given, None, None, "no such file or directory")
        for path, name in files:
            if name in seen and seen[name] != path:
                raise DataFileError(path, None, None, f"extra graph name clashes with {seen[name]}")
            seen[name] = path
            sources.append(Source(path, GRAPH_BASE + "extra/" + quote(name)))
    return sources


def read_source(source: Source) -> Iterator[ox.Quad]:
    """Parse one source into quads in its graph; raises `DataFileError` on bad syntax."""
    fmt = FORMATS[source.path.suffix.lower()]
    graph = ox.NamedNode(source.graph)
    base = source.path.resolve().as_uri()
    try:
        if fmt in QUAD_FORMATS:
            quads = list(ox.parse(path=source.path, format=fmt, base_iri=base))
            return iter(
                [
                    q
                    if not isinstance(q.graph_name, ox.DefaultGraph)
                    else ox.Quad(q.subject, q.predicate, q.object, graph)
                    for q in quads
                ]
            )
        return iter(
            [
                ox.Quad(t.subject, t.predicate, t.object, graph)
                for t in ox.parse(path=source.path, format=fmt, base_iri=base)
            ]
        )
    except SyntaxError as e:
        raise DataFileError(source.path, e.lineno, e.offset, str(e.msg)) from e
    except (OSError, ValueError) as e:
        raise DataFileError(source.path, None, None, str(e)) from e


def load_source(store: ox.Store, source: Source) -> None:
    """Parse one source straight into `store` (`bulk_load`: no Python object per triple);
    raises `DataFileError` on bad syntax, after which `store` may hold part of the file —
    load into a store that is thrown away on error (`store.build` does)."""
    try:
        store.bulk_load(
            path=source.path,
            format=FORMATS[source.path.suffix.lower()],
            base_iri=source.path.resolve().as_uri(),
            to_graph=ox.NamedNode(source.graph),  # quad formats keep their named graphs
        )
    except SyntaxError as e:
        raise DataFileError(source.path, e.lineno, e.offset, str(e.msg)) from e
    except (OSError, ValueError) as e:
        raise DataFileError(source.path, None, None, str(e)) from e


def load_sources(store: ox.Store, sources: Iterable[Source]) -> None:
    """Parse every source first, then add all quads: a broken file leaves `store` untouched."""
    quads: list[ox.Quad] = []
    for source in sources:
        quads.extend(read_source(source))
    store.extend(quads)
