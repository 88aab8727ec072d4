"""A spreadsheet row ↔ the triples of one `pt:Statement` (and of what the row creates).

The shape is the one `graph/statements-*.ttl` curates by hand (see ontology/README.md, "One
statement, worked through"): speaker, office, issues, stance, the date as precise as the
source, bilingual summaries, quote, hedge, event, the outlet's article
(`prov:wasDerivedFrom`), the relaying digest (`pt:relayedBy`) and whether it is the
digest's own claim (`pt:DigestClaim`). `rows_to_triples` checks every cell and collects
every problem before it returns; `statement_rows` is the inverse for a graph's statements
and refuses a statement it could not write back unchanged.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from peacetalks.api.binding import ID_BASE, XSD, normalize
from peacetalks.curation.resolve import NEW, SLUG, CellError, Resolver, iri_of, slug_of
from peacetalks.curation.spreadsheet import REQUIRED_COLUMNS, Row, RowError, split_values

PT = "https://w3id.org/peacetalks/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DCTERMS = "http://purl.org/dc/terms/"
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
SCHEMA_URL = "https://schema.org/url"
STATEMENT = PT + "Statement"
DIGEST_CLAIM = PT + "DigestClaim"
DIGEST = PT + "DigestArticle"
NEWS_ARTICLE = PT + "NewsArticle"

LITERALS: dict[tuple[str, str], str] = {
    (RDFS_LABEL, "en"): "label_en",
    (RDFS_LABEL, "ja"): "label_ja",
    (PT + "summary", "en"): "summary_en",
    (PT + "summary", "ja"): "summary_ja",
    (PT + "hedge", "en"): "hedge_en",
    (PT + "hedge", "ja"): "hedge_ja",
    (PT + "curatorNote", "en"): "curator_note",
}
"""(predicate, language) → column of the language-tagged literals."""

LINKS: dict[str, tuple[str, tuple[str, ...], bool]] = {
    PT + "speaker": ("speaker", ("actor",), True),
    PT + "speakerOffice": ("speaker_office", ("post",), True),
    PT + "issue": ("issues", ("issue",), False),
    PT + "stance": ("stance", ("stance",), True),
    PT + "atEvent": ("event", ("event",), True),
    DCTERMS + "subject": ("about", ("event", "actor", "place", "statement"), False),
    PT + "target": ("targets", ("actor",), False),
    PT + "respondsTo": ("responds_to", ("statement",), False),
    PT + "conflictsWith": ("conflicts_with", ("statement",), False),
    PT + "figure": ("figures", ("figure",), False),
    PT + "originallyReportedBy": ("originally_reported_by", ("outlet",), False),
    PROV_DERIVED: ("source", ("source",), True),
    PT + "relayedBy": ("digest", ("source",), True),
}
"""Predicate → (column, kinds its values resolve as, single-valued) of the links."""

DATE_SAID = PT + "dateSaid"
SAID_NO_LATER_THAN = PT + "saidNoLaterThan"
QUOTE = PT + "quote"
QUOTE_IS_TRANSLATION = PT + "quoteIsTranslation"

COLUMN_OF_PREDICATE: dict[str, str] = {
    **{p: column for (p, _), column in LITERALS.items()},
    **{p: column for p, (column, _, _) in LINKS.items()},
    DATE_SAID: "date",
    SAID_NO_LATER_THAN: "date",
    QUOTE: "quote",
    QUOTE_IS_TRANSLATION: "quote_is_translation",
    DCTERMS + "publisher": "source_outlet",
    SCHEMA_URL: "source_url",
    DCTERMS + "issued": "source_date",
    DCTERMS + "title": "source_title",
    DCTERMS + "language": "source_language",
}
"""Predicate → the column a problem with it is reported in (SHACL results on statements
and on the articles rows create)."""

SPEAKER_CLASSES = {
    "person": "Person",
    "state": "State",
    "international-organization": "InternationalOrganization",
    "grouping": "Grouping",
    "government-body": "GovernmentBody",
    "armed-forces": "ArmedForces",
}
"""`new_speaker_class` values → pt: class of a new speaker."""

_DATE = re.compile(r"^(<=)?\s*(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
_LANG = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_BOOLEAN = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
_URL = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")


def _nn(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _lang(text: str, lang: str) -> ox.Literal:
    return ox.Literal(text, language=lang)


def parse_date(cell: str) -> tuple[str, ox.Literal]:
    """`2025` / `2025-03` / `2025-03-18`, optionally after `<=` → (property, typed literal)."""
    match = _DATE.match(cell)
    if not match:
        raise CellError(f"{cell!r} is not a date: write 2025, 2025-03, 2025-03-18 or <=2025-03-18")
    bound, year, month, day = match.groups()
    if day is not None and month is None:
        raise CellError(f"{cell!r} is not a date")
    try:
        datetime.date(int(year), int(month or 1), int(day or 1))
    except ValueError as e:
        raise CellError(f"{cell!r} is not a date: {e}") from e
    lexical, datatype = year, "gYear"
    if month is not None:
        lexical, datatype = f"{year}-{month}", "gYearMonth"
    if day is not None:
        lexical, datatype = f"{year}-{month}-{day}", "date"
    prop = SAID_NO_LATER_THAN if bound else DATE_SAID
    return prop, ox.Literal(lexical, datatype=_nn(XSD + datatype))


def format_date(prop: str, literal: ox.Literal) -> str:
    """Inverse of `parse_date`."""
    return ("<=" if prop == SAID_NO_LATER_THAN else "") + literal.value


@dataclass
class Built:
    """What the rows produce: the triples, the row of each node they describe, the problems."""

    triples: list[ox.Triple] = field(default_factory=list)
    row_of: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)


class _Rows:
    """The three passes over the rows (new resources, statement IRIs, the statements)."""

    def __init__(self, rows: list[tuple[int, Row]], resolver: Resolver) -> None:
        self.rows = rows
        self.resolver = resolver
        self.out = Built()
        self._defined: dict[str, tuple[int, frozenset[ox.Triple]]] = {}
        self._seen: set[ox.Triple] = set()

    def error(self, row: int, column: str, message: str) -> None:
        self.out.errors.append(RowError(row, column, message))

    def emit(self, triples: Iterable[ox.Triple]) -> None:
        for t in triples:
            if t not in self._seen:
                self._seen.add(t)
                self.out.triples.append(t)

    def resolve(self, number: int, column: str, kinds: tuple[str, ...], value: str) -> str | None:
        found: dict[str, str] = {}
        problems = []
        for kind in kinds:
            try:
                found[kind] = self.resolver.resolve(kind, value)
            except CellError as e:
                problems.append(str(e))
        if len(set(found.values())) == 1:
            return next(iter(found.values()))
        if found:
            names = ", ".join(f"{kind} {slug_of(iri)}" for kind, iri in found.items())
            self.error(number, column, f"{value!r} is ambiguous: it names {names}")
        else:
            self.error(number, column, "; ".join(problems))
        return None

    # -- pass 1: what the rows create --------------------------------------------------

    def define(self, number: int, column: str, kind: str, slug: str, triples: list[ox.Triple]):
        """Register a new resource; the same definition may repeat, a different one not."""
        iri = iri_of(kind, slug)
        if self.resolver.exists(iri):
            self.error(
                number,
                column,
                f"{kind} {slug!r} already exists (in {self.resolver.files.get(iri, 'graph/')}); "
                "name it without new:",
            )
            return
        body = frozenset(triples)
        earlier = self._defined.get(iri)
        if earlier is not None and earlier[1] != body:
            self.error(number, column, f"new {kind} {slug!r} differs from its row {earlier[0]}")
            return
        if earlier is None:
            self._defined[iri] = (number, body)
            self.resolver.add_pending(kind, slug)
            self.out.row_of.setdefault(iri, number)
            self.emit(sorted(triples, key=str))

    def new_slug(self, number: int, column: str, cell: str) -> str | None:
        """The slug of a `new:SLUG` cell, or None (and an error) when it is not one."""
        slug = cell.removeprefix(NEW).strip()
        if SLUG.match(slug):
            return slug
        self.error(number, column, f"{slug!r} is not a slug (lower-case words joined by -)")
        return None

    def labels(self, number: int, prefix: str, iri: str) -> list[ox.Triple] | None:
        missing = [
            f"{prefix}_{lang}" for lang in ("en", "ja") if not self.cell(number, prefix, lang)
        ]
        for column in missing:
            self.error(number, column, "a new resource needs labels in English and Japanese")
        if missing:
            return None
        return [
            ox.Triple(_nn(iri), _nn(RDFS_LABEL), _lang(self.cell(number, prefix, lang), lang))
            for lang in ("en", "ja")
        ]

    def cell(self, number: int, prefix: str, lang: str) -> str:
        return self._row(number)[f"{prefix}_{lang}"]

    def _row(self, number: int) -> Row:
        return next(row for n, row in self.rows if n == number)

    def new_speaker(self, number: int, row: Row) -> None:
        slug = self.new_slug(number, "speaker", row["speaker"])
        if slug is None:
            return
        iri = iri_of("actor", slug)
        labels = self.labels(number, "new_speaker", iri)
        cls = SPEAKER_CLASSES.get(row["new_speaker_class"].strip().lower())
        if cls is None:
            self.error(
                number,
                "new_speaker_class",
                f"{row['new_speaker_class']!r} is not one of: {', '.join(SPEAKER_CLASSES)}",
            )
        if labels is not None and cls is not None:
            self.define(
                number,
                "speaker",
                "actor",
                slug,
                [ox.Triple(_nn(iri), _nn(RDF_TYPE), _nn(PT + cls)), *labels],
            )

    def new_outlet(self, number: int, row: Row) -> None:
        slug = self.new_slug(number, "source_outlet", row["source_outlet"])
        if slug is None:
            return
        iri = iri_of("outlet", slug)
        labels = self.labels(number, "new_outlet", iri)
        if labels is not None:
            self.define(
                number,
                "source_outlet",
                "outlet",
                slug,
                [ox.Triple(_nn(iri), _nn(RDF_TYPE), _nn(PT + "NewsOutlet")), *labels],
            )

    def new_article(self, number: int, row: Row) -> None:
        slug = self.new_slug(number, "source", row["source"])
        if slug is None:
            return
        iri = iri_of("source", slug)
        s = _nn(iri)
        triples = [ox.Triple(s, _nn(RDF_TYPE), _nn(NEWS_ARTICLE))]
        ok = True
        for column in ("source_url", "source_outlet", "source_date", "source_title"):
            if not row[column]:
                self.error(number, column, "a new article needs its URL, outlet, date and title")
                ok = False
        labels = self.labels(number, "source_label", iri)
        if labels is None:
            ok = False
        else:
            triples += labels
        if row["source_url"]:
            if _URL.match(row["source_url"]):
                triples.append(ox.Triple(s, _nn(SCHEMA_URL), _nn(row["source_url"])))
            else:
                self.error(number, "source_url", f"{row['source_url']!r} is not an http(s) URL")
                ok = False
        if row["source_outlet"]:
            outlet = self.resolve(
                number, "source_outlet", ("outlet",), row["source_outlet"].removeprefix(NEW)
            )
            if outlet is None:
                ok = False
            else:
                triples.append(ox.Triple(s, _nn(DCTERMS + "publisher"), _nn(outlet)))
        if row["source_date"]:
            prop, issued = self._date(number, "source_date", row["source_date"])
            if issued is None or prop != DATE_SAID or issued.datatype.value != XSD + "date":
                if issued is not None:
                    self.error(number, "source_date", "write the publication day: YYYY-MM-DD")
                ok = False
            else:
                triples.append(ox.Triple(s, _nn(DCTERMS + "issued"), issued))
        if row["source_title"]:
            lang = self._language(number, "source_title_lang", row["source_title_lang"], True)
            if lang is None:
                ok = False
            else:
                triples.append(
                    ox.Triple(s, _nn(DCTERMS + "title"), _lang(row["source_title"], lang))
                )
        if row["source_language"]:
            lang = self._language(number, "source_language", row["source_language"], True)
            if lang is None:
                ok = False
            else:
                triples.append(ox.Triple(s, _nn(DCTERMS + "language"), ox.Literal(lang)))
        if ok:
            self.define(number, "source", "source", slug, triples)

    def _date(self, number: int, column: str, cell: str) -> tuple[str, ox.Literal | None]:
        try:
            return parse_date(cell)
        except CellError as e:
            self.error(number, column, str(e))
            return "", None

    def _language(self, number: int, column: str, cell: str, required: bool) -> str | None:
        if not cell:
            if required:
                self.error(number, column, "give the language (ja, en …)")
            return None
        if not _LANG.match(cell):
            self.error(number, column, f"{cell!r} is not a language tag (ja, en …)")
            return None
        return cell

    def pass_new(self) -> None:
        for number, row in self.rows:
            if row["speaker"].startswith(NEW):
                self.new_speaker(number, row)
            elif any(row[c] for c in ("new_speaker_en", "new_speaker_ja", "new_speaker_class")):
                self.error(number, "new_speaker_class", "new_speaker_* needs speaker new:SLUG")
            if row["source_outlet"].startswith(NEW):
                self.new_outlet(number, row)
            elif row["new_outlet_en"] or row["new_outlet_ja"]:
                self.error(number, "new_outlet_en", "new_outlet_* needs source_outlet new:SLUG")
        # articles last: their outlet may be new too
        for number, row in self.rows:
            if row["source"].startswith(NEW):
                self.new_article(number, row)

    # -- pass 2: statement IRIs ----------------------------------------------------------

    def pass_ids(self) -> dict[int, str]:
        ids: dict[int, str] = {}
        taken: dict[str, int] = {}
        for number, row in self.rows:
            for column in REQUIRED_COLUMNS:
                if not row[column]:
                    self.error(number, column, "required")
            given = row["statement"]
            if given:
                slug = slug_of(given) if given.startswith(ID_BASE + "statement/") else given
                if not SLUG.match(slug):
                    self.error(number, "statement", f"{given!r} is not a slug or statement IRI")
                    continue
            else:
                key = [row["source"], row["speaker"], row["date"], normalize(row["summary_en"])]
                speaker, source = (
                    self._quiet("actor", row["speaker"].removeprefix(NEW)),
                    self._quiet("source", row["source"].removeprefix(NEW)),
                )
                key[:2] = [source or key[0], speaker or key[1]]
                digest = hashlib.sha256("\n".join(key).encode()).hexdigest()[:10]
                slug = f"{slug_of(speaker) if speaker else 'statement'}-{digest}"
            iri = iri_of("statement", slug)
            if iri in taken:
                self.error(number, "statement", f"same statement as row {taken[iri]}")
                continue
            if self.resolver.exists(iri):
                self.error(
                    number,
                    "statement",
                    f"statement {slug!r} is already curated in "
                    f"{self.resolver.files.get(iri, 'another file of graph/')}",
                )
                continue
            taken[iri] = number
            ids[number] = iri
            self.resolver.add_pending("statement", slug)
            self.out.row_of[iri] = number
        return ids

    def _quiet(self, kind: str, value: str) -> str | None:
        try:
            return self.resolver.resolve(kind, value) if value else None
        except CellError:
            return None

    # -- pass 3: the statements ----------------------------------------------------------

    def statement(self, number: int, row: Row, iri: str) -> None:
        s = _nn(iri)
        triples = [ox.Triple(s, _nn(RDF_TYPE), _nn(STATEMENT))]
        claim = self._digest_claim(number, row)
        if claim:
            triples.append(ox.Triple(s, _nn(RDF_TYPE), _nn(DIGEST_CLAIM)))
        linked: dict[str, str] = {}
        for (prop, lang), column in LITERALS.items():
            if row[column]:
                triples.append(ox.Triple(s, _nn(prop), _lang(row[column], lang)))
        if row["date"]:
            prop, literal = self._date(number, "date", row["date"])
            if literal is not None:
                triples.append(ox.Triple(s, _nn(prop), literal))
        triples += self._quote(number, row, s)
        for prop, (column, kinds, single) in LINKS.items():
            values = split_values(row[column])
            if single and len(values) > 1:
                self.error(number, column, "give one value only")
                continue
            for value in values:
                value = value.removeprefix(NEW) if column in ("speaker", "source") else value
                target = self.resolve(number, column, kinds, value)
                if target is not None:
                    triples.append(ox.Triple(s, _nn(prop), _nn(target)))
                    self._check_link(number, column, target)
                    linked[column] = target
        self._check_source(number, row)
        if claim:
            self._check_digest_claim(number, linked)
        self.emit(triples)

    def _digest_claim(self, number: int, row: Row) -> bool:
        """The `digest_claim` cell: `true` (or yes, 1) for a `pt:DigestClaim`, empty (or
        false, no, 0) for any other statement."""
        cell = row["digest_claim"]
        if not cell:
            return False
        flag = _BOOLEAN.get(cell.lower())
        if flag is None:
            self.error(
                number,
                "digest_claim",
                f"{cell!r}: write true for a digest's own claim, or leave it empty",
            )
            return False
        return flag

    def _check_digest_claim(self, number: int, linked: dict[str, str]) -> None:
        """A digest claim is the digest's alone (as
        `queries/checks/digest-claim-not-from-digest-violation.rq` checks): derived from a
        digest article, relayed by that digest, spoken by the digest's publisher."""
        source, digest, speaker = (linked.get(c) for c in ("source", "digest", "speaker"))
        if source is None:
            return  # unresolved or missing: already reported
        if DIGEST not in self.resolver.types.get(source, set()):
            self.error(
                number,
                "source",
                f"a digest claim is derived from the digest alone: {slug_of(source)} is not "
                "a digest (pt:DigestArticle); name the digest, or empty digest_claim",
            )
            return
        if digest is not None and digest != source:
            self.error(
                number,
                "digest",
                f"a digest claim is relayed by the digest it is derived from: give "
                f"{slug_of(source)}, not {slug_of(digest)}",
            )
        publisher = self.resolver.article(source).get("outlet")
        if speaker is not None and publisher and speaker != publisher:
            self.error(
                number,
                "speaker",
                f"a digest claim is spoken by the digest's publisher: give "
                f"{slug_of(publisher)}, not {slug_of(speaker)}",
            )

    def _quote(self, number: int, row: Row, s: ox.NamedNode) -> list[ox.Triple]:
        if not row["quote"]:
            for column in ("quote_lang", "quote_is_translation"):
                if row[column]:
                    self.error(number, column, "given without a quote")
            return []
        lang = self._language(number, "quote_lang", row["quote_lang"], True)
        flag = _BOOLEAN.get(row["quote_is_translation"].lower())
        if flag is None:
            self.error(number, "quote_is_translation", "write true or false (needed with a quote)")
        if lang is None or flag is None:
            return []
        return [
            ox.Triple(s, _nn(QUOTE), _lang(row["quote"], lang)),
            ox.Triple(
                s,
                _nn(QUOTE_IS_TRANSLATION),
                ox.Literal("true" if flag else "false", datatype=_nn(XSD + "boolean")),
            ),
        ]

    def _check_link(self, number: int, column: str, target: str) -> None:
        types = self.resolver.types.get(target, set())
        if column == "digest" and DIGEST not in types:
            self.error(number, column, f"{slug_of(target)} is not a digest (pt:DigestArticle)")
        if (
            column == "source"
            and target in self.resolver.types
            and not types
            & {
                DIGEST,
                NEWS_ARTICLE,
            }
        ):
            self.error(number, column, f"{slug_of(target)} is not a news or digest article")

    def _check_source(self, number: int, row: Row) -> None:
        """The source_* cells of a row naming an existing article must agree with it."""
        if row["source"].startswith(NEW) or not row["source"]:
            return
        source = self._quiet("source", row["source"])
        if source is None or source not in self.resolver.types:
            return
        facts = self.resolver.article(source)
        for column, value in article_cells(facts, self.resolver).items():
            given = row[column]
            if (
                given
                and given != value
                and not (
                    column == "source_outlet"
                    and self._quiet("outlet", given) == facts.get("outlet")
                )
            ):
                shown = f"{value!r}" if value else "nothing"
                self.error(
                    number,
                    column,
                    f"{given!r} differs from {slug_of(source)}, which has {shown} "
                    "(leave the cell empty, or correct the article in graph/)",
                )


def article_cells(facts: dict[str, str], resolver: Resolver | None = None) -> dict[str, str]:
    """The source_* cells describing an existing article (`Resolver.article` facts)."""
    outlet = facts.get("outlet", "")
    return {
        "source_url": facts.get("url", ""),
        "source_outlet": slug_of(outlet),
        "source_title": facts.get("title", ""),
        "source_title_lang": facts.get("title_lang", ""),
        "source_label_en": facts.get("label_en", ""),
        "source_label_ja": facts.get("label_ja", ""),
        "source_date": facts.get("issued", ""),
        "source_language": facts.get("language", ""),
    }


def rows_to_triples(rows: list[tuple[int, Row]], resolver: Resolver) -> Built:
    """Every row's triples, with the new actors, outlets and articles they ask for (and the
    digest's `dcterms:references` of each new article); `errors` lists every problem."""
    work = _Rows(rows, resolver)
    work.pass_new()
    ids = work.pass_ids()
    for number, row in rows:
        if number in ids:
            work.statement(number, row, ids[number])
    _cite_new_articles(work)
    return work.out


def _cite_new_articles(work: _Rows) -> None:
    """A new article is cited by the digests of the rows deriving from it, as the digests in
    graph/sources.ttl cite theirs (`dcterms:references` and `prov:wasDerivedFrom`)."""
    new_articles = set(work.resolver.pending.get("source", {}).values())
    relays: dict[str, set[str]] = defaultdict(set)
    for t in work.out.triples:
        if t.predicate.value == PT + "relayedBy":
            relays[str(t.subject)].add(str(t.object)[1:-1])
    for t in list(work.out.triples):
        if t.predicate.value == PROV_DERIVED and str(t.object)[1:-1] in new_articles:
            for digest in sorted(relays[str(t.subject)]):
                work.emit(
                    [
                        ox.Triple(_nn(digest), _nn(DCTERMS + "references"), t.object),
                        ox.Triple(_nn(digest), _nn(PROV_DERIVED), t.object),
                    ]
                )


# -- graph → rows ----------------------------------------------------------------------


class ExportError(Exception):
    """Statements the columns cannot hold unchanged (a property or a second value they have
    no cell for); exporting them would lose triples."""


_STATEMENTS_QUERY = (
    "SELECT DISTINCT ?s WHERE { ?s a <https://w3id.org/peacetalks/ontology#Statement> } ORDER BY ?s"
)


def _cell_value(resolver: Resolver, kinds: tuple[str, ...], iri: str) -> str:
    """The slug when it resolves back to `iri` for every kind it resolves in, else the IRI."""
    slug = slug_of(iri)
    found = set()
    for kind in kinds:
        try:
            found.add(resolver.resolve(kind, slug))
        except CellError:
            continue
    return slug if found == {iri} else iri


TEMPLATE_STATEMENTS = (
    "000-01-trump-negotiations-start-immediately",
    "002-01-putin-no-unconditional-30-day-ceasefire",
)
"""The curated statements `peacetalks import --template` shows as example rows: a dated one
at an event, and an undated one bounded by its report (`<=`)."""


def statement_rows(store: ox.Store, only: Iterable[str] | None = None) -> list[Row]:
    """One row per `pt:Statement` of `store` (asserted triples only: build it without the
    inferred graph), in IRI order; `only` keeps the statements with those slugs. Raises
    `ExportError` rather than drop a triple."""
    resolver = Resolver(store)
    rows: list[Row] = []
    problems: list[str] = []
    wanted = None if only is None else set(only)
    for solution in store.query(_STATEMENTS_QUERY, use_default_graph_as_union=True):  # type: ignore[union-attr]
        subject = solution["s"]
        if wanted is not None and slug_of(subject.value) not in wanted:
            continue
        if not isinstance(subject, ox.NamedNode):
            problems.append(f"{subject}: a blank-node statement has no IRI to export")
            continue
        row, lost = _statement_row(store, resolver, subject)
        problems += [f"<{subject.value}> {p}" for p in lost]
        rows.append(row)
    if problems:
        raise ExportError("cannot export without loss:\n" + "\n".join(problems))
    return rows


def _statement_row(
    store: ox.Store, resolver: Resolver, subject: ox.NamedNode
) -> tuple[Row, list[str]]:
    row: Row = {"statement": slug_of(subject.value)}
    links: dict[str, list[str]] = defaultdict(list)
    lost: list[str] = []

    def put(column: str, value: str, p: str) -> None:
        if row.get(column):
            lost.append(f"<{p}>: a second value for column {column}")
        else:
            row[column] = value

    pairs = {(q.predicate.value, q.object) for q in store.quads_for_pattern(subject, None, None)}
    for p, o in sorted(pairs, key=str):
        if p == RDF_TYPE and o == _nn(STATEMENT):
            continue
        if p == RDF_TYPE and o == _nn(DIGEST_CLAIM):
            put("digest_claim", "true", p)
            continue
        if isinstance(o, ox.Literal) and (p, o.language or "") in LITERALS:
            put(LITERALS[(p, o.language or "")], o.value, p)
        elif p in (DATE_SAID, SAID_NO_LATER_THAN) and isinstance(o, ox.Literal):
            put("date", format_date(p, o), p)
        elif p == QUOTE and isinstance(o, ox.Literal) and o.language:
            put("quote", o.value, p)
            put("quote_lang", o.language, p)
        elif p == QUOTE_IS_TRANSLATION and isinstance(o, ox.Literal):
            put("quote_is_translation", o.value, p)
        elif p in LINKS and isinstance(o, ox.NamedNode):
            column, kinds, _ = LINKS[p]
            links[column].append(_cell_value(resolver, kinds, o.value))
            if p == PROV_DERIVED:
                row.update(article_cells(resolver.article(o.value)))
        else:
            lost.append(f"<{p}> {o}: no column holds it")
    for column, values in links.items():
        row[column] = "; ".join(sorted(values))
    return row, lost
