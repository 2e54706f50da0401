"""The console as a browser without script sees it: forms posted over real HTTP, cookies
kept, CSRF tokens read from the pages."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from argon2 import PasswordHasher

from heymarket_contacts.server.console.accounts import ConsoleAccounts, NewLogin
from heymarket_contacts.server.console.passwords import Passwords
from heymarket_contacts.server.store import Store
from support import Canary, TeamCredentials, TeamFactory, shared_tls
from webhook_support import HookServer, hook_database, hook_server

_CSRF = re.compile(r'name="csrf" value="([^"]*)"')
#: Hashes made by the tests cost less to make; the server checks each with the parameters
#: written in it, as it would any other hash.
QUICK_HASHER = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


def console_accounts(store: Store) -> ConsoleAccounts:
    return ConsoleAccounts(store, Passwords(QUICK_HASHER))


def new_login(store: Store, team_id: int) -> NewLogin:
    """A new console user of the team, with its generated password."""
    return console_accounts(store).add_user(team_id, f"user-{uuid.uuid4().hex[:10]}@example.com")


class Browser:
    """One browser: its own cookies, the last page's CSRF token."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=60, **kwargs, verify=shared_tls())
        self.csrf = ""

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.http.close()

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        response = self.http.get(path, **kwargs)
        self._remember(response)
        return response

    def post(self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True,
             **kwargs: Any) -> httpx.Response:  # fmt: skip
        """A form posted with the last page's CSRF token (unless ``csrf=False``)."""
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf", self.csrf)
        response = self.http.post(path, data=form, **kwargs)
        self._remember(response)
        return response

    def _remember(self, response: httpx.Response) -> None:
        found = _CSRF.search(response.text)
        if found and response.headers.get("content-type", "").startswith("text/html"):
            self.csrf = found[1]

    def log_in(self, email: str, password: str) -> httpx.Response:
        self.get("/console/login")
        return self.post("/console/login", {"email": email, "password": password})

    def signed_in_as(self, login: NewLogin) -> Browser:
        response = self.log_in(login.user.email, login.password)
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/console/contacts"
        self.get("/console/contacts")  # a page with the session's token
        return self


class _ReceiverServer(ThreadingHTTPServer):
    #: The server sends up to 32 tries at once; the default backlog of 5 would drop some.
    request_queue_size = 128
    daemon_threads = True


class Receiver:
    """A webhook receiver on a loopback port, in a thread: it answers ``status`` to every
    delivery and keeps each one's ``X-Heymarket-Delivery`` header."""

    def __init__(self, status: int = 500) -> None:
        self.status = status
        self.deliveries: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.deliveries.append(self.headers.get("X-Heymarket-Delivery", ""))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = _ReceiverServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks/heymarket"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def wait_for(check: Callable[[], bool], what: str, timeout: float = 30) -> None:
    """Until ``check()`` holds (a delivery is made by the server's worker, after the answer)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"still not {what} after {timeout} s"
        time.sleep(0.05)


@contextmanager
def emulator_of_its_own(
    backend: str, environment: dict[str, str], folder: Path, canary: Canary
) -> Iterator[tuple[HookServer, TeamFactory]]:
    """A server with ``--emulator`` (webhooks to loopback) and one try a delivery, on a
    database of its own: a server of another test on a shared database would claim its
    deliveries too, and refuse their loopback receivers. With its store, for logins, and a
    factory of its teams."""
    with (
        hook_database(backend, folder) as url,
        hook_server(url, environment, folder, "--emulator", "--webhook-tries", "1") as hooked,
    ):  # fmt: skip

        def make_team(name: str) -> TeamCredentials:
            team = hooked.admin.create_team(name)
            secret = hooked.admin.create_secret(team.id)
            canary.add(secret.secret_key)
            return TeamCredentials(team.id, secret.secret_id, secret.secret_key)

        yield hooked, make_team
