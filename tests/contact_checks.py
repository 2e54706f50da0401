"""Checks shared by the HTTP tests of listing, lookup and batch: error bodies, reads, raw SQL."""

from __future__ import annotations

import contextlib
import sqlite3
import time
import uuid
from typing import Any

import httpx
import psycopg

from support import HttpApi

MIB = 1024 * 1024
#: The client closes the connection after an over-limit body (see test_contacts_http.py).
CLOSE = {"Connection": "close"}


def assert_error(
    response: httpx.Response, status: int, code: str, *, field: str | None = None
) -> None:
    """The contract's error body, exactly: ``field`` only where one is at fault."""
    assert response.status_code == status, response.text
    body = response.json()
    expected: dict[str, Any] = {
        "error": code,
        "message": body.get("message"),
        "request_id": response.headers["x-request-id"],
    }
    if field is not None:
        expected["field"] = field
    assert body == expected
    assert isinstance(body["message"], str)
    assert body["message"]


def ok(response: httpx.Response) -> Any:
    """The JSON of a 200 answer."""
    assert response.status_code == 200, response.text
    return response.json()


def read(api: HttpApi, contact_id: int) -> dict[str, Any]:
    body: dict[str, Any] = ok(api.get(f"/v1/contact/{contact_id}"))
    return body


def count_all(api: HttpApi) -> int:
    """How many contacts the caller's team has, as ``/v1/contacts/count`` says."""
    count = ok(api.post("/v1/contacts/count", json={}))
    assert type(count) is int
    return count


class Database:
    """Plain SQL on the server's database, for what these tests do not test through the API."""

    def __init__(self, backend: str, url: str) -> None:
        self.backend = backend
        self.url = url

    def query(self, statement: str, *params: Any) -> Any:
        """The first column of the first row; ``?`` placeholders on both backends."""
        if self.backend == "sqlite":
            with (
                contextlib.closing(sqlite3.connect(self.url, timeout=30)) as connection,
                connection,
            ):
                return connection.execute(statement, params).fetchone()[0]
        with psycopg.connect(self.url, autocommit=True) as pg_connection:
            row = pg_connection.execute(statement.replace("?", "%s"), params).fetchone()
            assert row is not None
            return row[0]

    def make_tag(self, team_id: int) -> int:
        now = time.time_ns() // 1000
        statement = (
            "INSERT INTO tags (team_id, tag, color, rev, created_us, updated_us)"
            " VALUES (?, ?, ?, 1, ?, ?) RETURNING id"
        )
        return int(self.query(statement, team_id, f"tag-{uuid.uuid4().hex[:8]}", "", now, now))

    def make_field(self, team_id: int) -> int:
        statement = (
            "INSERT INTO contact_fields (team_id, title, created_us) VALUES (?, ?, ?) RETURNING id"
        )
        title = f"field-{uuid.uuid4().hex[:8]}"
        return int(self.query(statement, team_id, title, time.time_ns() // 1000))

    def count_contacts(self, team_id: int) -> int:
        return int(self.query("SELECT count(*) FROM contacts WHERE team_id = ?", team_id))
