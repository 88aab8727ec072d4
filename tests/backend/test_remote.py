"""The remote backend's own choices, each against the embedded store on one engine
(tests/engines.py; `PEACETALKS_TEST_BACKEND` picks it, oxigraph by default)."""

from __future__ import annotations

import engines
import pyoxigraph as ox
import pytest
from engines import real_create_app as create_app
from fastapi.testclient import TestClient
from peacetalks.dataset.store import Dataset
from peacetalks.settings import Settings

pytestmark = pytest.mark.engine


def rows(result: object) -> list[tuple[str, ...]]:
    return sorted(tuple(str(t) for t in row) for row in result)  # type: ignore[attr-defined]


def test_a_querys_own_dataset_is_its_dataset(pushed: Dataset, remote_settings: Settings) -> None:
    """FROM / FROM NAMED name the dataset, as on pyoxigraph: no protocol dataset sent with
    the query overrides them (the remote store once sent an empty default graph)."""
    graph = max(pushed.graph_counts, key=pushed.graph_counts.__getitem__)
    queries = [
        f"SELECT ?s ?p ?o FROM <{graph}> WHERE {{ ?s ?p ?o }}",
        f"SELECT ?g ?s FROM NAMED <{graph}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"SELECT ?s FROM NAMED <{graph}> WHERE {{ ?s ?p ?o }}",  # empty default graph
        "SELECT ?s WHERE { ?s ?p ?o }",  # the store's own default graph: empty
    ]
    with TestClient(create_app(remote_settings)) as client:
        store = client.app.state.dataset.store  # type: ignore[attr-defined]
        for query in queries:
            assert rows(store.query(query)) == rows(pushed.store.query(query)), query
        assert rows(store.query(queries[0]))  # not vacuous


def test_as_many_queries_run_at_once_as_there_are_connections(
    pushed: Dataset, remote_settings: Settings, engine: engines.Engine
) -> None:
    """On a remote engine /sparql admits `backend_connections` queries at once, not
    `workers` (there are no workers of ours): two front ends with one worker each over one
    engine would otherwise run one query at a time each."""
    settings = remote_settings.model_copy(update={"workers": 1, "backend_connections": 3})
    with TestClient(create_app(settings)) as client:
        assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
        assert client.app.state.admission.slots == 3  # type: ignore[attr-defined]


def test_a_small_pattern_is_asked_once(
    pushed: Dataset, remote_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages ask for the labels of every neighbour: the remote store remembers small
    answers (the pushed dataset does not change under a front end), and gives the same
    quads as the embedded store each time."""
    subject = next(q.subject for q in pushed.store if isinstance(q.subject, ox.NamedNode))
    want = sorted(map(str, pushed.store.quads_for_pattern(subject, None, None)))
    with TestClient(create_app(remote_settings)) as client:
        store = client.app.state.dataset.store  # type: ignore[attr-defined]
        sent = []
        real = store.endpoint.open_query
        monkeypatch.setattr(
            store.endpoint, "open_query", lambda *a, **k: sent.append(a[0]) or real(*a, **k)
        )
        for _ in range(3):
            assert sorted(map(str, store.quads_for_pattern(subject, None, None))) == want
        assert len(sent) == 1
