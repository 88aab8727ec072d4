"""The `peacetalks` command line, and the README/CI contract."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from peacetalks.cli import main

ROOT = Path(__file__).parents[1]
DATA = Path(__file__).parent / "data" / "server"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Fixture data only, a private cache, one worker."""
    monkeypatch.setenv("PEACETALKS_SHIPPED_DATA", "false")
    monkeypatch.setenv("PEACETALKS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PEACETALKS_DATA", str(DATA / "tiny.ttl"))
    return tmp_path


def test_build_lists_graphs(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build"]) == 0
    out = capsys.readouterr().out
    assert "graph/extra/tiny.ttl" in out and "graph/inferred" in out and "built" in out
    assert main(["build", "--data", str(DATA / "quads.trig")]) == 0
    assert "http://example.org/g1" in capsys.readouterr().out


def test_build_reuses_cache(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["build"])
    capsys.readouterr()
    main(["build"])
    assert "cache reused" in capsys.readouterr().out


def test_build_broken_file_reports_location(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["build", "--data", str(DATA / "broken.ttl")])
    assert info.value.code == 2
    assert "broken.ttl:3:11" in capsys.readouterr().err.replace("\n", "")


def test_build_without_inference(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--no-inference"]) == 0
    assert "inferred" not in capsys.readouterr().out


def test_query_table(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "SELECT ?s WHERE { ?s a <http://example.org/Person> }"]) == 0
    out = capsys.readouterr().out
    assert "http://example.org/alice" in out and "http://example.org/bob" in out


def test_query_json(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["query", "ASK { ?s ?p ?o }", "--format", "json"])
    assert json.loads(capsys.readouterr().out)["boolean"] is True


def test_query_csv_from_file(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    query = env / "q.rq"
    query.write_text("SELECT ?s WHERE { ?s a <http://example.org/Person> } ORDER BY ?s")
    assert main(["query", str(query), "--format", "csv"]) == 0
    assert capsys.readouterr().out.split("\r\n")[:3] == [
        "s",
        "http://example.org/alice",
        "http://example.org/bob",
    ]


def test_query_construct_turtle(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["query", "CONSTRUCT WHERE { <http://example.org/bob> ?p ?o }"])
    assert "<http://example.org/bob>" in capsys.readouterr().out


def test_query_error_exits_nonzero(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }"]) == 1
    assert "SERVICE" in capsys.readouterr().err


def test_query_row_cap(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["query", "SELECT * WHERE { ?s ?p ?o }", "--format", "csv", "--max-rows", "2"])
    captured = capsys.readouterr()
    assert len(captured.out.strip().split("\r\n")) == 3 and "truncated" in captured.err


def test_format_check_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("peacetalks.dataset.canonical")
    messy = tmp_path / "messy.ttl"
    messy.write_text("<http://a>   <http://b>    <http://c>.")
    assert main(["format", "--check", str(messy)]) != 0


def test_readme_test_command_is_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)\n```", readme, re.S)
    test_command = next(b for b in blocks if "pytest" in b)
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci_lines
    assert "set -euo pipefail" in ci_lines


def test_readme_quick_start_has_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.*?)\n```", quick, re.S)
    assert len(commands) == 2 and all("\n" not in c for c in commands)
    assert "peacetalks serve" in commands[0] and "pytest" in commands[1]


@pytest.mark.parametrize("bad", [False, True])
def test_validate_runs_the_reference_checks_of_the_canned_queries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad: bool
) -> None:
    """`peacetalks validate`'s canned-query part: the rdflib checks the start-up leaves out
    (here an undeclared parameter, which the catalog itself loads)."""
    import shutil

    from peacetalks import cli, resources
    from rich.console import Console

    shutil.copy(resources.queries_dir() / "search.rq", tmp_path)
    if bad:
        shutil.copy(Path(__file__).parent / "data/api/bad/undeclared-param.rq", tmp_path)
    monkeypatch.setattr(resources, "queries_dir", lambda: tmp_path)
    console = Console(record=True, width=200)
    assert cli._lint_queries(console) is not bad
    out = console.export_text()
    if bad:
        assert "undeclared-param.rq" in out and "undeclared parameter(s): ?actor" in out
    else:
        assert "canned queries: 1 pass the reference checks" in out
