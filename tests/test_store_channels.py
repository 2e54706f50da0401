"""The store's channel queries on SQLite and PostgreSQL, the search's promise (one statement on
the unique index, however many values), and the migration that backfills channels.

Each test makes its own teams; the session's database is shared with other tests.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from heymarket_contacts.models import ChannelValues, ContactsV2Search
from heymarket_contacts.server.clock import system_clock
from heymarket_contacts.server.principal import Principal
from heymarket_contacts.server.service.contacts_v2 import ContactV2Service
from heymarket_contacts.server.store import Store, UniqueViolation, open_store, parse_database_url
from heymarket_contacts.server.store.migrations import load_migrations
from heymarket_contacts.server.store.postgres import POSTGRES_DIALECT
from heymarket_contacts.server.store.records import ChannelRecord, ContactFields
from heymarket_contacts.server.store.sql import SqlTransaction
from heymarket_contacts.server.store.sqlite import SQLITE_DIALECT
from support import postgres_database, unique_phone

NOW_US = 1_795_600_000_123_456
UUID4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


def channel_record(
    team_id: int, contact: tuple[int, str], kind: str, key: str, *, primary: bool, stamp: int
) -> ChannelRecord:
    return ChannelRecord(
        id=str(uuid.uuid4()), team_id=team_id, contact_id=contact[0], contact_uuid=contact[1],
        channel_type=kind, channel_id=key, channel_key=key, channel_handle="", info_channel="",
        is_primary=primary, created_us=stamp, updated_us=stamp,
    )  # fmt: skip


def add_contact(store: Store, team_id: int, *channels: tuple[str, str, bool]) -> tuple[int, str]:
    """A contact with channels ``(type, value, primary)``; its (id, uuid)."""
    contact_uuid = str(uuid.uuid4())
    with store.write() as tx:
        stamp = tx.advance_team_clock(team_id, NOW_US)
        contact_id = tx.insert_contact(
            team_id, uuid=contact_uuid, creator_id=0, fields=ContactFields(), tag_ids=[],
            stamp_us=stamp,
        )  # fmt: skip
        contact = (contact_id, contact_uuid)
        tx.insert_channels([
            channel_record(team_id, contact, kind, key, primary=primary, stamp=stamp)
            for kind, key, primary in channels
        ])  # fmt: skip
    return contact_id, contact_uuid


def channels_of(store: Store, team_id: int, contact_id: int) -> list[ChannelRecord]:
    with store.read() as tx:
        return tx.channels_of(team_id, [contact_id])[contact_id]


# --- one statement, on the index --------------------------------------------------------------


class CountingCursor:
    """A DB-API cursor that records every statement it runs."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor
        self.statements: list[tuple[str, Sequence[Any]]] = []

    def execute(self, query: Any, params: Sequence[Any] = (), **options: Any) -> Any:
        self.statements.append((str(query), tuple(params)))
        return self._cursor.execute(query, params, **options)

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return list(self._cursor.fetchall())


@contextmanager
def counted(backend: str, database_url: str) -> Iterator[tuple[SqlTransaction, CountingCursor]]:
    """A read transaction of the store's SQL over a cursor that counts statements."""
    connection: Any
    if backend == "sqlite":
        connection = sqlite3.connect(database_url, isolation_level=None)
        dialect = SQLITE_DIALECT
    else:
        connection = psycopg.connect(database_url, autocommit=True)
        dialect = POSTGRES_DIALECT
    with contextlib.closing(connection):
        cursor = CountingCursor(connection.cursor())
        yield SqlTransaction(cursor, dialect), cursor


class CountedStore:
    """The session's store for writes; reads go through a counting cursor."""

    def __init__(self, store: Store, backend: str, database_url: str) -> None:
        self._store = store
        self._backend = backend
        self._url = database_url
        self.cursors: list[CountingCursor] = []
        self.inline_reads = store.inline_reads

    @contextmanager
    def read(self) -> Iterator[SqlTransaction]:
        with counted(self._backend, self._url) as (tx, cursor):
            self.cursors.append(cursor)
            yield tx

    def write(self) -> Any:
        return self._store.write()


@pytest.fixture
def team_with_channels(store: Store, team_id: int) -> dict[str, list[str]]:
    """Thirty contacts of a team, each with a phone, an email and a whatsapp channel."""
    held: dict[str, list[str]] = {"phone": [], "email": [], "whatsapp": []}
    for _ in range(30):
        phone = unique_phone()
        email, handle = f"p{phone}@example.com", f"wa-{phone}"
        add_contact(store, team_id, ("phone", phone, True), ("email", email, True),
                    ("whatsapp", handle, True))  # fmt: skip
        held["phone"].append(phone)
        held["email"].append(email)
        held["whatsapp"].append(handle)
    return held


@pytest.mark.parametrize("misses", [0, 1, 300])
def test_find_channels_is_one_statement_for_any_number_of_values(
    backend: str, database_url: str, team_id: int, team_with_channels: dict[str, list[str]],
    misses: int,
) -> None:  # fmt: skip
    wanted = {
        "phone": [*team_with_channels["phone"][:10], *(unique_phone() for _ in range(misses))],
        "email": [*team_with_channels["email"][10:20], *(f"{n}@x.y" for n in range(misses))],
        "whatsapp": [*team_with_channels["whatsapp"][20:], *(f"w{n}" for n in range(misses))],
    }
    with counted(backend, database_url) as (tx, cursor):
        found = tx.find_channels(team_id, wanted)
    assert len(cursor.statements) == 1
    expected = {(kind, key) for kind, keys in team_with_channels.items() for key in keys}
    chosen = {(kind, key) for kind, keys in wanted.items() for key in keys}
    assert sorted((r.channel_type, r.channel_key) for r in found) == sorted(expected & chosen)
    assert len(found) == 30


@pytest.fixture
def counting_store(store: Store, backend: str, database_url: str) -> CountedStore:
    return CountedStore(store, backend, database_url)


@pytest.mark.parametrize("count", [1, 2, 900])
def test_a_search_reads_the_same_few_statements_for_any_number_of_values(
    counting_store: CountedStore, team_id: int, team_with_channels: dict[str, list[str]],
    count: int,
) -> None:  # fmt: skip
    values = [*team_with_channels["phone"], *team_with_channels["email"]]
    values += [unique_phone() for _ in range(count - len(values))] if count > len(values) else []
    values = values[:count]
    counting = counting_store
    service = ContactV2Service(counting, system_clock)  # type: ignore[arg-type]
    principal = Principal(team_id=team_id, user_id=0, secret_id="test")
    body = ContactsV2Search(contact_channels=[ChannelValues(channel_ids=values)])
    found = service.search_contacts(principal, body)
    assert len(found) == min(count, 30)
    (cursor,) = counting.cursors
    # the lookup, the contacts, their channels: three statements whatever the count
    assert len(cursor.statements) == 3


def test_the_lookup_uses_the_unique_index(
    backend: str, database_url: str, team_id: int, team_with_channels: dict[str, list[str]]
) -> None:
    wanted = {"phone": team_with_channels["phone"], "email": team_with_channels["email"]}
    with counted(backend, database_url) as (tx, cursor):
        tx.find_channels(team_id, wanted)
        ((statement, params),) = cursor.statements
        plan = query_plan(backend, cursor, statement, params)
    assert "contact_channels_key" in plan, plan
    if backend == "sqlite":
        assert "SCAN ch" not in plan, plan


def query_plan(backend: str, cursor: CountingCursor, statement: str, params: Any) -> str:
    if backend == "sqlite":
        cursor.execute(f"EXPLAIN QUERY PLAN {statement}", params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())
    # A tiny table is cheaper to scan; forbidding scans shows whether the index can serve.
    cursor.execute("SET enable_seqscan = off")
    cursor.execute(f"EXPLAIN {statement}", params)
    return "\n".join(str(row[0]) for row in cursor.fetchall())


# --- the channel queries ----------------------------------------------------------------------


def test_channels_of_lists_primary_channels_first_and_only_the_teams(
    store: Store, team_id: int, other_team_id: int
) -> None:
    contact_id, contact_uuid = add_contact(
        store, team_id, ("phone", "15105550001", False), ("whatsapp", "w", True),
        ("phone", "15105550002", True),
    )  # fmt: skip
    records = channels_of(store, team_id, contact_id)
    assert [(r.channel_type, r.channel_key, r.is_primary) for r in records] == [
        ("phone", "15105550002", True), ("whatsapp", "w", True),
        ("phone", "15105550001", False),
    ]  # fmt: skip
    assert {r.contact_uuid for r in records} == {contact_uuid}
    with store.read() as tx:
        assert tx.channels_of(other_team_id, [contact_id]) == {contact_id: []}
        assert tx.channels_of(team_id, []) == {}


def test_contacts_are_found_by_uuid_and_channel_in_their_team_only(
    store: Store, team_id: int, other_team_id: int
) -> None:
    phone = unique_phone()
    contact_id, contact_uuid = add_contact(store, team_id, ("phone", phone, True))
    with store.read() as tx:
        assert tx.contact_id_by_uuid(team_id, contact_uuid) == contact_id
        assert tx.contact_id_by_uuid(other_team_id, contact_uuid) is None
        assert tx.contact_ids_by_uuid(team_id, [contact_uuid, str(uuid.uuid4())]) == {
            contact_uuid: contact_id
        }
        assert tx.contact_ids_by_uuid(other_team_id, [contact_uuid]) == {}
        assert tx.contact_id_by_channel(team_id, "phone", phone) == contact_id
        assert tx.contact_id_by_channel(team_id, "email", phone) is None
        assert tx.contact_id_by_channel(other_team_id, "phone", phone) is None
        assert [c.id for c in tx.get_contacts(team_id, [contact_id])] == [contact_id]
        assert tx.get_contacts(other_team_id, [contact_id]) == []
        assert tx.find_channels(other_team_id, {"phone": [phone]}) == []


def test_a_value_is_unique_per_team_and_type(
    store: Store, team_id: int, other_team_id: int
) -> None:
    phone = unique_phone()
    add_contact(store, team_id, ("phone", phone, True))
    with pytest.raises(UniqueViolation):
        add_contact(store, team_id, ("phone", phone, True))
    add_contact(store, team_id, ("whatsapp", phone, True))
    add_contact(store, other_team_id, ("phone", phone, True))


def test_a_contact_has_one_primary_channel_of_a_type(store: Store, team_id: int) -> None:
    with pytest.raises(UniqueViolation):
        add_contact(
            store, team_id, ("phone", unique_phone(), True), ("phone", unique_phone(), True)
        )


def test_update_and_delete_channels_of_the_team_only(
    store: Store, team_id: int, other_team_id: int
) -> None:
    contact_id, _ = add_contact(store, team_id, ("phone", "15105550001", True),
                                ("phone", "15105550002", False))  # fmt: skip
    first, second = channels_of(store, team_id, contact_id)
    moved = ChannelRecord(**{**vars_of(first), "channel_id": "+15105550009",
                             "channel_key": "15105550009", "channel_handle": "h",
                             "updated_us": NOW_US + 5})  # fmt: skip
    with store.write() as tx:
        tx.update_channel(moved)
        tx.delete_channels(other_team_id, [second.id])
    assert channels_of(store, team_id, contact_id) == [moved, second]
    with store.write() as tx:
        tx.delete_channels(team_id, [second.id])
    assert channels_of(store, team_id, contact_id) == [moved]


def vars_of(record: ChannelRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__slots__}


def test_deleting_contacts_deletes_their_channels(
    store: Store, team_id: int, other_team_id: int
) -> None:
    first, _ = add_contact(store, team_id, ("phone", unique_phone(), True))
    second, _ = add_contact(store, team_id, ("phone", unique_phone(), True))
    with store.write() as tx:
        assert tx.delete_contacts(other_team_id, [first, second]) == 0
        assert tx.delete_contacts(team_id, [first, second, 2**62]) == 2
        assert tx.delete_contacts(team_id, []) == 0
    with store.read() as tx:
        assert tx.channels_of(team_id, [first, second]) == {first: [], second: []}
        assert tx.find_channels(team_id, {"phone": ["x"]}) == []


# --- the migration backfills channels -------------------------------------------------------------


@pytest.fixture
def old_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """A new database at the schema before contact channels (migrations up to 0003)."""
    if backend == "sqlite":
        path = str(tmp_path / "old.db")
        with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as connection:
            connection.execute(
                "CREATE TABLE schema_migrations"
                " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_us INTEGER NOT NULL)"
            )
            for migration in load_migrations("sqlite"):
                if migration.version < 4:
                    connection.executescript(migration.sql)
                    connection.execute("INSERT INTO schema_migrations VALUES (?, ?, 0)",
                                       (migration.version, migration.name))  # fmt: skip
        yield path
        return
    with postgres_database("hm_old") as url:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(
                "CREATE TABLE schema_migrations"
                " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_us BIGINT NOT NULL)"
            )
            for migration in load_migrations("postgres"):
                if migration.version < 4:
                    connection.execute(migration.sql.encode())
                    connection.execute("INSERT INTO schema_migrations VALUES (%s, %s, 0)",
                                       (migration.version, migration.name))  # fmt: skip
        yield url


def raw(backend: str, url: str, statement: str, *params: Any) -> list[tuple[Any, ...]]:
    if backend == "sqlite":
        with contextlib.closing(sqlite3.connect(url, isolation_level=None)) as connection:
            return connection.execute(statement, params).fetchall()
    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(statement.replace("?", "%s"), params)
        return cursor.fetchall() if cursor.description else []


def test_the_migration_makes_each_phone_and_email_a_primary_channel(
    backend: str, old_database: str
) -> None:
    team = "INSERT INTO teams (name, created_us) VALUES ('Old', 0) RETURNING id"
    ((team_id,),) = raw(backend, old_database, team)
    rows = [
        ("15105550001", "Ada@Example.com", 10),
        ("15105550002", "", 20),
        ("15105550003", "ada@EXAMPLE.com", 30),
        ("15105550004", "grace@example.com", 40),
    ]
    ids = []
    for phone, email, stamp in rows:
        inserted = raw(
            backend, old_database,
            "INSERT INTO contacts (uuid, team_id, phone, email, op, rev, created_us, updated_us)"
            " VALUES (?, ?, ?, ?, 'create', 1, ?, ?) RETURNING id",
            str(uuid.uuid4()), team_id, phone, email, stamp, stamp + 1,
        )  # fmt: skip
        ids.append(inserted[0][0])
    migrated = open_store(parse_database_url(old_database))
    try:
        assert 4 in migrated.migrate()
        with migrated.read() as tx:
            channels = tx.channels_of(team_id, ids)
    finally:
        migrated.close()
    held = {
        contact_id: [(c.channel_type, c.channel_id, c.channel_key, c.is_primary)
                     for c in channels[contact_id]]
        for contact_id in ids
    }  # fmt: skip
    assert held == {
        ids[0]: [("email", "Ada@Example.com", "ada@example.com", True),
                 ("phone", "15105550001", "15105550001", True)],
        ids[1]: [("phone", "15105550002", "15105550002", True)],
        ids[2]: [("phone", "15105550003", "15105550003", True)],  # its email was taken
        ids[3]: [("email", "grace@example.com", "grace@example.com", True),
                 ("phone", "15105550004", "15105550004", True)],
    }  # fmt: skip
    for contact_id, (_, _, stamp) in zip(ids, rows, strict=True):
        for record in channels[contact_id]:
            assert (record.created_us, record.updated_us) == (stamp, stamp + 1)
            assert re.fullmatch(UUID4, record.id)
    all_ids = [record.id for found in channels.values() for record in found]
    assert len(set(all_ids)) == len(all_ids)


def test_a_long_in_list_is_never_kept_prepared_on_postgresql(
    backend: str, store: Store, team_id: int, team_with_channels: dict[str, list[str]]
) -> None:
    """A prepared statement settles on a generic plan made when the table was small; a long
    list is planned with its values each time (psycopg prepares a statement from its fifth
    run)."""
    if backend != "postgres":
        pytest.skip("SQLite keeps no server-side plans")
    wanted = {"phone": [*team_with_channels["phone"], *(unique_phone() for _ in range(40))]}
    short = {"phone": team_with_channels["phone"][:1]}
    with store.read() as tx:
        for _ in range(8):
            assert tx.find_channels(team_id, wanted)
            assert tx.find_channels(team_id, short)
        cursor = tx._cursor  # type: ignore[attr-defined]
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [str(row[0]) for row in cursor.fetchall()]
    lookups = [text for text in prepared if "channel_key IN" in text]
    assert lookups, prepared  # the short list is kept prepared
    assert all(text.count("$") < 16 for text in lookups), lookups
