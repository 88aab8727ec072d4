"""The published JSON-LD `@context` (served at `/context.jsonld`) and the shared prefix map.

The context is a plain prefix map (JSON-LD 1.1, https://www.w3.org/TR/json-ld11/#compact-iris):
every property and class compacts to `prefix:local`, values keep their datatype and language,
so a document compacted with it expands to exactly the triples it came from. The same map
shortens Turtle and TriG output. Each resource kind is a prefix (`actor:vladimir-putin`).

>>> PREFIXES["pt"]
'https://w3id.org/peacetalks/ontology#'
>>> CONTEXT["@context"]["wd"]
'http://www.wikidata.org/entity/'
"""

from __future__ import annotations

import json
from typing import Any

ID_SPACE = "https://w3id.org/peacetalks/id/"
"""Where every resource IRI starts (`void:uriSpace`); `/id/…` on the server."""
ONTOLOGY_IRI = "https://w3id.org/peacetalks/ontology"
ONTOLOGY_NS = ONTOLOGY_IRI + "#"
KINDS = (
    "actor",
    "outlet",
    "post",
    "tenure",
    "place",
    "issue",
    "stance",
    "event",
    "statement",
    "source",
    "disagreement",
    "account",
    "figure",
)
"""The resource kinds of `docs/architecture.md` (`id/{kind}/{slug}`); each is also a prefix."""

PREFIXES: dict[str, str] = {
    "pt": ONTOLOGY_NS,
    **{kind: f"{ID_SPACE}{kind}/" for kind in KINDS},
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "schema": "https://schema.org/",
    "dcterms": "http://purl.org/dc/terms/",
    "time": "http://www.w3.org/2006/time#",
    "sem": "http://semanticweb.cs.vu.nl/2009/11/sem/",
    "sh": "http://www.w3.org/ns/shacl#",
    "void": "http://rdfs.org/ns/void#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "wd": "http://www.wikidata.org/entity/",
}
"""Prefix → namespace; JSON-LD compact IRIs and Turtle/TriG prefixes."""

CONTEXT: dict[str, Any] = {"@context": dict(PREFIXES)}
"""The document served at `/context.jsonld`."""


def context_bytes() -> bytes:
    """`/context.jsonld` as UTF-8 JSON (stable key order, so its ETag is stable)."""
    return (json.dumps(CONTEXT, indent=2) + "\n").encode()
