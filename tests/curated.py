"""Shared harness of the per-article coverage tests (`test_coverage_00N.py`).

The ontology (without the shapes) and every graph file are loaded into one pyoxigraph store,
each file in its own named graph, and queried with the union default graph, as the server
does. `PREFIXES` covers every kind of resource, so the spot-fact queries can use
`actor:…`, `issue:…`, `statement:…` and the rest.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
GRAPH_BASE = "https://w3id.org/peacetalks/graph/"
STATEMENT_NS = "https://w3id.org/peacetalks/id/statement/"
PREFIXES = """
PREFIX pt: <https://w3id.org/peacetalks/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX actor: <https://w3id.org/peacetalks/id/actor/>
PREFIX outlet: <https://w3id.org/peacetalks/id/outlet/>
PREFIX post: <https://w3id.org/peacetalks/id/post/>
PREFIX place: <https://w3id.org/peacetalks/id/place/>
PREFIX issue: <https://w3id.org/peacetalks/id/issue/>
PREFIX stance: <https://w3id.org/peacetalks/id/stance/>
PREFIX event: <https://w3id.org/peacetalks/id/event/>
PREFIX statement: <https://w3id.org/peacetalks/id/statement/>
PREFIX source: <https://w3id.org/peacetalks/id/source/>
PREFIX figure: <https://w3id.org/peacetalks/id/figure/>
PREFIX account: <https://w3id.org/peacetalks/id/account/>
PREFIX disagreement: <https://w3id.org/peacetalks/id/disagreement/>
"""


@cache
def curated_store() -> ox.Store:
    """Ontology (without the shapes) and every graph file, each in its own named graph.

    Built once per test session: the coverage tests only read it.
    """
    s = ox.Store()
    files = [p for p in sorted((ROOT / "ontology").glob("*.ttl")) if p.name != "shapes.ttl"]
    files += sorted((ROOT / "graph").glob("*.ttl"))
    for path in files:
        graph = ox.NamedNode(GRAPH_BASE + path.relative_to(ROOT).as_posix())
        s.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=graph)
    return s


def ask(store: ox.Store, query: str) -> bool:
    return bool(store.query(PREFIXES + query, use_default_graph_as_union=True))


def select(store: ox.Store, query: str) -> list[list[str]]:
    rows = store.query(PREFIXES + query, use_default_graph_as_union=True)
    return [[term.value for term in row] for row in rows]


def relayed_statements(store: ox.Store, digest: str) -> list[str]:
    """Local names of the statements relayed by `digest` (e.g. "digest-001"), sorted."""
    rows = select(
        store,
        "SELECT DISTINCT ?s WHERE { ?s a pt:Statement ; "
        f"pt:relayedBy source:{digest} }} ORDER BY ?s",
    )
    return [row[0].removeprefix(STATEMENT_NS) for row in rows]


def check_provenance(store: ox.Store, digest: str) -> None:
    """Each statement relayed by the digest is derived from the digest or an article it cites."""
    bad = select(
        store,
        f"""SELECT ?s ?src WHERE {{
          ?s a pt:Statement ; pt:relayedBy source:{digest} ; prov:wasDerivedFrom ?src .
          FILTER(?src != source:{digest})
          FILTER NOT EXISTS {{ source:{digest} dcterms:references ?src }}
        }}""",
    )
    assert bad == []
    missing = select(
        store,
        f"""SELECT ?s WHERE {{
          ?s a pt:Statement ; pt:relayedBy source:{digest} .
          FILTER NOT EXISTS {{ ?s prov:wasDerivedFrom ?src }}
        }}""",
    )
    assert missing == []


def assert_statement_list(found: list[str], expected: list[str], count: int, label: str) -> None:
    """Print the statements found (so a drop shows in review) and assert the exact list."""
    print(f"\n{label}: {len(found)} statements")
    for name in found:
        print("  ", name)
    assert len(found) == count
    assert found == expected
