"""Rewrite the golden results of the canned queries (and the queries/README.md table).

    python tests/expected/regenerate.py            # every query in queries/
    python tests/expected/regenerate.py who-said-what issues
    python tests/expected/regenerate.py --readme   # only the README table

Each golden is `tests/expected/<name>.json`: the API's JSON answer for the query's example
parameters (`example`, else `default`) over the shipped dataset, rows sorted so that
`git diff` shows real changes. Review every diff before committing: a golden records what
the graph says, and only a reader can tell whether that makes sense.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from peacetalks import resources  # noqa: E402
from peacetalks.api.catalog import Catalog, markdown_table, replace_table  # noqa: E402


def canonical(answer: dict[str, Any]) -> dict[str, Any]:
    """The part of an API answer a golden keeps, rows in a stable order."""
    rows = sorted(answer["rows"], key=lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False))
    return {
        "query": answer["query"],
        "params": answer["params"],
        "columns": answer["columns"],
        "rows": rows,
        "truncated": answer["truncated"],
    }


def golden_path(name: str) -> Path:
    return EXPECTED / f"{name}.json"


def dump(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=False) + "\n"


def rewrite_readme() -> None:
    readme = resources.queries_dir() / "README.md"
    catalog = Catalog.load(resources.queries_dir())
    readme.write_text(replace_table(readme.read_text(encoding="utf-8"), markdown_table(catalog)),
                      encoding="utf-8")  # fmt: skip
    print(f"rewrote the table in {readme}")


def main(argv: list[str]) -> None:
    from fastapi.testclient import TestClient
    from peacetalks.app import create_app
    from peacetalks.settings import Settings

    rewrite_readme()
    if argv == ["--readme"]:
        return
    catalog = Catalog.load(resources.queries_dir())
    names = argv or list(catalog)
    with tempfile.TemporaryDirectory() as _:
        app = create_app(Settings(workers=0))
        with TestClient(app) as client:
            for name in names:
                query = catalog[name]
                response = client.get(f"/api/{name}", params=query.example_params())
                response.raise_for_status()
                golden_path(name).write_text(dump(canonical(response.json())), encoding="utf-8")
                print(f"{name}: {len(response.json()['rows'])} rows")


if __name__ == "__main__":
    main(sys.argv[1:])
