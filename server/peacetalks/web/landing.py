"""The landing page's HTML: what the dataset is, how to query it, take it away, or browse it."""

from __future__ import annotations

from peacetalks.frame.pages import Frame
from peacetalks.linked_data.html import esc, page, plain_list, section, table

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
    links_: dict[str, str] = index["links"]  # type: ignore[assignment]
    resources: dict[str, int] = index["resources"]  # type: ignore[assignment]
    dumps: dict[str, dict[str, str]] = index["dumps"]  # type: ignore[assignment]
    examples: list[dict[str, object]] = index["examples"]  # type: ignore[assignment]
    body = (
        "<h1>peacetalks</h1>\n"
        "<p>A knowledge graph of the 2025 Russia–Ukraine ceasefire negotiations: who said what "
        "about which issue, when, as reported by which outlet. "
        f'<span lang="ja">2025年ロシア・ウクライナ停戦交渉のナレッジグラフ。</span></p>\n'
        f'<p class="meta">Dataset version <code>{esc(index["dataset_version"])}</code>, '
        f"{esc(index['triples'])} triples in {len(index['graphs'])} named graphs "  # type: ignore[arg-type]
        f"(built {esc(index['modified'])}). Data licence: "
        '<a class="external" rel="external license" '
        'href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>.</p>\n'
    )
    if examples:
        items = []
        for ex in examples:
            names: dict[str, str] = ex["labels"]  # type: ignore[assignment]
            ja = f' <span lang="ja">{esc(names["ja"])}</span>' if "ja" in names else ""
            items.append(
                f'<a href="{esc(ex["href"])}">{esc(names.get("en") or ex["href"])}</a>{ja} '
                f"— {esc(ex['statements'])} statements"
            )
        body += section("Start here", plain_list(items))
    options = "".join(
        f'<option value="{esc(v)}">{esc(n)}</option>' for v, n in RESULT_FORMAT_CHOICES
    )
    body += section(
        "Query (SPARQL 1.1)",
        '<form action="/query" method="post">\n'
        f'<p><label for="query">Query</label></p>\n'
        f'<textarea id="query" name="query" rows="10" cols="80">{esc(EXAMPLE_QUERY)}</textarea>\n'
        '<p><button type="submit">Run</button> <a href="/query">the query editor, with '
        "examples</a></p>\n</form>\n"
        '<form action="/sparql" method="get">\n'
        f'<input type="hidden" name="query" value="{esc(EXAMPLE_QUERY)}">\n'
        '<p><label for="format">Or download its answer as</label> '
        f'<select id="format" name="format">{options}</select> '
        '<button type="submit">Download</button></p>\n</form>\n'
        f'<p class="meta">Endpoint <a href="{esc(links_["sparql"])}">/sparql</a> (for programs; '
        "GET without a query gives them the service description). At most "
        f"{esc(max_rows)} rows per answer; federated queries (SERVICE) are refused.</p>\n",
    )
    services = [
        f'<a href="{esc(links_["sparql"])}">SPARQL endpoint</a>',
        *(
            [f'<a href="{esc(links_["api"])}">canned questions (/api)</a>']
            if "api" in links_
            else []
        ),
        f'<a href="{esc(links_["docs"])}">OpenAPI documentation (/docs)</a>',
        f'<a href="{esc(links_["void"])}">VoID description</a>',
        f'<a href="{esc(links_["ontology"])}">ontology</a>',
        f'<a href="{esc(links_["context"])}">JSON-LD context</a>',
        f'<a href="{esc(links_["resources"])}">all resources by kind</a>',
    ]
    body += section("Services", plain_list(services))
    rows = [
        [
            esc(name),
            *(f'<a href="{esc(urls[g])}">{esc(g)}</a>' for g in ("all", "asserted", "inferred")),
        ]
        for name, urls in dumps.items()
    ]
    body += section(
        "Download",
        table(["Format", "All graphs", "Asserted", "Inferred"], rows)
        + '<p class="meta">Turtle, N-Triples, JSON-LD and RDF/XML hold the union of the graphs; '
        "N-Quads and TriG keep the named graphs.</p>\n",
    )
    kinds = [f'<a href="/id/{esc(k)}/">{esc(k)}</a> ({esc(n)})' for k, n in resources.items() if n]
    body += section("Browse", plain_list(kinds))
    return page(
        "peacetalks — Russia–Ukraine ceasefire negotiations knowledge graph", body, frame=frame
    )
