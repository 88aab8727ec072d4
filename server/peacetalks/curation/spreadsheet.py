"""The statement spreadsheet: its columns, CSV reading and writing, and row errors.

One row is one statement. Row numbers are those a spreadsheet program shows: the header is
row 1, the first statement row 2. Cells are stripped; a cell holding several values
separates them with `;`. Files are UTF-8 (a byte-order mark is accepted and written, so
that spreadsheet programs open Japanese text correctly).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

COLUMNS: dict[str, str] = {
    "statement": "slug or IRI of the statement; empty: derived from source, speaker, date and "
    "English summary (stable across re-imports)",
    "label_en": "short label in English (optional)",
    "label_ja": "short label in Japanese (optional)",
    "speaker": "actor or outlet who said it: slug, IRI, English or Japanese label; "
    "new:SLUG creates an actor from the new_speaker_* columns",
    "new_speaker_en": "English label of a new speaker",
    "new_speaker_ja": "Japanese label of a new speaker",
    "new_speaker_class": "class of a new speaker: person, state, international-organization, "
    "grouping, government-body, armed-forces",
    "speaker_office": "office held when speaking, where the source names it (post)",
    "date": "as precise as the source: 2025, 2025-03, 2025-03-18; <=2025-03-18 for "
    "'said no later than' (usually the report's date)",
    "issues": "one or more issues, separated by ;",
    "stance": "one stance (supports, rejects, conditional …)",
    "summary_en": "summary in English",
    "summary_ja": "summary in Japanese",
    "quote": "the words as the source gives them (optional)",
    "quote_lang": "language of the quote (ja, en …); needed with a quote",
    "quote_is_translation": "true when the source quotes in a language other than the "
    "speaker's; needed with a quote",
    "hedge_en": "how the source qualifies it, in English ('reportedly')",
    "hedge_ja": "how the source qualifies it, in Japanese ('と言われている')",
    "event": "event at which it was said",
    "about": "events, actors, places or statements the statement is about (;)",
    "targets": "actors it is aimed at (;)",
    "responds_to": "statements it responds to (;), also rows of this file",
    "conflicts_with": "statements it conflicts with (;); needs a pt:Disagreement",
    "figures": "figures it gives (;)",
    "originally_reported_by": "outlets the article attributes the report to (;)",
    "source": "the outlet's article: slug, IRI or URL; the digest itself when it cites no "
    "outlet; new:SLUG creates the article from the source_* columns",
    "source_url": "URL of the article",
    "source_outlet": "publisher of the article; new:SLUG creates an outlet (new_outlet_*)",
    "new_outlet_en": "English label of a new outlet",
    "new_outlet_ja": "Japanese label of a new outlet",
    "source_title": "title of the article as published",
    "source_title_lang": "language of the title",
    "source_label_en": "English label of the article ('Reuters, 2025-03-18: …')",
    "source_label_ja": "Japanese label of the article",
    "source_date": "publication date the article states (YYYY-MM-DD)",
    "source_language": "language of the article (ja, en …)",
    "digest": "the digest that relayed it: slug (digest-003), IRI or label",
    "digest_claim": "true when it is the digest's own claim (header, 💡, chapter answer, "
    "next-page line; pt:DigestClaim): source and digest are then the digest, speaker its "
    "publisher; empty otherwise",
    "curator_note": "curator's remark in English (never a reported fact)",
}
"""Column → what it holds, in spreadsheet order (`peacetalks import --template`)."""

REQUIRED_COLUMNS = ("speaker", "date", "issues", "stance", "summary_en", "summary_ja", "source")
"""Columns every row must fill (the digest too, checked with the relay rule)."""

Row = dict[str, str]


@dataclass(frozen=True)
class RowError:
    """One problem of one cell: spreadsheet row number (0: the whole file), column name
    (`-`: the whole row), message."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "file"
        if self.column != "-":
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class SpreadsheetError(Exception):
    """The rows cannot be imported; `errors` lists every problem found (nothing is written)."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = sorted(
            errors,
            key=lambda e: (
                e.row,
                list(COLUMNS).index(e.column) if e.column in COLUMNS else len(COLUMNS),
            ),
        )
        super().__init__("\n".join(str(e) for e in self.errors))


def split_values(cell: str) -> list[str]:
    """The values of a multi-valued cell (`a; b` → `["a", "b"]`)."""
    return [v.strip() for v in cell.split(";") if v.strip()]


def read_rows(path: Path) -> list[tuple[int, Row]]:
    """(row number, cells) of every non-empty row of a CSV file with the statement header.

    An unknown or repeated column, or a file that is not UTF-8 CSV, is a `SpreadsheetError`
    (row 0 stands for the file or its header); missing columns read as empty cells.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise SpreadsheetError([RowError(0, "-", f"not UTF-8 text: {e.reason}")]) from e
    except OSError as e:
        raise SpreadsheetError([RowError(0, "-", f"cannot read {path}: {e.strerror}")]) from e
    try:
        records = list(csv.reader(text.splitlines(keepends=True)))
    except csv.Error as e:
        raise SpreadsheetError([RowError(0, "-", f"not valid CSV: {e}")]) from e
    if not records:
        raise SpreadsheetError([RowError(0, "-", "empty file: no header row")])
    header = [h.strip() for h in records[0]]
    errors = [
        RowError(1, name or "(empty)", "unknown column" + _hint(name))
        for name in header
        if name not in COLUMNS
    ]
    errors += [
        RowError(1, name, "column given twice") for name in set(header) if header.count(name) > 1
    ]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    errors += [RowError(1, name, "required column missing from the header") for name in missing]
    if errors:
        raise SpreadsheetError(errors)
    rows = []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(header):
            raise SpreadsheetError([RowError(number, "-", "more cells than header columns")])
        cells = {name: "" for name in COLUMNS}
        cells.update((name, cell.strip()) for name, cell in zip(header, record, strict=False))
        rows.append((number, cells))
    return rows


def _hint(name: str) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(COLUMNS), n=3)
    return f"; close matches: {', '.join(close)}" if close else ""


def write_rows(path: Path | None, rows: Iterable[Mapping[str, str]]) -> str:
    """Write the header and `rows` as CSV to `path` (or only return the text when None)."""
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: row.get(name, "") for name in COLUMNS})
    text = buffer.getvalue()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8-sig")
    return text
