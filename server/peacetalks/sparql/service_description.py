"""The SPARQL 1.1 Service Description of `/sparql` (https://www.w3.org/TR/sparql11-service-description/).

It states the endpoint, the languages and result formats, that the default graph is the
union of the named graphs (`sd:UnionDefaultGraph`), that no entailment regime applies to
the default graph while the OWL RL inferences sit in their own named graph, and that
federation (SERVICE) is not available: `sd:feature` lists only what is supported.
"""

from __future__ import annotations

import pyoxigraph as ox

from peacetalks.dataset.loading import INFERRED_GRAPH
from peacetalks.dataset.store import Dataset
from peacetalks.sparql.negotiation import RDF_FORMATS, RESULTS_FORMATS

SD = "http://www.w3.org/ns/sparql-service-description#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DCTERMS = "http://purl.org/dc/terms/"
VOID = "http://rdfs.org/ns/void#"
FORMATS = "http://www.w3.org/ns/formats/"
ENTAILMENT = "http://www.w3.org/ns/entailment/"

# W3C format IRIs for the media types we serve (https://www.w3.org/ns/formats/).
FORMAT_IRIS = {
    "application/sparql-results+json": FORMATS + "SPARQL_Results_JSON",
    "application/sparql-results+xml": FORMATS + "SPARQL_Results_XML",
    "text/csv": FORMATS + "SPARQL_Results_CSV",
    "text/tab-separated-values": FORMATS + "SPARQL_Results_TSV",
    "text/turtle": FORMATS + "Turtle",
    "application/n-triples": FORMATS + "N-Triples",
    "application/n-quads": FORMATS + "N-Quads",
    "application/trig": FORMATS + "TriG",
    "application/ld+json": FORMATS + "JSON-LD",
    "application/rdf+xml": FORMATS + "RDF_XML",
}


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def service_description(endpoint: str, dataset: Dataset) -> list[ox.Triple]:
    """The description of the endpoint at `endpoint` (its absolute URL) as triples."""
    service = _n(endpoint)
    ds = ox.BlankNode("dataset")
    default = ox.BlankNode("defaultGraph")
    a = _n(RDF + "type")
    triples = [
        ox.Triple(service, a, _n(SD + "Service")),
        ox.Triple(service, _n(SD + "endpoint"), service),
        ox.Triple(service, _n(SD + "supportedLanguage"), _n(SD + "SPARQL11Query")),
        ox.Triple(service, _n(SD + "feature"), _n(SD + "UnionDefaultGraph")),
        ox.Triple(service, _n(SD + "defaultEntailmentRegime"), _n(ENTAILMENT + "Simple")),
        ox.Triple(
            service,
            _n(RDFS + "comment"),
            ox.Literal(
                "Read-only SPARQL 1.1 Query endpoint of the peacetalks knowledge graph. "
                "The default graph is the union of all named graphs. No entailment regime is "
                "applied at query time (simple entailment); the OWL RL inferences computed at "
                f"build time are stored in the named graph <{INFERRED_GRAPH}> (and so are "
                "part of the union). Updates are refused (403), and federated query "
                "(SERVICE) is not supported: such queries are rejected with 400.",
                language="en",
            ),
        ),
        ox.Triple(service, _n(SD + "defaultDataset"), ds),
        ox.Triple(ds, a, _n(SD + "Dataset")),
        # Its VoID description (statistics, dumps, licence, vocabularies):
        # peacetalks.linked_data.void.
        ox.Triple(ds, _n(RDFS + "seeAlso"), _n(endpoint.rsplit("/", 1)[0] + "/.well-known/void")),
        ox.Triple(ds, _n(SD + "defaultGraph"), default),
        ox.Triple(default, a, _n(SD + "Graph")),
        ox.Triple(
            default,
            _n(VOID + "triples"),
            ox.Literal(str(dataset.total), datatype=_n("http://www.w3.org/2001/XMLSchema#integer")),
        ),
    ]
    for fmt in (*RESULTS_FORMATS, *RDF_FORMATS):
        triples.append(ox.Triple(service, _n(SD + "resultFormat"), _n(FORMAT_IRIS[fmt.media_type])))
    for index, (graph, count) in enumerate(sorted(dataset.graph_counts.items())):
        named = ox.BlankNode(f"ng{index}")
        g = ox.BlankNode(f"g{index}")
        triples += [
            ox.Triple(ds, _n(SD + "namedGraph"), named),
            ox.Triple(named, a, _n(SD + "NamedGraph")),
            ox.Triple(named, _n(SD + "name"), _n(graph)),
            ox.Triple(named, _n(SD + "graph"), g),
            ox.Triple(g, a, _n(SD + "Graph")),
            ox.Triple(
                g,
                _n(VOID + "triples"),
                ox.Literal(str(count), datatype=_n("http://www.w3.org/2001/XMLSchema#integer")),
            ),
        ]
        if graph == INFERRED_GRAPH:
            # Described, not declared as an sd:entailmentRegime: the graph *holds* the
            # inferences; querying it still uses simple entailment.
            triples += [
                ox.Triple(
                    named,
                    _n(RDFS + "comment"),
                    ox.Literal(
                        "Triples added by the OWL 2 RL closure (rules run in Oxigraph) of the "
                        "union of the other graphs, computed when the dataset was built; "
                        "only new triples.",
                        language="en",
                    ),
                ),
            ]
    return triples
