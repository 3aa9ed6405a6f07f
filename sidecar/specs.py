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
UNLIMITED_PATHS = ("/health", "/ready")  # sidecar.limits.UNLIMITED_ENDPOINTS: never a 429
ERROR_SCHEMA = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message", "details"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "details": {"type": "array"}}}},
}


def load_specs(directory: Path = SPECS_DIR) -> list[dict]:
    """Every operation spec, sorted by path then method."""
    specs = [json.loads(p.read_text()) for p in sorted(directory.glob("*.json"))]
    return sorted(specs, key=lambda s: (s["path"], s["method"]))


def load_schemas(directory: Path = SPECS_DIR) -> dict:
    """Schemas several operations share (node-specs/schemas/*.json), by name."""
    found = (json.loads(p.read_text()) for p in sorted((directory / "schemas").glob("*.json")))
    return {item["name"]: item["schema"] for item in found}


def flask_rule(path: str) -> str:
    """`/v1/approvals/{approval_id}` -> `/v1/approvals/<approval_id>`."""
    return re.sub(r"\{(\w+)\}", r"<\1>", path)


def _inline(schema, defs: dict):
    """A contract as a free-standing schema: its `#/$defs/...` references replaced by what they name."""
    if isinstance(schema, list):
        return [_inline(item, defs) for item in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref", "")
    if ref.startswith("#/$defs/"):
        return _inline(defs[ref[len("#/$defs/"):]], defs)
    return {key: _inline(value, defs) for key, value in schema.items()
            if key not in ("$schema", "$id", "$defs")}


def contract_schema(name: str) -> dict:
    """Contract `name` ready to sit inside the OpenAPI document."""
    contract = contracts.schema(name)
    return _inline(contract, contract.get("$defs", {}))


def event_types(types) -> dict[str, str]:
    """Event type -> contract of its data: as the spec lists them, or every governed flow's ("flows")."""
    if types == "flows":
        from sidecar.flows import registry  # the flows import most of the sidecar; only this spec needs them
        return {flow.event_type: flow.contract for flow in registry.flows()}
    return dict(types or {})


def flow_outcomes() -> list[str]:
    """Every outcome a governed flow's decision may have (each flow's passing outcome, approve, reject)."""
    from sidecar.flows import registry
    return sorted({outcome for flow in registry.flows() for outcome in flow.outcomes})


def with_outcomes(schema):
    """A response schema with each `"enum": "flows"` replaced by every governed flow's outcomes."""
    if isinstance(schema, dict):
        return {key: flow_outcomes() if key == "enum" and value == "flows" else with_outcomes(value)
                for key, value in schema.items()}
    if isinstance(schema, list):
        return [with_outcomes(item) for item in schema]
    return schema


def request_schema(request: dict) -> dict:
    """The body's schema; an event's `type` picks the contract of its `data`, as the server does."""
    schema = contract_schema(request["contract"])
    types = event_types(request.get("types"))
    if not types:
        return schema
    variants = []
    for event_type, data_contract in sorted(types.items()):
        properties = {**schema["properties"], "type": {"const": event_type},
                      "data": contract_schema(data_contract)}
        variants.append({**schema, "properties": properties})
    return variants[0] if len(variants) == 1 else {"oneOf": variants}


def _header(name: str, value) -> dict:
    if isinstance(value, str):
        value = {"description": value}
    return {"name": name, "in": "header", "description": value.get("description", ""),
            "schema": value.get("schema", {"type": "string"})}


# The server refuses a NUL in a path segment, a query or form value (sidecar/limits.py) and in any string or key
# of a JSON object body (sidecar/api/body.py) with 400: the document says so wherever a client writes text.
_NO_NUL = "^[^\\u0000]*$"
TEXT_JSON_REF = {"$ref": "#/components/schemas/TextJson"}
TEXT_JSON = {  # any JSON value without a NUL in a string or key: what a free-form field of a body holds
    "anyOf": [{"type": ["null", "boolean", "number"]}, {"type": "string", "pattern": _NO_NUL},
              {"type": "array", "items": TEXT_JSON_REF},
              {"type": "object", "propertyNames": {"pattern": _NO_NUL}, "additionalProperties": TEXT_JSON_REF}]}
_SUBSCHEMA = ("items", "additionalProperties", "contains", "then", "else", "propertyNames")  # `if` decides only
_SUBSCHEMAS = ("properties", "patternProperties", "$defs", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_ANNOTATIONS = {"title", "description", "default", "examples", "deprecated", "$comment"}


def without_nul(schema):
    """`schema` as the server holds it: no string it admits, no key and no free-form value holds a NUL."""
    if schema is True:
        return TEXT_JSON_REF
    if isinstance(schema, dict) and set(schema) <= _ANNOTATIONS:  # any value, maybe described
        return {**schema, "allOf": [TEXT_JSON_REF]}
    if not isinstance(schema, dict) or "$ref" in schema:
        return schema
    held = {}
    for key, value in schema.items():
        if key in _SUBSCHEMA:
            held[key] = without_nul(value) if isinstance(value, (dict, bool)) else value
        elif key in _SUBSCHEMAS:
            held[key] = {name: without_nul(item) for name, item in value.items()}
        elif key in _SCHEMA_LISTS:
            held[key] = [without_nul(item) for item in value]
        else:
            held[key] = value  # `not` too: a NUL stays out of what it excludes
    types = held.get("type", [])
    types = [types] if isinstance(types, str) else types
    if "string" in types and "enum" not in held and "const" not in held:
        held = _with(held, "pattern", _NO_NUL)
    if "object" in types and held.get("additionalProperties") is not False:
        held = _with(held, "propertyNames", {"pattern": _NO_NUL})
        held.setdefault("additionalProperties", TEXT_JSON_REF)
    return held


def _with(schema: dict, key: str, value) -> dict:
    """`schema` with `key` set, or, when it has its own, with both required (allOf)."""
    if key not in schema:
        return {**schema, key: value}
    return {**schema, "allOf": [*schema.get("allOf", []), {key: value}]}


def _operation(spec: dict) -> dict:
    operation = {
        "operationId": spec["operation"], "summary": spec["displayName"], "description": spec["description"],
        "parameters": [{"name": name, "in": "path", "required": True,
                        "schema": without_nul(spec.get("path_parameters", {}).get(name, {"type": "string"}))}
                       for name in re.findall(r"\{(\w+)\}", spec["path"])],
        # `media_types` names a status whose answer is not the operation's usual type (text/plain metrics, JSON errors)
        "responses": {status: {"description": status,
                               "content": {spec.get("media_types", {}).get(status, spec.get("media_type", "application/json")):
                                           {"schema": with_outcomes(schema)}}}
                      for status, schema in spec["responses"].items()},
    }
    if spec["path"] not in UNLIMITED_PATHS:  # every other route is rate limited (sidecar/limits.py)
        operation["responses"].setdefault("429", {
            "description": "429: too many requests from this client on this route",
            "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
    for status, links in spec.get("links", {}).items():  # where an answer's ids lead: API testers follow them
        operation["responses"][status]["links"] = links
    operation["parameters"] += [{"name": name, "in": "query", "schema": without_nul(schema)}
                                for name, schema in spec.get("query", {}).items()]
    operation["parameters"] += [_header(name, value) for name, value in spec.get("headers", {}).items()]
    if spec.get("request"):
        body = request_schema(spec["request"])
        if contracts.schema(spec["request"]["contract"]).get("type") == "object":  # not another system's payload
            body = without_nul(body)
        operation["requestBody"] = {"required": spec["request"].get("required", True),
                                    "content": {spec["request"].get("media_type", "application/json"):
                                                {"schema": body}}}
    operation["security"] = [{"apiKey": []}, {"standardWebhooks": []}] if spec["scope"] else []
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
            "schemas": {"Error": ERROR_SCHEMA, "TextJson": TEXT_JSON, **load_schemas()},
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer", "description": "scoped API key"},
                "standardWebhooks": {"type": "apiKey", "in": "header", "name": "webhook-signature",
                                     "description": "Standard Webhooks: space-separated v1,base64(HMAC-SHA256("
                                                    "secret, webhook-id + '.' + webhook-timestamp + '.' + body)) "
                                                    "with webhook-id (also the idempotency key) and "
                                                    "webhook-timestamp"},
            },
        },
    }


def resolve_shared(schema: dict, shared: dict) -> dict:
    """A parameter's schema with its `#/components/schemas/...` reference (into node-specs/schemas/) followed."""
    ref = schema.get("$ref", "")
    if not ref.startswith("#/components/schemas/"):
        return schema
    target = shared
    for part in ref[len("#/components/schemas/"):].split("/"):
        target = target[part]
    return {**target, **{k: v for k, v in schema.items() if k != "$ref"}}


def _type_of(schema: dict) -> str:
    """A parameter's schema in a few words: its enum, or its type with its bounds."""
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    text = str(schema.get("type", "string"))
    bounds = [f"{word} {schema[key]}" for key, word in (("minimum", "min"), ("maximum", "max"),
                                                       ("default", "default")) if key in schema]
    return text + (f" ({', '.join(bounds)})" if bounds else "")


def docs_groups() -> list[dict]:
    """The specs for a page to read: operations grouped by the first segment of their path (after /v1)."""
    groups: dict[str, dict] = {}
    shared = load_schemas()
    for spec in load_specs():
        parts = [p for p in spec["path"].strip("/").split("/") if p]
        segment = (parts[1] if len(parts) > 1 and re.fullmatch(r"v\d+", parts[0]) else parts[0]).split(".")[0]
        group = groups.setdefault(segment, {"name": segment.replace("-", " ").capitalize(), "anchor": segment,
                                            "operations": []})
        operation = _operation(spec)
        request = spec.get("request") or {}
        body = ""
        if request:
            body = f"{request.get('media_type', 'application/json')}, contract {request['contract']}"
            body += "" if request.get("required", True) else " (optional)"
        group["operations"].append({
            "operation": spec["operation"], "method": spec["method"], "path": spec["path"],
            "summary": spec["displayName"], "description": spec["description"], "scope": spec["scope"],
            "parameters": [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                            "type": _type_of(resolve_shared(p.get("schema", {}), shared))} for p in operation["parameters"]],
            "body": body, "statuses": sorted(spec["responses"])})
    return [groups[name] for name in sorted(groups)]
