"""The VoID description of the dataset (https://www.w3.org/TR/void/), served at
`/.well-known/void`.

Metadata (title, description, licence, creator, sources, modified), access (SPARQL endpoint,
one `void:dataDump` per format, URI space), statistics computed by SPARQL over the store
(triples, entities, classes, properties, distinct subjects and objects, class and property
partitions), one `void:subset` per named graph with its own counts (the inferred graph
says how it was produced), the vocabularies used, example resources and the Wikidata linkset.
Statistics count the union of all graphs (asserted + inferred), each triple once — what the
`graphs=all` triple dumps hold.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from peacetalks.dataset.loading import INFERRED_GRAPH
from peacetalks.dataset.store import Dataset
from peacetalks.linked_data.dumps import DUMP_FORMATS, built_at
from peacetalks.linked_data.jsonld_context import ID_SPACE, ONTOLOGY_IRI, PREFIXES

DATASET_IRI = "https://w3id.org/peacetalks/dataset"
"""The dataset described (the SPARQL service description links to the same IRI)."""
LICENSE = "https://creativecommons.org/licenses/by/4.0/"

VOID = PREFIXES["void"]
DCTERMS = PREFIXES["dcterms"]
RDF = PREFIXES["rdf"]
RDFS = PREFIXES["rdfs"]
XSD = PREFIXES["xsd"]
FOAF = PREFIXES["foaf"]
PROV = PREFIXES["prov"]
SD = PREFIXES["sd"]
SKOS = PREFIXES["skos"]
WIKIDATA_SPACE = PREFIXES["wd"]

VOCABULARIES: tuple[str, ...] = ("pt", "rdf", "rdfs", "owl", "skos", "prov", "org", "schema")
VOCABULARIES += ("dcterms", "time", "sem", "sh", "foaf")
"""Prefixes (of `PREFIXES`) that name vocabularies; listed when a class or property uses one."""

EXAMPLES = ("actor/vladimir-putin", "actor/volodymyr-zelensky", "actor/ukraine", "issue/crimea")

FORMAT_IRIS = {
    "text/turtle": "http://www.w3.org/ns/formats/Turtle",
    "application/n-triples": "http://www.w3.org/ns/formats/N-Triples",
    "application/n-quads": "http://www.w3.org/ns/formats/N-Quads",
    "application/trig": "http://www.w3.org/ns/formats/TriG",
    "application/ld+json": "http://www.w3.org/ns/formats/JSON-LD",
    "application/rdf+xml": "http://www.w3.org/ns/formats/RDF_XML",
}


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_n(XSD + "integer"))


def _en(text: str) -> ox.Literal:
    return ox.Literal(text, language="en")


def _scalar(store: ox.Store, query: str) -> int:
    rows = list(store.query(query, use_default_graph_as_union=True))  # type: ignore[arg-type]
    return int(rows[0]["n"].value) if rows else 0


def _rows(store: ox.Store, query: str) -> list[ox.QuerySolution]:
    return list(store.query(query, use_default_graph_as_union=True))  # type: ignore[arg-type]


def statistics(store: ox.Store) -> dict[str, int]:
    """The VoID counts of the union of all graphs (distinct triples)."""
    distinct = "{ SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
    return {
        "triples": _scalar(store, f"SELECT (COUNT(*) AS ?n) WHERE {distinct}"),
        "entities": _scalar(
            store,
            "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o "
            f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{ID_SPACE}")) }}',
        ),
        "classes": _scalar(
            store, f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?s <{RDF}type> ?c }}"
        ),
        "properties": _scalar(store, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }"),
        "distinctSubjects": _scalar(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"),
        "distinctObjects": _scalar(store, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }"),
    }


def _graph_title(graph: str) -> str:
    if graph == INFERRED_GRAPH:
        return "OWL 2 RL inferences"
    return "named graph of " + graph.rsplit("/graph/", 1)[-1]


def void_description(dataset: Dataset, base_url: str) -> list[ox.Triple]:
    """The VoID triples; `base_url` is where this server answers (ends with `/`)."""
    store = dataset.store
    d = _n(DATASET_IRI)
    a = _n(RDF + "type")
    doc = _n(base_url + ".well-known/void")
    t: list[ox.Triple] = [
        ox.Triple(doc, a, _n(VOID + "DatasetDescription")),
        ox.Triple(doc, _n(FOAF + "primaryTopic"), d),
        ox.Triple(doc, _n(DCTERMS + "title"), _en("VoID description of the peacetalks dataset")),
        ox.Triple(d, a, _n(VOID + "Dataset")),
        ox.Triple(d, _n(DCTERMS + "title"), _en("peacetalks")),
        ox.Triple(
            d,
            _n(DCTERMS + "title"),
            ox.Literal("peacetalks(停戦交渉ナレッジグラフ)", language="ja"),
        ),
        ox.Triple(
            d,
            _n(DCTERMS + "description"),
            _en(
                "A knowledge graph of the 2025 Russia–Ukraine ceasefire negotiations: who said "
                "what about which issue, when, at which event, as reported by which outlet and "
                "relayed by which digest; with an OWL 2 RL ontology, SKOS issue and stance "
                "schemes, and the OWL RL inferences in their own named graph."
            ),
        ),
        ox.Triple(d, _n(DCTERMS + "license"), _n(LICENSE)),
        ox.Triple(d, _n(DCTERMS + "creator"), _en("The peacetalks project")),
        ox.Triple(d, _n(DCTERMS + "publisher"), _en("The peacetalks project")),
        ox.Triple(
            d,
            _n(DCTERMS + "modified"),
            ox.Literal(built_at(dataset).isoformat(), datatype=_n(XSD + "dateTime")),
        ),
        ox.Triple(d, _n(DCTERMS + "hasVersion"), ox.Literal(dataset.version)),
        ox.Triple(d, _n(FOAF + "homepage"), _n(base_url)),
        ox.Triple(d, _n(VOID + "sparqlEndpoint"), _n(base_url + "sparql")),
        ox.Triple(d, _n(VOID + "uriSpace"), ox.Literal(ID_SPACE)),
        ox.Triple(d, _n(VOID + "rootResource"), _n(ONTOLOGY_IRI)),
    ]
    for fmt in DUMP_FORMATS:
        dump = _n(f"{base_url}dump?format={fmt.name}&graphs=all")
        t += [
            ox.Triple(d, _n(VOID + "dataDump"), dump),
            ox.Triple(dump, _n(DCTERMS + "format"), ox.Literal(fmt.media_type)),
            ox.Triple(d, _n(VOID + "feature"), _n(FORMAT_IRIS[fmt.media_type])),
        ]
    for row in _rows(
        store,
        f"SELECT DISTINCT ?a WHERE {{ ?a a <{ONTOLOGY_IRI}#Article> }} ORDER BY ?a",
    ):
        t.append(ox.Triple(d, _n(DCTERMS + "source"), row["a"]))
    for name, value in statistics(store).items():
        t.append(ox.Triple(d, _n(VOID + name), _int(value)))
    t += _partitions(store, d)
    t += _vocabularies(store, d)
    t += _subsets(dataset, d, base_url)
    t += _examples(store, d)
    t += _wikidata_linkset(store, d)
    return t


def _partitions(store: ox.Store, d: ox.NamedNode) -> list[ox.Triple]:
    t: list[ox.Triple] = []
    classes = _rows(
        store,
        f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s <{RDF}type> ?c FILTER(isIRI(?c)) }} "
        "GROUP BY ?c ORDER BY ?c",
    )
    for i, row in enumerate(classes):
        node = ox.BlankNode(f"class{i}")
        t += [
            ox.Triple(d, _n(VOID + "classPartition"), node),
            ox.Triple(node, _n(VOID + "class"), row["c"]),
            ox.Triple(node, _n(VOID + "entities"), _int(int(row["n"].value))),
        ]
    properties = _rows(
        store,
        "SELECT ?p (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } } "
        "GROUP BY ?p ORDER BY ?p",
    )
    for i, row in enumerate(properties):
        node = ox.BlankNode(f"property{i}")
        t += [
            ox.Triple(d, _n(VOID + "propertyPartition"), node),
            ox.Triple(node, _n(VOID + "property"), row["p"]),
            ox.Triple(node, _n(VOID + "triples"), _int(int(row["n"].value))),
        ]
    return t


def used_vocabularies(store: ox.Store) -> list[str]:
    """Namespaces (of `VOCABULARIES`) of the properties and classes in the data."""
    terms = {
        row["t"].value
        for row in _rows(
            store,
            "SELECT DISTINCT ?t WHERE { { ?s ?t ?o } UNION "
            f"{{ ?s <{RDF}type> ?t FILTER(isIRI(?t)) }} }}",
        )
    }
    spaces = [PREFIXES[p] for p in VOCABULARIES]
    return [ns for ns in spaces if any(term.startswith(ns) for term in terms)]


def _vocabularies(store: ox.Store, d: ox.NamedNode) -> list[ox.Triple]:
    return [ox.Triple(d, _n(VOID + "vocabulary"), _n(ns)) for ns in used_vocabularies(store)]


def _subsets(dataset: Dataset, d: ox.NamedNode, base_url: str) -> list[ox.Triple]:
    t: list[ox.Triple] = []
    a = _n(RDF + "type")
    subjects = {
        row["g"].value: int(row["n"].value)
        for row in dataset.store.query(
            "SELECT ?g (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        )  # type: ignore[union-attr]
    }
    for graph, count in sorted(dataset.graph_counts.items()):
        g = _n(graph)
        t += [
            ox.Triple(d, _n(VOID + "subset"), g),
            ox.Triple(g, a, _n(VOID + "Dataset")),
            ox.Triple(g, _n(SD + "name"), g),
            ox.Triple(g, _n(DCTERMS + "title"), _en(_graph_title(graph))),
            ox.Triple(g, _n(VOID + "triples"), _int(count)),
            ox.Triple(g, _n(VOID + "distinctSubjects"), _int(subjects.get(graph, 0))),
        ]
        if graph == INFERRED_GRAPH:
            activity = ox.BlankNode("owlRlClosure")
            t += [
                ox.Triple(
                    g,
                    _n(RDFS + "comment"),
                    _en(
                        "Inferred, not asserted: the triples the OWL 2 RL closure of "
                        "the other named graphs adds, computed when the dataset was built."
                    ),
                ),
                ox.Triple(g, _n(PROV + "wasGeneratedBy"), activity),
                ox.Triple(activity, a, _n(PROV + "Activity")),
                ox.Triple(
                    activity, _n(RDFS + "label"), _en("OWL 2 RL closure (rules run in Oxigraph)")
                ),
                ox.Triple(
                    activity, _n(DCTERMS + "conformsTo"), _n("http://www.w3.org/ns/owl-profile/RL")
                ),
            ]
            t += [
                ox.Triple(activity, _n(PROV + "used"), _n(other))
                for other in sorted(dataset.graph_counts)
                if other != INFERRED_GRAPH
            ]
            t += [
                ox.Triple(
                    g, _n(VOID + "dataDump"), _n(f"{base_url}dump?format={f.name}&graphs=inferred")
                )
                for f in DUMP_FORMATS
            ]
    return t


def _examples(store: ox.Store, d: ox.NamedNode) -> list[ox.Triple]:
    present = [
        ID_SPACE + slug
        for slug in EXAMPLES
        if next(iter(store.quads_for_pattern(_n(ID_SPACE + slug), None, None)), None)
    ]
    return [ox.Triple(d, _n(VOID + "exampleResource"), _n(iri)) for iri in present]


def wikidata_links(store: ox.Store) -> int:
    """`skos:exactMatch` links from our resources to Wikidata entities."""
    return _scalar(
        store,
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?o WHERE { "
        f'?s <{SKOS}exactMatch> ?o FILTER(STRSTARTS(STR(?o), "{WIKIDATA_SPACE}")) }} }}',
    )


def _wikidata_linkset(store: ox.Store, d: ox.NamedNode) -> list[ox.Triple]:
    count = wikidata_links(store)
    if not count:
        return []
    links = _n(DATASET_IRI + "/wikidata-links")
    wikidata = ox.BlankNode("wikidata")
    a = _n(RDF + "type")
    return [
        ox.Triple(d, _n(VOID + "subset"), links),
        ox.Triple(links, a, _n(VOID + "Linkset")),
        ox.Triple(links, _n(DCTERMS + "title"), _en("skos:exactMatch links to Wikidata")),
        ox.Triple(links, _n(VOID + "linkPredicate"), _n(SKOS + "exactMatch")),
        ox.Triple(links, _n(VOID + "subjectsTarget"), d),
        ox.Triple(links, _n(VOID + "objectsTarget"), wikidata),
        ox.Triple(links, _n(VOID + "triples"), _int(count)),
        ox.Triple(wikidata, a, _n(VOID + "Dataset")),
        ox.Triple(wikidata, _n(DCTERMS + "title"), _en("Wikidata")),
        ox.Triple(wikidata, _n(FOAF + "homepage"), _n("https://www.wikidata.org/")),
        ox.Triple(wikidata, _n(VOID + "uriSpace"), ox.Literal(WIKIDATA_SPACE)),
    ]


def triples_of(triples: Iterable[ox.Triple], predicate: str) -> list[ox.Triple]:
    """The triples with one predicate (tests and the landing page read figures this way)."""
    return [t for t in triples if t.predicate.value == predicate]
