"""Test helpers: PostgreSQL databases, the server subprocess, teams and an HTTP client."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, Protocol
from urllib.parse import urlsplit

import httpx
import psycopg
import pytest

from heymarket_contacts.client._tls import default_ssl_context
from heymarket_contacts.tokens import mint_token


def shared_tls() -> ssl.SSLContext:
    """The TLS context every test's HTTP client shares: a client that builds its own loads
    the whole CA bundle, about 100 ms, which thousands of tests would pay."""
    return default_ssl_context()


POSTGRES_ADMIN_URL = os.environ.get(
    "HEYMARKET_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test"
)


def postgres_unavailable_reason() -> str | None:
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.Error as error:
        return str(error).strip() or type(error).__name__


def service_missing(what: str, reason: str) -> NoReturn:
    """A service a test needs is down: a skip that says why, or under ``CI=true`` (where
    every service must be up) a failure."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true needs {what}: {reason}")
    pytest.skip(f"{what} is not reachable: {reason}")


def require_postgres() -> None:
    reason = postgres_unavailable_reason()
    if reason:
        service_missing(f"PostgreSQL at {POSTGRES_ADMIN_URL}", reason)


@contextmanager
def postgres_database(prefix: str) -> Iterator[str]:
    """A new empty database named ``<prefix>_<random>`` while the block runs (dropped after);
    its URL is the admin URL's with the database name replaced."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlsplit(POSTGRES_ADMIN_URL)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Canary:
    """Strings that must never leave the server: secret keys and tokens."""

    values: set[str] = field(default_factory=set)

    def add(self, value: str) -> None:
        self.values.add(value)

    def assert_absent_from(self, text: str, *, where: str) -> None:
        leaked = [value for value in self.values if value in text]
        assert not leaked, f"{len(leaked)} secret value(s) appear in {where}"


def write_outside_the_server(database_url: str, statement: str, params: tuple[Any, ...]) -> None:
    """Run one statement (``?`` placeholders) on the database as another program would,
    through its own driver and connection."""
    if database_url.startswith("postgresql"):
        with psycopg.connect(database_url, autocommit=True) as connection:
            connection.execute(statement.replace("?", "%s"), params)
        return

    with sqlite3.connect(database_url) as connection:
        connection.execute(statement, params)
    connection.close()


@dataclass(frozen=True)
class TeamCredentials:
    team_id: int
    secret_id: str
    secret_key: str

    def token(self, issued_at: int | None = None) -> str:
        return mint_token(self.secret_id, self.secret_key, issued_at=issued_at)


class TeamFactory(Protocol):
    def __call__(self, name: str = ...) -> TeamCredentials: ...


class HttpApi:
    """An httpx client for one team that checks every answer against the canary.

    ``authorization=None`` (the default) sends a valid token; pass a string to send that
    header instead, or ``""`` to send none.
    """

    def __init__(self, base_url: str, team: TeamCredentials, canary: Canary) -> None:
        self.team = team
        self.canary = canary
        self.http = httpx.Client(base_url=base_url, timeout=30, verify=shared_tls())
        self.token = team.token()
        canary.add(self.token)

    def __enter__(self) -> HttpApi:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.http.close()

    def request(
        self, method: str, path: str, *, authorization: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if authorization is None:
            headers["Authorization"] = f"Bearer {self.token}"
        elif authorization:
            headers["Authorization"] = authorization
        response = self.http.request(method, path, headers=headers, **kwargs)
        self.canary.assert_absent_from(response.text, where=f"the answer to {method} {path}")
        self.canary.assert_absent_from(str(response.headers), where="answer headers")
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def create_contact(self, **fields: Any) -> int:
        """Create a contact (a unique phone unless given) and return its id."""
        fields.setdefault("phone", unique_phone())
        response = self.post("/v1/contact", json=fields)
        assert response.status_code == 200, response.text
        return int(response.json()["id"])


_phones = iter(range(10**9))


def unique_phone() -> str:
    """A valid phone number no other call in this process returned."""
    return f"1{time.time_ns() % 10**6:06d}{next(_phones):04d}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


#: Sockets bound and never listening, held until the process ends (see :func:`closed_port`).
_HELD: list[socket.socket] = []


def closed_port() -> int:
    """A port that refuses every connection for as long as the tests run: bound here and
    never listening, so no other process (a parallel test's server) can take it."""
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    _HELD.append(held)
    return int(held.getsockname()[1])


@dataclass
class RunningServer:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    @classmethod
    def start(
        cls,
        database_url: str,
        environment: dict[str, str],
        log_path: Path,
        *extra_args: str,
        port: int | None = None,
    ) -> RunningServer:
        port = port or free_port()
        command = [
            sys.executable, "-m", "heymarket_contacts", "serve",
            "--database", database_url, "--port", str(port), *extra_args,
        ]  # fmt: skip
        with log_path.open("ab") as log:
            # A session of its own: a stop that has to kill kills the workers too.
            process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **environment},
                start_new_session=True,
            )  # fmt: skip
        server = cls(process, f"http://127.0.0.1:{port}", log_path)
        server.wait_until_ready()
        return server

    def wait_until_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited:\n{self.log_path.read_text()}")
            try:
                httpx.get(f"{self.base_url}/v1/team", timeout=1, verify=shared_tls())
                return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the server did not start in {timeout}s:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
