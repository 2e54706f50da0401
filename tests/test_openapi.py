"""``/openapi.json`` describes exactly the routes served, and is a valid OpenAPI 3.1 document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from heymarket_contacts.server.app import create_app
from heymarket_contacts.server.settings import load_settings
from support import RunningServer, shared_tls

HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


@pytest.fixture
def document(server: RunningServer) -> dict[str, Any]:
    response = httpx.get(f"{server.base_url}/openapi.json", timeout=10, verify=shared_tls())
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    return body


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_the_document_lists_exactly_the_served_routes(
    document: dict[str, Any], server: RunningServer, tmp_path: Path
) -> None:
    documented = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    served = set(_served_routes(server, tmp_path))
    assert documented == served


def _served_routes(server: RunningServer, tmp_path: Path) -> list[tuple[str, str]]:
    """The app's route table, each route checked to be served: without credentials it
    answers 401 (an unknown route would be a 404, a wrong method a 405)."""
    app = create_app(load_settings({}, database=str(tmp_path / "routes.db")))
    routes = [(operation.method, operation.path) for operation in app.operations]
    with httpx.Client(base_url=server.base_url, timeout=10, verify=shared_tls()) as client:
        for method, path in routes:
            concrete = (
                path.replace("{id}", "1").replace("{note_id}", "x").replace("{type}", "phone")
            )
            concrete = concrete.replace("{uuid}", "00000000-0000-4000-8000-000000000000")
            status = client.request(method, concrete).status_code
            assert status == 401, f"{method} {path} answered {status} without credentials"
    return routes


def test_every_body_and_answer_has_a_schema(document: dict[str, Any]) -> None:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation["responses"]["200"]["content"]["application/json"]["schema"], (
                method,
                path,
            )
            if method in ("put",) or (method == "post" and "requestBody" in operation):
                schema = operation["requestBody"]["content"]["application/json"]["schema"]
                assert schema, (method, path)


def test_the_contact_schema_marks_every_read_field_required(document: dict[str, Any]) -> None:
    contact = document["components"]["schemas"]["Contact"]
    assert set(contact["required"]) == set(contact["properties"])
    assert "phone" in contact["properties"]


def test_the_v2_schemas_mark_every_read_field_required(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for name in ("ContactV2", "ContactChannel", "ContactsV2Written", "BulkFailure"):
        assert set(schemas[name]["required"]) == set(schemas[name]["properties"]), name
    assert set(schemas["Contact"]["properties"]) < set(schemas["ContactV2"]["properties"])
    assert "existing_uuid" in schemas["ErrorBody"]["properties"]
    search = document["paths"]["/v2/contacts/search"]["post"]
    body = search["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ContactsV2Search"}
    bulk = document["paths"]["/v2/contacts"]["post"]["requestBody"]["content"]["application/json"]
    assert bulk["schema"] == {"$ref": "#/components/schemas/ContactsV2Write"}


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def test_every_operation_has_one_declared_tag_a_description_and_examples(
    document: dict[str, Any],
) -> None:
    declared = [tag["name"] for tag in document["tags"]]
    assert all(tag["description"] for tag in document["tags"])
    used = set()
    for method, path, operation in _operations(document):
        assert len(operation["tags"]) == 1, (method, path)
        assert operation["tags"][0] in declared, (method, path)
        used.add(operation["tags"][0])
        assert operation["summary"], (method, path)
        assert operation["description"], (method, path)
        assert "example" in operation["responses"]["200"]["content"]["application/json"]
        if "requestBody" in operation:
            assert "example" in operation["requestBody"]["content"]["application/json"]
    assert used == set(declared)
    assert {"contacts", "contacts v2", "tags", "custom fields", "notes", "team", "users"} <= used


def test_a_generated_client_gets_one_module_per_tag(document: dict[str, Any]) -> None:
    """Generators (openapi-python-client, openapi-generator) make a module per first tag,
    named from the tag, and a function per operation id within it."""
    modules: dict[str, set[str]] = {}
    for _, _, operation in _operations(document):
        module = operation["tags"][0].replace(" ", "_")
        assert operation["operationId"] not in modules.get(module, set())
        modules.setdefault(module, set()).add(operation["operationId"])
    assert len(modules) == len(document["tags"])
    assert max(len(ids) for ids in modules.values()) <= 10


def test_every_model_has_a_description_and_a_valid_example(document: dict[str, Any]) -> None:
    from jsonschema import Draft202012Validator

    schemas = document["components"]["schemas"]
    for name, schema in schemas.items():
        assert schema.get("description"), name
        assert len(schema.get("examples", [])) == 1, name
        # The root carries the components, so that their refs resolve.
        resolvable = {**schema, "components": document["components"]}
        validator = Draft202012Validator(
            resolvable, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        validator.validate(schema["examples"][0])


def test_both_credential_schemes_and_a_local_server_first(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["secretJwt"] == {
        **schemes["secretJwt"],
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert schemes["teamKey"]["scheme"] == "bearer"
    assert schemes["teamKeyBasic"]["scheme"] == "basic"
    assert document["security"] == [{"secretJwt": []}, {"teamKey": []}, {"teamKeyBasic": []}]
    assert [server["url"] for server in document["servers"]] == [
        "http://127.0.0.1:8080",
        "https://api.heymarket.com",
    ]


def test_answers_declare_their_headers(document: dict[str, Any]) -> None:
    etags = set()
    for method, path, operation in _operations(document):
        for status, answer in operation["responses"].items():
            assert "X-Request-Id" in answer["headers"], (method, path, status)
            assert answer["content"]["application/json"]["schema"], (method, path, status)
            if status in ("429", "503"):
                assert "Retry-After" in answer["headers"], (method, path, status)
            if status == "429":
                assert "X-RateLimit-Reset" in answer["headers"]
            if status != "200":
                error_body = answer["content"]["application/json"]["schema"]
                assert error_body == {"$ref": "#/components/schemas/ErrorBody"}
        if "ETag" in operation["responses"]["200"]["headers"]:
            etags.add((method, path))
    assert etags == {
        ("GET", "/v1/contact/{id}"),
        ("POST", "/v1/contact/get"),
        ("GET", "/v2/contact/{uuid}"),
        ("PUT", "/v2/contact/{uuid}"),
    }


def test_if_match_is_declared_where_it_is_honoured(document: dict[str, Any]) -> None:
    conditional = {
        (method, path)
        for method, path, operation in _operations(document)
        if any(parameter["name"] == "If-Match" for parameter in operation["parameters"])
    }
    assert conditional == {
        ("PUT", "/v1/contact/{id}"),
        ("DELETE", "/v1/contact/{id}"),
        ("POST", "/v1/contact/set_status"),
        ("PUT", "/v2/contact/{uuid}"),
        ("DELETE", "/v2/contact/{uuid}"),
    }
    for method, path in conditional:
        operation = document["paths"][path][method.lower()]
        assert "412" in operation["responses"]


def test_path_ids_are_integers_where_the_server_takes_integers(document: dict[str, Any]) -> None:
    for method, path, operation in _operations(document):
        for parameter in operation["parameters"]:
            if parameter["in"] != "path":
                continue
            assert parameter["required"] is True
            if parameter["name"] == "id":
                assert parameter["schema"]["type"] == "integer", (method, path)
                assert parameter["schema"]["minimum"] == 1
            elif parameter["name"] in ("uuid", "note_id"):
                assert parameter["schema"] == {"type": "string", "format": "uuid"}


def test_links_name_served_operations_and_their_parameters(document: dict[str, Any]) -> None:
    by_id = {operation["operationId"]: operation for _, _, operation in _operations(document)}
    targets = set()
    for _, _, operation in _operations(document):
        for link in operation["responses"]["200"].get("links", {}).values():
            target = by_id[link["operationId"]]
            names = {f"{p['in']}.{p['name']}" for p in target["parameters"]}
            names |= {p["name"] for p in target["parameters"]}
            assert set(link["parameters"]) <= names, link
            targets.add(link["operationId"])
    every_path_operation = {
        operation["operationId"] for _, path, operation in _operations(document) if "{" in path
    }
    assert every_path_operation <= targets
