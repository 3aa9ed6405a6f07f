"""node-specs/ -> the declarative description of the n8n node: resources, operations and their fields."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sidecar.specs import load_schemas, resolve_shared

JSON = "application/json"
# n8n's verbs and the operation values its own nodes give them.
N8N_VERBS = {"Get": "get", "Get Many": "getAll", "Create": "create", "Update": "update", "Delete": "delete",
             "Create or Update": "upsert"}
# Words left dangling once the resource's noun is taken out of a display name ("Wait For Approval").
DANGLING = {"for", "of", "to", "on", "from"}
UPSERT = "Create a new record, or update the current one if it already exists (upsert)"
LIMIT_HELP = "Max number of results to return"
ACRONYMS = {"id": "ID", "ids": "IDs", "csv": "CSV", "url": "URL", "openapi": "OpenAPI", "api": "API",
            "sku": "SKU", "skus": "SKUs"}


@dataclass
class Operation:
    """One spec as an entry of its resource's Operation list, with the fields it shows."""

    spec: dict
    name: str
    value: str
    action: str
    description: str
    url: str
    plural: bool = False
    fields: list[dict] = field(default_factory=list)
    output_items: bool = False


@dataclass
class Resource:
    """Operations whose paths share a first segment (after the version)."""

    value: str
    name: str
    segment: str
    operations: list[Operation] = field(default_factory=list)


def in_node(spec: dict) -> bool:
    """Operations answering JSON belong in the node; pages meant for a person's browser (HTML) and the
    Prometheus scrape (text) do not."""
    return spec.get("media_type", JSON) == JSON


def path_segments(path: str) -> list[str]:
    """`/v1/dead-letters/{id}/replay` -> `['dead-letters', '{id}', 'replay']`; `/openapi.json` -> `['openapi']`."""
    parts = [p for p in path.strip("/").split("/") if p]
    if len(parts) > 1 and re.fullmatch(r"v\d+", parts[0]):
        parts = parts[1:]
    return [parts[0].split(".")[0]] + parts[1:]


def path_segment(path: str) -> str:
    """The segment that names the resource: `/v1/dead-letters/{id}` -> `dead-letters`."""
    return path_segments(path)[0]


def resource_noun(paths: list[str]) -> list[str]:
    """The resource's noun: its segment, singular; with the literal segments every path of a resource of
    several operations continues with (`/v1/inventory/positions...` -> Inventory Position)."""
    split = [path_segments(p) for p in paths]
    common = split[0]
    for other in split[1:]:
        same = 0
        while same < min(len(common), len(other)) and common[same] == other[same]:
            same += 1
        common = common[:same]
    literal = []
    for part in common:
        if part.startswith("{") or (literal and len(paths) < 2):
            break
        literal.append(part)
    words = [w for part in literal for w in words_of(part)]
    return [singular(w) for w in words]


def singular(word: str) -> str:
    """English singular, enough for path segments: activities -> activity, letters -> letter."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def title(words: list[str]) -> str:
    """Title case, keeping the acronyms n8n spells in capitals."""
    return " ".join(ACRONYMS.get(w.lower(), w[:1].upper() + w[1:]) for w in words)


def camel(words: list[str]) -> str:
    """['dead', 'letter'] -> deadLetter."""
    words = [w.lower() for w in words if w]
    return words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:]) if words else ""


def words_of(name: str) -> list[str]:
    """`dead_letter_id`, `dead-letters`, `deadLetterId`, `Idempotency-Key` -> their words."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[\s_\-./]+", spaced) if w]


def sentence(text: str) -> str:
    """`Get Many Dead Letters` -> `Get many dead letters` (n8n's action text: sentence case)."""
    return text[:1].upper() + text[1:].lower()


EXPRESSION = re.compile(r"(\{\{.*?\}\})")  # an n8n expression, `{{ $execution.id }}`
# n8n's casing rules (ID, JSON) read the whole description, expressions too, and its community scanner
# allows no exemption. An expression keeps its words, their first letter written as an HTML character
# reference: n8n shows descriptions as HTML, so the reader sees (and copies) `{{ $execution.id }}`.
CASED_WORDS = re.compile(r"\b([iI])(ds?)\b|\b([jJ])(son)\b")


def _prose_casing(text: str) -> str:
    """ID and JSON in capitals (X-Correlation-Id too)."""
    return re.sub(r"\bjson\b", "JSON", re.sub(r"\bids\b", "IDs", re.sub(r"\b[iI]d\b", "ID", text)))


def _expression_words(expression: str) -> str:
    """`{{ $execution.id }}` as `{{ $execution.&#105;d }}`: what the reader sees is unchanged."""
    return CASED_WORDS.sub(lambda m: f"&#{ord(m.group(1) or m.group(3))};{m.group(2) or m.group(4)}", expression)


def help_text(text: str) -> str:
    """A description as n8n's linter wants it: a capital first, ID and JSON in capitals, one sentence unended."""
    # n8n's linter refuses raw angle brackets around a placeholder (`<system>`): HTML-encoded.
    text = re.sub(r"<([^<>]*)>", r"&lt;\1&gt;", text.strip())
    text = "".join(_expression_words(part) if part.startswith("{{") else _prose_casing(part)
                   for part in EXPRESSION.split(text))
    text = text[:1].upper() + text[1:]
    if re.search(r"\.\s", text):  # several sentences end with a period, one does not
        return text if text.endswith(".") else text + "."
    return text[:-1] if text.endswith(".") else text


def first_sentence(text: str) -> str:
    """The first sentence of a spec's description: the operation's one-line help."""
    match = re.match(r"(.+?)\.(\s+[A-Z(]|$)", text.strip(), re.S)
    return help_text(match.group(1) if match else text.strip())


def _operation_name(spec: dict, noun: list[str]) -> tuple[str, bool]:
    """The resource's noun (or its start) taken out of the display name: (`Replay`, plural?) for `Replay Dead
    Letters`; (`Receive`, False) for `Receive Inventory` in Inventory Position."""
    words = spec["displayName"].split()
    lowered = [w.lower() for w in words]
    for size in range(len(noun), 0, -1):
        found = _without(words, lowered, noun[:size])
        if found:
            return found
    return spec["displayName"], False


def _without(words: list[str], lowered: list[str], noun: list[str]) -> tuple[str, bool] | None:
    """The display name's words without the noun (singular or plural), if it holds it."""
    for plural in (False, True):
        target = [w.lower() for w in noun]
        if plural:
            target = target[:-1] + [target[-1] + "s" if not target[-1].endswith("y") else target[-1][:-1] + "ies"]
        for start in range(1, len(words) - len(target) + 1):  # the first word is the verb (Transform Payload)
            if lowered[start:start + len(target)] == target:
                rest = words[:start] + words[start + len(target):]
                while len(rest) > 1 and rest[-1].lower() in DANGLING:
                    rest = rest[:-1]
                if rest:
                    return " ".join(rest), plural
    return None


def _typed(schema: dict) -> dict:
    """n8n's field type for a JSON Schema: options for an enum, number, boolean or string."""
    if "enum" in schema:
        options = sorted(({"name": title(words_of(str(v))), "value": v} for v in schema["enum"]),
                         key=lambda option: option["name"])
        default = schema.get("default", schema["enum"][0])
        return {"type": "options", "options": options, "default": default}
    kind = schema.get("type")
    if kind == "integer" or kind == "number":
        typed: dict = {"type": "number", "default": schema.get("default", 0)}
        bounds = {k: schema[j] for k, j in (("minValue", "minimum"), ("maxValue", "maximum")) if j in schema}
        if kind == "integer":
            bounds["numberPrecision"] = 0
        if bounds:
            typed["typeOptions"] = bounds
        return typed
    if kind == "boolean":
        return {"type": "boolean", "default": schema.get("default", False)}
    return {"type": "string", "default": schema.get("default", "")}


def _field(name: str, display: str, schema: dict, show: dict, **extra) -> dict:
    field_ = {"displayName": display, "name": name, **_typed(schema), **extra}
    if schema.get("description"):
        field_["description"] = help_text(schema["description"])
    if name == "limit":  # n8n's own wording and default for a limit
        field_.update(description=LIMIT_HELP, default=min(50, schema.get("maximum", 50)))
    if show:
        field_["displayOptions"] = {"show": show}
    return field_


def _url(path: str) -> str:
    """`/v1/approvals/{approval_id}` -> n8n's expression that fills it from the node's fields, escaped."""
    if "{" not in path:
        return path
    return "=" + re.sub(r"\{(\w+)\}",
                        lambda m: "{{encodeURIComponent(String($parameter[\"%s\"]))}}" % camel(words_of(m.group(1))),
                        path)


def _fields(spec: dict, operation: Operation, show: dict, shared: dict) -> list[dict]:
    """The fields an operation shows: path parameters, limit, body, then optional query and headers."""
    fields = []
    for param in re.findall(r"\{(\w+)\}", spec["path"]):
        schema = spec.get("path_parameters", {}).get(param, {"type": "string"})
        fields.append(_field(camel(words_of(param)), title(words_of(param)), schema, show, required=True))
    query = {name: resolve_shared(schema, shared) for name, schema in spec.get("query", {}).items()}
    if operation.value == "getAll" and "limit" in query:
        fields.append(_field("limit", "Limit", query.pop("limit"), show,
                             routing={"send": {"type": "query", "property": "limit"}}))
    request = spec.get("request")
    if request:
        media = request.get("media_type", JSON)
        help_ = f"The request body, as the contract {request['contract']} describes it (see the OpenAPI document)"
        required = {"required": True} if request.get("required", True) else {}
        if media == JSON:
            body = {"displayName": "Body", "name": "body", "type": "json", "default": "{}",
                    **required, "description": help_,
                    "routing": {"request": {"body": "={{ typeof $value === \"string\" ? JSON.parse($value) : $value }}"}}}
        else:
            body = {"displayName": "Body", "name": "body", "type": "string", "typeOptions": {"rows": 10},
                    "default": "", **required, "description": f"{help_} ({media})",
                    "routing": {"request": {"body": "={{$value}}", "headers": {"Content-Type": media}}}}
        body["displayOptions"] = {"show": show}
        fields.append(body)
    optional = [_field(camel(words_of(name)), title(words_of(name)), schema, {},
                       routing={"send": {"type": "query", "property": name}})
                for name, schema in sorted(query.items())]
    if optional:
        label = "Filters" if spec["method"] == "GET" else "Options"
        fields.append({"displayName": label, "name": label.lower(), "type": "collection",
                       "placeholder": f"Add {label[:-1]}", "default": {}, "displayOptions": {"show": show},
                       "options": sorted(optional, key=lambda f: f["displayName"])})
    headers = []
    for name, value in sorted(spec.get("headers", {}).items()):
        value = {"description": value} if isinstance(value, str) else value
        headers.append({"displayName": title(words_of(name)), "name": camel(words_of(name)), "type": "string",
                        "default": "", "description": help_text(value.get("description", "")),
                        "routing": {"request": {"headers": {name: "={{$value}}"}}}})
    if headers:
        fields.append({"displayName": "Headers", "name": "headerOptions", "type": "collection",
                       "placeholder": "Add Header", "default": {}, "displayOptions": {"show": show},
                       "options": headers})
    return fields


def _lists_items(spec: dict) -> bool:
    """A 200 answer of the form {"items": [...]}: n8n gives each item as an item of its own."""
    answer = spec.get("responses", {}).get("200", {})
    return answer.get("properties", {}).get("items", {}).get("type") == "array"


def resources(specs: list[dict]) -> list[Resource]:
    """Every spec the node carries, grouped into resources, in a stable order (by resource, then name)."""
    shared = load_schemas()
    grouped: dict[str, Resource] = {}
    paths: dict[str, list[str]] = {}
    for spec in specs:
        if in_node(spec):
            paths.setdefault(path_segment(spec["path"]), []).append(spec["path"])
    for spec in specs:
        if not in_node(spec):
            continue
        segment = path_segment(spec["path"])
        noun = resource_noun(paths[segment])
        resource = grouped.setdefault(segment, Resource(camel(noun), title(noun), segment))
        name, plural = _operation_name(spec, noun)
        resource.operations.append(Operation(spec, name, "", "", first_sentence(spec["description"]),
                                             _url(spec["path"]), plural))
    for resource in grouped.values():
        names = [op.name for op in resource.operations]
        for op in resource.operations:
            if names.count(op.name) > 1 and op.plural:
                op.name += " Many"
        taken = [op.name for op in resource.operations]
        if len(set(taken)) != len(taken):
            raise ValueError(f"resource {resource.name}: two operations named alike: {sorted(taken)}")
        for op in resource.operations:
            op.value = N8N_VERBS.get(op.name) or camel(words_of(op.name))
            if op.value == "upsert":  # n8n's own words for it
                op.description = UPSERT
            op.action = sentence(op.spec["displayName"])
            show = {"resource": [resource.value], "operation": [op.value]}
            op.fields = _fields(op.spec, op, show, shared)
            op.output_items = op.value == "getAll" and _lists_items(op.spec)
        resource.operations.sort(key=lambda o: o.name)
    values = [r.value for r in grouped.values()]
    if len(set(values)) != len(values):
        raise ValueError(f"two resources named alike: {sorted(values)}")
    return sorted(grouped.values(), key=lambda r: r.name)
