"""The README's Curating commands, run in order (in a scratch directory; imports go into a
copy of the graph through `--root`)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from conftest import ROOT
from peacetalks.cli import main


def readme_commands() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Curating", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    return [shlex.split(line.split("#", 1)[0]) for line in block.group(1).splitlines()]


def test_readme_curating_commands_run(
    stripped_root: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    commands = readme_commands()
    assert [c[:2] for c in commands] == [
        ["peacetalks", "import"],
        ["peacetalks", "export"],
        ["peacetalks", "import"],
    ]
    for command in commands:
        writes = command[1] == "import" and "--template" not in command
        extra = ["--root", str(stripped_root)] if writes else []
        assert main([*command[1:], *extra]) == 0, command
    assert "2 statements" in capsys.readouterr().out
    assert (stripped_root / "graph" / "import-my-article.ttl").is_file()
    assert (tmp_path / "all.csv").stat().st_size > 10_000
