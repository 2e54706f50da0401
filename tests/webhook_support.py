"""A real webhook receiver for the tests (a threaded ``http.server`` on a loopback port) and a
server with webhooks on a database of its own.

The receiver records every request it gets and answers each as its script says: a status, a
redirect, a body of any size (streamed until the sender hangs up), or no answer at all for a
while. With no script left it answers ``200``.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import msgspec

from heymarket_contacts.server.clock import system_clock
from heymarket_contacts.server.secret_box import SecretBox, load_master_key
from heymarket_contacts.server.service.admin import AdminService
from heymarket_contacts.server.store import Store, open_store, parse_database_url
from heymarket_contacts.server.webhooks.subscriptions import WebhookService
from heymarket_contacts.server.webhooks.targets import TargetPolicy
from support import Canary, RunningServer, TeamCredentials, postgres_database, shared_tls

#: Fast retries and a short time limit, so that a test of retries takes seconds, not an hour.
FAST_WEBHOOKS = ("--webhook-backoff", "0.2", "--webhook-timeout", "1")


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return msgspec.json.decode(self.body)

    @property
    def delivery(self) -> str:
        return self.headers["x-heymarket-delivery"]


@dataclass(frozen=True)
class Answer:
    """What the receiver does with one request."""

    status: int = 200
    #: Seconds to wait before answering (or before closing, when ``close`` is set).
    hang: float = 0.0
    location: str | None = None
    #: Bytes of body to stream (zeros) after announcing them.
    body_bytes: int = 0


@dataclass
class Receiver:
    server: ThreadingHTTPServer
    received: list[Received] = field(default_factory=list)
    script: deque[Answer] = field(default_factory=deque)
    #: Bytes of body the receiver managed to send, per request.
    sent_bytes: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/hook"

    def answer(self, *answers: Answer) -> None:
        with self.lock:
            self.script.extend(answers)

    def next_answer(self) -> Answer:
        with self.lock:
            return self.script.popleft() if self.script else Answer()

    def record(self, received: Received) -> None:
        with self.arrived:
            self.received.append(received)
            self.arrived.notify_all()

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        """The first ``count`` requests, once that many arrived (an assertion error after
        ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"{len(self.received)} of {count} requests arrived"
                self.arrived.wait(left)
            return list(self.received[:count])

    def events(self, count: int, timeout: float = 30.0) -> list[str]:
        return [item.json()["type"] for item in self.wait_for(count, timeout)]

    def clear(self) -> None:
        with self.arrived:
            self.received.clear()


class _Handler(BaseHTTPRequestHandler):
    server: Any
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        receiver: Receiver = self.server.receiver
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        headers = {key.lower(): value for key, value in self.headers.items()}
        receiver.record(Received(self.path, headers, body, time.monotonic()))
        answer = receiver.next_answer()
        if answer.hang:
            time.sleep(answer.hang)
        with contextlib.suppress(OSError):  # the sender may hang up
            self._answer(receiver, answer)

    def _answer(self, receiver: Receiver, answer: Answer) -> None:
        self.send_response(answer.status)
        if answer.location:
            self.send_header("Location", answer.location)
        self.send_header("Content-Length", str(answer.body_bytes))
        self.end_headers()
        sent = 0
        chunk = b"\0" * 65536
        try:
            while sent < answer.body_bytes:
                self.wfile.write(chunk[: answer.body_bytes - sent])
                sent += min(len(chunk), answer.body_bytes - sent)
        finally:
            with receiver.lock:
                receiver.sent_bytes.append(sent)

    def log_message(self, format: str, *args: Any) -> None:
        return


class _ReceiverServer(ThreadingHTTPServer):
    #: A listen backlog for many tries at once (the standard library's is 5: under load the
    #: kernel drops connections past it, and a try fails before the receiver sees it).
    request_queue_size = 256


@contextmanager
def receiver() -> Iterator[Receiver]:
    server = _ReceiverServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    running = Receiver(server)
    server.receiver = running  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield running
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class HookServer:
    """A server process with webhooks, its database and admin, and a team."""

    database_url: str
    environment: dict[str, str]
    folder: Path
    store: Store
    admin: AdminService
    server: RunningServer
    args: tuple[str, ...]

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def webhooks(self, policy: TargetPolicy | None = None) -> WebhookService:
        """The operator's subscriptions service on this database (what ``webhook`` runs)."""
        return WebhookService(
            self.store, system_clock, policy=policy or TargetPolicy(allow_private=True), tries=8
        )

    def new_team(self, canary: Canary) -> TeamCredentials:
        team = self.admin.create_team(f"Hooked {uuid.uuid4().hex[:6]}")
        secret = self.admin.create_secret(team.id)
        canary.add(secret.secret_key)
        return TeamCredentials(team.id, secret.secret_id, secret.secret_key)

    def api(self, team: TeamCredentials) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url, timeout=30,
            headers={"Authorization": f"Bearer {team.token()}"}, verify=shared_tls(),
        )  # fmt: skip

    def restart(self, *, kill: bool = False) -> None:
        """Stop the server (``kill -9`` when ``kill``) and start it again on the same data."""
        if kill:
            self.server.process.kill()
            self.server.process.wait()
        else:
            self.server.stop()
        self.server = RunningServer.start(
            self.database_url, self.environment, self.folder / "server.log", *self.args
        )

    def another_process(self) -> RunningServer:
        return RunningServer.start(
            self.database_url, self.environment, self.folder / "second.log", *self.args
        )


@contextmanager
def hook_database(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield str(folder / "hooks.db")
        return
    with postgres_database("hm_hooks") as url:
        yield url


@contextmanager
def hook_server(
    database_url: str, environment: dict[str, str], folder: Path, *args: str
) -> Iterator[HookServer]:
    location = parse_database_url(database_url)
    store = open_store(location)
    store.migrate()
    box = SecretBox(load_master_key(environment.get("HEYMARKET_MASTER_KEY"), location))
    admin = AdminService(store, box, system_clock)
    server = RunningServer.start(database_url, environment, folder / "server.log", *args)
    hooked = HookServer(database_url, environment, folder, store, admin, server, args)
    try:
        yield hooked
    finally:
        hooked.server.stop()
        store.close()
