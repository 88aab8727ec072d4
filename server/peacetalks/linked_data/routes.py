"""Linked Data: dumps, the JSON-LD context, VoID, `/id/…` and `/ontology`.

- `GET /dump?format=…&graphs=all|asserted|inferred` — the dataset in any RDF format, with
  `ETag`, `Last-Modified`, `Content-Digest` (RFC 9530) and conditional GET (304).
- `GET /context.jsonld` — the JSON-LD context the JSON-LD dumps and descriptions use.
- `GET /.well-known/void` — the VoID description (RFC 5785 well-known location).
- `GET /id/{kind}/{slug}` — the local path of `https://w3id.org/peacetalks/id/{kind}/{slug}`:
  the resource's description, negotiated (RDF formats or HTML), served directly with
  `Vary: Accept`, `Content-Location` (the format-specific document `…/{slug}.ttl` etc.) and
  `Link` alternates; `?inferred=true` adds the OWL RL inferences. `/id/{kind}/` lists a kind.
- `GET /ontology` — the ontology (+ SKOS schemes) as RDF, or pyLODE HTML for browsers.

Handlers are sync `def` (pyoxigraph calls run in the thread pool, never on the event loop).
Per-app caches (dumps, ontology HTML) live in `app.state.linked_data`.
"""

from __future__ import annotations

import difflib
import threading

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from peacetalks import __version__
from peacetalks.dataset.store import Dataset
from peacetalks.deps import DatasetDep
from peacetalks.errors import BadRequest, NotAcceptable, error_responses
from peacetalks.frame.pages import Frame, frame, remember
from peacetalks.linked_data import describe, html
from peacetalks.linked_data.dumps import (
    DUMP_FORMATS,
    DumpCache,
    built_at,
    check_selection,
    not_modified,
    serialize_triples,
)
from peacetalks.linked_data.jsonld_context import ID_SPACE, context_bytes
from peacetalks.linked_data.ontology_doc import OntologyDocs
from peacetalks.linked_data.void import void_description
from peacetalks.sparql import negotiation
from peacetalks.sparql.negotiation import openapi_ok

router = APIRouter(tags=["Linked Data"], default_response_class=Response)

PAGE_RESPONSES = {
    **openapi_ok("RDF by content negotiation, or HTML", negotiation.PAGE_FORMATS),
    **error_responses(404, 406),
}

EXTENSIONS = {f.extension: f.media_type for f in DUMP_FORMATS} | {"html": "text/html"}
"""`/id/{kind}/{slug}.{ext}`: format-specific documents (slugs never contain a dot)."""
EXTENSION_OF = {mt: ext for ext, mt in EXTENSIONS.items()}
FORMAT_NAMES = {
    f.media_type: n
    for f, n in zip(
        DUMP_FORMATS, ("Turtle", "N-Triples", "N-Quads", "TriG", "JSON-LD", "RDF/XML"), strict=True
    )
} | {"text/html": "HTML"}


class LinkedDataState:
    """Caches for one dataset: dumps per (format, graphs) and the ontology documentation."""

    def __init__(self, dataset: Dataset, docs: OntologyDocs) -> None:
        self.dataset = dataset
        self.dumps = DumpCache(dataset)
        self.docs = docs


_STATE_LOCK = threading.Lock()


def state(request: Request) -> LinkedDataState:
    """The app's `LinkedDataState`, created on first use."""
    app_state = request.app.state
    with _STATE_LOCK:
        current = getattr(app_state, "linked_data", None)
        if current is None or current.dataset is not app_state.dataset:
            current = LinkedDataState(app_state.dataset, OntologyDocs(app_state.settings.cache_dir))
            app_state.linked_data = current
        return current


def _base(request: Request) -> str:
    return str(request.base_url)


def wants_html(request: Request) -> bool:
    """True when the client prefers HTML (browsers) to any RDF format."""
    try:
        chosen = negotiation.negotiate(request.headers.get("accept"), "page")
    except NotAcceptable:
        return False
    return chosen == "text/html"


def _html(
    body: str, page: Frame, status_code: int = 200, headers: dict[str, str] | None = None
) -> HTMLResponse:
    """An HTML page; the language cookie set when `?lang=` chose it."""
    response = HTMLResponse(
        body, status_code, headers={**(headers or {}), "Vary": "Accept, Cookie"}
    )
    remember(response, page)
    return response


def _rdf_response(body: bytes, media_type: str, headers: dict[str, str] | None = None) -> Response:
    return Response(body, media_type=negotiation.content_type(media_type), headers=headers or {})


# --------------------------------------------------------------------------- dumps


@router.get(
    "/dump",
    summary="The whole dataset in an RDF format (asserted, inferred or all graphs)",
    responses={**openapi_ok("The dump", negotiation.RDF_FORMATS), **error_responses(400, 406)},
)
def dump(request: Request, format: str | None = None, graphs: str | None = None) -> Response:
    """Quad formats (N-Quads, TriG) keep the named graphs; triple formats carry their union."""
    selection = check_selection(graphs)
    media_type = negotiation.negotiate(request.headers.get("accept"), "graph", format_param=format)
    d = state(request).dumps.get(media_type, selection)
    headers = d.headers()
    if not_modified(
        request.headers.get("if-none-match"),
        request.headers.get("if-modified-since"),
        d.etag,
        d.last_modified,
    ):
        return Response(status_code=304, headers=headers)
    headers |= {
        "Content-Digest": d.content_digest,
        "Content-Disposition": f'attachment; filename="{d.filename}"',
        "X-Peacetalks-Statements": str(d.statements),
    }
    return _rdf_response(d.body, media_type, headers)


router.add_api_route("/dump", dump, methods=["HEAD"], include_in_schema=False)


@router.get(
    "/context.jsonld",
    summary="The JSON-LD context of the JSON-LD dumps",
    responses={200: {"description": "The context", "content": {"application/ld+json": {}}}},
)
def context(request: Request) -> Response:
    body = context_bytes()
    etag = f'"context-{__version__}"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=86400"}
    if request.headers.get("if-none-match") and not_modified(
        request.headers.get("if-none-match"), None, etag, built_at(request.app.state.dataset)
    ):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/ld+json", headers=headers)


# --------------------------------------------------------------------------- VoID


@router.get(
    "/.well-known/void",
    summary="VoID description of the dataset",
    responses={**openapi_ok("VoID", negotiation.RDF_FORMATS), **error_responses(406)},
)
def void(request: Request, dataset: DatasetDep, format: str | None = None) -> Response:
    accept = request.headers.get("accept")
    media_type = negotiation.negotiate(accept, "graph", format_param=format)
    body = serialize_triples(void_description(dataset, _base(request)), media_type)
    return _rdf_response(body, media_type, {"Vary": "Accept"})


# --------------------------------------------------------------------------- /id/…


def _not_found(request: Request, message: str, suggestions: list[str]) -> Response:
    if wants_html(request):
        page = frame(request)
        return _html(html.error_page(404, "Not found", message, suggestions, page), page, 404)
    paths = [html.local_href(s) or s for s in suggestions]
    return JSONResponse(
        {"error": "not_found", "message": message, "suggestions": paths}, status_code=404
    )


def _alternates(path: str, query: str) -> list[tuple[str, str, str]]:
    suffix = f"?{query}" if query else ""
    order = ("ttl", "jsonld", "nt", "rdf", "html")
    return [
        (f"{path}.{ext}{suffix}", EXTENSIONS[ext], FORMAT_NAMES[EXTENSIONS[ext]]) for ext in order
    ]


def _link_header(alternates: list[tuple[str, str, str]]) -> str:
    return ", ".join(f'<{href}>; rel="alternate"; type="{mt}"' for href, mt, _ in alternates)


def _truthy(value: str | None) -> bool:
    if value is None:
        return False
    if value.lower() in ("", "1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise BadRequest(f"inferred={value!r}: use true or false")


def _describe(request: Request, iri: str, path: str, media_type: str) -> Response:
    store = request.app.state.dataset.store
    inferred = _truthy(request.query_params.get("inferred"))
    query = "inferred=true" if inferred else ""
    alternates = _alternates(path, query)
    headers = {
        "Vary": "Accept",
        "Content-Location": f"{path}.{EXTENSION_OF[media_type]}" + (f"?{query}" if query else ""),
        "Link": _link_header(alternates),
    }
    if media_type == "text/html":
        page = frame(request)
        return _html(html.resource_page(store, iri, alternates, frame=page), page, headers=headers)
    body = serialize_triples(describe.describe(store, iri, inferred=inferred), media_type)
    return _rdf_response(body, media_type, headers)


def _kind_or_404(request: Request, kind: str) -> Response | None:
    if kind in describe.KINDS:
        return None
    close = difflib.get_close_matches(kind, describe.KINDS, n=3)
    return _not_found(
        request,
        f"There is no resource kind {kind!r}; the kinds are {', '.join(describe.KINDS)}.",
        [f"/id/{k}/" for k in close],
    )


@router.get("/id/", summary="The kinds of resource, with counts", responses=PAGE_RESPONSES)
def list_kinds(request: Request, dataset: DatasetDep) -> Response:
    counts = describe.kind_counts(dataset.store)
    if wants_html(request):
        page = frame(request)
        return _html(html.kinds_page(counts, page), page)
    return JSONResponse(
        {k: {"count": n, "href": f"/id/{k}/"} for k, n in counts.items()},
        headers={"Vary": "Accept"},
    )


@router.get("/id/{kind}/", summary="The resources of one kind", responses=PAGE_RESPONSES)
def list_kind(request: Request, kind: str, dataset: DatasetDep) -> Response:
    missing = _kind_or_404(request, kind)
    if missing:
        return missing
    iris = describe.resources_of_kind(dataset.store, kind)
    if wants_html(request):
        page = frame(request)
        return _html(html.kind_page(dataset.store, kind, iris, page), page)
    items = []
    for iri in iris:
        names = describe.labels(dataset.store, iri)
        items.append({"iri": iri, "href": html.local_href(iri), "labels": names})
    return JSONResponse(
        {"kind": kind, "count": len(items), "resources": items}, headers={"Vary": "Accept"}
    )


@router.get(
    "/id/{kind}",
    summary="A concept scheme (id/issue, id/stance) or a kind's listing",
    responses=PAGE_RESPONSES,
)
def scheme_or_kind(
    request: Request, kind: str, dataset: DatasetDep, format: str | None = None
) -> Response:
    stem, dot, ext = kind.rpartition(".")
    forced = EXTENSIONS.get(ext) if dot else None
    name = stem if forced else kind
    iri = ID_SPACE + name
    if describe.valid_slug(name) and describe.exists(dataset.store, iri):
        media_type = forced or negotiation.negotiate(
            request.headers.get("accept"), "page", format_param=format
        )
        return _describe(request, iri, f"/id/{name}", media_type)
    return _kind_or_404(request, kind) or RedirectResponse(f"/id/{kind}/", status_code=301)


@router.get(
    "/id/{kind}/{slug}",
    summary="Dereference https://w3id.org/peacetalks/id/{kind}/{slug}",
    responses=PAGE_RESPONSES,
)
def resource(
    request: Request, kind: str, slug: str, dataset: DatasetDep, format: str | None = None
) -> Response:
    """The resource's description by content negotiation (or `.ttl`, `.jsonld`, `.html`…)."""
    stem, dot, ext = slug.rpartition(".")
    forced = EXTENSIONS.get(ext) if dot else None
    if forced:
        slug = stem
    missing = _kind_or_404(request, kind)
    if missing:
        return missing
    iri = describe.resource_iri(kind, slug)
    if not describe.valid_slug(slug) or not describe.exists(dataset.store, iri):
        slugs = [i.rsplit("/", 1)[-1] for i in describe.resources_of_kind(dataset.store, kind)]
        close = difflib.get_close_matches(slug, slugs, n=5, cutoff=0.5)
        return _not_found(
            request,
            f"No resource {iri} in this dataset. See /id/{kind}/ for the {kind} resources.",
            [describe.resource_iri(kind, s) for s in close] or [f"/id/{kind}/"],
        )
    media_type = forced or negotiation.negotiate(
        request.headers.get("accept"), "page", format_param=format
    )
    return _describe(request, iri, f"/id/{kind}/{slug}", media_type)


# --------------------------------------------------------------------------- ontology


@router.get(
    "/ontology",
    summary="The ontology: RDF by content negotiation, HTML documentation",
    responses=PAGE_RESPONSES,
)
def ontology(request: Request, format: str | None = None) -> Response:
    media_type = negotiation.negotiate(request.headers.get("accept"), "page", format_param=format)
    docs = state(request).docs
    headers = {
        "Vary": "Accept",
        "Link": '</ontology?format=ttl>; rel="alternate"; type="text/turtle"',
    }
    if media_type == "text/html":
        return HTMLResponse(docs.html(), headers=headers)
    return _rdf_response(serialize_triples(docs.triples(), media_type), media_type, headers)
