"""Hostile input over real HTTP, on both databases: deep nesting in every body, every path
with every method, and control characters that must not reach the log raw."""

from __future__ import annotations

import contextlib
import socket
import time

import pytest

from checks import assert_error
from heymarket_contacts.server.routes import OPERATIONS
from heymarket_contacts.server.validation import MAX_DEPTH
from support import HttpApi, RunningServer

UUID = "00000000-0000-4000-8000-000000000000"
BODY_OPERATIONS = [operation for operation in OPERATIONS if operation.body is not None]
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]


def concrete(path: str) -> str:
    return (
        path.replace("{id}", "1").replace("{note_id}", "n-1").replace("{type}", "phone")
        .replace("{uuid}", UUID)
    )  # fmt: skip


def nested(levels: int) -> bytes:
    """A JSON value nesting ``levels`` arrays."""
    return b"[" * levels + b"]" * levels


def body_nesting(operation_path: str, levels: int, *, array_body: bool) -> bytes:
    """A body whose own level counts: an array body nests ``levels - 1`` more in its item, an
    object body the same in an ignored field."""
    if array_body:
        return b"[" + nested(levels - 1) + b"]"
    return b'{"phone": "15105550100", "zz_ignored": ' + nested(levels - 1) + b"}"


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 1_000, 100_000])
def test_nesting_past_the_limit_is_a_400_on_every_route_with_a_body(
    api: HttpApi, levels: int
) -> None:
    for operation in BODY_OPERATIONS:
        array_body = str(operation.documented_body or operation.body).startswith("list")
        body = body_nesting(operation.path, levels, array_body=array_body)
        answer = api.request(operation.method, concrete(operation.path), content=body)
        assert_error(answer, 400, "bad_data")
        assert f"deeper than {MAX_DEPTH} levels" in answer.json()["message"], operation.path


def test_nesting_at_the_limit_is_read(api: HttpApi) -> None:
    body = body_nesting("/v1/contact", MAX_DEPTH, array_body=False)
    answer = api.post("/v1/contact", content=body)
    assert answer.status_code == 200, answer.text


def test_brackets_inside_strings_do_not_count(api: HttpApi) -> None:
    first = "[" * 200
    answer = api.post("/v1/contact", json={"phone": "15105550101", "first": first[:255]})
    assert answer.status_code == 200, answer.text
    assert api.get(f"/v1/contact/{answer.json()['id']}").json()["first"] == first[:255]


@pytest.mark.parametrize("method", METHODS)
def test_every_path_with_every_method_is_served_or_a_clear_error(api: HttpApi, method: str) -> None:
    paths = {concrete(operation.path) for operation in OPERATIONS}
    for path in sorted(paths):
        answer = api.request(method, path, content=b"{}")
        assert answer.status_code < 500, (method, path, answer.text)
        if answer.status_code == 405:
            assert method not in answer.headers["allow"].split(", ")
            retried = api.request(answer.headers["allow"].split(", ")[0], path, content=b"{}")
            assert retried.status_code != 405, (path, answer.headers["allow"])


@pytest.mark.parametrize(
    "path",
    [
        "/v1/contact/1%0d%0a2026-01-01 INFO heymarket_contacts.access: FORGED",
        "/v1/contact/%1b[31mred%1b[0m",
        "/v1/nothing%0aFORGED",
    ],
)
def test_control_characters_never_reach_the_log_raw(
    api: HttpApi, server: RunningServer, path: str
) -> None:
    before = server.log_path.read_bytes()
    api.get(path, headers={"X-Request-Id": "%0d%0aFORGED"}, params={"q": "a\r\nFORGED\x1b["})
    # Its line is written after the first one's (the access log writes in batches).
    marker = api.get("/v1/team").headers["x-request-id"].encode()
    deadline = time.monotonic() + 5
    written = b""
    while marker not in written and time.monotonic() < deadline:
        time.sleep(0.01)
        written = server.log_path.read_bytes()[len(before) :]
    assert marker in written
    assert b"\x1b" not in written
    assert not any(line.startswith((b"FORGED", b"2026-01-01")) for line in written.splitlines())
    assert b"\\x0d\\x0a" in written or b"\\x1b" in written or b"\\x0a" in written


def _raw_exchange(server: RunningServer, request: bytes) -> bytes:
    """What the server sends back on one connection for ``request`` (bytes as sent)."""
    host, port = server.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        received = b""
        sock.settimeout(2)
        with contextlib.suppress(TimeoutError):
            while chunk := sock.recv(65536):
                received += chunk
    return received


def test_an_early_error_reads_a_small_unread_body_and_keeps_the_connection(
    server: RunningServer,
) -> None:
    body = b'{"phone": "15105550100"}'
    one = (
        b"POST /v1/contact HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a.b.c\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    answers = _raw_exchange(server, one * 3)
    assert answers.count(b"HTTP/1.1 401") == 3
    assert b"connection: close" not in answers.lower()


def test_an_early_error_closes_the_connection_of_a_large_unread_body(
    server: RunningServer,
) -> None:
    size = 200 * 1024
    head = (
        b"POST /v1/contact HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a.b.c\r\n"
        b"Content-Length: %d\r\n\r\n" % size
    )
    answer = _raw_exchange(server, head + b" " * 1024)
    assert answer.startswith(b"HTTP/1.1 401")
    assert b"connection: close" in answer.lower()
