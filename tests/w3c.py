"""Where the W3C SPARQL 1.1 test suites are, and the manifest vocabulary the harnesses read.

`$PEACETALKS_W3C_DIR`, else `../shared/w3c` beside the repository (see its README).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import rdflib
from rdflib.term import Node

W3C_DIR = Path(
    os.environ.get("PEACETALKS_W3C_DIR") or Path(__file__).parents[1] / "../shared/w3c"
).resolve()

MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")


def items(graph: rdflib.Graph, head: Node) -> Iterator[Node]:
    """The members of the RDF list starting at `head`."""
    yield from rdflib.collection.Collection(graph, head)
