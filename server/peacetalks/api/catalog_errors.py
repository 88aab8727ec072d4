"""`CatalogError`: a canned-query file that cannot be served. Its own module, so that the
catalog and its rdflib checks (`query_checks`, imported lazily) both raise it without
importing each other."""

from __future__ import annotations

from pathlib import Path


class CatalogError(ValueError):
    """A canned-query file that cannot be served; the message starts with the file."""

    def __init__(self, file: Path, message: str) -> None:
        super().__init__(f"{file}: {message}")
        self.file = file
        self.message = message
