"""Memoized `/sparql` answers: the dataset never changes while the server runs, so the bytes
of a deterministic query's answer depend only on the request.

The key is what decides the answer: the dataset version, the query text, the `Accept`
header and `format` parameter (hence the media type), the protocol dataset
(`default-graph-uri` / `named-graph-uri`) and the base IRI. Only successful answers are
kept, in a least-recently-used map bounded in bytes (`PEACETALKS_RESULT_CACHE_MB`, 0 turns it
off). Queries whose answer may change between runs (RAND, NOW, UUID, STRUUID, BNODE) are
never kept. Each kept answer carries a weak ETag, so clients can revalidate with
`If-None-Match` and get 304.

>>> cache = ResultCache(max_bytes=4000, version="v1")
>>> key = cache.key("ASK {}", accept="application/sparql-results+json")
>>> cache.put(key, CachedAnswer(b'{"boolean":true}', "application/sparql-results+json", 1, False))
>>> cache.get(key).body
b'{"boolean":true}'
>>> cache.matches(key, cache.etag(key))
True
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

VOLATILE = re.compile(r"\b(RAND|NOW|UUID|STRUUID|BNODE)\s*\(", re.IGNORECASE)
"""SPARQL functions whose value differs per evaluation: such answers are not kept."""


@dataclass(frozen=True)
class CachedAnswer:
    """A successful answer as the route sends it."""

    body: bytes
    media_type: str
    rows: int
    truncated: bool


ENTRY_OVERHEAD = 512
"""Bytes charged per entry beside its body (key, dataclass, map slot), so that many tiny
answers (ASK) cannot grow the map far past the budget."""


class ResultCache:
    """Thread-safe LRU of `CachedAnswer`s keyed by `key(...)`, at most `max_bytes` of bodies
    plus `ENTRY_OVERHEAD` each; an answer larger than a quarter of that is not kept."""

    def __init__(self, max_bytes: int, version: str) -> None:
        self.max_bytes = max_bytes
        self.version = version
        self._entries: OrderedDict[str, CachedAnswer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def key(
        self,
        query: str,
        *,
        accept: str | None = None,
        format_param: str | None = None,
        default_graphs: tuple[str, ...] = (),
        named_graphs: tuple[str, ...] = (),
        base_iri: str | None = None,
        substitutions: Mapping[str, str] | None = None,
    ) -> str | None:
        """The cache key of a request, or None when its answer must not be kept.

        `substitutions` are the values bound into a canned query (variable → N-Triples term).
        """
        if self.max_bytes <= 0 or VOLATILE.search(query):
            return None
        parts = [
            self.version,
            query,
            accept or "",
            format_param or "",
            "\x1f".join(default_graphs),
            "\x1f".join(named_graphs),
            base_iri or "",
            "\x1f".join(f"{k}={v}" for k, v in sorted((substitutions or {}).items())),
        ]
        return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()

    def etag(self, key: str) -> str:
        """Weak validator of the answer under `key` (weak: a recomputed answer is equivalent,
        not necessarily byte-identical, e.g. blank node labels)."""
        return f'W/"{self.version}-{key[:20]}"'

    def matches(self, key: str, if_none_match: str | None) -> bool:
        """True when `If-None-Match` names this answer's ETag (weak comparison) or `*`."""
        if not if_none_match:
            return False
        ours = self.etag(key).removeprefix("W/")
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or ours in tags

    def get(self, key: str) -> CachedAnswer | None:
        with self._lock:
            answer = self._entries.get(key)
            if answer is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return answer

    def put(self, key: str, answer: CachedAnswer) -> None:
        size = len(answer.body) + ENTRY_OVERHEAD
        if size > self.max_bytes // 4:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body) + ENTRY_OVERHEAD
            self._entries[key] = answer
            self._bytes += size
            while self._bytes > self.max_bytes and self._entries:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= len(evicted.body) + ENTRY_OVERHEAD

    def __len__(self) -> int:
        return len(self._entries)
