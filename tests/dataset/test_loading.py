"""Loading input files into named graphs; syntax errors carry file, line and column."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from peacetalks.dataset.loading import (
    GRAPH_BASE,
    DataFileError,
    extra_sources,
    graph_iri_for,
    load_sources,
    read_source,
    shipped_sources,
)

DATA = Path(__file__).parents[1] / "data" / "server"


def test_shipped_file_graph_is_path_relative_to_root(tmp_path: Path) -> None:
    (tmp_path / "graph").mkdir()
    (tmp_path / "graph" / "actors.ttl").write_text("<urn:a> <urn:b> <urn:c> .")
    (tmp_path / "graph" / "README.md").write_text("not RDF")
    [source] = shipped_sources(tmp_path)
    assert source.graph == GRAPH_BASE + "graph/actors.ttl"
    assert graph_iri_for(tmp_path / "ontology/x.ttl", tmp_path) == GRAPH_BASE + "ontology/x.ttl"


def test_extra_file_graph_is_extra_name() -> None:
    [source] = extra_sources([DATA / "tiny.ttl"])
    assert source.graph == GRAPH_BASE + "extra/tiny.ttl"


def test_extra_directory_is_read_recursively(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.nt").write_text("<urn:a> <urn:b> <urn:c> .\n")
    (tmp_path / "sub" / "b.ttl").write_text("<urn:a> <urn:b> <urn:d> .\n")
    (tmp_path / "notes.txt").write_text("ignored")
    graphs = [s.graph for s in extra_sources([tmp_path])]
    assert graphs == [GRAPH_BASE + "extra/a.nt", GRAPH_BASE + "extra/sub/b.ttl"]


def test_triples_go_to_the_files_graph() -> None:
    [source] = extra_sources([DATA / "tiny.ttl"])
    quads = list(read_source(source))
    assert quads and {q.graph_name for q in quads} == {ox.NamedNode(source.graph)}


def test_quad_formats_keep_their_graphs() -> None:
    [source] = extra_sources([DATA / "quads.trig"])
    graphs = {q.graph_name.value for q in read_source(source)}  # type: ignore[union-attr]
    assert graphs == {"http://example.org/g1", source.graph}


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("x.jsonld", '{"@id": "http://e/s", "http://e/p": "o"}'),
        (
            "x.rdf",
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:e="http://e/"><rdf:Description rdf:about="http://e/s"><e:p>o</e:p>'
            "</rdf:Description></rdf:RDF>",
        ),
        ("x.nq", '<http://e/s> <http://e/p> "o" <http://e/g> .\n'),
    ],
)
def test_other_formats_load(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text)
    [source] = extra_sources([tmp_path / name])
    assert len(list(read_source(source))) == 1


def test_syntax_error_names_file_line_and_column() -> None:
    [source] = extra_sources([DATA / "broken.ttl"])
    with pytest.raises(DataFileError) as info:
        list(read_source(source))
    err = info.value
    assert err.file == DATA / "broken.ttl"
    assert (err.line, err.column) == (3, 11)
    assert "broken.ttl:3:11" in str(err) and err.message


def test_broken_file_leaves_store_untouched() -> None:
    store = ox.Store()
    with pytest.raises(DataFileError):
        load_sources(store, extra_sources([DATA / "tiny.ttl", DATA / "broken.ttl"]))
    assert len(store) == 0


def test_missing_and_unknown_files_are_errors(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="no such file"):
        extra_sources([tmp_path / "nope.ttl"])
    (tmp_path / "x.docx").write_text("")
    with pytest.raises(DataFileError, match="extension"):
        extra_sources([tmp_path / "x.docx"])
