"""Runtime settings: environment variables with the prefix `PEACETALKS_`, overridable by CLI flags.

Every field has a default that needs no setup. List fields accept plain strings from the
environment: `PEACETALKS_DATA` is `:`-separated paths, `PEACETALKS_CORS_ORIGINS` is
comma-separated origins.

>>> Settings(port=9000, data="a.ttl:b").data
[PosixPath('a.ttl'), PosixPath('b')]
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from peacetalks import resources


def default_cache_dir() -> Path:
    """`./.peacetalks-cache` in a checkout, else `$XDG_CACHE_HOME/peacetalks`."""
    if resources.is_checkout():
        return resources.data_root() / ".peacetalks-cache"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "peacetalks"


class Settings(BaseSettings):
    """All knobs of the server, the store build and the CLI."""

    model_config = SettingsConfigDict(env_prefix="PEACETALKS_", extra="ignore")

    host: str = "127.0.0.1"
    """Interface `peacetalks serve` binds to."""
    port: int = 8000
    """TCP port `peacetalks serve` listens on."""
    query_timeout: Annotated[float, Field(gt=0)] = 30.0
    """Hard deadline of one SPARQL query, in seconds; past it the worker is killed (503)."""
    queue_timeout: Annotated[float, Field(gt=0)] = 10.0
    """How long a query may wait for a free worker before the answer is 503 "busy" (seconds).
    Waiting does not count against `query_timeout`, so no query is killed for having queued."""
    max_rows: Annotated[int, Field(ge=1)] = 10_000
    """Most solutions (or triples) one response carries; more sets `X-Peacetalks-Truncated`."""
    data: Annotated[list[Path], NoDecode] = []
    """Extra RDF files or directories loaded beside the shipped data (`:`-separated in env)."""
    workers: Annotated[int, Field(ge=0)] = 2
    """Query worker processes; 0 runs queries in the server process (no hard deadline)."""
    cache_dir: Path = Field(default_factory=default_cache_dir)
    """Where the built dataset (N-Quads + manifest) is cached."""
    inference: bool = True
    """Compute OWL RL inferences into `…/graph/inferred` (switch off for huge extras)."""
    store: Literal["auto", "memory", "disk"] = "auto"
    """Where the served dataset lives: `memory` (a copy in every process, fastest queries),
    `disk` (one read-only RocksDB store in the cache directory that the server and all
    workers open: one copy, slower analytic queries) or `auto` (disk from
    `disk_store_quads` quads on)."""
    disk_store_quads: Annotated[int, Field(ge=0)] = 2_000_000
    """With `store=auto`, datasets of at least this many quads are served from disk."""
    shipped_data: bool = True
    """Load the shipped `ontology/` and `graph/` (tests switch this off to use fixtures)."""
    cors_origins: Annotated[list[str], NoDecode] = ["*"]
    """Origins allowed to read the endpoints (comma-separated in env)."""
    max_query_length: Annotated[int, Field(ge=1)] = 100_000
    """Longest accepted query text, in characters (413 beyond)."""
    max_body_bytes: Annotated[int, Field(ge=1)] = 1_000_000
    """Largest accepted request body, in bytes (413 beyond)."""
    log_level: str = "info"
    """Level of the `peacetalks` loggers (access log lines are INFO)."""
    worker_network: Literal["isolate", "require", "allow"] = "isolate"
    """Query workers run in an empty network namespace (`isolate`: if the system refuses, say
    so in the log and `/ready`; `require`: refuse to start; `allow`: no isolation)."""
    api_workers: Annotated[int, Field(ge=0)] = 1
    """Worker processes reserved for the canned `/api` queries, so they never wait behind
    `/sparql` traffic (0: `/api` shares the `/sparql` workers)."""
    queue_limit: Annotated[int, Field(ge=0)] = 64
    """Most `/sparql` requests waiting for a worker at once; one more is answered 503 with
    `Retry-After` at once instead of queueing."""
    request_timeout: Annotated[float, Field(gt=0)] = 10.0
    """A request's line and headers must arrive within this many seconds (408 beyond; slow
    senders are cut off); its body gets at least 30 s."""
    result_cache_mb: Annotated[float, Field(ge=0)] = 64.0
    """Memory for memoized `/sparql` answers, in MiB; 0 turns it off
    (`peacetalks.sparql.result_cache`)."""

    backend: str | None = None
    """SPARQL 1.1 query endpoint of an external engine filled by `peacetalks push`
    (`http://host:port/sparql`); unset: the embedded pyoxigraph store."""
    backend_auth: str | None = None
    """`Authorization` header value sent to the engine (`Basic …`, `Bearer …`)."""
    backend_store_url: str | None = None
    """Graph Store Protocol URL of the engine (default: from its engine profile). It is the
    only URL written to (`peacetalks push`: PUT/DELETE of whole graphs); peacetalks never
    sends SPARQL Update, so there is no update URL to set."""
    backend_engine: Literal["auto", "generic", "oxigraph", "virtuoso"] = "auto"
    """Engine profile (`peacetalks.backend.engines`); `auto` reads the engine's `Server` header."""
    backend_connections: Annotated[int, Field(ge=1)] = 16
    """Pooled connections to the engine; as many queries run there at once, more wait up to
    `queue_timeout` (then 503 "busy")."""

    @field_validator("data", mode="before")
    @classmethod
    def _split_paths(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [Path(p) for p in value.split(":") if p.strip()]
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [o.strip() for o in value.split(",") if o.strip()]
        return value
