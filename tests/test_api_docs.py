"""GET /docs: the HTTP contract as a page to read, generated from node-specs/ like /openapi.json."""
import html

import pytest

from sidecar.specs import load_specs, openapi_document
from tests.conftest import ALL_SCOPES_KEY, bearer


def test_the_docs_page_shows_every_operation_without_credentials(app_without_odoo):
    answer = app_without_odoo.test_client().get("/docs")
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    page = answer.get_data(as_text=True)
    for spec in load_specs():
        section = page[page.index(f'id="{spec["operation"]}"'):]
        section = section[:section.index("</section>")]
        assert f"<code>{spec['path']}</code>" in section and spec["method"] in section
        assert spec["description"] in html.unescape(section)
        assert (f"scope <code>{spec['scope']}</code>" if spec["scope"] else "no key") in section
        for status in spec["responses"]:
            assert f"<code>{status}</code>" in section
        if spec.get("request"):
            assert f"contract {spec['request']['contract']}" in section


def test_the_docs_page_lists_the_parameters_the_openapi_document_has(app_without_odoo):
    page = app_without_odoo.test_client().get("/docs").get_data(as_text=True)
    for path, operations in openapi_document()["paths"].items():
        for operation in operations.values():
            section = page[page.index(f'id="{operation["operationId"]}"'):]
            section = section[:section.index("</section>")]
            for parameter in operation["parameters"]:
                assert f"<code>{parameter['name']}</code>" in section and f"<td>{parameter['in']}</td>" in section


def test_an_enum_from_a_shared_schema_is_spelled_out(app_without_odoo):
    from sidecar.flows import deadletters
    page = app_without_odoo.test_client().get("/docs").get_data(as_text=True)
    section = page[page.index('id="getManyDeadLetters"'):]
    assert " | ".join(deadletters.STATUSES) in section[:section.index("</section>")]


def _admits(document: dict, schema: dict, value) -> bool:
    """Whether `schema`, a part of the OpenAPI `document` (its references resolved there), admits `value`."""
    import jsonschema
    return jsonschema.Draft202012Validator({**schema, "components": document["components"]}).is_valid(value)


def test_every_free_text_parameter_is_documented_without_nul(app_without_odoo):
    """The server refuses a NUL in a path or query value (400); the document says so, so generated clients and
    fuzzers don't send one as valid."""
    document = openapi_document()
    free_text = [(path, parameter) for path, item in document["paths"].items()
                 for operation in item.values() for parameter in operation["parameters"]
                 if parameter["in"] in ("path", "query") and _admits(document, parameter["schema"], "ab")]
    assert len(free_text) >= 30
    for path, parameter in free_text:
        assert not _admits(document, parameter["schema"], "a\x00b"), (path, parameter)
    client = app_without_odoo.test_client()
    for url in ("/v1/inventory/positions?after=a%00b", "/v1/approvals/apr_%00"):
        answer = client.get(url, headers=bearer(ALL_SCOPES_KEY))
        assert (answer.status_code, answer.json["error"]["code"]) == (400, "invalid_payload")  # what it warns of


# (operation, a body the document admits, the same with a NUL in a string, a key or a free-form value)
BODIES = [
    ("/v1/inventory/positions", "post", {"product_id": 1, "warehouse": "WH", "quantity": 1},
     {"product_id": 1, "warehouse": "W\x00H", "quantity": 1}),
    ("/v1/dead-letters/replay", "post", {"ids": ["dl_1"]}, {"ids": ["dl_\x00"]}),
    ("/v1/dead-letters", "post", {"execution": {"id": "1", "extra": [{"a": "b"}]}, "workflow": {"name": "w"}},
     {"execution": {"id": "1", "extra": [{"a": "b\x00"}]}, "workflow": {"name": "w"}}),
    ("/v1/dead-letters", "post", {"execution": {"id": "1", "note": 1}, "workflow": {"name": "w"}},
     {"execution": {"id": "1", "no\x00te": 1}, "workflow": {"name": "w"}}),
]


@pytest.mark.parametrize("path, method, admitted, with_nul", BODIES)
def test_a_body_is_documented_without_nul(path, method, admitted, with_nul):
    """The server refuses a NUL anywhere in a JSON object body (400); the document admits the body without it only."""
    document = openapi_document()
    schema = document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    assert _admits(document, schema, admitted)
    assert not _admits(document, schema, with_nul)


def test_another_systems_payload_is_documented_as_it_comes():
    """Transform and ingest read a payload field by field through its adapter, NULs included: no pattern added."""
    document = openapi_document()
    for path in ("/v1/transform/{adapter}", "/v1/ingest/{adapter}"):
        schema = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert _admits(document, schema, {"sku": "A\x00B"})
