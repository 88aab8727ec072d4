"""Building, caching and reloading the dataset."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from peacetalks import resources
from peacetalks.dataset.loading import GRAPH_BASE, INFERRED_GRAPH, DataFileError
from peacetalks.dataset.store import Phases, load_dataset
from peacetalks.settings import Settings

DATA = Path(__file__).parents[1] / "data" / "server"
EX = "http://example.org/"


def _settings(tmp_path: Path, *files: Path, **kw: object) -> Settings:
    return Settings(shipped_data=False, data=list(files), cache_dir=tmp_path / "cache", **kw)


def _ask(store: ox.Store, query: str) -> bool:
    return bool(store.query(query, use_default_graph_as_union=True))


def test_build_counts_each_graph(tmp_path: Path) -> None:
    ds = load_dataset(_settings(tmp_path, DATA / "tiny.ttl", DATA / "quads.trig"))
    assert ds.graph_counts[GRAPH_BASE + "extra/tiny.ttl"] == 12
    assert ds.graph_counts["http://example.org/g1"] == 1
    assert ds.total == sum(ds.graph_counts.values()) == len(ds.store)
    assert not ds.from_cache and ds.nquads_path.is_file()


def test_inferences_are_new_triples_in_their_graph(tmp_path: Path) -> None:
    ds = load_dataset(_settings(tmp_path, DATA / "tiny.ttl"))
    inferred = ox.NamedNode(INFERRED_GRAPH)
    alice_agent = ox.Quad(
        ox.NamedNode(EX + "alice"),
        ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
        ox.NamedNode(EX + "Agent"),
        inferred,
    )
    assert alice_agent in ds.store
    asserted = {(q.subject, q.predicate, q.object) for q in ds.store if q.graph_name != inferred}
    for q in ds.store.quads_for_pattern(None, None, None, inferred):
        assert (q.subject, q.predicate, q.object) not in asserted


def test_inference_can_be_switched_off(tmp_path: Path) -> None:
    ds = load_dataset(_settings(tmp_path, DATA / "tiny.ttl", inference=False))
    assert INFERRED_GRAPH not in ds.graph_counts


def test_second_load_uses_the_cache(tmp_path: Path) -> None:
    settings = _settings(tmp_path, DATA / "tiny.ttl")
    first = load_dataset(settings)
    second = load_dataset(settings)
    assert second.from_cache and second.version == first.version
    assert second.graph_counts == first.graph_counts and len(second.store) == len(first.store)


def test_changed_input_rebuilds(tmp_path: Path) -> None:
    data = tmp_path / "d.ttl"
    shutil.copy(DATA / "tiny.ttl", data)
    settings = _settings(tmp_path, data, inference=False)
    first = load_dataset(settings)
    data.write_text(data.read_text() + "\n<http://example.org/x> <http://example.org/y> 1 .\n")
    second = load_dataset(settings)
    assert not second.from_cache and second.version != first.version
    assert second.total == first.total + 1


def test_inference_setting_is_part_of_the_cache_key(tmp_path: Path) -> None:
    on = load_dataset(_settings(tmp_path, DATA / "tiny.ttl"))
    off = load_dataset(_settings(tmp_path, DATA / "tiny.ttl", inference=False))
    assert on.version != off.version and not off.from_cache


def test_broken_input_stops_the_build_and_keeps_the_old_cache(tmp_path: Path) -> None:
    settings = _settings(tmp_path, DATA / "tiny.ttl")
    good = load_dataset(settings)
    before = good.nquads_path.read_bytes()
    with pytest.raises(DataFileError) as info:
        load_dataset(_settings(tmp_path, DATA / "tiny.ttl", DATA / "broken.ttl"))
    assert info.value.line == 3
    assert good.nquads_path.read_bytes() == before


def test_shipped_data_builds(tmp_path: Path) -> None:
    """Smoke test on the curated ontology and graph (whatever is committed today)."""
    ds = load_dataset(Settings(cache_dir=tmp_path / "cache"))
    shipped = [
        g
        for g in ds.graph_counts
        if g.startswith((GRAPH_BASE + "ontology/", GRAPH_BASE + "graph/"))
    ]
    if not shipped and not any(
        d.is_dir() and any(d.iterdir()) for d in (resources.ontology_dir(), resources.graph_dir())
    ):
        pytest.skip("no shipped ontology or graph in this checkout")
    assert shipped and ds.total > 0


class _Recorder(Phases):
    """The phases a start names on its progress bar (the bar itself disabled)."""

    def __init__(self) -> None:
        super().__init__(enabled=False)
        self.phases: list[str] = []

    def start(self, phase: str, total: int | None) -> None:
        self.phases.append(phase.split(":")[0])


@pytest.mark.parametrize("mode", ["memory", "disk"])
def test_a_build_names_its_phases_and_a_warm_start_only_the_cache(
    tmp_path: Path, mode: str
) -> None:
    settings = _settings(tmp_path, DATA / "tiny.ttl", store=mode)
    cold, warm = _Recorder(), _Recorder()
    load_dataset(settings, phases=cold)
    assert cold.phases == ["cache", "parsing", "inference", "cache"] + ["cache"] * (mode == "disk")
    assert load_dataset(settings, phases=warm).from_cache
    assert warm.phases == ["cache"]
