"""``/openapi.json`` describes exactly the routes served, and is a valid OpenAPI 3.1 document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from heymarket_contacts.server.app import create_app
from heymarket_contacts.server.settings import load_settings
from support import RunningServer

HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


@pytest.fixture
def document(server: RunningServer) -> dict[str, Any]:
    response = httpx.get(f"{server.base_url}/openapi.json", timeout=10)
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
    with httpx.Client(base_url=server.base_url, timeout=10) as client:
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
