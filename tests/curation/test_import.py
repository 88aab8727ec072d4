"""`peacetalks import`: the graph/README.md example row is added, validated and served; every
kind of bad row is reported by row and column, and then nothing is written."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from conftest import ROOT
from fastapi.testclient import TestClient
from peacetalks.app import create_app
from peacetalks.cli import main
from peacetalks.curation import importer, spreadsheet
from peacetalks.dataset.store import load_dataset
from peacetalks.settings import Settings


def readme_row() -> dict[str, str]:
    """The ```csv example of graph/README.md, as a row dict."""
    text = (ROOT / "graph" / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```csv\n(.*?)```", text, re.S)
    assert block is not None
    rows = list(csv.DictReader(io.StringIO(block.group(1))))
    assert len(rows) == 1
    return rows[0]


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    spreadsheet.write_rows(path, rows)
    return path


def test_readme_row_is_imported_validated_and_served(full_root: Path, tmp_path: Path) -> None:
    csv_path = write_csv(tmp_path / "example.csv", [readme_row()])
    result = importer.import_rows(csv_path, full_root)
    assert result.path == full_root / "graph" / "import-example.ttl"
    assert result.statements == 1
    text = result.path.read_text(encoding="utf-8")
    assert "source:digest-004 dcterms:references source:example-news-20250320" in text
    assert "actor:jane-example a pt:Person" in text
    assert 'pt:saidNoLaterThan "2025-03-20"^^xsd:date' in text
    assert "issue:ceasefire-30-day , issue:ceasefire-monitoring" in text  # 停戦監視
    assert "stance:conditional" in text  # 条件付き

    settings = Settings(
        shipped_data=False,
        data=[full_root / "ontology", full_root / "graph"],
        cache_dir=tmp_path / "cache",
        inference=False,
        workers=0,
    )
    with TestClient(create_app(settings, dataset=load_dataset(settings))) as client:
        answer = client.get("/api/source-statements", params={"source": "example-news-20250320"})
    assert answer.status_code == 200, answer.text
    rows = answer.json()["rows"]
    assert any("Jane Example said" in str(row.get("summary")) for row in rows), rows


def test_same_rows_same_iris_and_a_changed_summary_a_new_one(
    full_root: Path, tmp_path: Path
) -> None:
    row = readme_row()
    first = importer.import_rows(write_csv(tmp_path / "a.csv", [row]), full_root).path.read_text()
    again = importer.import_rows(write_csv(tmp_path / "a.csv", [row]), full_root).path.read_text()
    assert first == again
    iri = re.search(r"statement:(\S+) a pt:Statement", first)
    assert iri is not None
    changed = importer.import_rows(
        write_csv(tmp_path / "a.csv", [{**row, "summary_en": row["summary_en"] + " Changed."}]),
        full_root,
    ).path.read_text()
    assert f"statement:{iri.group(1)} " not in changed


EXISTING = {  # an existing article relayed by digest 004, no new resources
    "speaker": "Trump",
    "new_speaker_en": "",
    "new_speaker_ja": "",
    "new_speaker_class": "",
    "source": "asahi-globe-15630313",
    "source_url": "",
    "source_outlet": "",
    "new_outlet_en": "",
    "new_outlet_ja": "",
    "source_title": "",
    "source_title_lang": "",
    "source_label_en": "",
    "source_label_ja": "",
    "source_date": "",
    "source_language": "",
    "date": "<=2025-02-19",
}

DIGEST_CLAIM = {  # the digest's own claim: spoken by its publisher, derived from it alone
    **EXISTING,
    "speaker": "chrysanthemum-digest",
    "source": "digest-004",
    "digest": "digest-004",
    "digest_claim": "true",
}

BAD_ROWS = {
    "unknown speaker": (
        {**EXISTING, "speaker": "trumpp"},
        "speaker",
        "close matches: donald-trump",
    ),
    "ambiguous speaker": ({**EXISTING, "speaker": "United"}, "speaker", "ambiguous"),
    "unknown issue": ({"issues": "ceasefire; cheese"}, "issues", "no issue matches 'cheese'"),
    "unknown stance": ({"stance": "sort of"}, "stance", "no stance matches"),
    "unknown event": ({"event": "moon-landing"}, "event", "no event matches"),
    "unknown post": ({**EXISTING, "speaker_office": "emperor"}, "speaker_office", "no post"),
    "unknown target": ({"targets": "vladimir-putin; atlantis"}, "targets", "'atlantis'"),
    "unknown statement": ({"responds_to": "999-nothing"}, "responds_to", "no statement"),
    "two speakers": ({**EXISTING, "speaker": "Trump; Putin"}, "speaker", "one value only"),
    "bad date": ({"date": "2025-13-01"}, "date", "not a date"),
    "wordy date": ({"date": "March 2025"}, "date", "not a date"),
    "missing summary": ({"summary_ja": ""}, "summary_ja", "required"),
    "missing digest": ({"digest": ""}, "digest", "statement-without-relay"),
    "quote without language": ({"quote_lang": ""}, "quote_lang", "language"),
    "translation flag": ({"quote_is_translation": "maybe"}, "quote_is_translation", "true or"),
    "flag without quote": ({"quote": "", "quote_lang": ""}, "quote_is_translation", "without"),
    "bad quote language": ({"quote_lang": "Japanese"}, "quote_lang", "not a language tag"),
    "digest not a digest": ({"digest": "bbc-czj3zrj73kro"}, "digest", "not a digest"),
    "source not cited": ({**EXISTING, "source": "bbc-czj3zrj73kro"}, "digest", "not-cited"),
    "said after reported": ({**EXISTING, "date": "2025-03"}, "date", "date-said-after-reported"),
    "source cell differs": ({**EXISTING, "source_date": "2025-02-20"}, "source_date", "differs"),
    "new speaker without ja": ({"new_speaker_ja": ""}, "new_speaker_ja", "English and Japanese"),
    "new speaker class": ({"new_speaker_class": "wizard"}, "new_speaker_class", "person"),
    "new speaker exists": ({"speaker": "new:donald-trump"}, "speaker", "in graph/actors.ttl"),
    "new slug": ({"speaker": "new:Jane Example"}, "speaker", "not a slug"),
    "new article url": ({"source_url": "example.org/x"}, "source_url", "http(s) URL"),
    "new article date": ({"source_date": ""}, "source_date", "needs"),
    "new article month": ({"source_date": "2025-03"}, "source_date", "YYYY-MM-DD"),
    "new outlet label": ({"new_outlet_en": ""}, "new_outlet_en", "English and Japanese"),
    "curated statement id": (
        {"statement": "000-01-trump-negotiations-start-immediately"},
        "statement",
        "already curated in graph/statements-000.ttl",
    ),
    "bad statement id": ({"statement": "Not A Slug"}, "statement", "not a slug"),
    "digest claim value": ({"digest_claim": "maybe"}, "digest_claim", "write true"),
    "digest claim from an article": (
        {**DIGEST_CLAIM, "source": "asahi-globe-15630313"},
        "source",
        "asahi-globe-15630313 is not a digest",
    ),
    "digest claim of another digest": (
        {**DIGEST_CLAIM, "source": "digest-003"},
        "digest",
        "give digest-003, not digest-004",
    ),
    "digest claim by a speaker": (
        {**DIGEST_CLAIM, "speaker": "Trump"},
        "speaker",
        "give chrysanthemum-digest, not donald-trump",
    ),
}


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_bad_row_names_row_and_column_and_writes_nothing(
    case: str, full_root: Path, tmp_path: Path
) -> None:
    change, column, fragment = BAD_ROWS[case]
    good = readme_row()
    rows = [good, {**good, "summary_en": "A second statement.", **change}]
    before = sorted(p.name for p in (full_root / "graph").iterdir())
    with pytest.raises(spreadsheet.SpreadsheetError) as caught:
        importer.import_rows(write_csv(tmp_path / "bad.csv", rows), full_root)
    found = [(e.row, e.column) for e in caught.value.errors]
    assert (3, column) in found, caught.value
    assert fragment in str(caught.value)
    assert all(row == 3 for row, _ in found), caught.value  # row 2 is fine
    assert sorted(p.name for p in (full_root / "graph").iterdir()) == before


def test_the_good_rows_of_bad_row_cases_are_good(full_root: Path, tmp_path: Path) -> None:
    """The two-row baseline of the cases above imports, so each case fails for its change."""
    good = readme_row()
    rows = [good, {**good, "summary_en": "A second statement."}, {**good, **EXISTING}]
    result = importer.import_rows(write_csv(tmp_path / "good.csv", rows), full_root)
    assert result.statements == 3


def test_a_digest_claim_row_is_a_digest_claim(full_root: Path, tmp_path: Path) -> None:
    good = readme_row()
    rows = [good, {**good, "summary_en": "The digest's own claim.", **DIGEST_CLAIM}]
    result = importer.import_rows(write_csv(tmp_path / "claim.csv", rows), full_root)
    claims = re.findall(r"statement:\S+ a pt:DigestClaim , pt:Statement", result.path.read_text())
    assert len(claims) == 1
    assert "a pt:Statement ;" in result.path.read_text()  # the README row is not a claim


def test_same_statement_twice(full_root: Path, tmp_path: Path) -> None:
    row = readme_row()
    with pytest.raises(spreadsheet.SpreadsheetError, match="row 3, column statement: same"):
        importer.import_rows(write_csv(tmp_path / "twice.csv", [row, row]), full_root)


def test_header_errors_name_row_1(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("speakr,date,issues,stance,summary_en,summary_ja,source\n", encoding="utf-8")
    with pytest.raises(spreadsheet.SpreadsheetError) as caught:
        spreadsheet.read_rows(path)
    text = str(caught.value)
    assert "row 1, column speakr: unknown column; close matches: speaker" in text
    assert "row 1, column speaker: required column missing" in text


def test_cli_lists_problems_and_exits_1(
    full_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [{**readme_row(), "stance": "sort of", "date": "soon"}]
    csv_path = write_csv(tmp_path / "bad.csv", rows)
    assert main(["import", str(csv_path), "--root", str(full_root)]) == 1
    err = capsys.readouterr().err
    assert "2 problem(s), nothing written" in err
    assert "row 2, column date: 'soon' is not a date" in err
    assert "row 2, column stance: no stance matches 'sort of'" in err
    assert not (full_root / "graph" / "import-bad.ttl").exists()


def test_a_broken_shape_is_reported_at_its_row_and_column(full_root: Path, tmp_path: Path) -> None:
    """SHACL results on a row's statement name that row and the property's column (here a
    stricter shape, in the scratch copy only: every statement needs a pt:atEvent)."""
    shapes = full_root / "ontology" / "shapes.ttl"
    shapes.write_text(
        shapes.read_text(encoding="utf-8")
        + "\nptsh:TestAtEventShape a sh:NodeShape ; sh:targetClass pt:Statement ;\n"
        "    sh:property [ sh:path pt:atEvent ; sh:minCount 1 ] .\n",
        encoding="utf-8",
    )
    rows = [{**readme_row(), "event": "trump-putin-call-2025-02-12"}, readme_row()]
    rows[1]["summary_en"] = "Another statement."
    with pytest.raises(spreadsheet.SpreadsheetError) as caught:
        importer.import_rows(write_csv(tmp_path / "shape.csv", rows), full_root)
    assert [(e.row, e.column) for e in caught.value.errors] == [(3, "event")]
    assert "shape" in str(caught.value)


def test_file_level_errors(tmp_path: Path, full_root: Path) -> None:
    empty = tmp_path / "empty.csv"
    spreadsheet.write_rows(empty, [])
    with pytest.raises(spreadsheet.SpreadsheetError, match=r"^file: no statement rows$"):
        importer.import_rows(empty, full_root)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("speaker\nZelens\xe9kyj\n".encode("latin-1"))
    with pytest.raises(spreadsheet.SpreadsheetError, match=r"^file: not UTF-8"):
        importer.import_rows(latin, full_root)
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(spreadsheet.REQUIRED_COLUMNS) + "\n" + "x," * 9 + "\n")
    with pytest.raises(spreadsheet.SpreadsheetError, match=r"^row 2: more cells than header"):
        importer.import_rows(wide, full_root)
