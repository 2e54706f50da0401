"""What the authenticator remembers between requests, and what it still checks on every one.

A token whose signature matched is remembered by its exact text, and the secret it names by
its id; the lifetime and the revocation are checked on each use. Runs on both databases, with
the revocation made through a second store (another connection, as the CLI's process has).
"""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import psycopg
import pytest

from heymarket_contacts.server.auth import Authenticator
from heymarket_contacts.server.clock import system_clock
from heymarket_contacts.server.errors import Unauthorized
from heymarket_contacts.server.principal import Principal
from heymarket_contacts.server.secret_box import SecretBox, load_master_key
from heymarket_contacts.server.service.admin import AdminService, NewSecret, owner_of
from heymarket_contacts.server.store import Store, Transaction, open_store, parse_database_url
from heymarket_contacts.server.store.records import SecretRecord
from heymarket_contacts.tokens import LIFETIME_SECONDS, mint_token
from support import Canary

NOW = 1_795_600_000.0
LEEWAY = 60


@dataclass
class FakeTime:
    now: float = NOW

    def __call__(self) -> float:
        return self.now


@dataclass
class Setup:
    authenticator: Authenticator
    time: FakeTime
    #: Admin actions through another store, as another process would make them.
    elsewhere: AdminService
    secret: NewSecret
    team_id: int

    def token(self, issued_at: float = NOW) -> str:
        return mint_token(self.secret.secret_id, self.secret.secret_key, issued_at=int(issued_at))

    def authenticate(self, token: str) -> Principal:
        return self.authenticator.authenticate(f"Bearer {token}")

    def refused(self, token: str) -> str:
        with pytest.raises(Unauthorized) as failure:
            self.authenticate(token)
        return failure.value.message


@pytest.fixture
def box(database_url: str, server_environment: dict[str, str]) -> SecretBox:
    configured = server_environment.get("HEYMARKET_MASTER_KEY")
    return SecretBox(load_master_key(configured, parse_database_url(database_url)))


@pytest.fixture
def other_store(database_url: str) -> Iterator[Store]:
    store = open_store(parse_database_url(database_url))
    yield store
    store.close()


@pytest.fixture
def setup(store: Store, other_store: Store, box: SecretBox, canary: Canary) -> Setup:
    elsewhere = AdminService(other_store, box, system_clock)
    team = elsewhere.create_team(f"Cache {uuid.uuid4().hex[:6]}")
    secret = elsewhere.create_secret(team.id)
    canary.add(secret.secret_key)
    time = FakeTime()
    authenticator = Authenticator(store, box, leeway=LEEWAY, now=time)
    return Setup(authenticator, time, elsewhere, secret, team.id)


def test_a_reused_token_keeps_naming_its_team(setup: Setup) -> None:
    token = setup.token()
    first = setup.authenticate(token)
    assert (first.team_id, first.secret_id) == (setup.team_id, setup.secret.secret_id)
    assert [setup.authenticate(token) for _ in range(2)] == [first, first]


def test_a_remembered_token_fails_the_use_after_its_secret_is_revoked(setup: Setup) -> None:
    token = setup.token()
    for _ in range(3):  # read, then checked, then trusted while nothing is committed
        setup.authenticate(token)
    setup.elsewhere.revoke_secret(setup.secret.secret_id)
    assert setup.refused(token) == "unknown or revoked secret"
    assert setup.refused(token) == "unknown or revoked secret"


def test_a_new_token_of_a_remembered_secret_fails_once_the_secret_is_revoked(
    setup: Setup,
) -> None:
    for _ in range(3):
        setup.authenticate(setup.token())
    setup.elsewhere.revoke_secret(setup.secret.secret_id)
    assert setup.refused(setup.token(NOW - 1)) == "unknown or revoked secret"


def test_a_remembered_token_still_expires(setup: Setup) -> None:
    token = setup.token()
    setup.authenticate(token)
    setup.time.now = NOW + LIFETIME_SECONDS + LEEWAY - 1
    setup.authenticate(token)
    setup.time.now = NOW + LIFETIME_SECONDS + LEEWAY
    assert setup.refused(token) == "token expired"
    setup.time.now = NOW  # verified afresh, it is judged on its own times again
    assert setup.authenticate(token).team_id == setup.team_id


def test_a_token_from_the_future_is_refused_and_not_remembered(setup: Setup) -> None:
    token = setup.token(issued_at=NOW + LEEWAY + 1)
    assert setup.refused(token) == "iat in the future"
    setup.time.now = NOW + 2
    assert setup.authenticate(token).team_id == setup.team_id


@pytest.mark.parametrize(
    "alter",
    [
        pytest.param(lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), id="signature"),
        pytest.param(lambda t: t + "A", id="longer"),
        pytest.param(lambda t: t[:-1], id="shorter"),
        pytest.param(lambda t: f"{t} ", id="trailing-space"),
    ],
)
def test_a_token_that_differs_from_a_remembered_one_is_verified_afresh(
    setup: Setup, alter: Callable[[str], str]
) -> None:
    token = setup.token()
    setup.authenticate(token)
    altered = alter(token)
    assert altered != token
    with pytest.raises(Unauthorized):
        setup.authenticate(altered)


def test_a_secret_row_rewritten_by_plain_sql_is_read_again(
    setup: Setup, backend: str, database_url: str, canary: Canary
) -> None:
    """A row changed behind the store's back (here: another secret's ciphertext copied in)
    is noticed on the next use, as a revocation is."""
    token = setup.token()
    for _ in range(3):
        setup.authenticate(token)
    donor = setup.elsewhere.create_secret(setup.team_id)
    canary.add(donor.secret_key)
    for _ in range(2):  # trusted again once the donor's commit has been seen
        setup.authenticate(token)
    run_sql(
        backend,
        database_url,
        "UPDATE api_secrets SET"
        " nonce = (SELECT nonce FROM api_secrets WHERE secret_id = ?),"
        " key_ciphertext = (SELECT key_ciphertext FROM api_secrets WHERE secret_id = ?)"
        " WHERE secret_id = ?",
        (donor.secret_id, donor.secret_id, setup.secret.secret_id),
    )
    assert setup.refused(token) == "unknown or revoked secret"


def run_sql(backend: str, database_url: str, query: str, params: tuple[object, ...]) -> None:
    """One statement through a plain connection of the database's own driver."""
    if backend == "sqlite":
        connection = sqlite3.connect(parse_database_url(database_url).path, isolation_level=None)
        try:
            connection.execute(query, params)
        finally:
            connection.close()
        return
    with psycopg.connect(database_url, autocommit=True) as postgres:
        postgres.execute(query.replace("?", "%s").encode(), params)


def test_a_token_signed_with_another_key_is_refused_after_a_good_one(setup: Setup) -> None:
    setup.authenticate(setup.token())
    forged = mint_token(setup.secret.secret_id, "not the key", issued_at=int(NOW))
    assert setup.refused(forged) == "bad signature"


def test_a_second_secret_made_elsewhere_works_beside_the_remembered_one(
    setup: Setup, canary: Canary
) -> None:
    setup.authenticate(setup.token())
    second = setup.elsewhere.create_secret(setup.team_id)
    canary.add(second.secret_key)
    token = mint_token(second.secret_id, second.secret_key, issued_at=int(NOW))
    assert setup.authenticate(token).secret_id == second.secret_id


def test_active_secret_row_is_the_row_until_revoked(store: Store, setup: Setup) -> None:
    secret_id = setup.secret.secret_id
    with store.read() as tx:
        record = tx.get_secret(secret_id)
        assert record is not None
        assert tx.active_secret_row(secret_id) == (
            record.team_id,
            record.user_id,
            record.nonce,
            record.key_ciphertext,
        )
        assert tx.active_secret_row("0" * 24) is None
    setup.elsewhere.revoke_secret(secret_id)
    with store.read() as tx:
        assert tx.active_secret_row(secret_id) is None


# --- the other per-request savings: request ids and timestamps --------------------------------


def test_a_secret_id_refused_as_unknown_works_once_a_secret_of_that_id_is_stored(
    setup: Setup, other_store: Store, box: SecretBox, canary: Canary
) -> None:
    """An unknown ``iss`` is remembered as unknown only until something is committed."""
    secret_id, secret_key = secrets.token_hex(12), secrets.token_urlsafe(32)
    canary.add(secret_key)
    token = mint_token(secret_id, secret_key, issued_at=int(NOW))
    for _ in range(2):
        assert setup.refused(token) == "unknown or revoked secret"
    with other_store.read() as tx:
        owner = owner_of(tx.list_users(setup.team_id))
    assert owner is not None
    nonce, ciphertext = box.seal(
        secret_id=secret_id, team_id=setup.team_id, user_id=owner.id, secret_key=secret_key
    )
    with other_store.write() as tx:
        tx.insert_secret(
            SecretRecord(secret_id, setup.team_id, owner.id, nonce, ciphertext, 1, None)
        )
    assert setup.authenticate(token).secret_id == secret_id


class CountingStore:
    """The store, counting the reads the authenticator asks for."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.reads = 0

    def read(self) -> AbstractContextManager[Transaction]:
        self.reads += 1
        return self._store.read()

    def data_version(self) -> bytes | None:
        return self._store.data_version()  # type: ignore[attr-defined, no-any-return]


def test_an_unknown_secret_id_costs_the_queries_a_remembered_one_does(
    tmp_path: Path, canary: Canary
) -> None:
    """Once each has been seen, neither a new token of a remembered secret nor a token of an
    unknown one reads the database while nothing was committed. SQLite only: it tells of
    other connections' commits cheaply (``PRAGMA data_version``); PostgreSQL reads for both."""
    location = parse_database_url(str(tmp_path / "auth.db"))
    store, elsewhere_store = open_store(location), open_store(location)
    store.migrate()
    try:
        box = SecretBox(load_master_key(None, location))
        elsewhere = AdminService(elsewhere_store, box, system_clock)
        secret = elsewhere.create_secret(elsewhere.create_team("Counted").id)
        canary.add(secret.secret_key)
        counting = CountingStore(store)
        authenticator = Authenticator(cast(Store, counting), box, leeway=LEEWAY, now=FakeTime())

        def reads_of(token: str) -> int:
            before = counting.reads
            with contextlib.suppress(Unauthorized):
                authenticator.authenticate(f"Bearer {token}")
            return counting.reads - before

        def known(issued_at: float) -> str:
            return mint_token(secret.secret_id, secret.secret_key, issued_at=int(issued_at))

        unknown = mint_token(secrets.token_hex(12), "no such key", issued_at=int(NOW))
        assert [reads_of(known(NOW)), reads_of(known(NOW - 1))] == [1, 1]  # read, checked
        assert reads_of(unknown) == 1
        assert [reads_of(known(NOW - 2)), reads_of(known(NOW - 3))] == [0, 0]
        assert [reads_of(unknown), reads_of(unknown)] == [0, 0]
        elsewhere.create_team("A commit")  # any commit: both are looked up again
        assert [reads_of(unknown), reads_of(known(NOW - 4))] == [1, 1]
    finally:
        store.close()
        elsewhere_store.close()
