"""The pre-execution guard: read a query the way the engine will, and refuse what must never
run (SERVICE, LOAD, updates, unknown FROM graphs, absurd nesting) before any engine sees it.

**How the engine reads a query.** pyoxigraph 0.5 parses SPARQL with a PEG grammar (Oxigraph's
`spargebra`): keywords are matched case-insensitively *without* a word boundary, so
`SERVICE:x{…}` (with the empty prefix declared), `services:x{…}` (prefix `s:`),
`?o.SERVICE<…>{…}`, `trueSERVICE<…>{…}` and `1SERVICE<…>{…}` all carry a SERVICE clause,
and a prefixed name whose IRI does not parse (`PREFIX p: <http://h:80>` then
`p:SERVICE<…>{…}`) falls back to `p:` and lets the engine read `SERVICE` next. Codepoint
escapes (`\\uXXXX`, `\\UXXXXXXXX`) are applied inside IRIs and strings; SPARQL 1.1 §19.2
(and an optional mode of the engine) applies them to the whole text before parsing.

**What the guard does.** It lexes the text with a grammar-exact lexer for what must be
masked — comments, strings (only the escapes the grammar allows), IRIs (including their
codepoint escapes) and variables — and treats everything else as code. In code, every
occurrence of the letters `service` (any case) is refused if the engine *could* start a
token there (run start, after `.` or `:`, after a glued `true`/`false`/number) and what
follows could be a SERVICE target (nothing glued, or a declared prefix). It does this twice
when the text has codepoint escapes: as written, and with the escapes applied, so either
reading of the standard is covered. Everything is linear in the query length (regexes with
possessive quantifiers, one pass), bounded by `max_length`, and the nesting of brackets is
limited (`MAX_NESTING`).

The guard is the first wall; the second is that query workers run without a network
(see `peacetalks.sparql.worker`), so a SERVICE clause that got past it could not connect.

>>> inspect_query("PREFIX ex: <http://ex/> SELECT * FROM ex:g WHERE { ?s ?p ?o }").from_graphs
('http://ex/g',)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import Literal

import pyoxigraph as ox

from peacetalks.errors import ForbiddenQuery, PayloadTooLarge, QuerySyntaxError, QueryTooComplex

QueryForm = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]
QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)
MAX_NESTING = 200
"""Deepest bracket nesting accepted ( `(`, `{`, `[` ); real queries stay far below."""

_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS = _PN_CHARS_BASE + "_0-9\u00b7\u0300-\u036f\u203f-\u2040\\-"
_HEX4 = "[0-9A-Fa-f]{4}"
_UCHAR = rf"\\u{_HEX4}|\\U{_HEX4}{_HEX4}"
_ECHAR = r"""\\[tbnrf"'\\]"""
_LOCAL_ESC = r"""\\[_~.\-!$&'()*+,;=/?#@%]"""
_TOKENS = rf"""
    (?P<string>\"\"\"(?>(?:""|")?(?:[^"\\]|{_ECHAR}|{_UCHAR}))*+\"\"\"
             | '''(?>(?:''|')?(?:[^'\\]|{_ECHAR}|{_UCHAR}))*+'''
             | "(?>[^"\\\n\r]|{_ECHAR}|{_UCHAR})*+"
             | '(?>[^'\\\n\r]|{_ECHAR}|{_UCHAR})*+')
  | (?P<unterminated>["'])
  | (?P<iri><(?>[^<>"{{}}|^`\\\x00-\x20]|{_UCHAR})*+>)
  | (?P<var>[?$][{_PN_CHARS}]++)
  | (?P<run>(?>[{_PN_CHARS}:.%]|{_LOCAL_ESC})++)
  | (?P<brackets>[(){{}}\[\]]++)
  | (?P<other>.)
    """
_LEXER = re.compile(
    rf"(?P<ws>[ \t\r\n]++) | (?P<comment>\#[^\r\n]*+) | {_TOKENS}", re.VERBOSE | re.DOTALL
)
_SIGNIFICANT = re.compile(
    rf"(?:[ \t\r\n]++|\#[^\r\n]*+)*+ (?: {_TOKENS} | (?P<end>\Z) )", re.VERBOSE | re.DOTALL
)
"""`_LEXER`'s tokens with the whitespace and comments before each folded into its match (they
are tried first there too, so the tokens are the same): a third fewer matches to walk."""
_INSIDE = re.compile(
    rf"""(?: [^"'<\#(){{}}\[\]\\]++ | {_LOCAL_ESC} | \#[^\r\n]*+ )*+
        (?: {_TOKENS} | (?P<end>\Z) )""",
    re.VERBOSE | re.DOTALL,
)
"""`_SIGNIFICANT` for inside braces when the text holds no `service`: there only the brackets
and the tokens that can hold one (strings, IRIs, comments) matter, so it steps over everything
else in one match. It stops wherever `_LEXER` could start one of those — a quote, `<`, `#`, a
bracket, or a backslash that does not begin a local-name escape (`\\#`, `\\'` and `\\(` are
part of a name there, as here) — so its tokens are `_LEXER`'s tokens from that point on."""
_CODEPOINT = re.compile(rf"\\u({_HEX4})|\\U({_HEX4}{_HEX4})")
_SERVICE = re.compile("service", re.IGNORECASE)
_GLUED_LITERAL = re.compile(r"(?:true|false|[+-]?[0-9]+(?:[eE][+-]?[0-9]+)?)\Z", re.IGNORECASE)
"""A literal the engine can read right before a glued keyword (`1SERVICE`, `trueSERVICE`)."""
_SILENT = re.compile("silent", re.IGNORECASE)
_DEPTH_STEP = {"(": 1, "{": 1, "[": 1, ")": -1, "}": -1, "]": -1}


@dataclass(frozen=True)
class Token:
    kind: str
    """ws/comment are dropped; string, iri, var, run (names, keywords, numbers, prefixed
    names), brackets (a run of `(){}[]`), other."""
    text: str


def tokenize(query: str) -> Iterator[Token]:
    """Significant tokens of a SPARQL text (whitespace and comments dropped)."""
    for m in _LEXER.finditer(query):
        kind = m.lastgroup
        if kind in ("ws", "comment"):
            continue
        assert kind is not None
        yield Token(kind, m.group())


def unescape_codepoints(text: str) -> str:
    """`\\uXXXX` / `\\UXXXXXXXX` replaced by their characters (SPARQL 1.1 Query §19.2); an
    escape that names no character (a surrogate, past U+10FFFF) is left as written."""

    def one(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return m.group()
        return chr(code)

    return _CODEPOINT.sub(one, text)


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


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_NOT_IN_IRIREF = re.compile(r'[<>"{}|^`\\\x00-\x20]')


def resolve_iri(base: str | None, reference: str) -> str:
    """`reference` resolved against `base` exactly as the engine resolves an IRI in a query.

    An IRI with a scheme is kept as written: the engine removes no dot segments from it and
    keeps an empty `?` or `#` (`urljoin` drops the one and resolves `http:b` against an
    `http:` base). A relative one is resolved by the engine's own IRI library (its RFC 3986
    variant: Turtle's `<…>` with `base_iri`, which the text cannot leave — a character that
    could end it makes the IRI one the engine refuses, and it is returned as it is, as it is
    without a base).

    >>> resolve_iri("http://ex/a/b?q", "../c?#f")
    'http://ex/c?#f'
    >>> resolve_iri("http://ex/a", "http://ex/x/../y?")
    'http://ex/x/../y?'
    """
    if base is None or _SCHEME.match(reference) or _NOT_IN_IRIREF.search(reference):
        return reference
    try:
        (quad,) = ox.parse(
            input=f"<{reference}> a <urn:x:o> .", format=ox.RdfFormat.TURTLE, base_iri=base
        )
    except (SyntaxError, ValueError):  # not an IRI, or a base that is none: the engine refuses
        return reference
    subject = quad.subject
    return subject.value if isinstance(subject, ox.NamedNode) else reference


def _iri_text(token: str) -> str:
    return unescape_codepoints(token[1:-1])


def _pname_iri(run: str, prefixes: dict[str, str]) -> str | None:
    ns, colon, local = run.lstrip(".").partition(":")
    if not colon or ns not in prefixes:
        return None
    return prefixes[ns] + re.sub(r"\\(.)", r"\1", local.rstrip("."))


def _valid_iri(iri: str) -> bool:
    import pyoxigraph as ox  # the engine's own IRI check (oxiri)

    try:
        ox.NamedNode(iri)
    except ValueError:
        return False
    return True


_INSIGNIFICANT = frozenset({"other", "end"})


@functools.lru_cache(maxsize=1024)
def _bracket_run(text: str) -> tuple[int, int]:
    """(highest depth reached, net change) over a run of brackets, relative to its start
    (memoized: texts repeat runs like `)(` or `}}`)."""
    rise = max(accumulate(map(_DEPTH_STEP.__getitem__, text), initial=0))
    return rise, len(text) - 2 * sum(map(text.count, ")}]"))


def _unterminated(query: str, start: int) -> QuerySyntaxError:
    """A quote that starts no valid string: the engine cannot parse the query either."""
    line = query.count("\n", 0, start) + 1
    column = start - (query.rfind("\n", 0, start) + 1) + 1
    return QuerySyntaxError(
        f"SPARQL syntax error: the string starting at line {line}, column {column} "
        "is not terminated (or holds an escape SPARQL does not allow)",
        line,
        column,
    )


def _service_refusal() -> ForbiddenQuery:
    return ForbiddenQuery(
        "SERVICE (federated query) is not supported by this endpoint: queries never reach "
        "other servers (a name that starts with 'service' right after '.', ':' or a "
        "literal counts too: the engine reads keywords without a word boundary)"
    )


def _fallback_possible(run: str, colon: int, declared: dict[str, str]) -> bool:
    """Could the engine end a prefixed name at `run[colon]` and start a new token after it?

    It reads `ns:local` as one name when `ns` is declared and the IRI parses; a declared `ns`
    whose IRI + local does not parse falls back to `ns:` alone. The name may begin after a
    glued `.` (`true.ex:…` can be `true` `.` `ex:…`), so every dot-suffix counts as `ns`.
    """
    head = run[:colon]
    local = run[colon + 1 :]
    candidates = {head[k + 1 :] for k in range(len(head)) if head[k] == "."} | {head}
    for ns in candidates:
        if ns in declared:
            full = declared[ns] + re.sub(r"\\(.)", r"\1", local.rstrip("."))
            if not _valid_iri(full):
                return True
    return False


def _check_run(run: str, declared: dict[str, str]) -> None:
    """Refuse `run` (a maximal name-like run of code) if the engine could read SERVICE in it."""
    for m in _SERVICE.finditer(run):
        p = m.start()
        first = run.find(":", 0, p)
        if first != -1:
            # In the local part of `ns:local`: the engine reads the whole name as one token
            # unless it falls back to `ns:` alone (then anything after may start one).
            token_start = _fallback_possible(run, first, declared)
        elif p == 0 or run[p - 1] == ".":
            token_start = True
        else:
            segment_start = max(run.rfind(".", 0, p), run.rfind(":", 0, p)) + 1
            token_start = bool(_GLUED_LITERAL.match(run[segment_start:p]))
        if not token_start:
            continue
        rest = run[m.end() :]
        if (s := _SILENT.match(rest)) is not None:
            rest = rest[s.end() :]
        ns, colon, _ = rest.partition(":")
        if rest == "" or (colon and ns in declared):
            raise _service_refusal()


def _scan(query: str, base_iri: str | None, *, skip: bool = True) -> QueryInfo:
    """One pass over one reading of the text (as written, or with codepoints applied)."""
    # One pass over every token: bracket depth (limited), names that may hide SERVICE (kept
    # for after the prologue is known), and the tokens at depth 0 — the prologue, the query
    # form and its dataset clauses, all the rest of this function needs. Inside braces only
    # the depth and the SERVICE suspects matter, so nothing else is kept there.
    #
    # Without `service` anywhere in this reading there are no suspects, so inside braces
    # `_INSIDE` walks only the brackets (and what masks them): 870 → 381 matches on the
    # who-said-what text, ~30 % less time (`skip=False` walks every token, as the reference
    # the tests compare against).
    tokens: list[tuple[str, str]] = []
    append = tokens.append
    suspects: list[str] = []
    depth = 0
    significant = _SIGNIFICANT.match
    inside = significant if not skip or _SERVICE.search(query) else _INSIDE.match
    position = 0
    while True:
        m = (inside if depth > 0 else significant)(query, position)
        assert m is not None  # `other` takes any one character, `end` the end
        kind = m.lastgroup
        if kind == "end":
            break
        position = m.end()
        if kind in _INSIGNIFICANT:
            continue
        assert kind is not None
        text = m.group(kind)
        if kind == "brackets":
            if len(text) == 1:
                depth += _DEPTH_STEP[text]
                peak = depth
            else:
                rise, net = _bracket_run(text)
                peak = depth + rise
                depth += net
            if peak > MAX_NESTING:
                raise QueryTooComplex(
                    f"the query nests brackets more than {MAX_NESTING} deep; "
                    "flatten it (the limit protects the engine's stack)"
                )
            continue
        if kind == "unterminated":  # stop here: scanning on would rescan the rest of the line
            raise _unterminated(query, m.start(kind))
        if kind == "run" and _SERVICE.search(text):
            suspects.append(text)
        if depth <= 0:
            append((kind, text))
    prefixes: dict[str, str] = {}
    base: str | None = base_iri
    # Every prefix declared (a superset is only more careful: `PREFIXex:` counts as `ex`).
    declared: dict[str, str] = {}
    for i in range(len(tokens) - 1):
        a, b = tokens[i], tokens[i + 1]
        if a[0] == "run" and a[1].endswith(":") and b[0] == "iri":
            name = a[1][:-1]
            declared[name] = _iri_text(b[1])
            if name.upper().startswith("PREFIX"):
                declared[name[6:]] = _iri_text(b[1])
    for text in suspects:
        _check_run(text, declared)
    form: QueryForm | None = None
    froms: list[str] = []
    named: list[str] = []
    i = 0
    n = len(tokens)
    while i < n:
        kind, text = tokens[i]
        if kind != "run":
            i += 1
            continue
        word = text.upper()
        if word == "BASE" and i + 1 < n and tokens[i + 1][0] == "iri":
            iri = _iri_text(tokens[i + 1][1])
            base = resolve_iri(base, iri)
            i += 2
            continue
        if word == "PREFIX" and i + 2 < n and tokens[i + 1][0] == "run":
            target = tokens[i + 2]
            if target[0] == "iri" and tokens[i + 1][1].endswith(":"):
                iri = _iri_text(target[1])
                prefixes[tokens[i + 1][1][:-1]] = resolve_iri(base, iri)
            i += 3
            continue
        if word.startswith("PREFIX") and text.endswith(":") and i + 1 < n:
            if tokens[i + 1][0] == "iri":  # `PREFIXex:<…>`: the engine needs no space
                iri = _iri_text(tokens[i + 1][1])
                prefixes[text[6:-1]] = resolve_iri(base, iri)
            i += 2
            continue
        if word == "LOAD" or (form is None and word.startswith("LOAD") and len(word) > 4):
            raise ForbiddenQuery("LOAD is not accepted: this endpoint is read-only")
        if form is None and word in UPDATE_KEYWORDS:
            raise ForbiddenQuery(
                "this looks like a SPARQL update; updates are not accepted "
                "(the endpoint is read-only) — send a SELECT, ASK, CONSTRUCT or DESCRIBE query"
            )
        if form is None and word in QUERY_FORMS:
            form = word  # type: ignore[assignment]
        if word.startswith("FROM"):
            rest = text[4:]
            into = froms
            if rest.upper().startswith("NAMED"):
                rest, into = rest[5:], named
            elif rest == "" and i + 1 < n and tokens[i + 1][1].upper() == "NAMED":
                into = named
                i += 1
            target_iri: str | None = None
            if rest:
                target_iri = _pname_iri(rest, prefixes)
            elif i + 1 < n:
                target = tokens[i + 1]
                if target[0] == "iri":
                    iri = _iri_text(target[1])
                    target_iri = resolve_iri(base, iri)
                elif target[0] == "run":
                    target_iri = _pname_iri(target[1], prefixes)
                i += 1
            if target_iri is not None:
                into.append(target_iri)
        i += 1
    return QueryInfo(form, tuple(froms), tuple(named))


MEMO_MAX_LENGTH = 20_000
"""Queries up to this many characters have their `QueryInfo` memoized (256 most recent)."""


def inspect_query(query: str, base_iri: str | None = None) -> QueryInfo:
    """Find the form and FROM graphs; raise `ForbiddenQuery` for updates, SERVICE and LOAD,
    `QueryTooComplex` past `MAX_NESTING`.

    Memoized for short queries (canned queries come back often). Refusals are not memoized.
    """
    if len(query) <= MEMO_MAX_LENGTH:
        return _inspect_memo(query, base_iri)
    return _inspect(query, base_iri)


def _inspect(query: str, base_iri: str | None) -> QueryInfo:
    info = _scan(query, base_iri)
    if "\\u" in query or "\\U" in query:
        unescaped = unescape_codepoints(query)
        if unescaped != query:
            _scan(unescaped, base_iri)  # refusals only; the engine's reading is the first
    return info


_inspect_memo = functools.lru_cache(maxsize=256)(_inspect)


def check_query(
    query: str,
    *,
    max_length: int,
    known_graphs: Collection[str],
    protocol_dataset: bool,
    base_iri: str | None = None,
) -> QueryInfo:
    """All pre-execution checks: length (413), updates/SERVICE/LOAD and nesting (400), and
    FROM graphs that are not in the store (400; skipped when the protocol gives the dataset,
    which overrides FROM)."""
    if len(query) > max_length:
        raise PayloadTooLarge(f"query is {len(query)} characters; the limit is {max_length}")
    info = inspect_query(query, base_iri)
    if not protocol_dataset:
        for iri in info.from_graphs + info.from_named_graphs:
            if iri not in known_graphs:
                raise ForbiddenQuery(
                    f"FROM <{iri}>: no such graph in this store (graphs are never fetched "
                    "from the web); list them with SELECT DISTINCT ?g WHERE { GRAPH ?g {} }"
                )
    return info
