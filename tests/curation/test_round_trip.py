"""Export → import gives the curated statements back unchanged, and the template's rows
import cleanly (both through the command line)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import ROOT, statement_triples
from peacetalks.cli import main
from peacetalks.curation import spreadsheet, statements
from peacetalks.dataset import canonical

DIGEST_CLAIM = ox.NamedNode("https://w3id.org/peacetalks/ontology#DigestClaim")
STATEMENT_FILES = sorted((ROOT / "graph").glob("statements-*.ttl"))


def test_export_import_gives_the_same_statements(
    stripped_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_path = tmp_path / "all.csv"
    assert main(["export", "--statements", "-o", str(csv_path)]) == 0
    rows = spreadsheet.read_rows(csv_path)
    original = statement_triples(STATEMENT_FILES)
    assert len(rows) == len({t.subject for t in original}) > 100

    assert main(["import", str(csv_path), "--root", str(stripped_root), "--name", "all"]) == 0
    written = stripped_root / "graph" / "import-all.ttl"
    assert statement_triples([written]) == original
    text = written.read_text(encoding="utf-8")
    assert canonical.canonical_text(text) == text  # `peacetalks format --check` passes
    # the same rows again: the same file, byte for byte (stable IRIs, canonical Turtle)
    assert main(["import", str(csv_path), "--root", str(stripped_root), "--name", "all"]) == 0
    assert written.read_text(encoding="utf-8") == text
    assert f"{len(rows)} statements" in capsys.readouterr().out
    claims = [r["statement"] for _, r in rows if r["digest_claim"]]
    assert len(claims) == len({t.subject for t in original if t.object == DIGEST_CLAIM}) > 0
    assert {r["digest_claim"] for _, r in rows} == {"true", ""}


def test_export_refuses_what_it_cannot_write_back(full_root: Path) -> None:
    """A statement property no column holds stops the export instead of being dropped."""
    extra = full_root / "graph" / "extra.ttl"
    extra.write_text(
        "<https://w3id.org/peacetalks/id/statement/000-01-trump-negotiations-start-immediately>"
        ' <http://www.w3.org/2004/02/skos/core#note> "a note no column holds"@en .\n',
        encoding="utf-8",
    )
    from peacetalks.curation.importer import graph_store
    from peacetalks.dataset.loading import shipped_sources

    with pytest.raises(statements.ExportError, match="skos/core#note"):
        statements.statement_rows(graph_store(shipped_sources(full_root)))


def test_template_has_header_and_two_importable_rows(stripped_root: Path, tmp_path: Path) -> None:
    template = tmp_path / "template.csv"
    assert main(["import", "--template", "-o", str(template)]) == 0
    lines = template.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == ",".join(spreadsheet.COLUMNS)
    rows = spreadsheet.read_rows(template)
    assert [r["statement"] for _, r in rows] == list(statements.TEMPLATE_STATEMENTS)
    assert {r["date"][:2] == "<=" for _, r in rows} == {True, False}
    assert main(["import", str(template), "--root", str(stripped_root)]) == 0
    assert (stripped_root / "graph" / "import-template.ttl").is_file()


def test_statements_export_refuses_dump_flags(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--statements", "--format", "turtle"]) == 2
    assert "--statements writes CSV rows" in capsys.readouterr().err
