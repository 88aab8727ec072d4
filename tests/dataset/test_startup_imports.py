"""Issue 11: a start imports none of the heavy libraries serving does not need.

rdflib (the reference checks of the canned queries), owlrl (the reference closure) and
pySHACL (`peacetalks validate`) cost seconds to import, Jinja2 (pages, made on the first
one rendered) tens of milliseconds; the server must reach a ready app without any of them,
with an empty cache (a build) and with a warm one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import json, sys
from pathlib import Path
from peacetalks.app import create_app
from peacetalks.settings import Settings
create_app(Settings(workers=0, cache_dir=Path(sys.argv[1])))
print(json.dumps(sorted(m for m in ("rdflib", "owlrl", "pyshacl", "jinja2") if m in sys.modules)))
"""


def _start(cache: Path) -> list[str]:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[2] / "server"))
    env.pop("PEACETALKS_DATA", None)
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(cache)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    return list(json.loads(out.strip().splitlines()[-1]))


def test_no_start_imports_rdflib_owlrl_pyshacl_or_jinja2(tmp_path: Path) -> None:
    assert _start(tmp_path) == []  # cold: builds the dataset, checks the canned queries
    assert _start(tmp_path) == []  # warm
