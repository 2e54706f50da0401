"""Helpers of the team, inbox, user and team-key tests: error bodies and plain SQL."""

from __future__ import annotations

import contextlib
import re
import sqlite3
from typing import Any

import httpx
import psycopg

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
WWW_AUTHENTICATE = 'Bearer error="invalid_token"'


class Sql:
    """Plain SQL on the server's database, committed at once; ``?`` placeholders on both."""

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
