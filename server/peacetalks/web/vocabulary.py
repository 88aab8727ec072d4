"""What the pages show for IRIs, and what the editor completes: every label of the dataset
(en/ja, `rdfs:label` and `skos:prefLabel`) and the ontology's terms, read once per dataset
with SPARQL (`GET /query/vocabulary.json` serves the completion list).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from peacetalks.dataset.store import Dataset
from peacetalks.linked_data.describe import compact
from peacetalks.linked_data.jsonld_context import ID_SPACE, ONTOLOGY_NS, PREFIXES

LABELS_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?s ?label WHERE {
  { ?s rdfs:label ?label } UNION { ?s skos:prefLabel ?label }
  FILTER(isIRI(?s) && (LANGMATCHES(LANG(?label), "en") || LANGMATCHES(LANG(?label), "ja")
         || LANG(?label) = ""))
}"""

TERMS_QUERY = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT DISTINCT ?ns ?term ?type WHERE {
  ?term rdf:type ?type .
  VALUES ?type { owl:Class owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty
                 owl:NamedIndividual }
  FILTER(STRSTARTS(STR(?term), STR(?ns)))
}"""


@dataclass(frozen=True)
class Vocabulary:
    """Labels by IRI and language, and the completion entries of the editor."""

    version: str
    labels: dict[str, dict[str, str]]
    terms: list[dict[str, Any]]

    def label(self, iri: str, lang: str = "en") -> str:
        """The label in `lang`, else the other of en/ja, else untagged, else a compact IRI."""
        found = self.labels.get(iri, {})
        other = "ja" if lang == "en" else "en"
        return found.get(lang) or found.get(other) or found.get("") or compact(iri)

    def completions(self) -> dict[str, Any]:
        """The editor's list: prefixes, ontology terms (as `pt:Term`), resources (full IRIs)."""
        return {"version": self.version, "prefixes": PREFIXES, "terms": self.terms}

    @classmethod
    def build(cls, dataset: Dataset) -> Vocabulary:
        store = dataset.store
        labels: dict[str, dict[str, str]] = {}
        solutions = store.query(LABELS_QUERY, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        for row in solutions:
            s, label = row["s"], row["label"]
            assert isinstance(s, ox.NamedNode) and isinstance(label, ox.Literal)
            lang = (label.language or "").split("-")[0]
            labels.setdefault(s.value, {}).setdefault(lang, label.value)
        terms: list[dict[str, Any]] = []
        kinds: dict[str, str] = {}
        solutions = store.query(
            TERMS_QUERY,
            use_default_graph_as_union=True,
            substitutions={ox.Variable("ns"): ox.Literal(ONTOLOGY_NS)},
        )
        assert isinstance(solutions, ox.QuerySolutions)
        for row in solutions:
            iri, kind = row["term"], row["type"]
            assert isinstance(iri, ox.NamedNode) and isinstance(kind, ox.NamedNode)
            short = kind.value.rsplit("#", 1)[-1]
            if kinds.get(iri.value) in (None, "NamedIndividual"):
                kinds[iri.value] = short
        for iri, kind in sorted(kinds.items()):
            names = labels.get(iri, {})
            terms.append(
                {"text": "pt:" + iri[len(ONTOLOGY_NS) :], "kind": kind, "iri": iri,
                 "en": names.get("en", ""), "ja": names.get("ja", "")}
            )  # fmt: skip
        for iri, names in sorted(labels.items()):
            if iri.startswith(ID_SPACE) and iri.count("/") > ID_SPACE.count("/"):
                kind = iri[len(ID_SPACE) :].split("/", 1)[0]
                terms.append(
                    {"text": f"<{iri}>", "kind": kind, "iri": iri,
                     "en": names.get("en", ""), "ja": names.get("ja", "")}
                )  # fmt: skip
        return cls(dataset.version, labels, terms)


_LOCK = threading.Lock()


def vocabulary(app_state: Any) -> Vocabulary:
    """The app's vocabulary, built on first use (and again if the dataset changed)."""
    dataset: Dataset = app_state.dataset
    with _LOCK:
        current: Vocabulary | None = getattr(app_state, "web_vocabulary", None)
        if current is None or current.version != dataset.version:
            current = Vocabulary.build(dataset)
            app_state.web_vocabulary = current
        return current
