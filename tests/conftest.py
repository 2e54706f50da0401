"""Shared fixtures: both databases, a real server process per database, teams with secrets.

Every test that takes ``backend`` (directly or through ``server``, ``store``, ``admin``,
``team``...) runs once on SQLite and once on PostgreSQL. PostgreSQL tests make their own
database and drop it afterwards; with no PostgreSQL server they skip, unless ``CI=true``, where
they fail.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from console_support import Browser, emulator_of_its_own, new_login
from heymarket_contacts.server.clock import system_clock
from heymarket_contacts.server.console.accounts import NewLogin
from heymarket_contacts.server.secret_box import SecretBox, load_master_key, new_master_key
from heymarket_contacts.server.service.admin import AdminService
from heymarket_contacts.server.store import Store, open_store, parse_database_url
from sdk_support import FLAVOURS, AnyClient, server_client
from support import (
    Canary,
    HttpApi,
    RunningServer,
    TeamCredentials,
    TeamFactory,
    postgres_database,
    require_postgres,
)
from webhook_support import HookServer

#: The SDK's own fixtures (heymarket_server, heymarket_client...), which its tests use.
pytest_plugins = ["heymarket_contacts.pytest_plugin"]

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def canary() -> Canary:
    """Every secret key and token the suite makes; none may show up in a log or error body."""
    return Canary()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres":
        require_postgres()
    return str(request.param)


@pytest.fixture(scope="session")
def master_key() -> str:
    return new_master_key()


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, migrated database for the session, on ``backend``."""
    if backend == "sqlite":
        yield str(tmp_path_factory.mktemp("sqlite") / "contacts.db")
        return
    with postgres_database("hm_test") as url:
        yield url


@pytest.fixture(scope="session")
def server_environment(backend: str, master_key: str) -> dict[str, str]:
    """What the server process gets: a master key for PostgreSQL; SQLite uses its key file."""
    environment = {"HEYMARKET_LOG_LEVEL": "info"}
    if backend == "postgres":
        environment["HEYMARKET_MASTER_KEY"] = master_key
    return environment


@pytest.fixture(scope="session")
def store(database_url: str) -> Iterator[Store]:
    store = open_store(parse_database_url(database_url))
    store.migrate()
    yield store
    store.close()


#: When the store tests' teams are made (their clocks start there); the tests stamp from here.
STORE_TEAM_CREATED_US = 1_795_600_000_123_456


def new_store_team(store: Store, name: str = "Store") -> int:
    """A team made straight through the store, for the store's own tests."""
    with store.write() as tx:
        return tx.create_team(f"{name} {uuid.uuid4().hex[:8]}", STORE_TEAM_CREATED_US).id


@pytest.fixture
def team_id(store: Store) -> int:
    """A new team of the store's tests."""
    return new_store_team(store)


@pytest.fixture
def other_team_id(store: Store) -> int:
    """A second new team, for what one team must not see of another."""
    return new_store_team(store, "Other")


@pytest.fixture(scope="session")
def admin(store: Store, database_url: str, server_environment: dict[str, str]) -> AdminService:
    """The admin service in this process, on the server's database and master key."""
    configured = server_environment.get("HEYMARKET_MASTER_KEY")
    box = SecretBox(load_master_key(configured, parse_database_url(database_url)))
    return AdminService(store, box, system_clock)


@pytest.fixture(scope="session")
def server(
    database_url: str,
    server_environment: dict[str, str],
    store: Store,
    canary: Canary,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningServer]:
    """``heymarket-contacts serve`` in a subprocess, on a real socket."""
    log_path = Path(tmp_path_factory.mktemp("server")) / "server.log"
    running = RunningServer.start(database_url, server_environment, log_path)
    try:
        yield running
    finally:
        running.stop()
        canary.assert_absent_from(log_path.read_text(errors="replace"), where="the server log")


@pytest.fixture
def second_server(
    database_url: str, server_environment: dict[str, str], server: RunningServer, tmp_path: Path
) -> Iterator[RunningServer]:
    """Another server process on the session's database."""
    running = RunningServer.start(database_url, server_environment, tmp_path / "second.log")
    yield running
    running.stop()


@pytest.fixture
def login(store: Store, team: TeamCredentials) -> NewLogin:
    """A console user of ``team`` with a password, made in the database."""
    return new_login(store, team.team_id)


@pytest.fixture
def browser(server: RunningServer, login: NewLogin) -> Iterator[Browser]:
    """An HTTP client of the console, signed in as ``login``."""
    with Browser(server.base_url) as signed_in:
        yield signed_in.signed_in_as(login)


@pytest.fixture
def make_team(admin: AdminService, canary: Canary) -> TeamFactory:
    """A factory: a new team with one API secret."""

    def make(name: str = "Team") -> TeamCredentials:
        team = admin.create_team(f"{name} {uuid.uuid4().hex[:6]}")
        secret = admin.create_secret(team.id)
        canary.add(secret.secret_key)
        return TeamCredentials(team.id, secret.secret_id, secret.secret_key)

    return make


@pytest.fixture
def team(make_team: TeamFactory) -> TeamCredentials:
    return make_team()


@pytest.fixture
def api(server: RunningServer, team: TeamCredentials, canary: Canary) -> Iterator[HttpApi]:
    """HTTP calls to the server as ``team``; every answer is checked against the canary."""
    with HttpApi(server.base_url, team, canary) as client:
        yield client


@pytest.fixture
def other_api(server: RunningServer, make_team: TeamFactory, canary: Canary) -> Iterator[HttpApi]:
    """HTTP calls as a second, unrelated team."""
    with HttpApi(server.base_url, make_team("Other"), canary) as client:
        yield client


@pytest.fixture(params=FLAVOURS)
def flavour(request: pytest.FixtureRequest) -> str:
    """Which SDK client a twin test runs with: the sync or the async one."""
    return str(request.param)


@pytest.fixture
async def client(
    flavour: str, server: RunningServer, team: TeamCredentials
) -> AsyncIterator[AnyClient]:
    """An SDK client of ``flavour`` for ``team`` on the real server."""
    async with server_client(flavour, server, team) as client:
        yield client


@pytest.fixture(scope="module")
def emulator_of_the_module(
    backend: str, server_environment: dict[str, str], canary: Canary,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[HookServer, TeamFactory]]:  # fmt: skip
    """A module's ``--emulator`` server on a database of its own (see
    :func:`console_support.emulator_of_its_own`), and a factory of its teams."""
    folder = tmp_path_factory.mktemp(f"emulator-{backend}")
    with emulator_of_its_own(backend, server_environment, folder, canary) as made:
        yield made


@pytest.fixture
def emulator_server(emulator_of_the_module: tuple[HookServer, TeamFactory]) -> RunningServer:
    return emulator_of_the_module[0].server


@pytest.fixture
def emulator_store(emulator_of_the_module: tuple[HookServer, TeamFactory]) -> Store:
    return emulator_of_the_module[0].store


@pytest.fixture
def emulator_teams(emulator_of_the_module: tuple[HookServer, TeamFactory]) -> TeamFactory:
    return emulator_of_the_module[1]
