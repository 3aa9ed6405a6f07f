"""Mappings (SKU, unit, pack, partner, tax cross-references): list, upsert as JSON, import CSV, delete; the authority table."""
from __future__ import annotations

from flask import Blueprint, request
from werkzeug.routing import BaseConverter, ValidationError

from sidecar.api.body import raw_body
from sidecar.api.common import actor, get_services, json_body, page_limit, query_value, requires
from sidecar.contracts import validate
from sidecar.errors import InvalidPayload, UnsupportedMediaType
from sidecar.mapping import authority, csv_import, service
from sidecar.mapping.fields import KINDS, MAX_ID

bp = Blueprint("mappings", __name__)
CSV_TYPES = ("text/csv", "application/csv")


class MappingKind(BaseConverter):
    """skus, units, packs, partners or taxes."""

    regex = "|".join(KINDS)


class MappingId(BaseConverter):
    """A mapping's id: digits within the store's integer ids (PostgreSQL refuses a larger one: no such route)."""

    regex = r"[0-9]{1,10}"

    def to_python(self, value):
        if int(value) > MAX_ID:
            raise ValidationError()
        return int(value)


bp.record_once(lambda state: state.app.url_map.converters.update(mapping_kind=MappingKind, mapping_id=MappingId))


def _flag(name: str) -> bool:
    return query_value(name, ("true", "false")) == "true"


def _after() -> int:
    raw = query_value("after")
    if raw is None:
        return 0
    if not (raw.isascii() and raw.isdecimal() and len(raw) <= 10 and int(raw) <= MAX_ID):
        raise InvalidPayload(f"after must be a mapping id (0 to {MAX_ID})", details=[{"pointer": "?after",
                                                                              "message": f"got '{raw[:100]}'"}])
    return int(raw)


@bp.get("/v1/mappings/<mapping_kind:kind>")
@requires("mappings.read")
def list_mappings(kind):
    """A page of mappings of one kind, in id order; `after` continues from `next_after`."""
    return service.list_mappings(get_services(), kind, source=query_value("source"), after=_after(),
                                 limit=page_limit())


@bp.put("/v1/mappings/<mapping_kind:kind>")
@requires("mappings.write")
def upsert_mappings(kind):
    """Create or replace mappings by their natural key, all or nothing, checked against Odoo."""
    body = json_body()
    validate("mapping_upsert.v1", body)
    return service.upsert(get_services(), kind, body, actor(), dry_run=_flag("dry_run"))


@bp.post("/v1/mappings/<mapping_kind:kind>/import")
@requires("mappings.write")
def import_mappings(kind):
    """Import a CSV file of mappings (header row; UTF-8 unless declared), all or nothing; `dry_run=true` stores nothing."""
    raw = raw_body()
    if request.mimetype not in CSV_TYPES:
        raise UnsupportedMediaType("send the file as Content-Type: text/csv", details=[
            {"pointer": "Content-Type", "message": f"got '{(request.headers.get('Content-Type') or 'none')[:100]}'"}])
    # The whole Content-Type: its charset parameter, when there is one, says how to decode the file.
    return csv_import.import_csv(get_services(), kind, raw, source=query_value("source"), actor=actor(),
                                 dry_run=_flag("dry_run"), content_type=request.headers.get("Content-Type"))


@bp.get("/v1/mappings/<mapping_kind:kind>/<mapping_id:mapping_id>")
@requires("mappings.read")
def get_mapping(kind, mapping_id):
    """One mapping."""
    return service.get_mapping(get_services(), kind, mapping_id)


@bp.delete("/v1/mappings/<mapping_kind:kind>/<mapping_id:mapping_id>")
@requires("mappings.write")
def delete_mapping(kind, mapping_id):
    """Remove one mapping; the change is audited."""
    return service.delete_mapping(get_services(), kind, mapping_id, actor())


@bp.get("/v1/authority")
@requires("mappings.read")
def get_authority():
    """The system of record of each data domain, by scope."""
    return authority.describe(get_services().settings.authority)
