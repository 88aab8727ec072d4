"""Many front ends, one engine: two apps over the same pushed engine are interchangeable —
byte-identical answers, ETags and dump headers — so a load balancer may send any request to
either."""

from __future__ import annotations

import engines
import pytest
from engines import real_create_app as create_app
from fastapi.testclient import TestClient
from peacetalks.dataset.store import Dataset
from peacetalks.settings import Settings

pytestmark = pytest.mark.engine

REQUESTS = [
    ("/sparql", {"query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"}, "text/csv"),
    ("/sparql", {"query": "ASK { ?s ?p ?o }"}, "application/sparql-results+xml"),
    ("/sparql", {"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, "application/n-triples"),
    ("/dump", {"format": "trig"}, "*/*"),
    ("/dump", {"format": "jsonld", "graphs": "asserted"}, "*/*"),
    ("/.well-known/void", {}, "text/turtle"),
    ("/ready", {}, "application/json"),
]
SAME_HEADERS = ("etag", "last-modified", "content-digest", "x-peacetalks-truncated")


def test_two_front_ends_answer_identically(
    pushed: Dataset, remote_settings: Settings, engine: engines.Engine
) -> None:
    one = TestClient(create_app(remote_settings))
    two = TestClient(create_app(remote_settings.model_copy(update={"max_rows": 1000})))
    with one, two:
        for path, params, accept in REQUESTS:
            a = one.get(path, params=params, headers={"Accept": accept})
            b = two.get(path, params=params, headers={"Accept": accept})
            assert a.status_code == b.status_code == 200, (path, a.text[:200])
            if path == "/ready":  # the same dataset, counted by the same engine
                keep = ("dataset_version", "graphs", "total_triples", "loaded_at")
                assert {k: a.json()[k] for k in keep} == {k: b.json()[k] for k in keep}
                continue
            assert a.content == b.content, path
            for header in SAME_HEADERS:
                assert a.headers.get(header) == b.headers.get(header), (path, header)


def test_remote_answers_equal_the_embedded_ones(
    pushed: Dataset, remote_settings: Settings, tiny_settings: Settings
) -> None:
    with (
        TestClient(create_app(remote_settings)) as far,
        TestClient(
            create_app(tiny_settings.model_copy(update={"workers": 0}), dataset=pushed)
        ) as near,
    ):
        for path, params, accept in REQUESTS[:-1]:
            a = far.get(path, params=params, headers={"Accept": accept})
            b = near.get(path, params=params, headers={"Accept": accept})
            assert a.status_code == b.status_code == 200
            if path != "/sparql" or "CONSTRUCT" not in params["query"]:
                assert a.content == b.content, path
            else:  # CONSTRUCT without ORDER BY: the engine's order
                assert sorted(a.text.splitlines()) == sorted(b.text.splitlines())
