"""Engine profiles: every quirk of a remote SPARQL engine peacetalks knows, in one place.

The remote backend speaks plain SPARQL 1.1 Protocol and Graph Store Protocol; a profile only
says what differs between engines that do so:

- where the Graph Store Protocol lives when `PEACETALKS_BACKEND_STORE_URL` is not given;
- the media types asked for (results are always re-serialized by peacetalks, so any format
  the engine writes well will do) and sent when uploading a graph;
- whether, and how, the engine takes the query deadline itself;
- how the engine says "stopped at the deadline, this answer is partial" (Virtuoso answers
  200 with a partial result: that must become a 503, never a silently short answer).

Engines without a profile get `GENERIC`: standard media types, no deadline passed on (the
httpx timeout still enforces it on our side). Tested here: `oxigraph` (`oxigraph serve`)
and `virtuoso` (Virtuoso 7.2); see README "Running on an external SPARQL engine".
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit


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
