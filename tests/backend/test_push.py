"""`peacetalks push` and `peacetalks serve` with `PEACETALKS_BACKEND`: one engine on
127.0.0.1 (tests/engines.py; `PEACETALKS_TEST_BACKEND` picks it, oxigraph by default)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import engines
import httpx
import pytest
from engines import real_create_app as create_app
from fastapi.testclient import TestClient
from peacetalks.backend import remote
from peacetalks.backend.push import push
from peacetalks.cli import main
from peacetalks.dataset.store import Dataset, load_dataset
from peacetalks.errors import Unavailable
from peacetalks.settings import Settings

pytestmark = pytest.mark.engine


def counts(engine: engines.Engine, settings: Settings) -> dict[str, int]:
    endpoint = remote.Endpoint(settings, query_url=engine.query_url)
    try:
        response = endpoint.open_query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
            "application/sparql-results+json",
            (),
            (),
            remote._Deadline(30),
        )
        rows = json.loads(response.read())["results"]["bindings"]
        response.close()
    finally:
        endpoint.close()
    return {r["g"]["value"]: int(r["n"]["value"]) for r in rows}


def test_push_puts_every_graph_and_a_record(
    pushed: Dataset, engine: engines.Engine, tiny_settings: Settings
) -> None:
    held = counts(engine, tiny_settings)
    assert {g: n for g, n in held.items() if g in pushed.graph_counts} == pushed.graph_counts
    assert held[remote.VERSION_GRAPH] == 1
    endpoint = remote.Endpoint(tiny_settings, query_url=engine.query_url)
    record = remote.read_record(endpoint, 30)
    endpoint.close()
    assert record is not None
    assert record["version"] == pushed.version
    assert record["graph_counts"] == pushed.graph_counts


def test_a_second_push_replaces_and_never_duplicates(
    pushed: Dataset, engine: engines.Engine, tiny_settings: Settings
) -> None:
    before = counts(engine, tiny_settings)
    push(pushed, engine.query_url, tiny_settings)
    assert counts(engine, tiny_settings) == before


def test_graphs_gone_from_the_dataset_are_removed_and_others_left_alone(
    pushed: Dataset, engine: engines.Engine, tiny_settings: Settings, tmp_path_factory
) -> None:
    store_url = remote.Endpoint(tiny_settings, query_url=engine.query_url).store_url
    other = "https://example.org/not-ours"
    put = httpx.put(
        store_url,
        params={"graph": other},
        content=b"<urn:a> <urn:b> <urn:c> .\n",
        headers={"Content-Type": "text/turtle"},
    )
    assert put.status_code in (200, 201, 204)
    smaller = tiny_settings.model_copy(
        update={"data": tiny_settings.data[:1], "cache_dir": tmp_path_factory.mktemp("c")}
    )
    from peacetalks.dataset.store import load_dataset

    one = load_dataset(smaller)
    record = push(one, engine.query_url, smaller)
    gone = sorted(set(pushed.graph_counts) - set(one.graph_counts))
    assert gone and record["removed_graphs"] == gone
    held = counts(engine, tiny_settings)
    assert not set(gone) & set(held)
    assert held[other] == 1  # not ours: untouched


def test_serve_refuses_an_engine_nobody_pushed_to(remote_settings: Settings) -> None:
    with pytest.raises(Unavailable, match="peacetalks push"):
        create_app(remote_settings)


def test_serve_refuses_an_engine_whose_graphs_changed_since_the_push(
    pushed: Dataset, remote_settings: Settings, engine: engines.Engine
) -> None:
    graph = sorted(pushed.graph_counts)[0]
    store_url = remote.Endpoint(remote_settings).store_url
    httpx.delete(store_url, params={"graph": graph})
    with pytest.raises(Unavailable, match="push again"):
        create_app(remote_settings)


def test_ready_reports_the_pushed_dataset(pushed: Dataset, remote_settings: Settings) -> None:
    with TestClient(create_app(remote_settings)) as client:
        ready = client.get("/ready").json()
    assert ready["dataset_version"] == pushed.version
    assert ready["graphs"] == pushed.graph_counts
    assert ready["total_triples"] == pushed.total


def test_cli_push(
    engine: engines.Engine, tiny_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["push", "--to", engine.query_url, "--cache-dir", str(tiny_settings.cache_dir)]
    assert main([*args, "--data", *map(str, tiny_settings.data)]) == 0
    out = capsys.readouterr().out
    assert f"to {engine.query_url}" in out and "every count read back equal" in out


def test_cli_push_to_nothing_is_one_line(
    tiny_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{engines.free_port()}/query"
    with pytest.raises(SystemExit) as stopped:
        main(["push", "--to", url, "--cache-dir", str(tiny_settings.cache_dir)])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "push failed" in err and "Traceback" not in err


def test_a_dataset_on_the_disk_store_is_pushed_from_its_n_quads_file(
    engine: engines.Engine, tiny_settings: Settings, tmp_path: Path
) -> None:
    """Served from the disk store, a dataset is read from its N-Quads cache file for the push
    (`push._file_blocks`); the engine gets the same graphs and counts, and a second push
    still replaces."""
    settings = tiny_settings.model_copy(update={"store": "disk", "cache_dir": tmp_path / "c"})
    dataset = load_dataset(settings)
    assert dataset.store_path is not None
    push(dataset, engine.query_url, settings)
    push(dataset, engine.query_url, settings)
    held = counts(engine, settings)
    assert {g: n for g, n in held.items() if g in dataset.graph_counts} == dataset.graph_counts
    assert set(dataset.graph_counts) <= set(held)


def test_a_graph_larger_than_one_request_is_put_then_added_to(
    engine: engines.Engine,
    tiny_dataset: Dataset,
    tiny_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With requests of at most 256 bytes the graphs go in several (a PUT, then POSTs); the
    engine holds every triple once, also after a second push."""
    import peacetalks.backend.push as pushing

    monkeypatch.setattr(pushing, "REQUEST_BYTES", 256)
    monkeypatch.setattr(pushing, "PIECE", 64)
    real_put, methods = pushing._put, []

    def put(*args: Any, add: bool = False) -> None:
        methods.append((args[1], "POST" if add else "PUT"))
        real_put(*args, add=add)

    monkeypatch.setattr(pushing, "_put", put)
    for _ in range(2):
        push(tiny_dataset, engine.query_url, tiny_settings)
        held = counts(engine, tiny_settings)
        assert {g: held.get(g) for g in tiny_dataset.graph_counts} == tiny_dataset.graph_counts
    assert "POST" in {m for g, m in methods if g in tiny_dataset.graph_counts}
    assert sum(1 for g, m in methods if m == "PUT") == 2 * (len(tiny_dataset.graph_counts) + 1)
