"""``/healthz`` and ``/readyz`` (contract section 11) over real HTTP, on both databases."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support import RunningServer, shared_tls

READY = {"status": "ready", "database": "ok", "migrations": "current"}


def test_healthz_answers_without_credentials(server: RunningServer) -> None:
    answer = httpx.get(f"{server.base_url}/healthz", verify=shared_tls())
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}
    assert answer.headers["x-request-id"]


def test_readyz_says_the_database_and_schema_are_ready(server: RunningServer) -> None:
    answer = httpx.get(f"{server.base_url}/readyz", verify=shared_tls())
    assert answer.status_code == 200
    assert answer.json() == READY


def test_a_head_of_healthz_has_no_body(server: RunningServer) -> None:
    answer = httpx.head(f"{server.base_url}/healthz", verify=shared_tls())
    assert answer.status_code == 200
    assert answer.content == b""


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[tuple[RunningServer, Path]]:
    """A server of its own on a SQLite file this test may break."""
    database = tmp_path / "ready.db"
    running = RunningServer.start(str(database), {}, tmp_path / "ready.log")
    yield running, database
    running.stop()


def test_readyz_is_a_503_when_the_database_file_is_removed(
    own_server: tuple[RunningServer, Path],
) -> None:
    server, database = own_server
    assert httpx.get(f"{server.base_url}/readyz", verify=shared_tls()).status_code == 200
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    answer = httpx.get(f"{server.base_url}/readyz", verify=shared_tls())
    assert answer.status_code == 503
    assert answer.json() == {
        "status": "unavailable", "database": "unavailable", "migrations": "unknown"
    }  # fmt: skip
    assert answer.headers["retry-after"] == "1"
    assert str(database) not in answer.text
    assert httpx.get(f"{server.base_url}/healthz", verify=shared_tls()).status_code == 200


def test_readyz_is_a_503_when_a_migration_is_missing(
    own_server: tuple[RunningServer, Path],
) -> None:
    server, database = own_server
    with sqlite3.connect(database) as connection:
        connection.execute(
            "DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM"
            " schema_migrations)"
        )
    answer = httpx.get(f"{server.base_url}/readyz", verify=shared_tls())
    assert answer.status_code == 503
    assert answer.json() == {"status": "unavailable", "database": "ok", "migrations": "pending"}
