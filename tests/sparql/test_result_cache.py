"""Memoized /sparql answers (peacetalks.sparql.result_cache): same bytes and headers on a hit,
ETag and 304 on revalidation, nothing kept for errors or volatile queries, and a bound in bytes."""

from __future__ import annotations

from fastapi.testclient import TestClient
from peacetalks.sparql.result_cache import ENTRY_OVERHEAD, CachedAnswer, ResultCache

JSON = "application/sparql-results+json"
QUERY = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 3"


def test_hit_gives_same_answer_and_etag(tiny_client: TestClient) -> None:
    first = tiny_client.get("/sparql", params={"query": QUERY}, headers={"Accept": JSON})
    second = tiny_client.get("/sparql", params={"query": QUERY}, headers={"Accept": JSON})
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]
    assert second.headers["x-peacetalks-truncated"] == "false"
    assert second.headers["content-type"].startswith(JSON)


def test_if_none_match_gives_304(tiny_client: TestClient) -> None:
    first = tiny_client.get("/sparql", params={"query": QUERY}, headers={"Accept": JSON})
    etag = first.headers["etag"]
    again = tiny_client.get(
        "/sparql", params={"query": QUERY}, headers={"Accept": JSON, "If-None-Match": etag}
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag


def test_other_format_is_another_entry(tiny_client: TestClient) -> None:
    as_json = tiny_client.get("/sparql", params={"query": QUERY}, headers={"Accept": JSON})
    as_csv = tiny_client.get("/sparql", params={"query": QUERY}, headers={"Accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_json.headers["etag"] != as_csv.headers["etag"]


def test_errors_are_not_kept(tiny_client: TestClient) -> None:
    for _ in range(2):
        assert tiny_client.get("/sparql", params={"query": "SELECT * WHERE {"}).status_code == 400


def test_volatile_queries_are_not_kept() -> None:
    cache = ResultCache(max_bytes=1 << 20, version="v")
    assert cache.key("SELECT (RAND() AS ?r) {}") is None
    assert cache.key("SELECT (now() AS ?t) {}") is None
    assert cache.key("SELECT (STRUUID() AS ?u) {}") is None
    assert cache.key("SELECT ?random WHERE { ?s ?random ?o }") is not None


def test_key_depends_on_dataset_and_graphs() -> None:
    a, b = ResultCache(1 << 20, "v1"), ResultCache(1 << 20, "v2")
    assert a.key("ASK {}") != b.key("ASK {}")
    assert a.key("ASK {}") != a.key("ASK {}", default_graphs=("http://g",))
    assert a.key("ASK {}", default_graphs=("http://g",)) != a.key(
        "ASK {}", named_graphs=("http://g",)
    )


def test_bounded_in_bytes() -> None:
    entry = ENTRY_OVERHEAD + 20
    cache = ResultCache(max_bytes=5 * entry, version="v")
    keys = [cache.key(f"ASK {{ <urn:x:{i}> ?p ?o }}") for i in range(10)]
    for k in keys:
        assert k is not None
        cache.put(k, CachedAnswer(b"x" * 20, JSON, 1, False))
    assert len(cache) == 5  # least recently used evicted; the per-entry overhead counts
    assert cache.get(keys[0]) is None and cache.get(keys[-1]) is not None
    big = cache.key("ASK { <urn:x:big> ?p ?o }")
    assert big is not None
    cache.put(big, CachedAnswer(b"x" * entry, JSON, 1, False))  # over a quarter: not kept
    assert cache.get(big) is None


def test_off_when_zero() -> None:
    assert ResultCache(max_bytes=0, version="v").key("ASK {}") is None
