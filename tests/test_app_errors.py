"""A bug in the server is a 500 with the contract's body and a request id, and leaks nothing.

In-process, with a store that fails: the one way to make the server fail on purpose.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from heymarket_contacts.server.app import create_app
from heymarket_contacts.server.secret_box import new_master_key
from heymarket_contacts.server.settings import load_settings
from heymarket_contacts.server.store import StoreUnavailable
from heymarket_contacts.tokens import mint_token

LEAKY_MESSAGE = "near 'SELECT key_ciphertext FROM api_secrets': syntax error"


class FailingStore:
    inline_reads = True
    description = "a store that always fails"

    @contextmanager
    def read(self) -> Iterator[Any]:
        raise sqlite3.OperationalError(LEAKY_MESSAGE)
        yield

    write = read

    def migrate(self) -> list[int]:
        return []

    def ping(self) -> None:
        raise sqlite3.OperationalError(LEAKY_MESSAGE)

    def close(self) -> None:
        pass


class DownStore(FailingStore):
    description = "a database that is down"

    @contextmanager
    def read(self) -> Iterator[Any]:
        raise StoreUnavailable("PostgreSQL database secret_name on db.internal:5432 is down")
        yield

    write = read


def test_unexpected_failure_is_a_500_with_request_id_and_no_detail(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings(
        {"HEYMARKET_MASTER_KEY": new_master_key()}, database=str(tmp_path / "x.db")
    )
    app = create_app(settings, store=FailingStore())
    token = mint_token("0" * 24, "key")
    with caplog.at_level(logging.ERROR):
        response = asyncio.run(_get(app, "/v1/team", token))

    assert response.status_code == 500
    request_id = response.headers["x-request-id"]
    assert response.json() == {
        "error": "server_error",
        "message": "the server failed; see the log for this id",
        "request_id": request_id,
    }
    assert "SELECT" not in response.text
    assert any(request_id in record.getMessage() for record in caplog.records)


def test_a_database_that_is_down_is_a_503_with_retry_after(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings(
        {"HEYMARKET_MASTER_KEY": new_master_key()}, database=str(tmp_path / "x.db")
    )
    app = create_app(settings, store=DownStore())
    with caplog.at_level(logging.INFO):
        response = asyncio.run(_get(app, "/v1/team", mint_token("0" * 24, "key")))

    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json() == {
        "error": "unavailable",
        "message": "the database is unavailable; retry in 1 s",
        "request_id": response.headers["x-request-id"],
    }
    assert not [record for record in caplog.records if record.exc_info]


async def _get(app: Any, path: str, token: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get(path, headers={"Authorization": f"Bearer {token}"})
