"""`bind_values` means what pyoxigraph's `substitutions` mean: checked on pyoxigraph itself
(the rewritten text without substitutions against the original with them), so no engine is
needed; the canned queries' goldens then pass on every remote engine."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from peacetalks.backend.substitution import bind_values, where_group_start
from peacetalks.errors import BadRequest

DATA = """
<urn:a> <urn:p> "en" ; <urn:q> <urn:b> .
<urn:b> <urn:p> "ja" ; <urn:label> "B"@en, "ビー"@ja .
<urn:a> <urn:label> "A"@en .
"""


@pytest.fixture(scope="module")
def store() -> ox.Store:
    s = ox.Store()
    s.load(DATA, format=ox.RdfFormat.TURTLE)
    return s


def rows(result: object) -> list[list[str | None]]:
    assert isinstance(result, ox.QuerySolutions)
    return sorted(([str(v) if v is not None else None for v in r] for r in result), key=str)


QUERIES = [
    # a FILTER in a nested OPTIONAL sees the constant (a VALUES join alone would not)
    "SELECT ?lang ?s ?l WHERE { ?s <urn:q> ?o OPTIONAL { ?o <urn:p> ?x "
    "OPTIONAL { ?o <urn:label> ?l FILTER(LANGMATCHES(LANG(?l), ?lang)) } } }",
    "SELECT ?lang ?s WHERE { ?s ?p ?o FILTER(?o = ?lang) }",
    # a subquery's projection keeps the variable, its pattern gets the constant
    "SELECT ?s ?lang WHERE { { SELECT ?s ?lang WHERE { ?s <urn:p> ?lang } } }",
    "SELECT ?lang (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?lang",
    "SELECT ?lang ?n WHERE { { SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(?o != ?lang) } } }",
    'SELECT ?lang ?s WHERE { ?s <urn:label> ?l FILTER(STR(?l) != "} ?lang {") } ORDER BY ?s',
    "CONSTRUCT { ?s <urn:lang> ?lang } WHERE { ?s <urn:p> ?lang }",
]


@pytest.mark.parametrize("lang", ['"en"', '"ja"', '"x\\"}"'])
@pytest.mark.parametrize("query", QUERIES)
def test_same_answers_as_substitutions(store: ox.Store, query: str, lang: str) -> None:
    term = ox.Literal(lang[1:-1].replace('\\"', '"'))
    embedded = store.query(query, substitutions={ox.Variable("lang"): term})
    written = store.query(bind_values(query, {"lang": lang}))
    if query.startswith("CONSTRUCT"):
        assert sorted(map(str, embedded)) == sorted(map(str, written))  # type: ignore[arg-type]
    else:
        assert rows(written) == rows(embedded)


def test_values_never_leave_their_term() -> None:
    hostile = '"a\\" } INSERT DATA { <u:x> <u:y> 1 } #"'
    text = bind_values("SELECT ?x WHERE { ?s ?p ?x }", {"x": hostile})
    parsed = ox.Store().query(text)  # one term: the text still parses as one SELECT
    assert isinstance(parsed, ox.QuerySolutions)
    assert [v.value for v in parsed.variables] == ["x"]
    with pytest.raises(BadRequest):
        bind_values("SELECT ?x WHERE { ?s ?p ?x }", {"x": '"a" . <u:s>'})
    with pytest.raises(BadRequest):
        bind_values("SELECT ?x WHERE { ?s ?p ?x }", {"x": "_:b"})
    with pytest.raises(BadRequest):
        bind_values("SELECT ?x WHERE { ?s ?p ?x }", {"x} ?y": "<u:x>"})


def test_where_group_is_found_past_templates_strings_and_comments() -> None:
    q = 'CONSTRUCT { ?s ?p "{" } # {\nWHERE { ?s ?p ?o }'
    assert q[where_group_start(q) - 1 :].startswith("{ ?s ?p ?o }")
    q = "SELECT (EXISTS { ?a ?b ?c } AS ?e) { ?s ?p ?o }"
    assert q[where_group_start(q) - 1 :] == "{ ?s ?p ?o }"
    assert where_group_start("DESCRIBE <urn:x>") is None
