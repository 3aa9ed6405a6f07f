"""GET /docs: the HTTP contract as a page to read, generated from node-specs/ like /openapi.json."""
import html

from sidecar.specs import load_specs, openapi_document


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
