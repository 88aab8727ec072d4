"""The canned-query catalog: every shipped file loads; every rule refuses its bad fixture."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from peacetalks import resources
from peacetalks.api import query_checks
from peacetalks.api.catalog import (
    CannedQuery,
    Catalog,
    CatalogError,
    load_query,
    markdown_table,
    replace_table,
    split_header,
)
from peacetalks.api.routes import build_router

QUERIES = sorted(resources.queries_dir().glob("*.rq"))
BAD = Path(__file__).parents[1] / "data" / "api" / "bad"


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_shipped_query_loads(path: Path) -> None:
    query = load_query(path)
    assert query.name == path.stem
    assert query.summary and query.description
    assert set(query.columns) <= set(query.variables)
    for param in query.params:
        assert param.name in query.variables
        assert not (param.required and param.sample is None)


JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_shipped_query_speaks_japanese_too(path: Path) -> None:
    """The Japanese /questions pages show these texts: every shipped query has them."""
    query = load_query(path)
    texts = [query.summary_ja, query.description_ja] + [p.description_ja for p in query.params]
    assert all(JAPANESE.search(text) for text in texts), query.name


def test_japanese_texts_are_optional_and_must_be_text(tmp_path: Path) -> None:
    source = (resources.queries_dir() / "issues.rq").read_text(encoding="utf-8")
    bare = "\n".join(line for line in source.split("\n") if "_ja:" not in line)
    (tmp_path / "issues.rq").write_text(bare, encoding="utf-8")
    query = load_query(tmp_path / "issues.rq")
    assert query.summary_ja == "" and query.params[0].description_ja == ""
    (tmp_path / "issues.rq").write_text(
        bare.replace("#+ tags:", "#+ summary_ja: [not, text]\n#+ tags:"), encoding="utf-8"
    )
    with pytest.raises(CatalogError, match="summary_ja must be a non-empty string"):
        load_query(tmp_path / "issues.rq")


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_shipped_query_parses_in_pyoxigraph(path: Path) -> None:
    query = load_query(path)
    ox.Store().query(query.paged_text(10, 5))  # the paged text is valid SPARQL too


BAD_CASES = {
    "no-header": "no `#+` header",
    "unknown-key": "unknown header key(s) pagination",
    "unknown-param-key": "unknown key(s) enum",
    "unused-param": "'actor' is declared but ?actor is unused",
    "undeclared-param": "undeclared parameter(s): ?actor",
    "not-projected": "top-level SELECT",
    "bound-param": "BOUND(?actor)",
    "own-limit": "no LIMIT/OFFSET",
    "no-order": "ORDER BY",
    "syntax-error": "SPARQL syntax error",
    "bad-type": "type must be one of",
    "bad-default": "default 'last week'",
    "construct": "only SELECT",
    "reserved-name": "reserved",
    "not-yaml": "not valid YAML",
    "required-without-example": "needs an example",
    "no-columns": "columns must be a list",
    "columns-mismatch": "declared subject; the query projects s",
    "column-bad-type": "type must be one of term, terms, date",
    "list-not-declared": "are exactly the (GROUP_CONCAT(…) AS ?column) columns",
}


def test_every_bad_fixture_has_a_case() -> None:
    assert {p.stem for p in BAD.glob("*.rq")} == set(BAD_CASES)


REFERENCE_ONLY = {"undeclared-param"}
"""Rules only the reference checks make (they need rdflib's algebra, `query_checks`): the
start-up loads such a file, `peacetalks validate` and the suite refuse it."""


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_file_is_refused_naming_it(name: str) -> None:
    path = BAD / f"{name}.rq"
    if name in REFERENCE_ONLY:
        (error,) = query_checks.lint([load_query(path)])
    else:
        with pytest.raises(CatalogError) as raised:
            load_query(path)
        error = raised.value
    assert str(error).startswith(str(path))
    assert BAD_CASES[name] in str(error)


def test_bad_file_stops_the_router_at_startup(tmp_path: Path) -> None:
    for path in QUERIES[:2]:
        shutil.copy(path, tmp_path)
    shutil.copy(BAD / "unknown-key.rq", tmp_path)
    with pytest.raises(CatalogError, match=r"unknown-key\.rq"):
        build_router(tmp_path)


def test_header_is_only_the_leading_marker_lines() -> None:
    header, rest = split_header("#+ summary: a\n#+ description: b\n# plain\n#+ not: header\n")
    assert header == "summary: a\ndescription: b"
    assert rest.startswith("# plain")


def test_paged_text_survives_a_trailing_comment() -> None:
    query = load_query(resources.queries_dir() / "issues.rq")
    with_comment = CannedQuery(**{**query.__dict__, "text": query.text + "# trailing"})
    paged = with_comment.paged_text(2, 0)
    assert paged.endswith("\nLIMIT 2 OFFSET 0\n")
    store = ox.Store()
    assert len(list(store.query(paged, substitutions={ox.Variable("lang"): ox.Literal("en")}))) == 0
    with pytest.raises(ValueError):
        query.paged_text("1; DROP", 0)  # type: ignore[arg-type]


def test_pyoxigraph_bound_quirk_still_holds() -> None:
    """Why `bound-param` is refused: BOUND() of a substituted variable is false. If this ever
    fails, pyoxigraph fixed it and the catalog rule can go."""
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.NamedNode("urn:b")))
    rows = store.query(
        "SELECT ?x (BOUND(?x) AS ?b) WHERE { ?s ?p ?o }",
        substitutions={ox.Variable("x"): ox.NamedNode("urn:a")},
    )
    assert [r["b"].value for r in rows] == ["false"]


def test_readme_table_is_in_sync() -> None:
    readme = (resources.queries_dir() / "README.md").read_text(encoding="utf-8")
    table = markdown_table(Catalog.load(resources.queries_dir()))
    assert replace_table(readme, table) == readme, (
        "queries/README.md is out of date: run python tests/expected/regenerate.py --readme"
    )
