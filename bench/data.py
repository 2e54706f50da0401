"""The bench's data: a team with one API secret, and contacts written straight with SQL.

A million rows through the API would take longer than every scenario together, so the rows are
written with SQL, against the foundation schema only (migrations 0001 and 0002, which are never
edited); the project's own later migrations then bring them up to date, as they would an old
database (the v2 channels of each contact, for one). Contact ``n`` has phone ``phone_of(n)``,
so a load script can update a contact with its own phone.
"""

from __future__ import annotations

import secrets
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from heymarket_contacts.server.clock import system_clock
from heymarket_contacts.server.secret_box import SecretBox, load_master_key, new_master_key
from heymarket_contacts.server.service.admin import ROLE_OWNER, AdminService
from heymarket_contacts.server.store import open_store, parse_database_url
from heymarket_contacts.server.store.migrations import Migration, load_migrations
from heymarket_contacts.tokens import mint_token

#: Migrations whose schema the rows are written against; the rest run afterwards.
FOUNDATION = 2
#: Contact ``n`` (1-based, in creation order) has phone ``PHONE_BASE + n``.
PHONE_BASE = 15_000_000_000
FIRST = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Radia", "Tim")
LAST = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson")
COLUMNS = (
    "uuid", "team_id", "creator_id", "parent_id", "phone", "first", "last", "display_name",
    "email", "avatar", "external_id", "external_ref", "inbox_id", "assigned_user_id", "custom",
    "is_opted_out", "is_blocked", "op", "rev", "created_us", "updated_us", "search_text",
)  # fmt: skip
SCHEMA_MIGRATIONS = (
    "CREATE TABLE IF NOT EXISTS schema_migrations"
    " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_us {stamp} NOT NULL)"
)


@dataclass(frozen=True)
class Dataset:
    database: str
    team_id: int
    secret_id: str
    secret_key: str
    contacts: int
    #: Extra server environment (PostgreSQL needs its master key given).
    environment: dict[str, str]

    def token(self) -> str:
        return mint_token(self.secret_id, self.secret_key)


def phone_of(n: int) -> str:
    return str(PHONE_BASE + n)


def contact_rows(
    team_id: int, user_id: int, count: int, start_us: int
) -> Iterator[tuple[object, ...]]:
    for n in range(1, count + 1):
        first, last = FIRST[n % len(FIRST)], LAST[n % len(LAST)]
        phone = phone_of(n)
        email = f"{first}.{last}.{n}@example.com".lower()
        display = f"{first} {last}"
        stamp = start_us + n
        search = "\n".join((first, last, display, phone, email)).casefold()
        yield (
            str(uuid.UUID(int=n, version=4)), team_id, user_id, 0, phone, first, last, display,
            email, "", f"ext-{n}", "", 0, 0, "{}", 0, 0, "create", 1, stamp, stamp, search,
        )  # fmt: skip


def foundation(dialect: str) -> list[Migration]:
    return [m for m in load_migrations(dialect) if m.version <= FOUNDATION]


class Writer:
    """Rows into a database at the foundation schema, through a DB-API connection."""

    def __init__(self, connection: Any, placeholder: str) -> None:
        self.connection = connection
        self.placeholder = placeholder

    def sql(self, query: str) -> str:
        return query.replace("?", self.placeholder)

    def one(self, query: str, params: tuple[Any, ...]) -> Any:
        return self.connection.execute(self.sql(query), params).fetchone()

    def record_migrations(self, migrations: list[Migration]) -> None:
        for migration in migrations:
            self.one(
                "INSERT INTO schema_migrations VALUES (?, ?, ?) RETURNING version",
                (migration.version, migration.name, system_clock()),
            )

    def team(self, box: SecretBox, now_us: int) -> tuple[int, int, str, str]:
        """A team, its owner and one secret: ``(team id, owner id, secret id, secret key)``."""
        team_id = self.one(
            "INSERT INTO teams (name, clock_us, created_us) VALUES (?, 0, ?) RETURNING id",
            ("Bench team", now_us),
        )[0]
        owner_id = self.one(
            "INSERT INTO users (team_id, first_name, last_name, email, phone, role_id,"
            " created_us, updated_us) VALUES (?, 'Owner', '', '', '', ?, ?, ?) RETURNING id",
            (team_id, ROLE_OWNER, now_us, now_us),
        )[0]
        secret_id, secret_key = secrets.token_hex(12), secrets.token_urlsafe(32)
        nonce, ciphertext = box.seal(
            secret_id=secret_id, team_id=team_id, user_id=owner_id, secret_key=secret_key
        )
        self.one(
            "INSERT INTO api_secrets (secret_id, team_id, user_id, nonce, key_ciphertext,"
            " created_us) VALUES (?, ?, ?, ?, ?, ?) RETURNING secret_id",
            (secret_id, team_id, owner_id, nonce, ciphertext, now_us),
        )
        return team_id, owner_id, secret_id, secret_key

    def set_clock(self, team_id: int, clock_us: int) -> None:
        self.one("UPDATE teams SET clock_us = ? WHERE id = ? RETURNING id", (clock_us, team_id))


def sqlite_dataset(path: Path, contacts: int) -> Dataset:
    """A fresh SQLite database holding ``contacts`` contacts of one team."""
    for stale in path.parent.glob(f"{path.name}*"):
        stale.unlink()
    box = SecretBox(load_master_key(None, parse_database_url(str(path))))
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute(SCHEMA_MIGRATIONS.format(stamp="INTEGER"))
    connection.execute("BEGIN")
    migrations = foundation("sqlite")
    for migration in migrations:
        _run_script(connection, migration)
    writer = Writer(connection, "?")
    writer.record_migrations(migrations)
    start_us = system_clock() - contacts - 1_000_000
    team_id, owner_id, secret_id, secret_key = writer.team(box, start_us)
    marks = ", ".join("?" * len(COLUMNS))
    connection.executemany(
        f"INSERT INTO contacts ({', '.join(COLUMNS)}) VALUES ({marks})",  # noqa: S608
        contact_rows(team_id, owner_id, contacts, start_us),
    )
    writer.set_clock(team_id, start_us + contacts)
    connection.execute("COMMIT")
    connection.close()
    upgrade(str(path))
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("ANALYZE")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return Dataset(str(path), team_id, secret_id, secret_key, contacts, {})


def _run_script(connection: sqlite3.Connection, migration: Migration) -> None:
    """A migration's statements, one by one, inside the caller's transaction."""
    buffer = ""
    for line in migration.sql.splitlines(keepends=True):
        if not line.lstrip().startswith("--"):
            buffer += line
        if sqlite3.complete_statement(buffer):
            connection.execute(buffer)
            buffer = ""


def upgrade(database: str) -> None:
    """The migrations past the foundation, through the project's own store."""
    store = open_store(parse_database_url(database))
    try:
        store.migrate()
    finally:
        store.close()


def postgres_dataset(admin_url: str, name: str, contacts: int) -> Dataset:
    """A fresh PostgreSQL database ``name`` (made through ``admin_url``) with ``contacts``."""
    import psycopg  # noqa: PLC0415 (only the PostgreSQL scenarios need it)

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    url = urlsplit(admin_url)._replace(path=f"/{name}").geturl()
    environment = {"HEYMARKET_MASTER_KEY": new_master_key()}
    box = SecretBox(load_master_key(environment["HEYMARKET_MASTER_KEY"], parse_database_url(url)))
    start_us = system_clock() - contacts - 1_000_000
    with psycopg.connect(url) as connection:
        connection.execute(SCHEMA_MIGRATIONS.format(stamp="BIGINT").encode())
        migrations = foundation("postgres")
        for migration in migrations:
            connection.execute(migration.sql.encode())
        writer = Writer(connection, "%s")
        writer.record_migrations(migrations)
        team_id, owner_id, secret_id, secret_key = writer.team(box, start_us)
        copy_sql = f"COPY contacts ({', '.join(COLUMNS)}) FROM STDIN"
        with connection.cursor().copy(copy_sql.encode()) as copy:
            for row in contact_rows(team_id, owner_id, contacts, start_us):
                copy.write_row(row)
        writer.set_clock(team_id, start_us + contacts)
    upgrade(url)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    return Dataset(url, team_id, secret_id, secret_key, contacts, environment)


def drop_postgres(admin_url: str, name: str) -> None:
    import psycopg  # noqa: PLC0415

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":  # a quick check: python bench/data.py
    began = time.perf_counter()
    dataset = sqlite_dataset(Path(tempfile.mkdtemp()) / "check.db", 100_000)
    print(dataset.database, f"{time.perf_counter() - began:.1f} s")


def new_team(dataset: Dataset) -> int:
    """Another team in the dataset's SQLite database (empty), through the admin service."""
    location = parse_database_url(dataset.database)
    store = open_store(location)
    try:
        admin = AdminService(store, SecretBox(load_master_key(None, location)), system_clock)
        return admin.create_team("Bench reset team").id
    finally:
        store.close()
