"""The start-up checks of the canned queries (`query_scan`: pyoxigraph + tokens) against the
reference checks on rdflib's algebra (`query_checks`): the same verdict, the same projected
variables and list columns, on every shipped query (so the shipped catalog passes the
reference checks too), every bad fixture and texts written to trip a token scan (words in
strings, comments, prefixed names and subqueries)."""

from __future__ import annotations

from pathlib import Path

import pytest
from peacetalks import resources
from peacetalks.api import query_checks, query_scan
from peacetalks.api.catalog import CatalogError, load_query, parse_header, split_header
from peacetalks.api.params import Param

QUERIES = sorted(resources.queries_dir().glob("*.rq"))
BAD = Path(__file__).parents[1] / "data" / "api" / "bad"
ALGEBRA_ONLY = {"undeclared-param"}
"""Bad fixtures only the reference checks refuse (a variable read that no pattern binds)."""


def _params(path: Path) -> tuple[Param, ...] | None:
    """The file's parameters, or None when its header is refused before any SPARQL check."""
    from peacetalks.api.catalog import _parse_param

    try:
        data = parse_header(path, split_header(path.read_text(encoding="utf-8"))[0])
        return tuple(_parse_param(path, i, raw) for i, raw in enumerate(data.get("params") or []))
    except CatalogError:
        return None


def _verdict(check: object, text: str, params: tuple[Param, ...]) -> object:
    try:
        return check(Path("q.rq"), text, params)  # type: ignore[operator]
    except CatalogError as e:
        return ("refused", e.message)


CHECKED = [p for p in QUERIES + sorted(BAD.glob("*.rq")) if _params(p) is not None]
"""The files whose header passes, so that their SPARQL is checked."""


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_start_up_checks_agree_with_the_reference(path: Path) -> None:
    params = _params(path)
    assert params is not None
    text = path.read_text(encoding="utf-8")
    fast = _verdict(query_scan.check_query, text, params)
    reference = _verdict(query_checks.check_query, text, params)
    if path.stem in ALGEBRA_ONLY:
        assert fast[0] != "refused" and reference[0] == "refused"  # type: ignore[index]
    else:
        assert fast == reference


ISSUE = Param(name="issue", type="issue", required=False, description="an issue")
TRICKY = {
    "limit in a subquery": "SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?o } LIMIT 3 } } "
    "ORDER BY ?s",
    "order by only in a subquery": "SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?o } "
    "ORDER BY ?s } }",
    "words in a string and a comment": 'SELECT ?s WHERE { ?s ?p "ORDER BY LIMIT 3" } # LIMIT 1\n'
    "ORDER BY ?s",
    "a prefixed name like a keyword": "PREFIX limit: <http://e/> SELECT ?s WHERE "
    "{ ?s limit:offset ?o } ORDER BY ?s",
    "lower-case keywords": "select ?s where { ?s ?p ?o } order by ?s limit 2",
    "a tab separator, upper-case": 'SELECT ?s (GROUP_CONCAT(?o ; SEPARATOR = "\\t") AS ?os) '
    "WHERE { ?s ?p ?o } GROUP BY ?s ORDER BY ?s",
    "the default separator": "SELECT ?s (GROUP_CONCAT(DISTINCT ?o) AS ?os) WHERE { ?s ?p ?o } "
    "GROUP BY ?s ORDER BY ?s",
    "a list column nobody projects": "SELECT ?s WHERE { { SELECT ?s (GROUP_CONCAT(?o) AS ?os) "
    "WHERE { ?s ?p ?o } GROUP BY ?s } } ORDER BY ?s",
    "group_concat under another function": "SELECT ?s (STR(GROUP_CONCAT(?o)) AS ?os) WHERE "
    "{ ?s ?p ?o } GROUP BY ?s ORDER BY ?s",
}
WITH_ISSUE = {
    "a dollar parameter": "SELECT $issue ?s WHERE { ?s ?p $issue } ORDER BY ?s",
    "a parameter used only in ORDER BY": "SELECT ?issue ?s WHERE { ?s ?p ?o } ORDER BY ?issue ?s",
    "a parameter only projected": "SELECT ?issue ?s WHERE { ?s ?p ?o } ORDER BY ?s",
    "bound() on the parameter": "SELECT ?issue ?s WHERE { ?s ?p ?o FILTER(bound(?issue)) } "
    "ORDER BY ?s",
    "bound() on another variable": "SELECT ?issue ?s WHERE { ?s ?p ?issue OPTIONAL { ?s ?q ?x } "
    "FILTER(BOUND(?x)) } ORDER BY ?s",
    "a parameter in a projected expression": "SELECT ?issue (STR(?issue) AS ?i) ?s WHERE "
    "{ ?s ?p ?o } ORDER BY ?s",
}


@pytest.mark.parametrize("name", sorted(TRICKY) + sorted(WITH_ISSUE))
def test_tricky_texts_get_the_reference_verdict(name: str) -> None:
    text, params = (TRICKY[name], ()) if name in TRICKY else (WITH_ISSUE[name], (ISSUE,))
    fast = _verdict(query_scan.check_query, text, params)
    assert fast == _verdict(query_checks.check_query, text, params)


def test_lint_reports_where_the_two_disagree() -> None:
    query = load_query(QUERIES[0])
    skewed = type(query)(**{**query.__dict__, "variables": ("nothing",)})
    (problem,) = query_checks.lint([skewed])
    assert problem.file == query.path and "start-up checks read ('nothing',)" in problem.message
