"""A server with ``--emulator`` on a database of its own (a reset wipes every team's data, so
it never shares the session's), and a team on it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from heymarket_contacts.server.clock import system_clock
from heymarket_contacts.server.secret_box import SecretBox, load_master_key
from heymarket_contacts.server.service.admin import AdminService
from heymarket_contacts.server.store import open_store, parse_database_url
from support import Canary, RunningServer, TeamCredentials, postgres_database, shared_tls


@dataclass
class EmulatorServer:
    server: RunningServer
    admin: AdminService
    team: TeamCredentials
    control: httpx.Client

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def new_team(self, canary: Canary | None = None) -> TeamCredentials:
        team = self.admin.create_team(f"Emulated {uuid.uuid4().hex[:6]}")
        secret = self.admin.create_secret(team.id)
        if canary is not None:
            canary.add(secret.secret_key)
        return TeamCredentials(team.id, secret.secret_id, secret.secret_key)

    def api(self, team: TeamCredentials | None = None) -> httpx.Client:
        credentials = team or self.team
        return httpx.Client(
            base_url=self.base_url, timeout=30,
            headers={"Authorization": f"Bearer {credentials.token()}"}, verify=shared_tls(),
        )  # fmt: skip


@contextmanager
def emulator_database(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield str(folder / "emulated.db")
        return
    with postgres_database("hm_emulator") as url:
        yield url


@contextmanager
def emulator_server(
    database_url: str, environment: dict[str, str], folder: Path, canary: Canary, *args: str
) -> Iterator[EmulatorServer]:
    location = parse_database_url(database_url)
    store = open_store(location)
    store.migrate()
    admin = AdminService(
        store, SecretBox(load_master_key(environment.get("HEYMARKET_MASTER_KEY"), location)),
        system_clock,
    )  # fmt: skip
    server = RunningServer.start(
        database_url, environment, folder / "emulator.log", "--emulator", *args
    )
    control = httpx.Client(
        base_url=f"{server.base_url}/_emulator", timeout=180, verify=shared_tls()
    )
    try:
        emulated = EmulatorServer(server, admin, TeamCredentials(0, "", ""), control)
        emulated.team = emulated.new_team(canary)
        yield emulated
    finally:
        control.close()
        server.stop()
        store.close()
        canary.assert_absent_from(server.log_path.read_text(errors="replace"), where="the log")
