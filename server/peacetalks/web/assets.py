"""Static files: our own CSS and JavaScript (`web/static/`), and the Swagger UI and ReDoc
bundles that the `fastapi-offline` package ships (served from the installed package, never
copied into this repository, never fetched from a CDN).

Only the files listed at start-up are served (no path from the URL reaches the file
system); each carries a strong `ETag` of its content and is revalidated (`no-cache`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

STATIC = Path(__file__).parent / "static"
TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str
    etag: str


def _load(directory: Path, names: list[str] | None = None) -> dict[str, Asset]:
    files: dict[str, Asset] = {}
    if not directory.is_dir():
        return files
    for path in sorted(directory.iterdir()):
        if path.suffix in TYPES and (names is None or path.name in names):
            body = path.read_bytes()
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            files[path.name] = Asset(body, TYPES[path.suffix], etag)
    return files


def own_assets() -> dict[str, Asset]:
    """`/static/<name>`: the files of `web/static/`."""
    return _load(STATIC)


def docs_assets() -> dict[str, Asset]:
    """`/static/docs/<name>`: Swagger UI and ReDoc from the `fastapi-offline` package
    (empty when it is not installed: `/docs` then says so)."""
    try:
        import fastapi_offline
    except ImportError:
        return {}
    directory = Path(fastapi_offline.__file__).parent / "static"
    return _load(
        directory, ["swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png"]
    )
