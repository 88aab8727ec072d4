"""The pre-execution guard: a tokenizer finds SERVICE, LOAD, updates and FROM graphs."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from peacetalks import resources
from peacetalks.errors import ForbiddenQuery, PayloadTooLarge
from peacetalks.sparql import guard
from peacetalks.sparql.guard import check_query, inspect_query, tokenize
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery

NOT_SERVICE = [
    "SELECT ?service WHERE { ?service ?p ?o }",
    "PREFIX ex: <http://ex/> SELECT * WHERE { ?s ex:SERVICE ?o }",
    'SELECT * WHERE { ?s ?p "SERVICE" }',
    "SELECT * WHERE { ?s ?p 'service <http://x> {}' }",
    'SELECT * WHERE { ?s ?p """multi\nline SERVICE""" }',
    "SELECT * WHERE { <http://x/SERVICE> ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://evil/> { }",
    "# SERVICE\nSELECT * WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p $service }",
    "PREFIX SERVICE: <http://ex/> SELECT * WHERE { ?s SERVICE:p ?o }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3 && ?o > 1) }",
]

SERVICE = [
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "select * { service silent <http://x/> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE <http://x/> { ?s ?q ?r } } }",
    "SELECT * WHERE { { SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } } } }",
    "PREFIX e: <http://e/> SELECT * WHERE { SERVICE e:sparql { ?s ?p ?o } }",
    'SELECT * WHERE { ?s ?p "SERVICE" . SERVICE <http://x/> { } }',
]


@pytest.mark.parametrize("query", NOT_SERVICE)
def test_service_lookalikes_pass(query: str) -> None:
    assert inspect_query(query).form == "SELECT"


@pytest.mark.parametrize("query", SERVICE)
def test_service_is_refused(query: str) -> None:
    with pytest.raises(ForbiddenQuery, match="SERVICE"):
        inspect_query(query)


def _has_service_by_algebra(query: str) -> bool:
    found = False

    def visit(node: object) -> None:
        nonlocal found
        if getattr(node, "name", None) == "ServiceGraphPattern":
            found = True
        if isinstance(node, dict):
            for value in node.values():
                visit(value)
        elif isinstance(node, list | tuple):
            for value in node:
                visit(value)

    visit(translateQuery(parseQuery(query)).algebra)
    return found


@pytest.mark.parametrize("query", NOT_SERVICE + SERVICE)
def test_tokenizer_agrees_with_rdflib_algebra(query: str) -> None:
    try:
        inspect_query(query)
        flagged = False
    except ForbiddenQuery:
        flagged = True
    assert flagged == _has_service_by_algebra(query)


@pytest.mark.parametrize(
    "query",
    [
        "INSERT DATA { <http://a> <http://b> <http://c> }",
        "PREFIX ex: <http://e/> DELETE WHERE { ?s ex:p ?o }",
        "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "CLEAR ALL",
        "DROP GRAPH <http://g>",
        "CREATE GRAPH <http://g>",
    ],
)
def test_updates_are_refused_as_queries(query: str) -> None:
    with pytest.raises(ForbiddenQuery, match="updates are not accepted"):
        inspect_query(query)


def test_load_is_refused() -> None:
    with pytest.raises(ForbiddenQuery, match="LOAD"):
        inspect_query("LOAD <http://example.org/data.ttl>")


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("ASK {}", "ASK"),
        ("PREFIX a: <http://a/> CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("BASE <http://b/> DESCRIBE <x>", "DESCRIBE"),
        ("# comment\nselect * {}", "SELECT"),
    ],
)
def test_query_form(query: str, form: str) -> None:
    assert inspect_query(query).form == form


def test_from_graphs_are_resolved() -> None:
    info = inspect_query(
        "BASE <http://base/> PREFIX g: <http://graphs/> "
        "SELECT * FROM g:one FROM <two> FROM NAMED <http://three> WHERE { ?s ?p ?o }"
    )
    assert info.from_graphs == ("http://graphs/one", "http://base/two")
    assert info.from_named_graphs == ("http://three",)


def test_unknown_from_graph_is_refused() -> None:
    with pytest.raises(ForbiddenQuery, match="no such graph") as refused:
        check_query(
            "SELECT * FROM <http://example.org/remote.ttl> { ?s ?p ?o }",
            max_length=1000,
            known_graphs={"http://known"},
            protocol_dataset=False,
        )
    # the hint is a query a user can paste as it stands (it once read `{{ GRAPH ?g {{}} }}`)
    hint = refused.value.message.split("list them with ", 1)[1]
    assert hint == "SELECT DISTINCT ?g WHERE { GRAPH ?g {} }"
    ox.Store().query(hint)


def test_known_from_graph_passes() -> None:
    info = check_query(
        "SELECT * FROM NAMED <http://known> { GRAPH ?g { ?s ?p ?o } }",
        max_length=1000,
        known_graphs={"http://known"},
        protocol_dataset=False,
    )
    assert info.from_named_graphs == ("http://known",)


def test_protocol_dataset_overrides_from() -> None:
    check_query(
        "SELECT * FROM <http://unknown> { ?s ?p ?o }",
        max_length=1000,
        known_graphs=set(),
        protocol_dataset=True,
    )


def test_query_length_limit() -> None:
    with pytest.raises(PayloadTooLarge):
        check_query("ASK {}" + " " * 100, max_length=50, known_graphs=(), protocol_dataset=False)


def test_tokens_skip_comments_and_whitespace() -> None:
    kinds = [t.kind for t in tokenize('SELECT ?x # c\n { ?x <i> "s" ; p:q _:b }')]
    assert kinds == [
        "run",
        "var",
        "brackets",
        "var",
        "iri",
        "string",
        "other",
        "run",
        "run",
        "brackets",
    ]
    assert [t.text for t in tokenize("{ ?x }")] == ["{", "?x", "}"]


def test_docstring_examples() -> None:
    import doctest

    import peacetalks.sparql.guard

    assert doctest.testmod(peacetalks.sparql.guard).failed == 0


def _significant_by_lexer(text: str) -> list[tuple[str | None, str]]:
    return [
        (m.lastgroup, m.group())
        for m in guard._LEXER.finditer(text)
        if m.lastgroup not in ("ws", "comment", "other")
    ]


def _significant_by_scanner(text: str) -> list[tuple[str | None, str]]:
    return [
        (m.lastgroup, m.group(m.lastgroup))  # type: ignore[arg-type]
        for m in guard._SIGNIFICANT.finditer(text)
        if m.lastgroup not in ("other", "end")
    ]


@pytest.mark.parametrize("seed", range(4))
def test_the_scanner_sees_the_lexers_tokens(seed: int) -> None:
    """`_scan` walks `_SIGNIFICANT` (whitespace and comments folded into each match): the
    same significant tokens as `_LEXER`, on the canned queries and on random texts built of
    SPARQL's awkward pieces."""
    import random

    rng = random.Random(seed)
    pieces = ["#c\n", "# x", " ", "\n\t", '"s"', "'t'", '"""a"b"""', '"\\"', "'", "<i>", "<",
              "?v", "$w", "ex:a", "SERVICE", "a.b", "{", "}", "((", ")", "[]", ";", ",", "\\u0041",
              "*", "=", "\r\n", "#", "\\", "%41"]  # fmt: skip
    texts = [p.read_text(encoding="utf-8") for p in sorted(resources.queries_dir().glob("*.rq"))]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 80))) for _ in range(500)]
    for text in texts:
        assert _significant_by_scanner(text) == _significant_by_lexer(text), text


def _scan_outcome(text: str, skip: bool) -> object:
    try:
        return guard._scan(text, "http://127.0.0.1/sparql", skip=skip)
    except Exception as e:  # the same refusal, word for word
        return (type(e).__name__, str(e))


@pytest.mark.parametrize("seed", range(4))
def test_stepping_over_brace_contents_changes_no_verdict(seed: int) -> None:
    """Inside braces of a text without `service`, `_scan` steps over everything but brackets
    and what masks them (`_INSIDE`). It must judge every text exactly as walking each token
    does: the same `QueryInfo` or the same refusal — on the canned queries and on random
    texts dense in what could trip a skip (quotes, `<`, `#`, backslashes before `#`, `'`,
    `(` and other characters, codepoint escapes, deep and unbalanced brackets)."""
    import random

    rng = random.Random(seed)
    pieces = ["{", "}", "{", "(", ")", "[", "]", "#c\n", "#", "\n", " ", '"s"', "'t'", '"', "'",
              '"""a"b"""', "<i>", "<", ">", "<a b>", "?v", "ex:a", "\\#", "\\'", "\\(", "\\)",
              "\\", "\\\\", "\\u0023", "\\u0027", "\\u007B", "a.b", ";", "%41", "SELECT", "FROM",
              "<http://g>", "PREFIX ex: <http://e/>", "LOAD", "INSERT", "\r", "((((",
              "}}}}"]  # fmt: skip
    texts = [p.read_text(encoding="utf-8") for p in sorted(resources.queries_dir().glob("*.rq"))]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 120))) for _ in range(800)]
    texts += ["{" * 199 + "".join(rng.choice(pieces) for _ in range(20)) for _ in range(50)]
    for text in texts:
        for reading in {text, guard.unescape_codepoints(text)}:
            assert _scan_outcome(reading, True) == _scan_outcome(reading, False), reading


@pytest.mark.parametrize(
    "reference",
    ["http://ex/a?", "http://ex/a#", "http://ex/a/../b", "http:b", "HTTP://ex/./a", "urn:x:./..",
     "../b", "b?", "#f", "", "//h/x", "?q", "./a/../b", "..//@a", "@q", "a%41/..?#", "/.."],
)  # fmt: skip
@pytest.mark.parametrize(
    "base", ["http://h/a/b/c", "http://u@h:80/a/./b/../c", "urn:x:a/b", "tag:x"]
)
def test_iris_resolve_as_the_engine_reads_them(base: str, reference: str) -> None:
    """`resolve_iri` (BASE, PREFIX and FROM IRIs) gives what the engine reads in a query —
    where `urljoin` did not: it dropped an empty `?` and resolved `http:b` against `http:`."""
    engine = ox.Store().query(f"SELECT (STR(<{reference}>) AS ?x) {{}}", base_iri=base)
    expected = next(engine)["x"].value  # type: ignore[call-overload, index]
    assert guard.resolve_iri(base, reference) == expected


def test_random_references_resolve_as_the_engine_reads_them() -> None:
    """The same on 3,000 random references built of what resolution trips on (dot segments,
    empty queries and fragments, authorities, colons), against odd bases."""
    import random

    rng = random.Random(7)
    pieces = ["..", ".", "/", "/", "a", "?", "#", "//", ":", "%41", "@", "x:"]
    bases = ["http://h/a/b/c", "http://h", "http://h/a?q#f", "urn:x:a/b", "file:///a/b",
             "http://u@h:80/a/./b/../c", "mailto:a", "http://h/a/b/c?", "s:/a/b"]  # fmt: skip
    store, checked = ox.Store(), 0
    for _ in range(3000):
        reference = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        base = rng.choice(bases)
        try:
            read = store.query(f"SELECT (STR(<{reference}>) AS ?x) {{}}", base_iri=base)
            expected = next(read)["x"].value  # type: ignore[call-overload, index]
        except SyntaxError:  # not an IRI the engine takes: nothing to agree on
            continue
        assert guard.resolve_iri(base, reference) == expected, (base, reference)
        checked += 1
    assert checked > 2000


def test_a_from_graph_is_the_one_the_engine_reads() -> None:
    """`FROM <http://ex/a?>` names the graph `http://ex/a?` (it once became `http://ex/a`: a
    query refused for a graph it did not name, or run on another graph)."""
    info = check_query(
        "BASE <http://ex/c/> SELECT * FROM <http://ex/a?> FROM <../b> FROM <http:d> { ?s ?p ?o }",
        max_length=1000,
        known_graphs={"http://ex/a?", "http://ex/b", "http:d"},
        protocol_dataset=False,
        base_iri="http://127.0.0.1/sparql",
    )
    assert info.from_graphs == ("http://ex/a?", "http://ex/b", "http:d")
