"""Load for the reliability tests: writers that keep a ledger of what the server acknowledged,
server process groups that ``kill -9`` reaches whole, and what a database holds afterwards.

A :class:`Ledger` holds, for each contact, the values of its last write answered 200 and the
write still waiting for an answer (which a crash may or may not have committed). After a crash
:func:`stored_contacts` reads the database itself, and :meth:`Ledger.check` says what it lost:
a contact whose stored values are neither the acknowledged ones nor those of its unanswered
write, or a contact no write of the ledger can have made.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

from heymarket_contacts.server.clock import system_clock
from heymarket_contacts.server.secret_box import SecretBox, load_master_key
from heymarket_contacts.server.service.admin import AdminService
from heymarket_contacts.server.store import open_store, parse_database_url
from support import RunningServer, TeamCredentials, free_port, shared_tls, unique_phone

#: A request of the load that takes longer than this counts as hung.
REQUEST_TIMEOUT = 30.0
#: A load's token is minted anew after this long (a token lives 300 s).
TOKEN_REUSE_S = 120.0


class FreshToken(httpx.Auth):
    """A team's bearer token, minted anew every :data:`TOKEN_REUSE_S`, for loads that may
    run longer than a token lives."""

    def __init__(self, team: TeamCredentials) -> None:
        self.team = team
        self.minted = 0.0
        self.token = ""

    def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
        if time.monotonic() - self.minted > TOKEN_REUSE_S:
            self.token, self.minted = self.team.token(), time.monotonic()
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


@dataclass(frozen=True, slots=True)
class ContactValues:
    """The fields a write of the load sets, and the revision the server gave it."""

    phone: str
    first: str
    last: str
    external_ref: str
    rev: int = 0

    def body(self) -> dict[str, str]:
        return {
            "phone": self.phone, "first": self.first, "last": self.last,
            "external_ref": self.external_ref,
        }  # fmt: skip

    def same_fields(self, other: ContactValues) -> bool:
        return self.body() == other.body()


def new_values(phone: str, writer: int) -> ContactValues:
    tag = uuid.uuid4().hex[:12]
    return ContactValues(phone, f"w{writer}", f"l{tag[:6]}", f"ref-{tag}")


@dataclass
class Ledger:
    """What the server acknowledged, contact by contact; thread-safe."""

    acknowledged: dict[int, ContactValues] = field(default_factory=dict)
    #: Writes sent and not answered: updates by contact id, creates by phone.
    pending_updates: dict[int, ContactValues] = field(default_factory=dict)
    pending_creates: dict[str, ContactValues] = field(default_factory=dict)
    creates: int = 0
    updates: int = 0
    failures: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def writes(self) -> int:
        return self.creates + self.updates

    def fail(self, what: str) -> None:
        with self._lock:
            self.failures.append(what)

    def sending_create(self, values: ContactValues) -> None:
        with self._lock:
            self.pending_creates[values.phone] = values

    def created(self, contact_id: int, values: ContactValues) -> None:
        with self._lock:
            del self.pending_creates[values.phone]
            self.acknowledged[contact_id] = values
            self.creates += 1

    def sending_update(self, contact_id: int, values: ContactValues) -> None:
        with self._lock:
            self.pending_updates[contact_id] = values

    def updated(self, contact_id: int, values: ContactValues) -> None:
        with self._lock:
            del self.pending_updates[contact_id]
            self.acknowledged[contact_id] = values
            self.updates += 1

    def check(self, stored: dict[int, ContactValues]) -> list[str]:
        """What ``stored`` (a team's contacts after a crash) lost or made up; then the ledger
        takes the stored state as settled (an unanswered write either landed or never will)."""
        problems = []
        with self._lock:
            for contact_id, acknowledged in self.acknowledged.items():
                found = stored.get(contact_id)
                pending = self.pending_updates.get(contact_id)
                if found == acknowledged:
                    continue
                if (
                    found
                    and pending
                    and found.same_fields(pending)
                    and found.rev > acknowledged.rev
                ):
                    continue
                problems.append(f"contact {contact_id}: acknowledged {acknowledged}, found {found}")
            for contact_id, found in stored.items():
                if contact_id in self.acknowledged:
                    continue
                pending_create = self.pending_creates.get(found.phone)
                if pending_create is None or not found.same_fields(pending_create):
                    problems.append(f"contact {contact_id} was never written: {found}")
            self.acknowledged = dict(stored)
            self.pending_updates.clear()
            self.pending_creates.clear()
        return problems


class Writer(threading.Thread):
    """Creates contacts and updates its own ones (``mine``; ``update_share`` of its writes),
    one request at a time, until ``stop`` is set or a request fails. Every answer but a 200 is
    a failure, and so is a lost connection unless ``killing`` is set (the server is being
    killed: the writer then ends at its first lost connection). ``read_back`` (optional) is
    called after each acknowledged write with the contact's id and values, to check that
    another process sees it."""

    def __init__(
        self,
        index: int,
        base_url: str,
        team: TeamCredentials,
        ledger: Ledger,
        stop: threading.Event,
        *,
        update_share: float = 0.6,
        killing: threading.Event | None = None,
        read_back: Callable[[int, ContactValues], None] | None = None,
        mine: list[int] | None = None,
    ) -> None:
        super().__init__(daemon=True, name=f"writer-{index}")
        self.index = index
        self.ledger = ledger
        self.stop = stop
        self.update_share = update_share
        self.killing = killing
        self.read_back = read_back
        self.mine = mine if mine is not None else []
        self.random = random.Random(index)
        self.http = httpx.Client(
            base_url=base_url, auth=FreshToken(team), timeout=REQUEST_TIMEOUT, verify=shared_tls()
        )

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                if not self.write_once():
                    return
        finally:
            self.http.close()

    def write_once(self) -> bool:
        if self.mine and self.random.random() < self.update_share:
            contact_id = self.random.choice(self.mine)
            phone = self.ledger.acknowledged[contact_id].phone
            values = new_values(phone, self.index)
            self.ledger.sending_update(contact_id, values)
            answer = self.send("PUT", f"/v1/contact/{contact_id}", values)
            if answer is None:
                return False
            self.ledger.updated(contact_id, _with_rev(values, answer))
        else:
            values = new_values(unique_phone(), self.index)
            self.ledger.sending_create(values)
            answer = self.send("POST", "/v1/contact", values)
            if answer is None:
                return False
            contact_id = int(answer.json()["id"])
            self.mine.append(contact_id)
            self.ledger.created(contact_id, _with_rev(values, answer))
        if self.read_back is not None:
            self.read_back(contact_id, self.ledger.acknowledged[contact_id])
        return True

    def send(self, method: str, path: str, values: ContactValues) -> httpx.Response | None:
        """The 200 answer, or None (a failure, recorded unless the server is being killed)."""
        try:
            answer = self.http.request(method, path, json=values.body())
        except httpx.TransportError as error:
            if self.killing is None or not self.killing.is_set():
                self.ledger.fail(f"{method} {path}: {error!r}")
            return None
        if answer.status_code != 200:
            self.ledger.fail(f"{method} {path}: {answer.status_code} {answer.text[:200]}")
            return None
        return answer


def _with_rev(values: ContactValues, answer: httpx.Response) -> ContactValues:
    return ContactValues(**values.body(), rev=int(answer.json()["rev"]))


def new_team(database_url: str, master_key: str | None) -> TeamCredentials:
    """A team of the test's own, with one API secret, made on the database directly."""
    store = open_store(parse_database_url(database_url))
    try:
        box = SecretBox(load_master_key(master_key, parse_database_url(database_url)))
        admin = AdminService(store, box, system_clock)
        team = admin.create_team(f"Load {uuid.uuid4().hex[:6]}")
        secret = admin.create_secret(team.id)
    finally:
        store.close()
    return TeamCredentials(team.id, secret.secret_id, secret.secret_key)


CONTACTS_QUERY = "SELECT id, phone, first, last, external_ref, rev FROM contacts WHERE team_id = "


def stored_contacts(database_url: str, team_id: int) -> dict[int, ContactValues]:
    """The team's contacts as the database holds them, read without the server."""
    if database_url.startswith(("postgresql://", "postgres://")):
        with psycopg.connect(database_url) as connection:
            rows = connection.execute(CONTACTS_QUERY + "%s", (team_id,)).fetchall()
    else:
        connection = sqlite3.connect(database_url)
        try:
            rows = connection.execute(CONTACTS_QUERY + "?", (team_id,)).fetchall()
        finally:
            connection.close()
    return {int(row[0]): ContactValues(*row[1:5], rev=int(row[5])) for row in rows}


def sqlite_integrity(path: str) -> str:
    """``PRAGMA integrity_check``'s answer, its lines joined: ``ok`` for a sound file."""
    connection = sqlite3.connect(path)
    try:
        return "\n".join(str(row[0]) for row in connection.execute("PRAGMA integrity_check"))
    finally:
        connection.close()


def start_server_group(
    database_url: str, environment: dict[str, str], log_path: Path, *extra_args: str
) -> RunningServer:
    """``serve`` as :meth:`RunningServer.start` runs it, but leading a process group of its
    own (its workers included), so that :func:`kill_group` kills every process at once."""
    port = free_port()
    command = [
        sys.executable, "-m", "heymarket_contacts", "serve",
        "--database", database_url, "--port", str(port), *extra_args,
    ]  # fmt: skip
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **environment},
            start_new_session=True,
        )
    server = RunningServer(process, f"http://127.0.0.1:{port}", log_path)
    server.wait_until_ready()
    return server


def tree_pids(pid: int) -> list[int]:
    """``pid`` and its descendants (a server's main process and its workers)."""
    pids = [pid]
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
        children = [c for task in tasks for c in (task / "children").read_text().split()]
    except (FileNotFoundError, ProcessLookupError):
        return pids  # gone meanwhile
    for child in children:
        pids.extend(tree_pids(int(child)))
    return pids


def kill_group(server: RunningServer, timeout: float = 30) -> int:
    """``kill -9`` the server's whole process group; returns once every process of it is gone
    (so none still holds the database). Answers how many processes were killed."""
    pids = tree_pids(server.process.pid)
    os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout)
    deadline = time.monotonic() + timeout
    for pid in pids:
        while _alive(pid):
            if time.monotonic() > deadline:
                raise RuntimeError(f"process {pid} outlived kill -9 by {timeout} s")
            time.sleep(0.02)
    return len(pids)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"  # a zombie holds no file any more


def log_problems(log_path: Path) -> list[str]:
    """What a server's log tells of trouble: a worker that died, a fatal error (with
    ``PYTHONFAULTHANDLER``), and each traceback's last line (the exception)."""
    lines = log_path.read_text(errors="replace").splitlines()
    problems = [
        line
        for line in lines
        if "Unexpected exit from worker" in line or "Fatal Python error" in line
    ]
    for index, line in enumerate(lines):
        if line.startswith("Traceback"):
            rest = lines[index + 1 :]
            problems.append(next((x for x in rest if not x.startswith(" ")), line))
    return problems
