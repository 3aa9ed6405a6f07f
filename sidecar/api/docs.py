"""The HTTP contract itself, for clients and API testers."""
from __future__ import annotations

from functools import lru_cache

from flask import Blueprint

from sidecar.specs import openapi_document

bp = Blueprint("docs", __name__)


@lru_cache(maxsize=1)
def _document() -> dict:
    return openapi_document()


@bp.get("/openapi.json")
def openapi():
    """OpenAPI 3.1 generated from node-specs/ (public: it holds no secret)."""
    return _document()
