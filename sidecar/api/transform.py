"""POST /v1/transform/{adapter}: another system's payload in, canonical records out; nothing else happens.

No Odoo call, no write, no audit: the answer depends only on the body, the source's mappings (read from
the sidecar's store, never from Odoo) and the adapter, so n8n may call it anywhere (a preview, a test
run, before its own branch).
"""
from __future__ import annotations

import re

from flask import Blueprint, request

from sidecar import adapters
from sidecar.api.body import raw_body
from sidecar.api.common import get_services, query_value, requires
from sidecar.errors import InvalidPayload
from sidecar.mapping.service import load_mapper

bp = Blueprint("transform", __name__, url_prefix="/v1")
SOURCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")  # as canonical `source.system`


@bp.get("/transform")
@requires("transform.use")
def list_adapters():
    """The adapters: name, canonical model, accepted media types, what each reads."""
    return {"adapters": [{"name": a.name, "model": a.canonical, "media_types": list(a.media_types),
                          "description": a.description} for a in sorted(adapters.ADAPTERS.values(),
                                                                        key=lambda a: a.name)]}


@bp.post("/transform/<adapter>")
@requires("transform.use")
def transform_payload(adapter):
    """Each record of the body as its canonical model, or rejected with its reason."""
    found = adapters.get(adapter)
    source = query_value("source")
    source = found.name if source is None else source
    if not SOURCE.fullmatch(source):
        raise InvalidPayload("source must be 1-64 letters, digits, '.', '_', ':' or '-', starting with a letter or "
                             "digit", details=[{"pointer": "?source", "message": f"got '{source[:100]}'"}])
    # The whole Content-Type: a CSV body's charset parameter says how to decode it (415 from the adapter
    # for a media type it does not read).
    content_type = request.headers.get("Content-Type", "")
    return adapters.transform(found.name, raw_body(), content_type, load_mapper(get_services(), source), source)
