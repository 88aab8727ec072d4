"""`GET /`: the landing page for browsers, a JSON index (links, counts, dumps) otherwise."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from peacetalks import __version__
from peacetalks.dataset.store import Dataset
from peacetalks.deps import DatasetDep, SettingsDep
from peacetalks.frame.pages import frame, remember
from peacetalks.linked_data import describe
from peacetalks.linked_data.dumps import DUMP_FORMATS, GRAPH_SELECTIONS, built_at, http_date
from peacetalks.linked_data.jsonld_context import ID_SPACE
from peacetalks.linked_data.routes import wants_html
from peacetalks.web import pages, picture_pages
from peacetalks.web.landing import landing_page

router = APIRouter(tags=["Linked Data"], default_response_class=Response)
router.include_router(pages.router)
router.include_router(picture_pages.router)

EXAMPLES = ("actor/vladimir-putin", "actor/volodymyr-zelensky", "actor/ukraine", "issue/crimea")
"""Example resources on the landing page (shown when present)."""


def index(request: Request, dataset: Dataset) -> dict[str, Any]:
    """The JSON index: where everything is, and how big the dataset is."""
    store = dataset.store
    examples = []
    for path in EXAMPLES:
        iri = ID_SPACE + path
        if not describe.exists(store, iri):
            continue
        kind = path.split("/", 1)[0]
        said = (
            describe.statements_by(store, iri)
            if kind == "actor"
            else describe.statements_about(store, iri)
        )
        names = describe.labels(store, iri)
        examples.append(
            {"iri": iri, "href": f"/id/{path}", "labels": names, "statements": len(said)}
        )
    has_api = "/api" in request.app.openapi().get("paths", {})  # cached by FastAPI
    return {
        "name": "peacetalks",
        "version": __version__,
        "dataset_version": dataset.version,
        "modified": built_at(dataset).isoformat(),
        "triples": dataset.total,
        "graphs": dataset.graph_counts,
        "resources": describe.kind_counts(store),
        "links": {
            "sparql": "/sparql",
            **({"api": "/api"} if has_api else {}),
            "docs": "/docs",
            "void": "/.well-known/void",
            "ontology": "/ontology",
            "context": "/context.jsonld",
            "resources": "/id/",
        },
        "dumps": {
            f.name: {g: f"/dump?format={f.name}&graphs={g}" for g in GRAPH_SELECTIONS}
            for f in DUMP_FORMATS
        },
        "examples": examples,
    }


@router.get(
    "/",
    summary="Landing page (HTML for browsers, a JSON index otherwise)",
    responses={
        200: {
            "description": "The home page or the JSON index",
            "content": {"text/html": {}, "application/json": {}},
        }
    },
)
def landing(request: Request, dataset: DatasetDep, settings: SettingsDep) -> Response:
    data = index(request, dataset)
    if wants_html(request):
        page = frame(request)
        response = HTMLResponse(
            landing_page(data, settings.max_rows, page), headers={"Vary": "Accept, Cookie"}
        )
        remember(response, page)
        return response
    return Response(
        json.dumps(data, ensure_ascii=False, indent=1),
        media_type="application/json",
        headers={"Vary": "Accept", "Last-Modified": http_date(built_at(dataset))},
    )
