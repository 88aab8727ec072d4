"""Bind variables for an engine that has no `substitutions`, with pyoxigraph's meaning.

pyoxigraph binds `QueryRequest.substitutions` as RDF terms: the variable is that constant
everywhere in the query pattern — also inside nested OPTIONALs and subqueries, which a join
with a `VALUES` block would not reach (bottom-up evaluation: an inner FILTER would see the
variable unbound) — and the projection still shows it. The SPARQL 1.1 Protocol has no such
parameter, so `bind_values` writes the same meaning in the text:

- every occurrence of the variable inside the query's braces becomes the term (wrapped in
  brackets in a subquery's GROUP BY / ORDER BY / HAVING), except where a variable must
  stand (a subquery's projection, a `VALUES` header, after `AS`) and inside a subquery that
  does not project it (there it is another variable: SPARQL's scoping, and pyoxigraph's);
- one `VALUES` row opening the WHERE group binds it for the outer projection, GROUP BY and
  ORDER BY (the clauses outside the braces keep the variable).

The values never reach the text as the caller wrote them: each is parsed as one RDF term
(`parse_term`, a `BadRequest` otherwise) and written back in canonical N-Triples syntax, so a
value cannot close a bracket or open a clause. The text is read with the guard's lexer, so
strings, IRIs and comments that contain braces or `?names` are read as the engine reads them.

>>> bind_values("SELECT ?x WHERE { ?x ?p ?o }", {"o": '"a}"@en'})
'SELECT ?x WHERE { VALUES (?o) { ("a}"@en) } ?x ?p "a}"@en }'
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pyoxigraph as ox

from peacetalks.errors import BadRequest
from peacetalks.sparql import guard
from peacetalks.sparql.executor import parse_term
from peacetalks.sparql.results import nt_term

_VARIABLE = re.compile(r"[A-Za-z_0-9\u00b7\u00c0-\U000effff]+")


def where_group_start(query: str) -> int | None:
    """Offset just after the `{` that opens the query's WHERE group (None if it has none:
    `DESCRIBE <x>`). A CONSTRUCT template is skipped; braces inside brackets (an EXISTS in
    a SELECT expression) are not the group."""
    depth = 0
    form: str | None = None
    skip_template = False
    after_form = False
    for m in guard._LEXER.finditer(query):  # the guard's lexer: one reading of the text
        kind, text = m.lastgroup, m.group()
        if kind in ("ws", "comment"):
            continue
        if kind == "run" and form is None and depth == 0 and text.upper() in guard.QUERY_FORMS:
            form = text.upper()
            after_form = True
            continue
        if after_form:
            after_form = False
            skip_template = form == "CONSTRUCT" and not (kind == "run" and text.upper() == "WHERE")
        if kind != "brackets":
            continue
        for i, char in enumerate(text):
            if char == "{" and depth == 0 and form is not None:
                if skip_template:
                    skip_template = False
                else:
                    return m.start() + i + 1
            depth += guard._DEPTH_STEP[char]
    return None


def bind_values(query: str, substitutions: Mapping[str, str]) -> str:
    """`query` with `substitutions` (variable name → term in N-Triples syntax) bound as
    pyoxigraph binds them (see the module docstring); `BadRequest` for a value that is not
    one IRI or literal, or a query without a WHERE group."""
    if not substitutions:
        return query
    terms: dict[str, str] = {}
    for name, text in sorted(substitutions.items()):
        if not _VARIABLE.fullmatch(name):
            raise BadRequest(f"not a SPARQL variable name: {name!r}")
        term = parse_term(text)
        if isinstance(term, ox.BlankNode):
            raise BadRequest(f"a blank node cannot be bound to ?{name} on a remote engine")
        terms[name] = nt_term(term)
    at = where_group_start(query)
    if at is None:
        raise BadRequest("the query has no WHERE group to bind its parameters in")
    edits: list[tuple[int, int, str]] = []
    names = " ".join(f"?{n}" for n in terms)
    edits.append((at, at, f" VALUES ({names}) {{ ({' '.join(terms.values())}) }}"))
    braces = 0
    previous = ""
    projection = header = False
    modifier_level: int | None = None
    # subqueries: (brace level, the variables they project; None for `*`) — a variable a
    # subquery does not project is another variable inside it, as for pyoxigraph
    scopes: list[tuple[int, set[str] | None]] = []
    parens = 0
    for m in guard._LEXER.finditer(query):
        kind, text = m.lastgroup, m.group()
        if kind in ("ws", "comment"):
            continue
        word = text.upper() if kind == "run" else ""
        if kind == "brackets":
            for char in text:
                parens += {"(": 1, ")": -1}.get(char, 0)
                if char == "{":
                    braces += 1
                    projection = header = False
                elif char == "}":
                    braces -= 1
                    if modifier_level is not None and braces < modifier_level:
                        modifier_level = None
                    while scopes and braces < scopes[-1][0]:
                        scopes.pop()
        elif braces and word == "SELECT":
            projection = True
            scopes.append((braces, set()))
        elif projection and kind == "other" and text == "*" and parens == 0:
            scopes[-1] = (scopes[-1][0], None)
        elif projection and kind == "var":
            seen = scopes[-1][1]
            if seen is not None:
                seen.add(text[1:])
        elif word == "WHERE":
            projection = False
        elif word == "VALUES":
            header = True
        elif braces and (word == "HAVING" or (word == "BY" and previous in ("GROUP", "ORDER"))):
            modifier_level = braces
        elif (
            kind == "var"
            and text[1:] in terms
            and braces
            and not (projection or header or previous == "AS")
            and all(seen is None or text[1:] in seen for _, seen in scopes)
        ):
            value = terms[text[1:]]
            edits.append((m.start(), m.end(), f"({value})" if modifier_level else value))
        previous = word
    for begin, end, replacement in sorted(edits, reverse=True):
        query = query[:begin] + replacement + query[end:]
    return query
