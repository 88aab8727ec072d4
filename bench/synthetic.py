"""A deterministic synthetic graph in the shape of the peacetalks ontology, for load tests.

`generate(path, triples=1_000_000, seed=…)` writes N-Triples: a SKOS issue scheme (the
curated top-level issue slugs, each with narrower issues two levels deep), the stance scheme
(polarity tops and their narrower stances), persons with en/ja labels, news outlets,
articles (title, publisher, URL, issue date), events, and statements with speaker, issue(s),
stance, date (or a "no later than" bound), summary, source and digest. It stops at the first
statement boundary at or past the requested triple count, so the count is exact and the
same for a given (triples, seed). Pure Python, no dependency: the test suite imports it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

ID = "https://w3id.org/peacetalks/id/"
PT = "https://w3id.org/peacetalks/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
SCHEMA = "https://schema.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"

TOP_ISSUES = [
    "aid",
    "civilian-harm",
    "division-of-assets",
    "elections-in-ukraine",
    "ending-the-war",
    "european-defence",
    "minerals",
    "nuclear-threats",
    "prisoners-of-war",
    "sanctions",
    "security-arrangements",
    "territory",
    "us-russia-relations",
]
"""The curated scheme's top concepts: the benchmark queries name `issue:territory`."""
STANCES = {
    "positive": ["agrees", "confirms", "offers", "proposes", "welcomes"],
    "negative": ["accuses", "criticizes", "demands", "denies", "opposes", "rejects"],
    "neutral": ["announces", "claims", "conditional", "predicts", "declines-to-comment"],
}
DEFAULT_SEED = 20250218


def _iri(value: str) -> str:
    return f"<{value}>"


def _lit(value: str, lang: str | None = None, datatype: str | None = None) -> str:
    text = value.replace("\\", "\\\\").replace('"', '\\"')
    if lang:
        return f'"{text}"@{lang}'
    if datatype:
        return f'"{text}"^^<{datatype}>'
    return f'"{text}"'


def _schemes() -> Iterator[tuple[str, str, str]]:
    """Issue and stance schemes (fixed, independent of size and seed)."""
    issue_scheme = _iri(ID + "issue")
    for top in TOP_ISSUES:
        t = _iri(ID + "issue/" + top)
        yield t, _iri(RDF_TYPE), _iri(PT + "Issue")
        yield t, _iri(RDF_TYPE), _iri(SKOS + "Concept")
        yield t, _iri(SKOS + "prefLabel"), _lit(top.replace("-", " "), "en")
        yield t, _iri(SKOS + "prefLabel"), _lit(f"論点 {top}", "ja")
        yield t, _iri(SKOS + "topConceptOf"), issue_scheme
        for i in range(4):
            mid = f"{top}-{i}"
            m = _iri(ID + "issue/" + mid)
            yield m, _iri(RDF_TYPE), _iri(PT + "Issue")
            yield m, _iri(SKOS + "prefLabel"), _lit(mid.replace("-", " "), "en")
            yield m, _iri(SKOS + "broader"), t
            for j in range(3):
                leaf = f"{mid}-{j}"
                lf = _iri(ID + "issue/" + leaf)
                yield lf, _iri(RDF_TYPE), _iri(PT + "Issue")
                yield lf, _iri(SKOS + "prefLabel"), _lit(leaf.replace("-", " "), "en")
                yield lf, _iri(SKOS + "broader"), m
    for top, narrower in STANCES.items():
        t = _iri(ID + "stance/" + top)
        yield t, _iri(RDF_TYPE), _iri(PT + "Stance")
        yield t, _iri(SKOS + "prefLabel"), _lit(top, "en")
        for slug in narrower:
            s = _iri(ID + "stance/" + slug)
            yield s, _iri(RDF_TYPE), _iri(PT + "Stance")
            yield s, _iri(SKOS + "prefLabel"), _lit(slug.replace("-", " "), "en")
            yield s, _iri(SKOS + "prefLabel"), _lit(f"立場 {slug}", "ja")
            yield s, _iri(SKOS + "broader"), t


def issue_slugs() -> list[str]:
    """Every issue slug of the synthetic scheme (tops, middles, leaves)."""
    slugs = []
    for top in TOP_ISSUES:
        slugs.append(top)
        for i in range(4):
            slugs.append(f"{top}-{i}")
            slugs.extend(f"{top}-{i}-{j}" for j in range(3))
    return slugs


def _date(rng: random.Random) -> str:
    return f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def triples(target: int, seed: int = DEFAULT_SEED) -> Iterator[tuple[str, str, str]]:
    """The graph's triples in N-Triples term syntax, about `target` of them (see module)."""
    rng = random.Random(seed)
    n = 0
    for t in _schemes():
        n += 1
        yield t
    # Supporting entities scale with the size (about 15 % of the triples).
    actors = max(10, target // 1000)
    outlets = max(3, target // 20_000)
    articles = max(10, target // 60)
    events = max(5, target // 500)
    typ = _iri(RDF_TYPE)
    label = _iri(RDFS_LABEL)
    for a in range(actors):
        s = _iri(f"{ID}actor/person-{a:05d}")
        for t in (
            (s, typ, _iri(PT + "Person")),
            (s, label, _lit(f"Person {a}", "en")),
            (s, label, _lit(f"人物 {a}", "ja")),
        ):
            n += 1
            yield t
    for o in range(outlets):
        s = _iri(f"{ID}outlet/outlet-{o:03d}")
        for t in ((s, typ, _iri(PT + "NewsOutlet")), (s, label, _lit(f"Outlet {o}", "en"))):
            n += 1
            yield t
    for a in range(articles):
        s = _iri(f"{ID}source/article-{a:06d}")
        for t in (
            (s, typ, _iri(PT + "NewsArticle")),
            (s, _iri(DCT + "title"), _lit(f"Report {a} on the talks", "en")),
            (s, _iri(DCT + "publisher"), _iri(f"{ID}outlet/outlet-{rng.randrange(outlets):03d}")),
            (s, _iri(SCHEMA + "url"), _iri(f"https://news.example/{a}")),
            (s, _iri(DCT + "issued"), _lit(_date(rng), datatype=XSD + "date")),
        ):
            n += 1
            yield t
    for e in range(events):
        s = _iri(f"{ID}event/event-{e:05d}")
        for t in (
            (s, typ, _iri(PT + "Meeting")),
            (s, label, _lit(f"Meeting {e}", "en")),
            (s, _iri(PT + "date"), _lit(_date(rng), datatype=XSD + "date")),
            (s, _iri(PT + "participant"), _iri(f"{ID}actor/person-{rng.randrange(actors):05d}")),
        ):
            n += 1
            yield t
    issues = [_iri(ID + "issue/" + slug) for slug in issue_slugs()]
    stances = [_iri(ID + "stance/" + slug) for group in STANCES.values() for slug in group]
    digests = [_iri(f"{ID}source/digest-{d:03d}") for d in range(max(1, target // 100_000))]
    # Speakers follow a heavy-tailed distribution: a few are quoted very often.
    weights = [1.0 / (k + 1) for k in range(actors)]
    speakers = rng.choices(range(actors), weights=weights, k=max(1, target // 8))
    k = 0
    while n < target:
        s = _iri(f"{ID}statement/s-{k:07d}")
        speaker = speakers[k % len(speakers)]
        article = rng.randrange(articles)
        rows = [
            (s, typ, _iri(PT + "Statement")),
            (s, _iri(PT + "speaker"), _iri(f"{ID}actor/person-{speaker:05d}")),
            (s, _iri(PT + "issue"), rng.choice(issues)),
            (s, _iri(PT + "stance"), rng.choice(stances)),
            (s, _iri(PT + "summary"), _lit(f"Statement {k} by person {speaker}", "en")),
            (s, _iri(PROV + "wasDerivedFrom"), _iri(f"{ID}source/article-{article:06d}")),
        ]
        r = rng.random()
        if r < 0.8:
            rows.append((s, _iri(PT + "dateSaid"), _lit(_date(rng), datatype=XSD + "date")))
        elif r < 0.9:
            month = f"2025-{rng.randint(1, 12):02d}"
            rows.append((s, _iri(PT + "dateSaid"), _lit(month, datatype=XSD + "gYearMonth")))
        else:
            rows.append((s, _iri(PT + "saidNoLaterThan"), _lit(_date(rng), datatype=XSD + "date")))
        if rng.random() < 0.3:
            other = rng.choice(issues)
            if other != rows[2][2]:
                rows.append((s, _iri(PT + "issue"), other))
        if rng.random() < 0.2:
            event = _iri(f"{ID}event/event-{rng.randrange(events):05d}")
            rows.append((s, _iri(PT + "atEvent"), event))
        if rng.random() < 0.5:
            rows.append((s, _iri(PT + "relayedBy"), rng.choice(digests)))
        for t in rows:
            n += 1
            yield t
        k += 1


def generate(path: Path, target: int = 1_000_000, seed: int = DEFAULT_SEED) -> int:
    """Write the graph to `path` as N-Triples; returns the number of triples written."""
    count = 0
    with path.open("w", encoding="utf-8") as f:
        batch: list[str] = []
        for s, p, o in triples(target, seed):
            batch.append(f"{s} {p} {o} .\n")
            count += 1
            if len(batch) >= 10_000:
                f.writelines(batch)
                batch.clear()
        f.writelines(batch)
    return count
