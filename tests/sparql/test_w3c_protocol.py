"""The W3C SPARQL 1.1 Protocol test suite, run against the app (one pytest item per test).

The manifest (`../shared/w3c/sparql11-protocol/manifest.ttl`, or `$PEACETALKS_W3C_DIR`) is
read with rdflib; its data files are loaded as the named graphs
`http://kasei.us/2009/09/sparql/data/dataN.rdf`. Positive update tests are not applicable to a
read-only endpoint and are reported as skipped ("n.a."); negative update tests must get 4xx.
`tests/conftest.py` prints the pass/fail/n.a. summary line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest
import rdflib
from fastapi.testclient import TestClient
from peacetalks.app import create_app
from peacetalks.settings import Settings
from rdflib.namespace import RDF, RDFS
from w3c import MF, W3C_DIR, items

PROTOCOL = W3C_DIR / "sparql11-protocol"
MANIFEST = PROTOCOL / "manifest.ttl"

HT = rdflib.Namespace("http://www.w3.org/2011/http#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"

RESULTS_TYPES = ("application/sparql-results+json", "application/sparql-results+xml")
TABULAR_TYPES = (*RESULTS_TYPES, "text/csv", "text/tab-separated-values")
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/n-quads": "nquads",
    "application/trig": "trig",
}


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    expected_status: frozenset[str]  # e.g. {"2xx", "3xx"}
    expected_format: str | None
    expected_boolean: bool | None

    @property
    def is_update(self) -> bool:
        body = (self.body or b"").decode("utf-8", "replace")
        return (
            self.headers.get("content-type", "").startswith("application/sparql-update")
            or body.startswith("update=")
            or "update=" in self.path
        )


@dataclass(frozen=True)
class ProtocolTest:
    name: str
    label: str
    graphs: tuple[tuple[str, Path], ...]
    requests: tuple[HttpRequest, ...]

    @property
    def positive_update(self) -> bool:
        return any(r.is_update and "2xx" in r.expected_status for r in self.requests)


def load_manifest() -> list[ProtocolTest]:
    g = rdflib.Graph().parse(MANIFEST, format="turtle", publicID=MANIFEST.as_uri())
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in items(g, g.value(manifest, MF.entries)):
        graphs = tuple(
            (str(g.value(d, RDFS.label)), Path(str(g.value(d, UT.graph)).removeprefix("file://")))
            for d in g.objects(entry, UT.graphData)
        )
        connection = g.value(entry, MF.action)
        requests = []
        for req in items(g, g.value(connection, HT.requests)):
            headers = (
                {
                    str(g.value(h, HT.fieldName)).lower(): str(g.value(h, HT.fieldValue))
                    for h in items(g, g.value(req, HT.headers))
                }
                if g.value(req, HT.headers)
                else {}
            )
            body_node = g.value(req, HT.body)
            body = None
            if body_node is not None:
                encoding = str(g.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = str(g.value(body_node, CNT.chars)).encode(encoding)
            resp = g.value(req, HT.resp)
            expected_boolean = g.value(resp, MF.expectedBoolean)
            requests.append(
                HttpRequest(
                    method=str(g.value(req, HT.methodName)),
                    path=str(g.value(req, HT.absolutePath)).replace("/sparql/", "/sparql", 1),
                    headers=headers,
                    body=body,
                    expected_status=frozenset(
                        str(s).removeprefix(HTS) for s in g.objects(resp, MF.expectedStatus)
                    ),
                    expected_format=(
                        str(g.value(resp, MF.expectedFormat))
                        if g.value(resp, MF.expectedFormat) is not None
                        else None
                    ),
                    expected_boolean=(
                        None if expected_boolean is None else bool(expected_boolean.toPython())
                    ),
                )
            )
        tests.append(
            ProtocolTest(
                name=str(entry).rsplit("#", 1)[-1],
                label=str(g.value(entry, MF.name)),
                graphs=graphs,
                requests=tuple(requests),
            )
        )
    return tests


TESTS = load_manifest() if MANIFEST.is_file() else []


@pytest.fixture(scope="module")
def w3c_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An app whose store holds data1..3 in the graphs the manifest names."""
    graphs = {name: path for t in TESTS for name, path in t.graphs}
    lines = []
    for name, path in sorted(graphs.items()):
        for triple in rdflib.Graph().parse(path, format="nt"):
            lines.append(" ".join(term.n3() for term in triple) + f" <{name}> .")
    tmp = tmp_path_factory.mktemp("w3c")
    data = tmp / "w3c-protocol.nq"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = Settings(
        shipped_data=False, data=[data], cache_dir=tmp / "cache", inference=False, workers=1
    )
    with TestClient(create_app(settings)) as client:
        yield client


def _boolean(media_type: str, body: bytes) -> bool:
    if media_type == "application/sparql-results+json":
        return bool(json.loads(body)["boolean"])
    root = ElementTree.fromstring(body)
    node = root.find("{http://www.w3.org/2005/sparql-results#}boolean")
    assert node is not None and node.text is not None
    return node.text.strip() == "true"


def check_response(request: HttpRequest, status: int, media_type: str, body: bytes) -> None:
    assert f"{status // 100}xx" in request.expected_status, (status, body[:300])
    if request.expected_format == "boolean":
        assert media_type in RESULTS_TYPES
        if request.expected_boolean is not None:
            assert _boolean(media_type, body) is request.expected_boolean
    elif request.expected_format == "tabular":
        assert media_type in TABULAR_TYPES
    elif request.expected_format == "RDF":
        assert media_type in RDF_TYPES
        rdflib.Graph().parse(data=body, format=RDF_TYPES[media_type])


@pytest.mark.skipif(not MANIFEST.is_file(), reason=f"W3C manifest not found at {MANIFEST}")
@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_protocol(test: ProtocolTest, w3c_client: TestClient) -> None:
    if test.positive_update:
        pytest.skip("n.a.: positive update test; the endpoint is read-only")
    for request in test.requests:
        response = w3c_client.request(
            request.method, request.path, headers=request.headers, content=request.body
        )
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        check_response(request, response.status_code, media_type, response.content)


def test_manifest_found() -> None:
    """Say clearly why the W3C tests did not run, instead of passing vacuously."""
    if not MANIFEST.is_file():
        pytest.skip(f"W3C test suite not found at {MANIFEST} (set PEACETALKS_W3C_DIR)")
    assert len(TESTS) == 34


# ------------------------------------------------------------ service description manifest

SD_MANIFEST = W3C_DIR / "sparql11-service-description" / "manifest.ttl"
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
SD_TERMS = set(
    # classes, properties and instances of https://www.w3.org/TR/sparql11-service-description/
    [
        "Service",
        "Feature",
        "Language",
        "Function",
        "Aggregate",
        "EntailmentRegime",
        "EntailmentProfile",
        "GraphCollection",
        "Dataset",
        "Graph",
        "NamedGraph",
        "endpoint",
        "feature",
        "defaultEntailmentRegime",
        "entailmentRegime",
        "supportedEntailmentProfile",
        "defaultSupportedEntailmentProfile",
        "extensionFunction",
        "extensionAggregate",
        "languageExtension",
        "supportedLanguage",
        "propertyFeature",
        "defaultDataset",
        "availableGraphs",
        "resultFormat",
        "inputFormat",
        "defaultGraph",
        "namedGraph",
        "name",
        "graph",
        "SPARQL10Query",
        "SPARQL11Query",
        "SPARQL11Update",
        "DereferencesURIs",
        "UnionDefaultGraph",
        "RequiresDataset",
        "EmptyGraphs",
        "BasicFederatedQuery",
    ]
)
SD_TYPES = {  # property -> rdf:type its object must have
    SD.defaultDataset: SD.Dataset,
    SD.namedGraph: SD.NamedGraph,
    SD.defaultGraph: SD.Graph,
    SD.graph: SD.Graph,
}


def _sd_tests() -> list[str]:
    if not SD_MANIFEST.is_file():
        return []
    g = rdflib.Graph().parse(SD_MANIFEST, format="turtle")
    entries = g.value(next(g.subjects(RDF.type, MF.Manifest)), MF.entries)
    return [str(e).rsplit("#", 1)[-1] for e in items(g, entries)]


SD_TESTS = _sd_tests()


def _description(client: TestClient, accept: str = "text/turtle") -> rdflib.Graph:
    r = client.get("/sparql", headers={"accept": accept})
    assert r.status_code == 200
    media_type = r.headers["content-type"].split(";")[0]
    return rdflib.Graph().parse(data=r.content, format=RDF_TYPES[media_type])


@pytest.mark.skipif(not SD_MANIFEST.is_file(), reason=f"W3C manifest not found at {SD_MANIFEST}")
@pytest.mark.parametrize("name", SD_TESTS)
def test_service_description(name: str, w3c_client: TestClient) -> None:
    endpoint = rdflib.URIRef(str(w3c_client.base_url) + "/sparql")
    if name == "returns-rdf":
        for accept in RDF_TYPES:
            assert len(_description(w3c_client, accept)) > 0, accept
    elif name == "has-endpoint-triple":
        assert (None, SD.endpoint, endpoint) in _description(w3c_client)
    elif name == "conforms-to-schema":
        g = _description(w3c_client)
        used = {t for triple in g for t in triple if isinstance(t, rdflib.URIRef) and t in SD}
        assert {str(t).removeprefix(str(SD)) for t in used} <= SD_TERMS
        services = set(g.subjects(RDF.type, SD.Service))
        assert services and all(g.value(s, SD.endpoint) is not None for s in services)
        for prop, cls in SD_TYPES.items():
            for obj in g.objects(None, prop):
                assert (obj, RDF.type, cls) in g, (prop, obj)
        assert all(isinstance(n, rdflib.URIRef) for n in g.objects(None, SD.name))
    else:
        pytest.fail(f"unknown service description test {name}")
