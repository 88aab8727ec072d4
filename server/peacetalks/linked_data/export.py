"""`peacetalks export`: write a dump of the dataset to a file or stdout.

The bytes are exactly those `GET /dump` serves for the same format and graph selection
(`peacetalks.linked_data.dumps`), so a file exported here and one downloaded have the same checksum.
Without `--format`, the format follows the output file's extension (default Turtle).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from peacetalks.dataset.store import Dataset
from peacetalks.linked_data.dumps import BY_NAME, DUMP_FORMATS, GRAPH_SELECTIONS, Dump, build_dump

ALIASES = {f.extension: f.name for f in DUMP_FORMATS} | {f.name: f.name for f in DUMP_FORMATS}
ALIASES |= {"nt": "ntriples", "nq": "nquads", "json-ld": "jsonld", "rdf": "rdfxml", "xml": "rdfxml"}
"""`--format` values: the short names, file extensions and a few spellings of them."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The export subcommand's own flags (the CLI adds the data flags)."""
    parser.add_argument(
        "--format",
        choices=sorted(ALIASES),
        help="RDF format (default: from the -o extension, else turtle)",
    )
    parser.add_argument(
        "--graphs",
        choices=GRAPH_SELECTIONS,
        default="all",
        help="asserted graphs, the inferred graph, or all (default)",
    )
    parser.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")


def format_name(fmt: str | None, output: Path | None) -> str:
    """The dump format for `--format` / the output file name."""
    if fmt:
        return ALIASES[fmt.lower()]
    if output is not None:
        suffix = output.suffix.lower().lstrip(".")
        if suffix in ALIASES:
            return ALIASES[suffix]
    return "turtle"


def export(dataset: Dataset, fmt: str, graphs: str, output: Path | None) -> Dump:
    """Build the dump and write it to `output` (or stdout)."""
    d = build_dump(dataset, BY_NAME[fmt].media_type, graphs)
    if output is None:
        sys.stdout.buffer.write(d.body)
        sys.stdout.buffer.flush()
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(d.body)
    return d


def run(args: argparse.Namespace, dataset: Dataset) -> int:
    """The subcommand: export, then a one-line summary on stderr."""
    fmt = format_name(args.format, args.output)
    d = export(dataset, fmt, args.graphs, args.output)
    kind = "quads" if d.format.quads else "triples"
    where = str(args.output) if args.output else "stdout"
    print(
        f"{d.statements} {kind} ({args.graphs}) as {fmt}, {len(d.body)} bytes → {where}; "
        f"dataset {d.version}; {d.content_digest}",
        file=sys.stderr,
    )
    return 0
