"""The emulator reset's store call on SQLite and PostgreSQL: one team's data or every team's
removed, the others' kept whole, ids never used again, and the writer connection left as it
was (foreign keys on, SQLite's ``secure_delete`` as before).

Each test has a database of its own: a reset of every team must not touch other tests' data.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from heymarket_contacts.models import NoteWrite
from heymarket_contacts.server.clock import system_clock
from heymarket_contacts.server.emulator.data import EmulatorData
from heymarket_contacts.server.principal import Principal
from heymarket_contacts.server.secret_box import SecretBox, load_master_key, new_master_key
from heymarket_contacts.server.service.admin import AdminService, owner_of
from heymarket_contacts.server.service.notes import NoteService
from heymarket_contacts.server.store import Store, open_store, parse_database_url
from heymarket_contacts.server.store.sqlite import SQLiteStore
from heymarket_contacts.server.store.webhook_records import NewDelivery, NewEvent
from support import postgres_database, require_postgres

#: What a reset clears, with how each table names the team.
CLEARED = {
    "contacts": "team_id = {team}",
    "contact_channels": "team_id = {team}",
    "tags": "team_id = {team}",
    "contact_fields": "team_id = {team}",
    "notes": "contact_id IN (SELECT id FROM contacts WHERE team_id = {team})",
    "contact_tags": "contact_id IN (SELECT id FROM contacts WHERE team_id = {team})",
    "webhook_events": "team_id = {team}",
    "webhook_deliveries": "team_id = {team}",
}


@dataclass
class Database:
    url: str
    store: Store

    def rows(self, team: int) -> dict[str, int]:
        """How many rows of each cleared table belong to ``team``."""
        counts = {}
        for table, where in CLEARED.items():
            query = f"SELECT count(*) FROM {table} WHERE {where.format(team=int(team))}"
            counts[table] = int(self._one(query))
        return counts

    def _one(self, query: str) -> object:
        if self.url.startswith("postgresql://"):
            with psycopg.connect(self.url) as connection:
                row = connection.execute(query).fetchone()
        else:
            with sqlite3.connect(self.url) as connection:
                row = connection.execute(query).fetchone()
        assert row is not None
        return row[0]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        yield from _opened(str(tmp_path / "clear.db"))
    else:
        require_postgres()
        with postgres_database("hm_clear") as url:
            yield from _opened(url)


def _opened(url: str) -> Iterator[Database]:
    store = open_store(parse_database_url(url))
    store.migrate()
    try:
        yield Database(url, store)
    finally:
        store.close()


def filled_team(database: Database, name: str) -> int:
    """A team with seeded contacts (channels, tags, a custom field) and a note on one."""
    store = database.store
    team = (
        AdminService(store, SecretBox(load_master_key(new_master_key(), None)), system_clock)
        .create_team(name)
        .id
    )
    seeded = EmulatorData(store, system_clock).seed(team, 5, tags=2, fields=1)
    with store.read() as tx:
        owner = owner_of(tx.list_users(team))
    assert owner is not None
    principal = Principal(team_id=team, user_id=owner.id, secret_id="(test)")
    NoteService(store, system_clock).create_note(
        principal, seeded.contact_ids[0], NoteWrite(text="kept or cleared")
    )
    contact = seeded.contact_ids[0]
    with store.write() as tx:  # an event not yet made into deliveries, and a delivery
        tx.insert_events([NewEvent(team, contact, "contact_updated", "{}", 1, 1)])
        tx.insert_deliveries([NewDelivery(
            id=str(uuid.uuid4()), subscription_id=1, team_id=team, contact_id=contact,
            event="contact_updated", body="{}", max_attempts=1, next_attempt_us=1, created_us=1,
        )])  # fmt: skip
    rows = database.rows(team)
    assert all(rows.values()), rows  # every table holds some of the team's rows
    return team


def empty(rows: dict[str, int]) -> bool:
    return not any(rows.values())


def test_clearing_the_only_team_with_data_empties_it(database: Database) -> None:
    team = filled_team(database, "Alone")
    spare = AdminService(
        database.store, SecretBox(load_master_key(new_master_key(), None)), system_clock
    )
    bystander = spare.create_team("No data").id
    assert database.store.clear_teams([team]) == [team]
    assert empty(database.rows(team))
    assert database.store.clear_teams([bystander]) == [bystander]


def test_clearing_one_team_keeps_every_row_of_the_others(database: Database) -> None:
    cleared, kept = filled_team(database, "Cleared"), filled_team(database, "Kept")
    before = database.rows(kept)
    assert database.store.clear_teams([cleared]) == [cleared]
    assert empty(database.rows(cleared))
    assert database.rows(kept) == before


def test_clearing_every_team(database: Database) -> None:
    one, other = filled_team(database, "One"), filled_team(database, "Other")
    assert sorted(database.store.clear_teams(None)) == sorted([one, other])
    assert empty(database.rows(one))
    assert empty(database.rows(other))


def test_unknown_teams_are_left_out(database: Database) -> None:
    team = filled_team(database, "Known")
    assert database.store.clear_teams([999_999]) == []
    assert database.rows(team)["contacts"] == 5


def test_ids_keep_counting_after_a_whole_clear(database: Database) -> None:
    team = filled_team(database, "Counting")
    seeded_high = EmulatorData(database.store, system_clock).seed(team, 1).contact_ids[1]
    database.store.clear_teams(None)
    again = EmulatorData(database.store, system_clock).seed(team, 1).contact_ids
    assert again[0] > seeded_high


def test_the_sqlite_writer_is_left_as_it_was(tmp_path: Path) -> None:
    for store_database in _opened(str(tmp_path / "pragmas.db")):
        store = store_database.store
        assert isinstance(store, SQLiteStore)
        filled_team(store_database, "Pragmas")
        writer = store._writer_connection()
        secure_delete = writer.execute("PRAGMA secure_delete").fetchone()
        store.clear_teams(None)
        assert writer.execute("PRAGMA foreign_keys").fetchone() == (1,)
        assert writer.execute("PRAGMA secure_delete").fetchone() == secure_delete
        with pytest.raises(sqlite3.IntegrityError):  # foreign keys are checked again
            writer.execute("INSERT INTO notes (id, contact_id, user_id, name, text, created_us)"
                           " VALUES ('n', 999999, 1, '', '', 1)")  # fmt: skip
