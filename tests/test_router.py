"""The route table finds each operation by one lookup, and every request leaves through the
one pipeline: a request id, the contract's error body, ``Allow`` on a 405, one log line.
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

from checks import assert_error
from heymarket_contacts.server.app import create_app
from heymarket_contacts.server.clock import system_clock
from heymarket_contacts.server.errors import MethodNotAllowed, NotFound
from heymarket_contacts.server.pipeline import ServerApp
from heymarket_contacts.server.router import RouteTable, path_regex
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


def _find(table: RouteTable[Operation], method: str, path: str) -> Any:
    """The operation id and parameters found, or the error status with its ``Allow``."""
    try:
        operation, params = table.find(method, path)
    except MethodNotAllowed as error:
        return 405, error.allow
    except NotFound:
        return 404
    return operation.operation_id, params


def _concrete(path: str) -> str:
    return (
        path.replace("{id}", "12").replace("{note_id}", "n-1").replace("{type}", "phone")
        .replace("{uuid}", UUID)
    )  # fmt: skip


def test_every_operation_is_found_at_its_own_path() -> None:
    table = RouteTable(OPERATIONS)
    for operation in OPERATIONS:
        found, params = table.find(operation.method, _concrete(operation.path))
        assert found is operation, (operation.method, operation.path)
        assert {f"{{{name}}}" for name in params} <= set(operation.path.split("/"))


@pytest.mark.parametrize("method", METHODS)
def test_a_405_allows_exactly_the_methods_that_are_served(method: str) -> None:
    """For every path and method: served, or a 405 whose ``Allow`` lists exactly the methods
    served there (``HEAD`` with ``GET``), or a 404 when no method is."""
    table = RouteTable(OPERATIONS)
    for path in PATHS:
        served = [m for m in ("GET", "POST", "PUT", "DELETE") if _served(table, m, path)]
        result = _find(table, method, path)
        if method in served:
            assert result != 404, (method, path)
            assert result[0] != 405, (method, path, result)
        elif served:
            allowed = [*served, "HEAD"] if "GET" in served else served
            assert result == (405, ", ".join(allowed)) or (method == "HEAD" and "GET" in served), (
                method,
                path,
                result,
            )
        else:
            assert result == 404, (method, path, result)


def _served(table: RouteTable[Operation], method: str, path: str) -> bool:
    try:
        table.find(method, path)
    except (MethodNotAllowed, NotFound):
        return False
    return True


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        pytest.param("POST", "/v1/contact", ("create_contact", {}), id="static"),
        pytest.param("GET", "/v1/contact/42", ("get_contact", {"id": "42"}), id="parameter"),
        pytest.param(
            "GET", "/v1/contact/007", ("get_contact", {"id": "007"}), id="leading-zeros"
        ),
        pytest.param(
            "PUT", "/v1/contact/" + "9" * 30, ("update_contact", {"id": "9" * 30}), id="huge-id"
        ),
        pytest.param("POST", "/v1/contact/get", ("find_contact", {}), id="static-beside-param"),
        pytest.param("GET", "/v1/contact/get", (405, "POST"), id="literal-wins-over-param"),
        pytest.param("PUT", "/v1/contact/status", (405, "POST"), id="literal-of-post"),
        pytest.param(
            "DELETE", "/v1/contact/5/note/n-1", ("delete_note", {"id": "5", "note_id": "n-1"}),
            id="two-parameters",
        ),
        pytest.param(
            "PATCH", "/v1/contact/1", (405, "GET, PUT, DELETE, HEAD"), id="every-method-listed"
        ),
        pytest.param("GET", "/v1/contacts", (405, "POST"), id="post-only-read"),
        pytest.param("GET", "/v1/nothing", 404, id="unknown-path"),
        pytest.param("GET", "/v1/contact/", 404, id="empty-parameter"),
        pytest.param("GET", "/v1/contact/1/", 404, id="trailing-slash"),
    ],
)  # fmt: skip
def test_a_path_finds_its_operation_or_its_error(method: str, path: str, expected: Any) -> None:
    assert _find(RouteTable(OPERATIONS), method, path) == expected


def test_a_route_declared_first_wins_over_a_later_static_one() -> None:
    operations = [_operation("GET", "/a/{name}"), _operation("GET", "/a/b")]
    table = RouteTable(operations)
    assert table.find("GET", "/a/b") == (operations[0], {"name": "b"})


def test_a_static_route_declared_first_wins_over_a_later_parameter() -> None:
    operations = [_operation("GET", "/a/b"), _operation("GET", "/a/{name}")]
    table = RouteTable(operations)
    assert table.find("GET", "/a/b") == (operations[0], {})
    assert table.find("GET", "/a/c") == (operations[1], {"name": "c"})


def test_a_path_regex_escapes_literals_and_takes_one_segment_per_parameter() -> None:
    assert path_regex("/v1/contact/{id}/note/{note_id}") == (
        r"/v1/contact/([^/]+)/note/([^/]+)$",
        ("id", "note_id"),
    )
    assert path_regex("/v1/contact-fields") == (r"/v1/contact\-fields$", ())


@pytest.mark.parametrize("path", ["/v1/contact/{id:int}", "/v1/contact/{}", "/v1/{1st}"])
def test_a_parameter_it_cannot_match_is_refused(path: str) -> None:
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


@pytest.mark.parametrize("contact_id", ["9" * 19, "9" * 30, str(2**63), "0", "abc", "get0"])
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


@pytest.mark.parametrize(
    "path", ["/v1/nothing", "/v1/contact/1/extra", "/v1/contact//note", "/v1/team/", "/"]
)
def test_no_route_is_a_404(client: Client, path: str) -> None:
    answer = client.get(path)
    assert_error(answer, 404, "not_found")
    assert len(answer.headers.get_list("x-request-id")) == 1


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PATCH", "/v1/contact/1", "GET, PUT, DELETE, HEAD"),
        ("POST", "/v1/team", "GET, HEAD"),
        ("GET", "/v1/contact", "POST"),
        ("GET", "/v1/contact/get", "POST"),
        ("DELETE", "/v1/contacts/count", "POST"),
        ("POST", "/healthz", "GET, HEAD"),
    ],
)
def test_a_wrong_method_is_a_405_with_allow(
    client: Client, method: str, path: str, allowed: str
) -> None:
    answer = client.request(method, path)
    assert_error(answer, 405, "method_not_allowed")
    assert answer.headers["allow"] == allowed
    assert len(answer.headers.get_list("x-request-id")) == 1


def test_a_head_is_the_get_without_its_body(client: Client) -> None:
    contact = _contact(client)
    answer = client.request("HEAD", f"/v1/contact/{contact['id']}")
    assert answer.status_code == 200
    assert answer.content == b""
    full = client.get(f"/v1/contact/{contact['id']}")
    assert answer.headers["content-length"] == str(len(full.content))
    assert answer.headers["etag"] == full.headers["etag"]


def test_every_request_has_its_access_log_line(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    contact = _contact(client)
    with caplog.at_level(logging.INFO, logger="heymarket_contacts.access"):
        answer = client.get(f"/v1/contact/{contact['id']}", headers={"X-Request-Id": "mine-1"})
        missing = client.get("/v1/nothing")
    records = [r for r in caplog.records if r.name == "heymarket_contacts.access"]
    request_id = answer.headers["x-request-id"]
    assert records[0].getMessage() == (
        f"{request_id} GET /v1/contact/{{id}} 200 {records[0].duration_ms:.1f}ms"
        f" team={records[0].team_id} path=/v1/contact/{contact['id']} client_request_id=mine-1"
    )
    assert records[0].team_id > 0
    assert records[1].getMessage().startswith(f"{missing.headers['x-request-id']} GET - 404 ")
    assert records[1].getMessage().endswith(" team=- path=/v1/nothing client_request_id=-")


@pytest.mark.parametrize(
    "path", ["/v1/contact/1%0d%0aFORGED%20200", "/v1/contact/%1b[31mred", "/v1/%E2%80%A8x"]
)
def test_control_characters_of_a_path_are_escaped_in_the_log(
    client: Client, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    with caplog.at_level(logging.INFO, logger="heymarket_contacts.access"):
        client.get(path)
    (record,) = [r for r in caplog.records if r.name == "heymarket_contacts.access"]
    line = record.getMessage()
    assert line.isprintable(), line
    assert "\\x" in line or "\\u2028" in line


def test_observers_are_told_of_a_request_before_its_answer_leaves(tmp_path: Path) -> None:
    """So a client that reads the emulator's journal right after its call finds it there."""
    settings = load_settings({}, database=str(tmp_path / "observed.db"), rate_limit=0)
    store = open_store(settings.database)
    store.migrate()
    admin = AdminService(store, SecretBox(load_master_key(None, settings.database)), system_clock)
    secret = admin.create_secret(admin.create_team("Observed team").id)
    built = create_app(settings, store=store)
    sent: list[str] = []
    told: list[tuple[int, list[str]]] = []
    observed = ServerApp(
        built.api, built.routes,
        observers=[lambda exchange: told.append((exchange.status, list(sent)))],
    )  # fmt: skip

    async def app(scope: Any, receive: Any, send: Any) -> None:
        sent.clear()

        async def recording(message: Any) -> None:
            sent.append(message["type"])
            await send(message)

        await observed(scope, receive, recording)

    client = Client(app, mint_token(secret.secret_id, secret.secret_key))
    assert client.get("/v1/team").status_code == 200
    assert client.get("/v1/nothing").status_code == 404
    assert told == [(200, []), (404, [])]
    store.close()
