"""The query page's examples: research questions written for the editor, then every canned
query of the catalog (`queries/*.rq`) as its SPARQL text, parameters left unbound (each
canned query treats an unbound parameter as "any"; the comment names its `/api` form)."""

from __future__ import annotations

from dataclasses import dataclass

from peacetalks.api.catalog import Catalog

PREFIXES = """PREFIX pt: <https://w3id.org/peacetalks/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    text: str


RESEARCH = (
    Example(
        "crimea",
        "Who said what about Crimea, and when",
        PREFIXES
        + """# every statement on Crimea: date, speaker, stance, English summary
SELECT ?date ?speaker ?stance ?summary ?statement WHERE {
  ?statement pt:issue <https://w3id.org/peacetalks/id/issue/crimea> ;
             pt:speaker ?speaker ; pt:stance ?stance .
  OPTIONAL { ?statement pt:dateSaid|pt:saidNoLaterThan ?date }
  OPTIONAL { ?statement pt:summary ?summary FILTER(LANG(?summary) = "en") }
}
ORDER BY ?date ?speaker""",
    ),
    Example(
        "stances-by-actor",
        "How many statements each actor made, by stance",
        PREFIXES
        + """SELECT ?speaker ?stance (COUNT(?statement) AS ?statements) WHERE {
  ?statement a pt:Statement ; pt:speaker ?speaker ; pt:stance ?stance .
}
GROUP BY ?speaker ?stance
ORDER BY DESC(?statements)""",
    ),
    Example(
        "outlets",
        "Which outlets reported the most statements",
        PREFIXES
        + """SELECT ?outlet (COUNT(DISTINCT ?statement) AS ?statements) WHERE {
  ?statement a pt:Statement ; prov:wasDerivedFrom ?article .
  ?article dcterms:publisher ?outlet .
}
GROUP BY ?outlet
ORDER BY DESC(?statements)""",
    ),
    Example(
        "japanese-summaries",
        "Statements on territory with Japanese summaries",
        PREFIXES
        + """SELECT ?date ?speaker ?issue ?summary WHERE {
  ?statement pt:coversIssue <https://w3id.org/peacetalks/id/issue/territory> ;
             pt:issue ?issue ; pt:speaker ?speaker ; pt:summary ?summary .
  OPTIONAL { ?statement pt:dateSaid ?date }
  FILTER(LANG(?summary) = "ja")
}
ORDER BY ?date""",
    ),
    Example(
        "construct-statement",
        "One statement as a graph (CONSTRUCT)",
        PREFIXES
        + """CONSTRUCT { ?statement ?p ?o } WHERE {
  ?statement pt:issue <https://w3id.org/peacetalks/id/issue/crimea> ; ?p ?o .
}
LIMIT 40""",
    ),
    Example(
        "ask-conflicts",
        "Do any two statements conflict? (ASK)",
        PREFIXES + "ASK { ?a pt:conflictsWith ?b }",
    ),
)


def catalog_examples(catalog: Catalog) -> tuple[Example, ...]:
    """Each canned query, its text as the file has it (parameters unbound)."""
    out = []
    for q in catalog.values():
        params = ", ".join(f"?{p.name}" for p in q.params)
        note = f"# {q.summary}\n# /api/{q.name} binds " + (params or "nothing") + "; here unbound\n"
        body = "\n".join(line for line in q.text.splitlines() if not line.startswith("#+"))
        out.append(Example("api:" + q.name, f"{q.name} — {q.summary}", note + body.strip()))
    return tuple(out)
