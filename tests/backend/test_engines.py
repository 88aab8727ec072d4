"""Engine profiles: the Virtuoso rewrite keeps every canned query's meaning — checked on
pyoxigraph (the original and the rewritten text give the same rows on the shipped data)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from peacetalks.backend import engines
from peacetalks.dataset.store import Dataset, load_dataset
from peacetalks.settings import Settings

QUERIES = sorted((Path(__file__).resolve().parents[2] / "queries").glob("*.rq"))


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return load_dataset(Settings(cache_dir=tmp_path_factory.mktemp("cache")))


def rows(store: ox.Store, text: str) -> list[tuple[str, ...]]:
    try:  # ?lang where the query projects it (the API's default), else nothing bound
        result = store.query(
            text,
            use_default_graph_as_union=True,
            substitutions={ox.Variable("lang"): ox.Literal("en")},
        )
    except RuntimeError:
        result = store.query(text, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [tuple(str(r[n]) for n in names) for r in result]


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_lifting_aggregate_expressions_keeps_the_answer(shipped: Dataset, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    lifted = engines.lift_aggregate_expressions(text)
    if "COALESCE(MIN" in text:
        assert lifted != text, "the construct Virtuoso fails on is rewritten"
    assert rows(shipped.store, lifted) == rows(shipped.store, text)  # same rows, same order


def test_what_is_not_covered_is_sent_as_it_is() -> None:
    having = (
        "SELECT ?s (COALESCE(MIN(?o), 1) AS ?m) WHERE { ?s ?p ?o } GROUP BY ?s HAVING(COUNT(*) > 1)"
    )
    assert engines.lift_aggregate_expressions(having) == having
    plain = "SELECT ?s (MIN(?o) AS ?m) WHERE { ?s ?p ?o } GROUP BY ?s"
    assert engines.lift_aggregate_expressions(plain) == plain


def test_engines_are_told_apart_by_their_server_header() -> None:
    assert engines.detect("Virtuoso/07.20.3229 (Linux)") is engines.VIRTUOSO
    assert engines.detect("Oxigraph/0.5.13") is engines.OXIGRAPH
    assert engines.detect("nginx") is engines.GENERIC
    assert engines.OXIGRAPH.store_url("http://h:7878/query") == "http://h:7878/store"
