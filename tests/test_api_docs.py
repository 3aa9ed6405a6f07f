"""GET /docs: the HTTP contract as a page to read, generated from node-specs/ like /openapi.json."""
import html

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


def test_every_free_text_query_parameter_is_documented_without_nul(app_without_odoo):
    """The server refuses a query value holding a NUL (400); the document says so, so generated clients don't send one."""
    import re

    client = app_without_odoo.test_client()
    free_text = [(path, parameter) for path, item in openapi_document()["paths"].items()
                 for operation in item.values() for parameter in operation["parameters"]
                 if parameter["in"] == "query" and "enum" not in parameter["schema"]
                 and (parameter["schema"].get("type") == "string" or "allOf" in parameter["schema"])]
    assert len(free_text) >= 10
    for path, parameter in free_text:
        schema = parameter["schema"]
        patterns = [schema.get("pattern")] + [part.get("pattern") for part in schema.get("allOf", [])]
        assert any(p and not re.search(p, "a\x00b") and re.search(p, "ab") for p in patterns), (path, parameter)
    answer = client.get("/v1/inventory/positions?after=a%00b", headers=bearer(ALL_SCOPES_KEY))
    assert (answer.status_code, answer.json["error"]["code"]) == (400, "invalid_payload")  # what the document warns of
