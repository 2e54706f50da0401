"""Helpers of the tag, custom field and note tests: error bodies, contact reads, row counts."""

from __future__ import annotations

import contextlib
import re
import sqlite3
from typing import Any

import httpx
import psycopg

from support import HttpApi

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


class Rows:
    """Plain SQL on the server's database, to check what a call wrote (or did not)."""

    def __init__(self, backend: str, url: str) -> None:
        self.backend = backend
        self.url = url

    def count(self, statement: str, *params: Any) -> int:
        """The integer the statement selects; ``?`` placeholders on both backends."""
        if self.backend == "sqlite":
            with (
                contextlib.closing(sqlite3.connect(self.url, timeout=30)) as connection,
                connection,
            ):
                return int(connection.execute(statement, params).fetchone()[0])
        with psycopg.connect(self.url, autocommit=True) as pg_connection:
            row = pg_connection.execute(statement.replace("?", "%s"), params).fetchone()
            assert row is not None
            return int(row[0])

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


def assert_error(
    response: httpx.Response, status: int, code: str, *, field: str | None = None,
    existing_id: int | None = None,
) -> None:  # fmt: skip
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
    if existing_id is not None:
        expected["existing_id"] = existing_id
    assert body == expected
    assert isinstance(body["message"], str)
    assert body["message"]


def ok(response: httpx.Response) -> Any:
    """The JSON of a 200 answer."""
    assert response.status_code == 200, response.text
    return response.json()


def read_contact(api: HttpApi, contact_id: int) -> dict[str, Any]:
    body: dict[str, Any] = ok(api.get(f"/v1/contact/{contact_id}"))
    return body
