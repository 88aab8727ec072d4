"""Cheap checks on a query's text before it reaches the engine.

A small SPARQL tokenizer (comments, strings, IRIs, prefixed names, variables and bare
keywords) finds the query form, the FROM / FROM NAMED graphs and any `SERVICE` or `LOAD`
keyword — without parsing the full grammar, so it costs microseconds. Words inside
strings, IRIs, comments, variables and prefixed names never count as keywords:
`?service`, `ex:SERVICE`, `"SERVICE"`, `<http://x/SERVICE>`, `# SERVICE` all pass.

>>> inspect_query("PREFIX ex: <http://ex/> SELECT * FROM ex:g WHERE { ?s ?p ?o }").from_graphs
('http://ex/g',)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urljoin

from peacetalks.errors import ForbiddenQuery, PayloadTooLarge

QueryForm = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]
QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)

_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS = _PN_CHARS_BASE + "_0-9\u00b7\u0300-\u036f\u203f-\u2040-"
_TOKEN = re.compile(
    rf"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
             | '''(?:[^'\\]|\\.|'(?!''))*'''
             | "(?:[^"\\\n\r]|\\.)*"
             | '(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][{_PN_CHARS}]+)
  | (?P<bnode>_:[{_PN_CHARS}.]*)
  | (?P<pname>(?:[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)?:
               (?:[{_PN_CHARS}:.%\\]|%[0-9A-Fa-f]{{2}}|\\.)*)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


def tokenize(query: str) -> Iterator[Token]:
    """Significant tokens of a SPARQL text (whitespace and comments dropped)."""
    for m in _TOKEN.finditer(query):
        kind = m.lastgroup
        if kind in ("ws", "comment"):
            continue
        assert kind is not None
        yield Token(kind, m.group())


@dataclass(frozen=True)
class QueryInfo:
    """What the guard learnt about a query."""

    form: QueryForm | None
    """SELECT/ASK/CONSTRUCT/DESCRIBE, or None when no form keyword was found."""
    from_graphs: tuple[str, ...] = ()
    from_named_graphs: tuple[str, ...] = ()

    @property
    def kind(self) -> Literal["solutions", "boolean", "graph"]:
        """The result kind the form produces (SELECT when unknown: the parser will complain)."""
        if self.form == "ASK":
            return "boolean"
        if self.form in ("CONSTRUCT", "DESCRIBE"):
            return "graph"
        return "solutions"


def _resolve(tok: Token, prefixes: dict[str, str], base: str | None) -> str | None:
    if tok.kind == "iri":
        iri = tok.text[1:-1]
        return urljoin(base, iri) if base else iri
    if tok.kind == "pname":
        ns, _, local = tok.text.partition(":")
        if ns in prefixes:
            return prefixes[ns] + re.sub(r"\\(.)", r"\1", local)
    return None


MEMO_MAX_LENGTH = 20_000
"""Queries up to this many characters have their `QueryInfo` memoized (256 most recent)."""


def inspect_query(query: str, base_iri: str | None = None) -> QueryInfo:
    """Find the form and FROM graphs; raise `ForbiddenQuery` for updates, SERVICE and LOAD.

    Memoized for short queries: the same text comes back often (canned queries, the route
    and then the worker), and tokenizing costs ~0.3 ms per KB. Refusals are not memoized.
    """
    if len(query) <= MEMO_MAX_LENGTH:
        return _inspect_memo(query, base_iri)
    return _inspect(query, base_iri)


def _inspect(query: str, base_iri: str | None) -> QueryInfo:
    tokens = list(tokenize(query))
    prefixes: dict[str, str] = {}
    base: str | None = base_iri
    form: QueryForm | None = None
    froms: list[str] = []
    named: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        word = tok.text.upper() if tok.kind == "word" else None
        if word == "BASE" and i + 1 < len(tokens) and tokens[i + 1].kind == "iri":
            base = _resolve(tokens[i + 1], prefixes, base)
            i += 2
            continue
        if word == "PREFIX" and i + 2 < len(tokens) and tokens[i + 1].kind == "pname":
            iri = _resolve(tokens[i + 2], prefixes, base)
            if iri is not None:
                prefixes[tokens[i + 1].text.rstrip(":")] = iri
            i += 3
            continue
        if word == "SERVICE":
            raise ForbiddenQuery(
                "SERVICE (federated query) is not supported by this endpoint: "
                "queries never reach other servers"
            )
        if word == "LOAD":
            raise ForbiddenQuery("LOAD is not accepted: this endpoint is read-only")
        if form is None and word in UPDATE_KEYWORDS:
            raise ForbiddenQuery(
                "this looks like a SPARQL update; updates are not accepted "
                "(the endpoint is read-only) — send a SELECT, ASK, CONSTRUCT or DESCRIBE query"
            )
        if form is None and word in QUERY_FORMS:
            form = word  # type: ignore[assignment]
        if word == "FROM" and i + 1 < len(tokens):
            target = tokens[i + 1]
            into = froms
            if target.kind == "word" and target.text.upper() == "NAMED" and i + 2 < len(tokens):
                target = tokens[i + 2]
                into = named
                i += 1
            iri = _resolve(target, prefixes, base)
            if iri is not None:
                into.append(iri)
            i += 2
            continue
        i += 1
    return QueryInfo(form, tuple(froms), tuple(named))


_inspect_memo = functools.lru_cache(maxsize=256)(_inspect)


def check_query(
    query: str,
    *,
    max_length: int,
    known_graphs: Collection[str],
    protocol_dataset: bool,
    base_iri: str | None = None,
) -> QueryInfo:
    """All pre-execution checks: length (413), updates/SERVICE/LOAD (400), and FROM graphs
    that are not in the store (400; skipped when the protocol gives the dataset, which
    overrides FROM)."""
    if len(query) > max_length:
        raise PayloadTooLarge(f"query is {len(query)} characters; the limit is {max_length}")
    info = inspect_query(query, base_iri)
    if not protocol_dataset:
        for iri in info.from_graphs + info.from_named_graphs:
            if iri not in known_graphs:
                raise ForbiddenQuery(
                    f"FROM <{iri}>: no such graph in this store (graphs are never fetched "
                    "from the web); list them with SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{}} }}"
                )
    return info
