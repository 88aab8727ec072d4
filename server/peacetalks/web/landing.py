"""The landing page (`templates/landing.html`): what the dataset is, how to query it, take it
away, or browse it."""

from __future__ import annotations

from peacetalks.frame.pages import Frame
from peacetalks.web.pages import PAGES

RESULT_FORMAT_CHOICES = (
    ("json", "SPARQL JSON"),
    ("xml", "SPARQL XML"),
    ("csv", "CSV"),
    ("tsv", "TSV"),
    ("turtle", "Turtle (CONSTRUCT/DESCRIBE)"),
    ("jsonld", "JSON-LD (CONSTRUCT/DESCRIBE)"),
)
EXAMPLE_QUERY = """PREFIX pt: <https://w3id.org/peacetalks/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
# Who said what about Crimea, and when (English summaries)
SELECT ?date ?speaker ?summary WHERE {
  ?statement pt:issue <https://w3id.org/peacetalks/id/issue/crimea> ;
             pt:speaker/rdfs:label ?speaker ;
             pt:summary ?summary .
  OPTIONAL { ?statement pt:dateSaid ?date }
  FILTER(LANG(?speaker) = "en" && LANG(?summary) = "en")
} ORDER BY ?date"""


def landing_page(index: dict[str, object], max_rows: int, frame: Frame | None = None) -> str:
    """The home page: what the dataset is, how to query it, take it away, or browse it."""
    return PAGES.render(
        "landing.html",
        frame or Frame(),
        title="peacetalks — Russia–Ukraine ceasefire negotiations knowledge graph",
        index=index,
        max_rows=max_rows,
        example_query=EXAMPLE_QUERY,
        formats=RESULT_FORMAT_CHOICES,
    )
