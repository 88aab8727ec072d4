"""Shared by the Linked Data tests (test_dumps, test_void, test_dereference, …).

They run against the shipped ontology and curated graph, so answers are checked against
counts taken from the store, never hard-coded. The dataset cache lives in one temporary
directory for the whole run (keyed by the inputs' hashes, so a stale cache is rebuilt):
building the app again in each module is then cheap.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
from fastapi.testclient import TestClient
from peacetalks.app import create_app
from peacetalks.dataset.store import Dataset, load_dataset
from peacetalks.settings import Settings

CACHE = Path(tempfile.gettempdir()) / f"peacetalks-ld-tests-{os.getuid()}"
ID = "https://w3id.org/peacetalks/id/"
PT = "https://w3id.org/peacetalks/ontology#"
PUTIN = ID + "actor/vladimir-putin"
CRIMEA = ID + "issue/crimea"
UKRAINE = ID + "actor/ukraine"
LD_DATA = Path(__file__).parent / "data" / "ld"
PREFIXES = f"PREFIX pt: <{PT}>\nPREFIX actor: <{ID}actor/>\nPREFIX issue: <{ID}issue/>\n"


def shipped_settings(**overrides: object) -> Settings:
    """The shipped data; queries run in-process (workers=0)."""
    return Settings(cache_dir=CACHE, workers=0, **overrides)  # type: ignore[arg-type]


def shipped_client(settings: Settings | None = None) -> Iterator[TestClient]:
    settings = settings or shipped_settings()
    app = create_app(settings, dataset=load_dataset(settings))
    with TestClient(app) as client:
        yield client


def dataset_of(client: TestClient) -> Dataset:
    return client.app.state.dataset  # type: ignore[attr-defined,no-any-return]


def select(store: ox.Store, query: str) -> list[dict[str, str]]:
    """Rows of a SELECT over the union of all graphs, as {variable: value}."""
    rows = store.query(PREFIXES + query, use_default_graph_as_union=True)
    names = [v.value for v in rows.variables]  # type: ignore[union-attr]
    return [{n: row[n].value for n in names if row[n] is not None} for row in rows]  # type: ignore[union-attr]


def asserted_store(dataset: Dataset) -> ox.Store:
    """A store holding only the asserted named graphs (inferred graph left out)."""
    from peacetalks.dataset.loading import INFERRED_GRAPH

    store = ox.Store()
    store.extend(
        q
        for q in dataset.store.quads_for_pattern(None, None, None)
        if q.graph_name != ox.NamedNode(INFERRED_GRAPH)
    )
    return store
