"""The HTTP contract itself, for clients and API testers."""
from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, render_template, url_for

from sidecar.specs import docs_groups, openapi_document

bp = Blueprint("docs", __name__)


@lru_cache(maxsize=1)
def _document() -> dict:
    return openapi_document()


@bp.get("/openapi.json")
def openapi():
    """OpenAPI 3.1 generated from node-specs/ (public: it holds no secret)."""
    return _document()


@bp.get("/docs")
def api_docs():
    """The same contract as a page to read (public, like the document)."""
    return render_template("api_docs.html", title="Odoo-n8n governance sidecar: HTTP API",
                           groups=docs_groups(), openapi_url=url_for("docs.openapi"))
