"""Checks shared by the HTTP tests: the contract's bodies, contact reads and plain SQL."""

from __future__ import annotations

import contextlib
import re
import sqlite3
import time
import uuid
from typing import Any

import httpx
import psycopg

from support import HttpApi

MIB = 1024 * 1024
#: The client closes the connection after an over-limit body, so that the bug of
#: test_contacts_http.py's test_a_413_closes_the_connection_or_keeps_it_usable does not
#: make the other tests flaky.
CLOSE = {"Connection": "close"}
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
WWW_AUTHENTICATE = 'Bearer error="invalid_token"'


def assert_error(
    response: httpx.Response,
    status: int,
    code: str,
    *,
    field: str | None = None,
    existing_id: int | None = None,
    existing_uuid: str | None = None,
) -> None:
    """The contract's error body, exactly: ``field`` only where one is at fault (and on a v2
    409, ``existing_uuid`` beside ``existing_id``)."""
    assert response.status_code == status, response.text
    body = response.json()
    expected: dict[str, Any] = {
        "error": code,
        "message": body.get("message"),
        "request_id": response.headers["x-request-id"],
    }
    if field is not None:
        expected["field"] = field
    if existing_id is not None:
        expected["existing_id"] = existing_id
    if existing_uuid is not None:
        expected["existing_uuid"] = existing_uuid
    assert body == expected
    assert isinstance(body["message"], str)
    assert body["message"]


def assert_unauthorized(response: httpx.Response, message: str) -> None:
    """The contract's 401 with exactly this message."""
    assert response.status_code == 401, response.text
    assert response.json() == {
        "error": "unauthorized",
        "message": message,
        "request_id": response.headers["x-request-id"],
    }
    assert response.headers["www-authenticate"] == WWW_AUTHENTICATE


def assert_same_json(actual: Any, expected: Any) -> None:
    """Equal, and every value of the same JSON type (``true`` is not ``1``, nothing is null)."""
    assert actual == expected
    assert _types(actual) == _types(expected)


def _types(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _types(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_types(item) for item in value]
    return type(value)


def ok(response: httpx.Response) -> Any:
    """The JSON of a 200 answer."""
    assert response.status_code == 200, response.text
    return response.json()


def read(api: HttpApi, contact_id: int) -> dict[str, Any]:
    """The contact as ``GET /v1/contact/{id}`` answers it."""
    body: dict[str, Any] = ok(api.get(f"/v1/contact/{contact_id}"))
    return body


def read_v2(api: HttpApi, uuid: str) -> dict[str, Any]:
    """The contact as ``GET /v2/contact/{uuid}`` answers it (with ``contact_channels``)."""
    body: dict[str, Any] = ok(api.get(f"/v2/contact/{uuid}"))
    return body


def channel(channel_type: str, channel_id: str, **extra: str) -> dict[str, str]:
    """A channel of a v2 write body."""
    return {"channel_type": channel_type, "channel_id": channel_id, **extra}


def create_v2(api: HttpApi, *channels: dict[str, str], **fields: Any) -> dict[str, Any]:
    """A contact made with ``POST /v2/contact``: its ``{"id", "rev", "uuid"}``."""
    body: dict[str, Any] = ok(
        api.post("/v2/contact", json={**fields, "contact_channels": list(channels)})
    )
    return body


def default_contact(
    answer: dict[str, Any], *, team_id: int, creator_id: int, **fields: Any
) -> dict[str, Any]:
    """The read shape of a contact made with only a phone, ids, phone and times taken from
    ``answer``, then ``fields`` in place of the defaults."""
    return {
        "id": answer["id"],
        "uuid": answer["uuid"],
        "team_id": team_id,
        "inbox_id": 0,
        "creator_id": creator_id,
        "assigned_user_id": 0,
        "parent_id": 0,
        "display_name": "",
        "first": "",
        "last": "",
        "email": "",
        "phone": answer["phone"],
        "avatar": "",
        "external_id": "",
        "external_ref": "",
        "custom": {},
        "tags": [],
        "note": [],
        "is_opted_out": False,
        "shared": True,
        "type": "phone",
        "op": "create",
        "rev": 1,
        "created": answer["created"],
        "updated": answer["updated"],
        **fields,
    }


def count_all(api: HttpApi) -> int:
    """How many contacts the caller's team has, as ``/v1/contacts/count`` says."""
    count = ok(api.post("/v1/contacts/count", json={}))
    assert type(count) is int
    return count


class Sql:
    """Plain SQL on the server's database, committed at once; ``?`` placeholders on both.

    For what a test cannot make or check through the API: tags and custom fields of another
    team, and whether a refused call wrote anything.
    """

    def __init__(self, backend: str, url: str) -> None:
        self.backend = backend
        self.url = url

    def rows(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        if self.backend == "sqlite":
            with (
                contextlib.closing(sqlite3.connect(self.url, timeout=30)) as connection,
                connection,
            ):
                return connection.execute(statement, params).fetchall()
        with psycopg.connect(self.url, autocommit=True) as pg_connection:
            cursor = pg_connection.execute(statement.replace("?", "%s"), params)
            return cursor.fetchall() if cursor.description else []

    def value(self, statement: str, *params: Any) -> Any:
        """The first column of the only row."""
        (row,) = self.rows(statement, *params)
        return row[0]

    def count(self, statement: str, *params: Any) -> int:
        """The integer the statement selects."""
        return int(self.value(statement, *params))

    def make_tag(self, team_id: int, color: str = "blue") -> int:
        now = time.time_ns() // 1000
        label = f"tag-{uuid.uuid4().hex[:8]}"
        statement = (
            "INSERT INTO tags (team_id, tag, color, rev, created_us, updated_us)"
            " VALUES (?, ?, ?, 1, ?, ?) RETURNING id"
        )
        return int(self.value(statement, team_id, label, color, now, now))

    def make_field(self, team_id: int) -> int:
        title = f"field-{uuid.uuid4().hex[:8]}"
        statement = (
            "INSERT INTO contact_fields (team_id, title, created_us) VALUES (?, ?, ?) RETURNING id"
        )
        return int(self.value(statement, team_id, title, time.time_ns() // 1000))

    def count_contacts(self, team_id: int) -> int:
        return self.count("SELECT count(*) FROM contacts WHERE team_id = ?", team_id)

    def channels(self, team_id: int) -> int:
        return self.count("SELECT count(*) FROM contact_channels WHERE team_id = ?", team_id)

    def tags(self, team_id: int) -> int:
        return self.count("SELECT count(*) FROM tags WHERE team_id = ?", team_id)

    def fields(self, team_id: int) -> int:
        return self.count("SELECT count(*) FROM contact_fields WHERE team_id = ?", team_id)

    def notes(self, team_id: int) -> int:
        return self.count(
            "SELECT count(*) FROM notes n JOIN contacts c ON c.id = n.contact_id"
            " WHERE c.team_id = ?",
            team_id,
        )
