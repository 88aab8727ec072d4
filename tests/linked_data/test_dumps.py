"""`GET /dump` and `peacetalks export`: the format × graphs matrix, validators, negotiation."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from ld_common import dataset_of, shipped_client
from peacetalks import cli
from peacetalks.linked_data.dumps import (
    DUMP_FORMATS,
    GRAPH_SELECTIONS,
    build_dump,
    canonical_blank_nodes,
    selected_graphs,
)
from peacetalks.settings import Settings

MATRIX = [(f, g) for f in DUMP_FORMATS for g in GRAPH_SELECTIONS]


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    yield from shipped_client()


def distinct_triples(client: TestClient, graphs: str) -> int:
    dataset = dataset_of(client)
    names = " ".join(f"<{g}>" for g in selected_graphs(dataset, graphs))
    rows = dataset.store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { "
        f"VALUES ?g {{ {names} }} GRAPH ?g {{ ?s ?p ?o }} }} }}"
    )
    return int(next(iter(rows))["n"].value)  # type: ignore[index,union-attr]


@pytest.mark.parametrize(("fmt", "graphs"), MATRIX, ids=[f"{f.name}-{g}" for f, g in MATRIX])
def test_dump_matrix(client: TestClient, fmt, graphs: str) -> None:
    r = client.get("/dump", params={"format": fmt.name, "graphs": graphs})
    dataset = dataset_of(client)
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == fmt.media_type
    assert r.headers["etag"] == f'"{dataset.version}-{fmt.name}-{graphs}"'
    digest = base64.b64encode(hashlib.sha256(r.content).digest()).decode()
    assert r.headers["content-digest"] == f"sha-256=:{digest}:"
    assert r.headers["x-peacetalks-dataset-version"] == dataset.version
    assert parsedate_to_datetime(r.headers["last-modified"])
    disposition = r.headers["content-disposition"]
    assert f'filename="peacetalks-{dataset.version}-{graphs}.{fmt.extension}"' in disposition
    expected = (
        sum(dataset.graph_counts[g] for g in selected_graphs(dataset, graphs))
        if fmt.quads
        else distinct_triples(client, graphs)
    )
    assert int(r.headers["x-peacetalks-statements"]) == expected


def test_accept_picks_the_format(client: TestClient) -> None:
    r = client.get("/dump", headers={"Accept": "application/n-quads"})
    assert r.headers["content-type"] == "application/n-quads"
    assert "Accept" in r.headers["vary"]


def test_default_is_turtle_of_all_graphs(client: TestClient) -> None:
    r = client.get("/dump")
    assert r.headers["content-type"].startswith("text/turtle")
    assert r.headers["etag"].endswith('-turtle-all"')


def test_format_parameter_wins_over_accept(client: TestClient) -> None:
    r = client.get("/dump?format=trig", headers={"Accept": "text/turtle"})
    assert r.headers["content-type"] == "application/trig"


def test_unacceptable_accept_is_406(client: TestClient) -> None:
    r = client.get("/dump", headers={"Accept": "application/pdf"})
    assert r.status_code == 406
    assert "text/turtle" in r.text


def test_unknown_format_is_406(client: TestClient) -> None:
    assert client.get("/dump?format=yaml").status_code == 406


def test_bad_graphs_value_is_400(client: TestClient) -> None:
    r = client.get("/dump?graphs=some")
    assert r.status_code == 400
    assert "asserted" in r.text


def test_if_none_match_gives_304(client: TestClient) -> None:
    first = client.get("/dump?format=nt&graphs=asserted")
    r = client.get(
        "/dump?format=nt&graphs=asserted", headers={"If-None-Match": first.headers["etag"]}
    )
    assert r.status_code == 304
    assert r.content == b""
    assert r.headers["etag"] == first.headers["etag"]


def test_weak_and_listed_etags_match(client: TestClient) -> None:
    etag = client.get("/dump?format=nt").headers["etag"]
    r = client.get("/dump?format=nt", headers={"If-None-Match": f'"other", W/{etag}'})
    assert r.status_code == 304


def test_star_matches_any_etag(client: TestClient) -> None:
    assert client.get("/dump?format=nt", headers={"If-None-Match": "*"}).status_code == 304


def test_other_etag_gives_200(client: TestClient) -> None:
    r = client.get("/dump?format=nt", headers={"If-None-Match": '"something-else"'})
    assert r.status_code == 200


def test_etag_differs_by_format_and_graphs(client: TestClient) -> None:
    tags = {
        client.get("/dump", params={"format": f.name, "graphs": g}).headers["etag"]
        for f, g in [
            (DUMP_FORMATS[0], "all"),
            (DUMP_FORMATS[1], "all"),
            (DUMP_FORMATS[0], "inferred"),
        ]
    }
    assert len(tags) == 3


def test_if_modified_since(client: TestClient) -> None:
    last = client.get("/dump?format=nq").headers["last-modified"]
    assert client.get("/dump?format=nq", headers={"If-Modified-Since": last}).status_code == 304
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert client.get("/dump?format=nq", headers={"If-Modified-Since": old}).status_code == 200


def test_if_none_match_takes_precedence_over_if_modified_since(client: TestClient) -> None:
    last = client.get("/dump?format=nq").headers["last-modified"]
    headers = {"If-None-Match": '"stale"', "If-Modified-Since": last}
    assert client.get("/dump?format=nq", headers=headers).status_code == 200


def test_dump_is_built_once_per_format_and_graphs(client: TestClient) -> None:
    a = client.get("/dump?format=rdfxml&graphs=inferred")
    b = client.get("/dump?format=rdfxml&graphs=inferred")
    assert a.content == b.content
    cache = client.app.state.linked_data.dumps  # type: ignore[attr-defined]
    first = cache.get("application/rdf+xml", "inferred")
    assert cache.get("application/rdf+xml", "inferred") is first


def test_bytes_do_not_depend_on_blank_node_labels(client: TestClient) -> None:
    """A second load of the same N-Quads (fresh random blank node ids) gives the same bytes."""
    one = dataset_of(client)
    store = ox.Store()
    store.bulk_load(path=one.nquads_path, format=ox.RdfFormat.N_QUADS)
    two = dataclasses.replace(one, store=store)
    for fmt in ("text/turtle", "application/n-quads", "application/ld+json"):
        assert build_dump(one, fmt, "all").body == build_dump(two, fmt, "all").body


def test_quad_dump_keeps_named_graphs(client: TestClient) -> None:
    body = client.get("/dump?format=nq&graphs=all").text
    for graph in dataset_of(client).graph_counts:
        assert f"<{graph}> .\n" in body


def test_head_answers_headers(client: TestClient) -> None:
    r = client.head("/dump?format=ttl")
    assert r.status_code == 200
    assert r.headers["etag"].endswith('-turtle-all"')


def _export(tiny_settings: Settings, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    """`peacetalks export` over the tiny fixture dataset (stable while curators edit graph/)."""
    monkeypatch.setenv("PEACETALKS_SHIPPED_DATA", "false")
    data = [str(p) for p in tiny_settings.data]
    return cli.main(["export", *args, "--data", *data, "--cache-dir", str(tiny_settings.cache_dir)])


@pytest.mark.parametrize(
    ("name", "graphs"), [("nt", "asserted"), ("trig", "all"), ("jsonld", "all"), ("rdf", "all")]
)
def test_cli_export_writes_the_served_bytes(
    tiny_client: TestClient,
    tiny_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    name: str,
    graphs: str,
) -> None:
    out = tmp_path / f"dump.{name}"
    assert (
        _export(tiny_settings, monkeypatch, "--format", name, "--graphs", graphs, "-o", str(out))
        == 0
    )
    served = tiny_client.get("/dump", params={"format": name, "graphs": graphs})
    assert out.read_bytes() == served.content


def test_cli_export_format_from_extension(
    tiny_client: TestClient,
    tiny_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    out = tmp_path / "all.nq"
    assert _export(tiny_settings, monkeypatch, "-o", str(out)) == 0
    assert out.read_bytes() == tiny_client.get("/dump?format=nquads").content


def test_cli_export_to_stdout(
    tiny_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    assert _export(tiny_settings, monkeypatch, "--format", "nt") == 0
    captured = capsysbinary.readouterr()
    assert captured.out.count(b" .\n") > 0
    assert b"triples (all) as ntriples" in captured.err


def test_blank_nodes_far_from_what_tells_them_apart_get_distinct_names() -> None:
    """Two lists alike but for their last item: the middle cells and members are told apart
    only many hops away. None of them is symmetric to another, so none may get a tie-break
    suffix (a tie-break follows the store's random ids, and the dump's bytes with it)."""
    members = " ".join(["[ <http://ex/v> 1 ]"] * 9)
    data = (
        f"<http://ex/s> <http://ex/p> ( {members} <http://ex/x> ) .\n"
        f"<http://ex/s> <http://ex/q> ( {members} <http://ex/y> ) .\n"
    )
    store = ox.Store()
    store.load(data.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode("http://ex/g"))
    labels = {
        term.value
        for q in canonical_blank_nodes(list(store))
        for term in (q.subject, q.object)
        if isinstance(term, ox.BlankNode)
    }
    assert len(labels) == 2 * (9 + 10)  # 9 members and 10 list cells per list
    assert not [label for label in labels if "x" in label]
