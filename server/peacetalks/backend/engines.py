"""Engine profiles: every quirk of a remote SPARQL engine peacetalks knows, in one place.

The remote backend speaks plain SPARQL 1.1 Protocol and Graph Store Protocol; a profile only
says what differs between engines that do so:

- where the Graph Store Protocol lives when `PEACETALKS_BACKEND_STORE_URL` is not given;
- the media types asked for (results are always re-serialized by peacetalks, so any format
  the engine writes well will do) and sent when uploading a graph;
- whether, and how, the engine takes the query deadline itself;
- whether its Graph Store Protocol reads a streamed (chunked) upload;
- a rewrite of the query text that keeps its meaning, for a construct the engine's
  compiler fails on (Virtuoso: `lift_aggregate_expressions`);
- how the engine says "stopped at the deadline, this answer is partial" (Virtuoso answers
  200 with a partial result: that must become a 503, never a silently short answer).

Engines without a profile get `GENERIC`: standard media types, no deadline passed on (the
httpx timeout still enforces it on our side). Tested here: `oxigraph` (`oxigraph serve`)
and `virtuoso` (Virtuoso 7.2); see README "Running on an external SPARQL engine".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from peacetalks.sparql import guard


@dataclass(frozen=True)
class EngineProfile:
    """What peacetalks must know about one engine (see the module docstring)."""

    name: str
    store_path: str | None
    """Graph Store Protocol path on the query URL's host (None: must be configured)."""
    graph_media_type: str = "application/n-triples"
    """Asked for CONSTRUCT / DESCRIBE answers (N-Triples streams; Turtle otherwise)."""
    upload_media_type: str = "application/n-triples"
    """Content type of a graph PUT by `peacetalks push` (the body is N-Triples)."""
    timeout_param: str | None = None
    """Query parameter that carries the deadline in milliseconds (None: not passed)."""
    partial_header: tuple[str, str] | None = None
    """(header, value) by which the engine marks an answer cut at its deadline."""
    chunked_upload: bool = True
    """The engine reads a chunked (streamed) PUT body; else each graph is sent whole."""
    rewrite: Callable[[str], str] | None = None
    """A semantics-preserving rewrite of every query text for this engine (None: as is)."""

    def store_url(self, query_url: str) -> str | None:
        """The default Graph Store Protocol URL beside `query_url`."""
        if self.store_path is None:
            return None
        parts = urlsplit(query_url)
        return urlunsplit((parts.scheme, parts.netloc, self.store_path, "", ""))


GENERIC = EngineProfile(name="generic", store_path=None, graph_media_type="text/turtle")

OXIGRAPH = EngineProfile(
    name="oxigraph",
    store_path="/store",
    # `oxigraph serve --timeout-s` is server-wide, and answers a cut query with a truncated
    # 200 body: there is no per-query deadline to pass on, our httpx deadline is the one.
)

VIRTUOSO = EngineProfile(
    name="virtuoso",
    # the unauthenticated endpoint; it needs SPARQL_UPDATE granted to the SPARQL user, or
    # set PEACETALKS_BACKEND_STORE_URL to …/sparql-graph-crud-auth with PEACETALKS_BACKEND_AUTH
    store_path="/sparql-graph-crud",
    graph_media_type="text/turtle",  # Virtuoso 7.2 writes no application/n-triples
    upload_media_type="text/turtle",  # N-Triples is Turtle; its GSP reads text/turtle
    timeout_param="timeout",
    # An "anytime query": past `timeout` ms Virtuoso returns what it has, marked so.
    partial_header=("X-SQL-State", "S1TAT"),
    # Its Graph Store Protocol answers 201 to a chunked PUT and stores nothing.
    chunked_upload=False,
    rewrite=lambda query: lift_aggregate_expressions(query),
)

PROFILES = {p.name: p for p in (GENERIC, OXIGRAPH, VIRTUOSO)}


def detect(server_header: str) -> EngineProfile:
    """The profile of the engine whose HTTP `Server` header is `server_header`."""
    lowered = server_header.lower()
    if "virtuoso" in lowered:
        return VIRTUOSO
    if "oxigraph" in lowered:
        return OXIGRAPH
    return GENERIC


# ------------------------------------------------------------------ Virtuoso's rewrite

_AGGREGATES = frozenset({"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"})
_LIFTED = "peacetalks_aggregate_"


def _significant(query: str) -> list[tuple[str, str, int, int]]:
    """(kind, text, start, end) of the tokens, one entry per bracket character."""
    out: list[tuple[str, str, int, int]] = []
    for m in guard._LEXER.finditer(query):  # the guard's lexer: one reading of the text
        kind = m.lastgroup or ""
        if kind in ("ws", "comment"):
            continue
        if kind == "brackets":
            out += [
                ("brackets", c, m.start() + i, m.start() + i + 1) for i, c in enumerate(m.group())
            ]
        else:
            out.append((kind, m.group(), m.start(), m.end()))
    return out


def _close(tokens: list[tuple[str, str, int, int]], i: int) -> int:
    """Index of the bracket closing the one at `i`."""
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j][0] == "brackets":
            depth += guard._DEPTH_STEP[tokens[j][1]]
            if depth == 0:
                return j
    raise ValueError("unbalanced")


def lift_aggregate_expressions(query: str) -> str:
    """A grouped SELECT whose projection applies functions to aggregates —
    `(COALESCE(MIN(?a), MIN(?b)) AS ?x)`, `(IF(COUNT(?o) > 0, …) AS ?y)` — as the same
    query with the aggregation in a subquery and the functions in the outer projection.

    Virtuoso 7.2's SQL compiler fails on some such projections next to a long GROUP BY
    ("SQ156 Internal Optimized compiler error: Bad dfe in sqlo_place_exp"; every canned
    query with a COALESCE over MINs did). The meaning is the same by the SPARQL algebra's
    own order (§18.2.4: Group, Aggregation, then Extend for the select expressions). The
    subquery projects the GROUP BY variables, so ORDER BY can still name them. Queries this
    does not cover (aggregates in HAVING or ORDER BY, expressions in GROUP BY) are sent as
    they are.
    """
    try:
        return _lift(query) or query
    except ValueError:
        return query


def _lift(query: str) -> str | None:
    tokens = _significant(query)
    words = [t[1].upper() if t[0] == "run" else "" for t in tokens]
    if "SELECT" not in words:
        return None
    sel = words.index("SELECT")
    i = sel + 1
    modifier = ""
    if words[i] in ("DISTINCT", "REDUCED"):
        modifier, i = words[i], i + 1
    outer: list[str] = []
    inner: list[str] = []
    lifted = False
    plain: list[str] = []
    while tokens[i][0] in ("var", "brackets") and tokens[i][1] != "{":
        if tokens[i][0] == "var":
            outer.append(tokens[i][1])
            plain.append(tokens[i][1])
            i += 1
            continue
        end = _close(tokens, i)  # ( expression AS ?v )
        if words[end - 2] != "AS" or tokens[end - 1][0] != "var":
            return None
        target = tokens[end - 1][1]
        expr_start, expr_end = tokens[i + 1][2], tokens[end - 2][2]
        calls: list[tuple[int, int]] = []
        j = i + 1
        while j < end - 2:
            if words[j] in _AGGREGATES and tokens[j + 1][1] == "(":
                close = _close(tokens, j + 1)
                calls.append((tokens[j][2], tokens[close][3]))
                j = close + 1
            else:
                j += 1
        whole = len(calls) == 1 and calls[0] == (expr_start, tokens[end - 3][3])
        if not calls or whole:
            inner.append(query[tokens[i][2] : tokens[end][3]])
            outer.append(target)
        else:
            lifted = True
            text = query[expr_start:expr_end]
            for n, (a, b) in reversed(list(enumerate(calls))):
                name = f"?{_LIFTED}{len(inner)}_{n}"
                inner.append(f"({query[a:b]} AS {name})")
                text = text[: a - expr_start] + name + text[b - expr_start :]
            outer.append(f"({text} AS {target})")
        i = end + 1
    if not lifted or _LIFTED in query:
        return None
    if words[i] == "WHERE":
        i += 1
    if tokens[i][1] != "{":
        return None
    group_end = _close(tokens, i)
    k = group_end + 1
    if words[k : k + 2] != ["GROUP", "BY"]:
        return None
    k += 2
    group_vars: list[str] = []
    while k < len(tokens) and tokens[k][0] == "var":
        group_vars.append(tokens[k][1])
        k += 1
    rest = tokens[k:]
    if rest and words[k] not in ("ORDER", "LIMIT", "OFFSET", "VALUES"):
        return None  # HAVING, or an expression in GROUP BY: not covered
    if any(w in _AGGREGATES for w in words[k:]):
        return None
    if any(v not in group_vars for v in plain):
        return None
    tail = query[tokens[k][2] :] if rest else ""
    subquery = (
        f"SELECT {' '.join(group_vars)} {' '.join(inner)} "
        f"WHERE {query[tokens[i][2] : tokens[group_end][3]]} GROUP BY {' '.join(group_vars)}"
    )
    head = query[: tokens[sel][2]]
    select = f"SELECT {modifier} " if modifier else "SELECT "
    return f"{head}{select}{' '.join(outer)} WHERE {{ {{ {subquery} }} }}\n{tail}"
