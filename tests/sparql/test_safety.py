"""Safety: read-only, no network from queries, hard deadline, limits, row cap."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from peacetalks.app import create_app
from peacetalks.settings import Settings
from serving import SLOW_QUERY, Listener, slow_settings

EX = "http://example.org/"
DIRECT = {"content-type": "application/sparql-query"}


@pytest.fixture
def listener() -> Iterator[tuple[str, list[object]]]:
    """A local TCP server that records any connection (there must be none)."""
    got = Listener()
    yield f"http://127.0.0.1:{got.port}/sparql", got.connections
    got.close()


# --------------------------------------------------------------------- read-only


def test_update_parameter_is_403(tiny_client: TestClient) -> None:
    r = tiny_client.post("/sparql", data={"update": "CLEAR ALL"})
    assert r.status_code == 403 and "this endpoint is read-only" in r.text


def test_update_body_is_403(tiny_client: TestClient) -> None:
    r = tiny_client.post(
        "/sparql", content="CLEAR ALL", headers={"content-type": "application/sparql-update"}
    )
    assert r.status_code == 403 and "this endpoint is read-only" in r.text


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <http://a> <http://b> <http://c> }",
        "PREFIX ex: <http://example.org/> DELETE WHERE { ex:alice ?p ?o }",
        "CLEAR ALL",
    ],
)
def test_update_sent_as_query_is_400(tiny_client: TestClient, update: str) -> None:
    r = tiny_client.post("/sparql", content=update, headers=DIRECT)
    assert r.status_code == 400 and "updates are not accepted" in r.text
    assert tiny_client.get("/sparql", params={"query": f"ASK {{ <{EX}alice> ?p ?o }}"}).json()[
        "boolean"
    ]


# --------------------------------------------------------------------- no network


def test_service_never_reaches_the_network(
    tiny_client: TestClient, listener: tuple[str, list[object]]
) -> None:
    url, connections = listener
    query = f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"
    r = tiny_client.get("/sparql", params={"query": query})
    assert r.status_code == 400 and "SERVICE" in r.text
    assert connections == []


def test_nested_service_is_refused(
    tiny_client: TestClient, listener: tuple[str, list[object]]
) -> None:
    url, connections = listener
    query = (
        f"SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ {{ SERVICE SILENT <{url}> {{ ?s ?q ?r }} }} }} }}"
    )
    assert tiny_client.post("/sparql", content=query, headers=DIRECT).status_code == 400
    assert connections == []


def test_service_lookalikes_are_served(tiny_client: TestClient) -> None:
    query = (
        'PREFIX ex: <http://ex/> SELECT ?service WHERE { ?service ?p ?o FILTER(?o != "SERVICE"'
        " && ?p != ex:SERVICE && ?p != <http://x/SERVICE>) } # SERVICE <http://evil/>"
    )
    assert tiny_client.get("/sparql", params={"query": query}).status_code == 200


def test_load_is_refused(tiny_client: TestClient, listener: tuple[str, list[object]]) -> None:
    url, connections = listener
    r = tiny_client.post("/sparql", content=f"LOAD <{url}>", headers=DIRECT)
    assert r.status_code == 400 and connections == []


def test_from_unknown_graph_is_refused(
    tiny_client: TestClient, listener: tuple[str, list[object]]
) -> None:
    url, connections = listener
    for clause in ("FROM", "FROM NAMED"):
        query = f"SELECT * {clause} <{url}> WHERE {{ ?s ?p ?o }}"
        r = tiny_client.get("/sparql", params={"query": query})
        assert r.status_code == 400 and "no such graph" in r.text
    assert connections == []


# --------------------------------------------------------------------- limits


def test_query_too_long_is_413(tiny_client: TestClient) -> None:
    query = "ASK {}" + "#" * 200_000
    r = tiny_client.post("/sparql", data={"query": query})
    assert r.status_code == 413


def test_body_too_large_is_413(tiny_client: TestClient) -> None:
    r = tiny_client.post("/sparql", content=b"ASK {}" + b" " * 1_100_000, headers=DIRECT)
    assert r.status_code == 413


def test_row_cap_is_signalled(tiny_client: TestClient) -> None:
    settings = tiny_client.app.state.settings  # type: ignore[attr-defined]
    r = tiny_client.get(
        "/sparql",
        params={"query": "SELECT * WHERE { ?s ?p ?o }"},
        headers={"accept": "text/csv"},
    )
    total = tiny_client.app.state.dataset.total  # type: ignore[attr-defined]
    assert total < settings.max_rows
    assert r.headers["x-peacetalks-truncated"] == "false"
    assert len(r.text.strip().split("\r\n")) == total + 1


@pytest.fixture(scope="module")
def small_cap_client(
    tiny_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    settings = tiny_settings.model_copy(update={"max_rows": 5})
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_truncation_headers(small_cap_client: TestClient, fmt: str) -> None:
    r = small_cap_client.get(
        "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }", "format": fmt}
    )
    assert r.status_code == 200
    assert r.headers["x-peacetalks-truncated"] == "true"
    assert r.headers["x-peacetalks-row-limit"] == "5"


def test_truncation_json_has_cap_rows(small_cap_client: TestClient) -> None:
    r = small_cap_client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert len(r.json()["results"]["bindings"]) == 5


def test_truncation_construct(small_cap_client: TestClient) -> None:
    r = small_cap_client.get(
        "/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "ntriples"}
    )
    assert r.headers["x-peacetalks-truncated"] == "true"
    assert len(r.text.strip().splitlines()) == 5


def test_exact_cap_is_not_truncated(small_cap_client: TestClient) -> None:
    r = small_cap_client.get(
        "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 5", "format": "csv"}
    )
    assert r.headers["x-peacetalks-truncated"] == "false"


# --------------------------------------------------------------------- deadline


def test_slow_query_gets_503_then_server_keeps_answering(tmp_path: Path) -> None:
    settings = slow_settings(tmp_path, workers=2, query_timeout=1.0)
    with TestClient(create_app(settings)) as client:
        slow = SLOW_QUERY
        r = client.get("/sparql", params={"query": slow}, headers={"accept": "application/json"})
        assert r.status_code == 503
        assert r.json()["error"] == "query_timeout" and "1 s" in r.json()["message"]
        assert client.get("/health").status_code == 200
        # the other worker answers at once; the killed one is replaced in the background
        r = client.get("/sparql", params={"query": f"ASK {{ <{EX}s7> ?p ?o }}"})
        assert r.status_code == 200 and r.json()["boolean"] is True


def test_escaped_service_keyword_is_not_executed(
    tiny_client: TestClient, listener: tuple[str, list[object]]
) -> None:
    """`\\u0053ERVICE` is not a keyword to pyoxigraph (no pre-parse unescaping): a 400."""
    url, connections = listener
    query = "SELECT * WHERE { \\u0053ERVICE <" + url + "> { ?s ?p ?o } }"
    assert tiny_client.get("/sparql", params={"query": query}).status_code == 400
    assert connections == []
