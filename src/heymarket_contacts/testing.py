"""A Heymarket server inside your test process: a fresh database, a team, a ready client.

Like moto for AWS or respx for HTTP, it lets your own tests call "the API" without a network::

    from heymarket_contacts.testing import LocalServer

    def test_sync_creates_the_contact():
        with LocalServer() as server, server.client() as client:
            my_code_that_syncs(client)
            assert client.contacts.count() == 1

Each :class:`LocalServer` runs the real server (the same routes, rules and errors) on a new
SQLite file in a temporary directory, removed on close. By default it answers inside this
process: ``client()`` through an in-process transport, ``async_client()`` through
``httpx.ASGITransport``. ``LocalServer(port=0)`` runs ``heymarket-contacts serve`` on a real
loopback port instead (0 picks a free one), so any HTTP client in any language can call it:
``base_url``, ``team.secret_id`` and ``team.secret_key`` are what it needs.

Either way the emulator's control plane is on (spec section 9): ``reset()``, ``seed()``,
``snapshot()``/``restore()``, ``requests()`` and ``assert_called()``, ``fault()`` (a context
manager) and ``clock.freeze()``/``advance()``/``real()``. Needs the ``server``
extra (``pip install 'heymarket-contacts[server]'``); it is imported only here, so importing
``heymarket_contacts`` stays light. A pytest fixture comes ready in
``heymarket_contacts.pytest_plugin``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from anyio.from_thread import start_blocking_portal

from ._emulator_control import EmulatorClockControl, EmulatorControl
from .client import AsyncClient, Client
from .client._tls import default_ssl_context
from .emulator_models import JournalEntry, SeedResult, SnapshotInfo

if TYPE_CHECKING:
    from anyio.from_thread import BlockingPortal
    from starlette.types import ASGIApp

    from .server.service.admin import AdminService
    from .server.settings import Settings
    from .server.store import Store

__all__ = ["LocalServer", "LocalTeam"]

BASE_URL = "http://heymarket.test"


@dataclass(frozen=True, slots=True)
class LocalTeam:
    """A team of the local server and its API secret."""

    team_id: int
    secret_id: str
    secret_key: str

    def __repr__(self) -> str:
        return f"LocalTeam(team_id={self.team_id}, secret_id={self.secret_id!r})"


class LocalServer:
    """The server in this process, on a fresh database, with one team ready (``team``).

    ``database`` is a SQLite path or a ``postgresql://`` URL to use instead of a temporary
    SQLite file (it is migrated, and a new team is made in it; a reset wipes every team's
    data in it). ``rate_limit`` is requests a minute per team (0: off), as
    ``serve --rate-limit``. ``port``: ``None`` serves in this process; a number (0: any free
    one) serves on that loopback port from a server process of its own, ``workers`` of them.
    """

    def __init__(
        self, *, database: str | None = None, rate_limit: int = 500, clock_skew: int = 60,
        port: int | None = None, workers: int = 1,
    ) -> None:  # fmt: skip
        self._database = database
        self._rate_limit = rate_limit
        self._clock_skew = clock_skew
        self._port = port
        self._workers = workers
        self._control: EmulatorControl | None = None
        self._stack = ExitStack()
        self._portal: BlockingPortal | None = None
        self._portal_lock = threading.Lock()
        self._store: Store | None = None
        self._admin: AdminService | None = None
        self._app: ASGIApp | None = None
        self.team: LocalTeam | None = None
        self.base_url = BASE_URL

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> LocalServer:
        """Make the database, the app and the first team; ``with LocalServer()`` calls it."""
        if self._app is not None:
            raise RuntimeError("the local server is started already")
        # The server (and its extra's dependencies) loads here, not when the SDK is imported.
        from .server.app import create_app  # noqa: PLC0415
        from .server.clock import system_clock  # noqa: PLC0415
        from .server.secret_box import SecretBox, load_master_key, new_master_key  # noqa: PLC0415
        from .server.service.admin import AdminService  # noqa: PLC0415
        from .server.settings import load_settings  # noqa: PLC0415
        from .server.store import open_store  # noqa: PLC0415

        database = self._database
        if database is None:
            folder = self._stack.enter_context(tempfile.TemporaryDirectory(prefix="heymarket-"))
            database = str(Path(folder) / "contacts.db")
        settings = load_settings(
            {}, database=database, master_key=new_master_key(), rate_limit=self._rate_limit,
            clock_skew=self._clock_skew, emulator=True,
        )  # fmt: skip
        store = open_store(settings.database)
        self._stack.callback(store.close)
        store.migrate()
        box = SecretBox(load_master_key(settings.master_key, settings.database))
        self._store, self._admin = store, AdminService(store, box, system_clock)
        self.team = self.new_team("Test team")
        if self._port is None:
            app = self._app = create_app(settings, store=store)
            # Webhook deliveries run on the event loop that serves the app, as under a server.
            portal = self._blocking_portal()
            portal.call(app.start_background)
            self._stack.callback(portal.call, app.stop_background)
            http = httpx.Client(
                base_url=self.base_url, transport=_PortalTransport(self._app, self._blocking_portal)
            )
        else:
            self._app = _ServedElsewhere()
            self.base_url = self._stack.enter_context(
                _server_process(settings, self._port, self._workers)
            )
            http = httpx.Client(base_url=self.base_url, verify=default_ssl_context())
        self._stack.callback(http.close)
        self._control = EmulatorControl(http)
        return self

    def close(self) -> None:
        """Stop the in-process event loop, close the database and remove the temporary one."""
        self._stack.close()
        self._portal = self._app = self._admin = self._store = self._control = None

    def new_team(self, name: str = "Another team") -> LocalTeam:
        """Another team, with its owner, an inbox and an API secret (for cross-team tests)."""
        admin = self.admin
        team = admin.create_team(name)
        admin.create_inbox(team.id, name="Main inbox")
        secret = admin.create_secret(team.id)
        return LocalTeam(team.id, secret.secret_id, secret.secret_key)

    def add_user(
        self, first_name: str, *, last_name: str = "", email: str = "", phone: str = "",
        role_id: int = 3, team: LocalTeam | None = None,
    ) -> int:  # fmt: skip
        """A user of the team (role 1 owner, 2 admin, 3 member), as an operator makes one."""
        user = self.admin.create_user(
            self._team(team).team_id, first_name=first_name, last_name=last_name, email=email,
            phone=phone, role_id=role_id,
        )  # fmt: skip
        return user.id

    def add_inbox(
        self, name: str, *, phone: str = "", member_ids: Iterable[int] = (),
        team: LocalTeam | None = None,
    ) -> int:  # fmt: skip
        """An inbox of the team, its members users of the team."""
        inbox = self.admin.create_inbox(
            self._team(team).team_id, name=name, phone=phone, member_ids=member_ids
        )
        return inbox.id

    @property
    def admin(self) -> AdminService:
        """The operator's service on this server's database (teams, users, inboxes, secrets)."""
        if self._admin is None:
            raise RuntimeError("the local server is not started: use `with LocalServer()`")
        return self._admin

    def client(self, *, team: LocalTeam | None = None, **options: Any) -> Client:
        """A ``Client`` of this server as ``team`` (default: the first); options as ``Client``."""
        credentials = self._team(team)
        if self._port is not None:
            http = httpx.Client(verify=default_ssl_context())
        else:
            http = httpx.Client(transport=_PortalTransport(self._asgi(), self._blocking_portal))
        return Client(
            secret_id=credentials.secret_id, secret_key=credentials.secret_key,
            base_url=self.base_url, http_client=http, **options,
        )  # fmt: skip

    def async_client(self, *, team: LocalTeam | None = None, **options: Any) -> AsyncClient:
        """An ``AsyncClient`` of this server as ``team``; use it in one event loop."""
        credentials = self._team(team)
        if self._port is not None:
            http = httpx.AsyncClient(verify=default_ssl_context())
        else:
            transport = httpx.ASGITransport(app=self._asgi(), raise_app_exceptions=False)
            http = httpx.AsyncClient(transport=transport)
        return AsyncClient(
            secret_id=credentials.secret_id, secret_key=credentials.secret_key,
            base_url=self.base_url, http_client=http, **options,
        )  # fmt: skip

    # --- the emulator's control plane -------------------------------------------------------

    @property
    def control(self) -> EmulatorControl:
        """Every control call (also reached through the shortcuts below)."""
        if self._control is None:
            raise RuntimeError("the local server is not started: use `with LocalServer()`")
        return self._control

    @property
    def clock(self) -> EmulatorClockControl:
        """``freeze(at)``, ``advance(seconds)``, ``offset(seconds)``, ``real()``, ``now()``."""
        return self.control.clock

    def reset(self, team: LocalTeam | None = None) -> list[int]:
        """Every team's data (or ``team``'s) gone, and the journal, faults and clock reset;
        teams, users and secrets stay, so ``team`` and its clients keep working."""
        return self.control.reset(None if team is None else team.team_id)

    def seed(self, contacts: int, *, team: LocalTeam | None = None, **options: Any) -> SeedResult:
        """``contacts`` fake contacts in ``team`` (default: the first); ``seed=`` makes them
        the same every time, ``tags=`` and ``fields=`` add tags and custom fields."""
        return self.control.seed(contacts, team_id=self._team(team).team_id, **options)

    def snapshot(self, name: str) -> SnapshotInfo:
        return self.control.snapshot(name)

    def restore(self, name: str) -> None:
        self.control.restore(name)

    def requests(self, **filters: Any) -> list[JournalEntry]:
        """The journal, oldest first (filters: ``method``, ``path``, ``status``, ``team_id``,
        ``since``, ``limit``)."""
        return self.control.requests(**filters)

    def assert_called(
        self, method: str, path: str, times: int | None = None, **match: Any
    ) -> list[JournalEntry]:
        return self.control.assert_called(method, path, times, **match)

    def fault(self, path: str, **rule: Any) -> AbstractContextManager[int]:
        """A fault rule while the ``with`` block runs; see ``EmulatorControl.fault``."""
        return self.control.fault(path, **rule)

    def _team(self, team: LocalTeam | None) -> LocalTeam:
        chosen = team or self.team
        if chosen is None:
            raise RuntimeError("the local server is not started: use `with LocalServer()`")
        return chosen

    def _asgi(self) -> ASGIApp:
        if self._app is None:
            raise RuntimeError("the local server is not started: use `with LocalServer()`")
        return self._app

    def _blocking_portal(self) -> BlockingPortal:
        """The event loop the sync client's requests run on: one thread, made on first use."""
        with self._portal_lock:
            if self._app is None:
                raise RuntimeError("the local server is closed")
            if self._portal is None:
                self._portal = self._stack.enter_context(start_blocking_portal())
            return self._portal


class _PortalTransport(httpx.BaseTransport):
    """Sync requests into the ASGI app, run on the server's event-loop thread."""

    def __init__(self, app: ASGIApp, portal: Callable[[], BlockingPortal]) -> None:
        self._asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self._portal = portal

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        inner = httpx.Request(
            request.method, request.url, headers=request.headers, content=request.read()
        )

        async def exchange() -> tuple[int, httpx.Headers, bytes]:
            response = await self._asgi.handle_async_request(inner)
            return response.status_code, response.headers, await response.aread()

        try:
            status, headers, body = self._portal().call(exchange)
        except RuntimeError as error:  # the portal is gone: the server was closed
            raise httpx.ConnectError(f"the local server is closed ({error})") from error
        return httpx.Response(status, headers=headers, content=body, request=request)


class _ServedElsewhere:
    """The app of a server running in a process of its own: there is none here."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("this LocalServer serves on a port: use its base_url")


@contextmanager
def _server_process(settings: Settings, port: int, workers: int) -> Iterator[str]:
    """``heymarket-contacts serve --emulator`` on ``settings``' database at ``port`` (0: a
    free one) until the block ends; its base URL."""
    port = port or _free_port()
    environment = {**os.environ, **settings.environment(), "HEYMARKET_PORT": str(port),
                   "HEYMARKET_WORKERS": str(workers), "HEYMARKET_HOST": "127.0.0.1"}  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "heymarket_contacts", "serve"],
            env=environment, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _wait_until_ready(process, base_url, log)
            yield base_url
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_ready(process: subprocess.Popen[bytes], base_url: str, log: Any) -> None:
    deadline = time.monotonic() + 30
    with httpx.Client(timeout=1, verify=default_ssl_context()) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"the server exited: {log.read().decode(errors='replace')}")
            try:
                if http.get(f"{base_url}/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"the server at {base_url} did not start in 30 s")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
