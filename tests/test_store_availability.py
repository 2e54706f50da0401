"""Reaching the database: ``ping``, failing fast while it is down, and ``serve`` at start.

A PostgreSQL URL that waiting will not fix (a missing database or role, a malformed URL) stops
``serve`` at once with the server's message on one line; a server that refuses connections is
tried again with a countdown, then ``serve`` stops with one line too.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest

from heymarket_contacts.server.secret_box import new_master_key
from heymarket_contacts.server.store import Store, StoreUnavailable
from heymarket_contacts.server.store.postgres import PostgresStore
from heymarket_contacts.server.store.postgres_connect import CONNECT_WAIT_SECONDS
from heymarket_contacts.server.store.sqlite import SQLiteStore
from private_servers import PrivatePostgres
from support import POSTGRES_ADMIN_URL, closed_port, free_port, require_postgres


def test_ping_answers(store: Store) -> None:
    store.ping()


def test_ping_of_an_unreadable_sqlite_file_is_unavailable(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path)  # a directory, not a database file
    with pytest.raises(StoreUnavailable, match="SQLite file"):
        store.ping()


@pytest.mark.postgres
def test_a_stopped_postgres_fails_fast_and_heals_within_2_seconds() -> None:
    with PrivatePostgres.create() as postgres:
        store = PostgresStore(postgres.url())
        try:
            store.ping()
            postgres.stop()
            stopped = time.monotonic()
            with pytest.raises(StoreUnavailable):
                store.ping()
            first_failure = time.monotonic() - stopped
            time.sleep(0.5)  # the probe has found the server gone
            calls = []
            for _ in range(20):
                began = time.monotonic()
                with pytest.raises(StoreUnavailable, match="is unavailable"), store.read():
                    pass
                calls.append(time.monotonic() - began)
            postgres.start()
            started = time.monotonic()
            back_after = _until_ping(store) - started
        finally:
            store.close()
    print(f"\nping failed {first_failure:.3f} s after the stop, answered {back_after:.3f} s after")
    assert first_failure < 2
    assert max(calls) < 0.05
    assert back_after < 2


@pytest.mark.postgres
def test_a_lost_connection_on_a_live_server_is_no_outage(caplog: pytest.LogCaptureFixture) -> None:
    with PrivatePostgres.create() as postgres:
        store = PostgresStore(postgres.url())
        try:
            store.ping()
            with psycopg.connect(postgres.url(), autocommit=True) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
                )
            with caplog.at_level(logging.WARNING), pytest.raises(StoreUnavailable):
                store.ping()  # its connection was the one lost
            recovered = _until_ping(store, timeout=2)
        finally:
            store.close()
    assert recovered
    assert not [r for r in caplog.records if "is unavailable" in r.getMessage()]


def _until_ping(store: Store, timeout: float = 10) -> float:
    deadline = time.monotonic() + timeout
    while True:
        try:
            store.ping()
            return time.monotonic()
        except StoreUnavailable:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _serve(database: str) -> tuple[subprocess.CompletedProcess[str], float]:
    command = [
        sys.executable, "-m", "heymarket_contacts", "serve", "--database", database,
        "--port", str(free_port()),
    ]  # fmt: skip
    environment = {**os.environ, "HEYMARKET_MASTER_KEY": new_master_key()}
    began = time.monotonic()
    done = subprocess.run(
        command, check=False, capture_output=True, text=True, env=environment, timeout=60
    )
    return done, time.monotonic() - began


def _with_database(name: str, user: str | None = None) -> str:
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    if user:
        base = base.replace("postgresql://", f"postgresql://{user}@", 1)
    return f"{base}/{name}"


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("database", "message"),
    [
        pytest.param(
            _with_database(f"missing_{uuid.uuid4().hex[:8]}"), "does not exist", id="no-database"
        ),
        pytest.param(
            _with_database("test", user=f"nobody_{uuid.uuid4().hex[:8]}"), "role", id="no-role"
        ),
        pytest.param("postgresql://secret-word@[::1/test", "malformed", id="malformed-url"),
    ],
)
def test_serve_stops_at_once_on_what_waiting_will_not_fix(database: str, message: str) -> None:
    if message != "malformed":
        require_postgres()
    done, seconds = _serve(database)
    lines = done.stderr.strip().splitlines()
    print(f"\n{seconds:.2f} s: {lines[-1]}")
    assert done.returncode in (1, 2)
    assert len(lines) == 1
    assert lines[0].startswith("Error: cannot use PostgreSQL database")
    assert message in lines[0]
    assert "secret-word" not in done.stderr + done.stdout
    assert seconds < 5  # the interpreter's start included; no retries


@pytest.mark.postgres
def test_serve_stops_at_once_on_a_wrong_password() -> None:
    with PrivatePostgres.create(password="the-right-one") as postgres:
        done, seconds = _serve(postgres.url(password="a-wrong-secret"))
    lines = done.stderr.strip().splitlines()
    print(f"\n{seconds:.2f} s: {lines[-1]}")
    assert done.returncode in (1, 2)
    assert len(lines) == 1
    assert "password authentication failed for user" in lines[0]
    assert "a-wrong-secret" not in done.stderr + done.stdout
    assert seconds < 5


@pytest.mark.postgres
def test_serve_waits_for_a_closed_port_with_a_countdown() -> None:
    done, seconds = _serve(f"postgresql://127.0.0.1:{closed_port()}/test")
    lines = done.stderr.strip().splitlines()
    countdown = [line for line in lines if "trying again" in line]
    print(f"\n{seconds:.2f} s, {len(countdown)} countdown lines, then: {lines[-1]}")
    assert done.returncode in (1, 2)
    assert len(countdown) >= CONNECT_WAIT_SECONDS - 2
    assert "s left" in countdown[0]
    assert lines[-1].startswith("Error: cannot reach PostgreSQL database test on 127.0.0.1:")
    assert lines[-1].endswith("connection refused")
    assert [line for line in lines if line.startswith("Error")] == [lines[-1]]
    assert CONNECT_WAIT_SECONDS <= seconds < CONNECT_WAIT_SECONDS + 5
