"""The router in front of Starlette finds the route Starlette would, and serves it the same way.

What it finds must be exactly Starlette's first full match (same operation, same parameters);
what it does not find goes to Starlette, so a 404, a 405 and its ``Allow`` stay Starlette's.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.responses import Response
from starlette.routing import Match, Route

from checks import assert_error
from heymarket_contacts.server.app import create_app
from heymarket_contacts.server.clock import system_clock
from heymarket_contacts.server.router import OperationRouter, path_regex
from heymarket_contacts.server.routes import OPERATIONS
from heymarket_contacts.server.routing import Call, Operation
from heymarket_contacts.server.secret_box import SecretBox, load_master_key
from heymarket_contacts.server.service.admin import AdminService
from heymarket_contacts.server.settings import load_settings
from heymarket_contacts.server.store import open_store
from heymarket_contacts.tokens import mint_token

UUID = "00000000-0000-4000-8000-000000000000"
#: Paths that name a route, that almost do, and that name none.
PATHS = [
    "/v1/contact", "/v1/contact/1", "/v1/contact/007", "/v1/contact/" + "9" * 30,
    "/v1/contact/get", "/v1/contact/status", "/v1/contact/set_status", "/v1/contact/abc",
    "/v1/contact/1/note", "/v1/contact/1/note/n-1", "/v1/contacts", "/v1/contacts/count",
    "/v1/contacts/fields", "/v1/contact-fields", "/v1/batch/contacts", "/v1/tag", "/v1/tag/3",
    "/v1/tags", "/v1/team", "/v1/inboxes", "/v1/users/get", "/v1/users/update",
    f"/v2/contact/{UUID}", f"/v2/contact/{UUID}/channel", f"/v2/contact/{UUID}/channels",
    f"/v2/contact/{UUID}/channel/phone", "/v2/contact", "/v2/contacts", "/v2/contacts/list",
    "/v2/contacts/search", "/v1/contact/", "/v1/contact//note", "/v1/contact/1/", "/v1/team/",
    "/v1/contact/1/extra", "/v1/nothing", "/", "", "/V1/TEAM", "/v1/contact/1%2F2",
    "/v1/contact/a.b", "/v1/contact/ 1", "/openapi.json",
]  # fmt: skip
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]


async def _handler(call: Call) -> Response:
    return Response()


def _operation(method: str, path: str) -> Operation:
    return Operation(method, path, _handler, f"{method} {path}", None)


def starlette_choice(
    operations: list[Operation], method: str, path: str
) -> tuple[Operation, dict[str, str]] | None:
    """The operation Starlette's scan serves (its first full match), with its parameters."""
    scope = {"type": "http", "method": method, "path": path, "root_path": ""}
    for operation in operations:
        route = Route(operation.path, _handler, methods=[operation.method])
        match, child = route.matches(scope)
        if match is Match.FULL:
            return operation, child["path_params"]
    return None


@pytest.mark.parametrize("method", METHODS)
def test_the_router_finds_what_starlette_serves(method: str) -> None:
    router = OperationRouter(OPERATIONS)
    for path in PATHS:
        expected = starlette_choice(OPERATIONS, method, path)
        if method == "HEAD":  # Starlette serves a GET route's HEAD; the router leaves it to it
            expected = None
        assert router.match(method, path) == expected, (method, path)


@pytest.mark.parametrize(
    ("method", "path", "operation_id", "params"),
    [
        pytest.param("POST", "/v1/contact", "create_contact", {}, id="static"),
        pytest.param("GET", "/v1/contact/42", "get_contact", {"id": "42"}, id="parameter"),
        pytest.param("GET", "/v1/contact/007", "get_contact", {"id": "007"}, id="leading-zeros"),
        pytest.param(
            "PUT", "/v1/contact/" + "9" * 30, "update_contact", {"id": "9" * 30}, id="huge-id"
        ),
        pytest.param("POST", "/v1/contact/get", "find_contact", {}, id="static-beside-param"),
        pytest.param("GET", "/v1/contact/get", "get_contact", {"id": "get"}, id="param-not-static"),
        pytest.param(
            "DELETE", "/v1/contact/5/note/n-1", "delete_note", {"id": "5", "note_id": "n-1"},
            id="two-parameters",
        ),
    ],
)  # fmt: skip
def test_a_path_finds_its_operation_and_parameters(
    method: str, path: str, operation_id: str, params: dict[str, str]
) -> None:
    found = OperationRouter(OPERATIONS).match(method, path)
    assert found is not None
    operation, found_params = found
    assert (operation.operation_id, found_params) == (operation_id, params)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", "/v1/nothing", id="unknown-path"),
        pytest.param("PATCH", "/v1/contact/1", id="unknown-method"),
        pytest.param("POST", "/v1/contact/1", id="wrong-method"),
        pytest.param("HEAD", "/v1/contact/1", id="head"),
        pytest.param("GET", "/v1/contact/", id="empty-parameter"),
        pytest.param("GET", "/v1/contact/1/", id="trailing-slash"),
        pytest.param("GET", "/openapi.json", id="not-an-operation"),
    ],
)
def test_what_no_operation_names_is_left_to_starlette(method: str, path: str) -> None:
    assert OperationRouter(OPERATIONS).match(method, path) is None


def test_a_route_declared_first_wins_over_a_later_static_one() -> None:
    operations = [_operation("GET", "/a/{name}"), _operation("GET", "/a/b")]
    router = OperationRouter(operations)
    assert router.match("GET", "/a/b") == (operations[0], {"name": "b"})
    assert router.match("GET", "/a/b") == starlette_choice(operations, "GET", "/a/b")


def test_a_static_route_declared_first_wins_over_a_later_parameter() -> None:
    operations = [_operation("GET", "/a/b"), _operation("GET", "/a/{name}")]
    router = OperationRouter(operations)
    assert router.match("GET", "/a/b") == (operations[0], {})
    assert router.match("GET", "/a/c") == (operations[1], {"name": "c"})


def test_a_path_regex_is_starlettes() -> None:
    assert path_regex("/v1/contact/{id}/note/{note_id}") == (
        r"/v1/contact/([^/]+)/note/([^/]+)$",
        ("id", "note_id"),
    )
    assert path_regex("/v1/contact-fields") == (r"/v1/contact\-fields$", ())


@pytest.mark.parametrize("path", ["/v1/contact/{id:int}", "/v1/contact/{}", "/v1/{1st}"])
def test_a_parameter_it_cannot_match_like_starlette_is_refused(path: str) -> None:
    with pytest.raises(ValueError, match="unsupported path parameter"):
        path_regex(path)


# --- served in-process ----------------------------------------------------------------------


class Client:
    """Requests into the ASGI app in this process, each on an event loop of its own."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.headers = {"Authorization": f"Bearer {token}"}

    def request(self, method: str, path: str, **options: Any) -> httpx.Response:
        options["headers"] = {**self.headers, **options.get("headers", {})}
        return asyncio.run(self._send(method, path, options))

    def get(self, path: str, **options: Any) -> httpx.Response:
        return self.request("GET", path, **options)

    def post(self, path: str, **options: Any) -> httpx.Response:
        return self.request("POST", path, **options)

    async def _send(self, method: str, path: str, options: dict[str, Any]) -> httpx.Response:
        transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.request(method, path, **options)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[Client]:
    """The app on a new SQLite file, as a team with one secret (its token on every request)."""
    settings = load_settings({}, database=str(tmp_path / "router.db"), rate_limit=0)
    store = open_store(settings.database)
    store.migrate()
    box = SecretBox(load_master_key(None, settings.database))
    admin = AdminService(store, box, system_clock)
    secret = admin.create_secret(admin.create_team("Router team").id)
    yield Client(create_app(settings, store=store), mint_token(secret.secret_id, secret.secret_key))
    store.close()


def _contact(client: Client) -> dict[str, Any]:
    created = client.post("/v1/contact", json={"phone": "+15105550123", "first": "Ada"})
    assert created.status_code == 200, created.text
    answer = client.get(f"/v1/contact/{created.json()['id']}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_an_id_with_leading_zeros_names_the_same_contact(client: Client) -> None:
    contact = _contact(client)
    answer = client.get(f"/v1/contact/{contact['id']:05d}")
    assert answer.status_code == 200
    assert answer.json() == contact
    assert answer.headers["etag"] == f'"{contact["rev"]}"'


@pytest.mark.parametrize("contact_id", ["9" * 19, "9" * 30, str(2**63), "0", "abc", "get"])
def test_an_id_that_names_nothing_is_a_404(client: Client, contact_id: str) -> None:
    _contact(client)
    assert_error(client.get(f"/v1/contact/{contact_id}"), 404, "not_found")


def test_an_answer_carries_one_request_id(client: Client) -> None:
    contact = _contact(client)
    answer = client.get(f"/v1/contact/{contact['id']}", headers={"X-Request-Id": "mine"})
    (request_id,) = answer.headers.get_list("x-request-id")
    assert request_id != "mine"
    assert [name for name, _ in answer.headers.raw] == [
        b"etag", b"content-length", b"content-type", b"x-request-id"
    ]  # fmt: skip


def test_an_error_of_an_operation_is_the_contracts_body(client: Client) -> None:
    answer = client.get("/v1/team", headers={"Authorization": ""})
    assert_error(answer, 401, "unauthorized")
    assert len(answer.headers.get_list("x-request-id")) == 1


@pytest.mark.parametrize("path", ["/v1/nothing", "/v1/contact/1/extra", "/v1/contact//note"])
def test_no_route_is_a_404_from_starlette(client: Client, path: str) -> None:
    answer = client.get(path)
    assert_error(answer, 404, "not_found")
    assert len(answer.headers.get_list("x-request-id")) == 1


@pytest.mark.parametrize("path", ["/v1/team/", "/v1/contact/"])
def test_a_trailing_slash_is_starlettes_redirect(client: Client, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 307
    assert answer.headers["location"] == f"http://test{path.rstrip('/')}"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PATCH", "/v1/contact/1", {"GET", "HEAD"}),
        ("POST", "/v1/team", {"GET", "HEAD"}),
        ("GET", "/v1/contact", {"POST"}),
    ],
)
def test_a_wrong_method_is_a_405_with_allow(
    client: Client, method: str, path: str, allowed: set[str]
) -> None:
    answer = client.request(method, path)
    assert_error(answer, 405, "method_not_allowed")
    assert set(answer.headers["allow"].split(", ")) == allowed
    assert len(answer.headers.get_list("x-request-id")) == 1


def test_every_request_has_its_access_log_line(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    contact = _contact(client)
    with caplog.at_level(logging.INFO, logger="heymarket_contacts.access"):
        answer = client.get(f"/v1/contact/{contact['id']}")
        client.get("/v1/nothing")
    lines = [r.getMessage() for r in caplog.records if r.name == "heymarket_contacts.access"]
    request_id = answer.headers["x-request-id"]
    assert lines[0].startswith(f"GET /v1/contact/{contact['id']} 200 ")
    assert f"request_id={request_id} client_request_id=-" in lines[0]
    assert lines[1].startswith("GET /v1/nothing 404 ")
