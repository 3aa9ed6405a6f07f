"""node-specs/: the single source of the HTTP contract, and the OpenAPI document made from it."""
from __future__ import annotations

import json
import re
from pathlib import Path

from sidecar import contracts

# In a checkout the top-level node-specs/ is the source of truth; a wheel carries a copy in the
# package (setup.py puts it there at build time).
CHECKOUT_SPECS = Path(__file__).resolve().parent.parent / "node-specs"
PACKAGED_SPECS = Path(__file__).resolve().parent / "node_specs"
SPECS_DIR = CHECKOUT_SPECS if CHECKOUT_SPECS.is_dir() else PACKAGED_SPECS
ERROR_SCHEMA = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message", "details"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "details": {"type": "array"}}}},
}


def load_specs(directory: Path = SPECS_DIR) -> list[dict]:
    """Every operation spec, sorted by path then method."""
    specs = [json.loads(p.read_text()) for p in sorted(directory.glob("*.json"))]
    return sorted(specs, key=lambda s: (s["path"], s["method"]))


def flask_rule(path: str) -> str:
    """`/v1/approvals/{approval_id}` -> `/v1/approvals/<approval_id>`."""
    return re.sub(r"\{(\w+)\}", r"<\1>", path)


def _operation(spec: dict) -> dict:
    operation = {
        "operationId": spec["operation"], "summary": spec["displayName"], "description": spec["description"],
        "parameters": [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                       for name in re.findall(r"\{(\w+)\}", spec["path"])],
        "responses": {status: {"description": status, "content": {"application/json": {"schema": schema}}}
                      for status, schema in spec["responses"].items()},
    }
    operation["parameters"] += [{"name": name, "in": "query", "schema": schema}
                                for name, schema in spec.get("query", {}).items()]
    operation["parameters"] += [{"name": name, "in": "header", "description": text, "schema": {"type": "string"}}
                                for name, text in spec.get("headers", {}).items()]
    if spec.get("request"):
        body = dict(contracts.schema(spec["request"]["contract"]))
        body.pop("$schema", None)
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    operation["security"] = [{"apiKey": []}, {"hmac": []}] if spec["scope"] else []
    if spec["scope"]:
        operation["x-scope"] = spec["scope"]
    return operation


def openapi_document() -> dict:
    """OpenAPI 3.1 for every spec in node-specs/."""
    paths: dict = {}
    for spec in load_specs():
        paths.setdefault(spec["path"], {})[spec["method"].lower()] = _operation(spec)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Odoo-n8n governance sidecar", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer", "description": "scoped API key"},
                "hmac": {"type": "apiKey", "in": "header", "name": "X-Sidecar-Signature",
                         "description": "v1=hex(HMAC-SHA256(secret, timestamp + '.' + body)) with "
                                        "X-Sidecar-Key-Id and X-Sidecar-Timestamp"},
            },
        },
    }
