"""The store on PostgreSQL, through a psycopg connection pool.

Writes run in READ COMMITTED transactions; ``advance_team_clock`` updates the team's row and so
holds that row lock until commit, which serialises one team's writes (and only that team's).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
import psycopg.errors
from psycopg_pool import ConnectionPool

from .base import StoreUnavailable, Transaction, UniqueViolation
from .migrations import load_migrations
from .records import WindowState
from .sql import Dialect, SqlTransaction

POSTGRES_DIALECT = Dialect(
    placeholder="%s",
    for_update=" FOR UPDATE",
    greatest="greatest",
    tags_json=(
        "(SELECT coalesce(json_agg(json_build_array(t.id, t.tag, t.color) ORDER BY ct.position),"
        " '[]')::text FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id"
        " WHERE ct.contact_id = c.id)"
    ),
    notes_json=(
        "(SELECT coalesce(json_agg(json_build_array(n.id, n.user_id, n.name, n.text,"
        " n.created_us) ORDER BY n.created_us, n.id), '[]')::text FROM notes n"
        " WHERE n.contact_id = c.id)"
    ),
)

#: Any constant will do: it names the lock that keeps two processes from migrating at once.
MIGRATION_LOCK_ID = 0x4D5E_C0DE
#: The advisory-lock class of a team's rate window (the team id is the object).
RATE_WINDOW_LOCK_CLASS = 0x4D5E


class PostgresTransaction(SqlTransaction):
    """The store's SQL on a psycopg cursor; many rows are inserted by ``COPY``, one stream
    for all of them instead of a statement per row."""

    def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
        super().__init__(cursor, POSTGRES_DIALECT)
        self._psycopg_cursor = cursor

    def _insert_many(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        if rows:
            statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with self._psycopg_cursor.copy(statement.encode()) as copy:
                for row in rows:
                    copy.write_row(row)


class PostgresStore:
    inline_reads = False

    def __init__(self, url: str, *, max_connections: int = 10) -> None:
        self.description = f"PostgreSQL database {_redacted(url)}"
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max_connections,
            kwargs={"autocommit": True},
            open=False,
        )
        try:
            self._pool.open(wait=True, timeout=10)
        except psycopg.OperationalError as error:
            raise StoreUnavailable(f"cannot reach {self.description}: {error}") from error
        except Exception as error:
            self._pool.close()
            raise StoreUnavailable(f"cannot reach {self.description}: {error}") from error

    @contextmanager
    def read(self) -> Iterator[Transaction]:
        with self._pool.connection() as connection:
            yield PostgresTransaction(connection.cursor())

    @contextmanager
    def write(self) -> Iterator[Transaction]:
        with self._pool.connection() as connection:
            try:
                with connection.transaction():
                    yield PostgresTransaction(connection.cursor())
            except psycopg.errors.UniqueViolation as error:
                name = error.diag.constraint_name or "unknown"
                raise UniqueViolation(name) from error

    def admit_request(
        self, team_id: int, *, now_us: int, limit: int, window_us: int
    ) -> WindowState:
        with self._pool.connection() as connection, connection.transaction():
            connection.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", (RATE_WINDOW_LOCK_CLASS, team_id)
            )
            return PostgresTransaction(connection.cursor()).admit_request(
                team_id, now_us=now_us, limit=limit, window_us=window_us
            )

    def migrate(self) -> list[int]:
        applied = []
        with self._pool.connection() as connection, connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_ID,))
            connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                " name TEXT NOT NULL, applied_us BIGINT NOT NULL)"
            )
            done = {row[0] for row in connection.execute("SELECT version FROM schema_migrations")}
            for migration in load_migrations("postgres"):
                if migration.version in done:
                    continue
                connection.execute(migration.sql.encode())
                connection.execute(
                    "INSERT INTO schema_migrations VALUES"
                    " (%s, %s, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)",
                    (migration.version, migration.name),
                )
                applied.append(migration.version)
        return applied

    def pending_migrations(self) -> list[int]:
        try:
            with self._pool.connection() as connection:
                rows = connection.execute("SELECT version FROM schema_migrations").fetchall()
        except psycopg.Error as error:
            raise StoreUnavailable(f"cannot read {self.description}: {error}") from error
        applied = {row[0] for row in rows}
        return [m.version for m in load_migrations("postgres") if m.version not in applied]

    def close(self) -> None:
        self._pool.close()


def _redacted(url: str) -> str:
    """The URL without its password."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    host = info.get("host", "localhost")
    port = info.get("port", "5432")
    return f"{info.get('dbname', '')} on {host}:{port}"
