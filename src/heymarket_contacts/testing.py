"""A Heymarket server inside your test process: a fresh database, a team, a ready client.

Like moto for AWS or respx for HTTP, it lets your own tests call "the API" without a network::

    from heymarket_contacts.testing import LocalServer

    def test_sync_creates_the_contact():
        with LocalServer() as server, server.client() as client:
            my_code_that_syncs(client)
            assert client.contacts.count() == 1

Each :class:`LocalServer` runs the real server (the same routes, rules and errors) on a new
SQLite file in a temporary directory, removed on close. ``client()`` answers through an
in-process transport, ``async_client()`` through ``httpx.ASGITransport``. Needs the ``server``
extra (``pip install 'heymarket-contacts[server]'``); it is imported only here, so importing
``heymarket_contacts`` stays light. A pytest fixture comes ready in
``heymarket_contacts.pytest_plugin``.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from anyio.from_thread import start_blocking_portal

from .client import AsyncClient, Client

if TYPE_CHECKING:
    from anyio.from_thread import BlockingPortal
    from starlette.types import ASGIApp

    from .server.service.admin import AdminService
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
    SQLite file (it is migrated, and a new team is made in it). ``rate_limit`` is requests a
    minute per team (0: off), as ``serve --rate-limit``.
    """

    def __init__(
        self, *, database: str | None = None, rate_limit: int = 500, clock_skew: int = 60
    ) -> None:
        self._database = database
        self._rate_limit = rate_limit
        self._clock_skew = clock_skew
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
            clock_skew=self._clock_skew,
        )  # fmt: skip
        store = open_store(settings.database)
        self._stack.callback(store.close)
        store.migrate()
        box = SecretBox(load_master_key(settings.master_key, settings.database))
        self._store, self._admin = store, AdminService(store, box, system_clock)
        self._app = create_app(settings, store=store)
        self.team = self.new_team("Test team")
        return self

    def close(self) -> None:
        """Stop the in-process event loop, close the database and remove the temporary one."""
        self._stack.close()
        self._portal = self._app = self._admin = self._store = None

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
        http = httpx.Client(transport=_PortalTransport(self._asgi(), self._blocking_portal))
        return Client(
            secret_id=credentials.secret_id, secret_key=credentials.secret_key,
            base_url=self.base_url, http_client=http, **options,
        )  # fmt: skip

    def async_client(self, *, team: LocalTeam | None = None, **options: Any) -> AsyncClient:
        """An ``AsyncClient`` of this server as ``team``; use it in one event loop."""
        credentials = self._team(team)
        transport = httpx.ASGITransport(app=self._asgi(), raise_app_exceptions=False)
        return AsyncClient(
            secret_id=credentials.secret_id, secret_key=credentials.secret_key,
            base_url=self.base_url, http_client=httpx.AsyncClient(transport=transport),
            **options,
        )  # fmt: skip

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
