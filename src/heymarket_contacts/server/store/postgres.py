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

from ..availability import Availability
from . import postgres_snapshots
from .base import StoreUnavailable, Transaction, UniqueViolation
from .migrations import load_migrations
from .postgres_connect import CONNECT_WAIT_SECONDS, one_line, wait_for_server
from .records import WindowState
from .sql import Dialect, SqlTransaction

POSTGRES_DIALECT = Dialect(
    placeholder="%s",
    prepares=True,
    truncates=True,
    for_update=" FOR UPDATE",
    skip_locked=" FOR UPDATE SKIP LOCKED",
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
#: How long a call waits for a free connection of the pool before it is a 503.
POOL_WAIT_SECONDS = 5.0
#: How long a probe of a server that went away may take to connect.
PROBE_TIMEOUT_SECONDS = 2


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

    def __init__(
        self, url: str, *, max_connections: int = 10, connect_wait: float = CONNECT_WAIT_SECONDS
    ) -> None:
        self.description = f"PostgreSQL database {_redacted(url)}"
        self._url = url
        self._max_connections = max_connections
        wait_for_server(url, self.description, connect_wait)
        self._pool = self._open_pool(connect_wait)
        self._availability = Availability(
            self.description, self._probe, on_down=self._drop_pool, on_up=self._renew_pool
        )

    def _open_pool(self, timeout: float) -> ConnectionPool[psycopg.Connection[Any]]:
        pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            self._url,
            min_size=1,
            max_size=self._max_connections,
            kwargs={"autocommit": True},
            open=False,
        )
        try:
            pool.open(wait=True, timeout=timeout)
        except Exception as error:
            pool.close()
            raise StoreUnavailable(f"cannot reach {self.description}: {one_line(error)}") from error
        return pool

    def _probe(self) -> None:
        psycopg.connect(self._url, connect_timeout=PROBE_TIMEOUT_SECONDS).close()

    def _drop_pool(self) -> None:
        """The server is gone: every connection is lost, and the pool's own attempts to
        replace them would back off for longer and longer. Waiting calls fail at once."""
        self._pool.close(timeout=PROBE_TIMEOUT_SECONDS)

    def _renew_pool(self) -> None:
        """The server is back: a fresh pool, or (after a false alarm) the old one checked."""
        if self._pool.closed:
            self._pool = self._open_pool(PROBE_TIMEOUT_SECONDS)
        else:
            self._pool.check()

    def ping(self) -> None:
        with self._connection() as connection:
            connection.execute("SELECT 1")

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A connection of the pool; a :class:`StoreUnavailable` at once while the server is
        known to be down, or when the connection is lost or cannot be had."""
        if self._availability.down:
            raise StoreUnavailable(f"{self.description} is unavailable")
        pool = self._pool
        try:
            connection = pool.getconn(timeout=POOL_WAIT_SECONDS)
        except psycopg.OperationalError as error:
            raise self._unreachable(error) from error
        try:
            yield connection
        except psycopg.Error as error:
            if connection.broken or connection.closed:
                raise self._unreachable(error) from error
            raise
        finally:
            pool.putconn(connection)

    def _unreachable(self, error: Exception) -> StoreUnavailable:
        reason = one_line(error)
        self._availability.failed(reason)
        return StoreUnavailable(f"{self.description} is unavailable: {reason}")

    @contextmanager
    def read(self) -> Iterator[Transaction]:
        with self._connection() as connection:
            yield PostgresTransaction(connection.cursor())

    @contextmanager
    def write(self) -> Iterator[Transaction]:
        with self._connection() as connection:
            try:
                with connection.transaction():
                    yield PostgresTransaction(connection.cursor())
            except psycopg.errors.UniqueViolation as error:
                name = error.diag.constraint_name or "unknown"
                raise UniqueViolation(name) from error

    def admit_request(
        self, team_id: int, *, now_us: int, limit: int, window_us: int
    ) -> WindowState:
        with self._connection() as connection, connection.transaction():
            connection.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", (RATE_WINDOW_LOCK_CLASS, team_id)
            )
            return PostgresTransaction(connection.cursor()).admit_request(
                team_id, now_us=now_us, limit=limit, window_us=window_us
            )

    def clear_teams(self, team_ids: Sequence[int] | None) -> list[int]:
        with self.write() as tx:
            return tx.clear_teams(team_ids)

    def clear_rate_window(self, team_ids: Sequence[int]) -> None:
        with self._connection() as connection, connection.transaction():
            connection.execute(
                "DELETE FROM rate_limit_hits WHERE team_id = ANY(%s)", (list(team_ids),)
            )

    def take_snapshot(self, name: str, created_us: int) -> bool:
        with self._connection() as connection:
            return postgres_snapshots.take(connection, name, created_us)

    def snapshots(self) -> list[tuple[str, int, int]]:
        with self._connection() as connection:
            return postgres_snapshots.listed(connection)

    def restore_snapshot(self, name: str) -> bool:
        with self._connection() as connection:
            return postgres_snapshots.restore(connection, name)

    def drop_snapshot(self, name: str) -> bool:
        with self._connection() as connection:
            return postgres_snapshots.drop(connection, name)

    def migrate(self) -> list[int]:
        applied = []
        with self._connection() as connection, connection.transaction():
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
            with self._connection() as connection:
                rows = connection.execute("SELECT version FROM schema_migrations").fetchall()
        except psycopg.Error as error:
            raise StoreUnavailable(f"cannot read {self.description}: {error}") from error
        applied = {row[0] for row in rows}
        return [m.version for m in load_migrations("postgres") if m.version not in applied]

    def close(self) -> None:
        self._availability.stop()
        self._pool.close()


def _redacted(url: str) -> str:
    """The URL without its password."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error:
        return "(a malformed URL)"
    host = info.get("host", "localhost")
    port = info.get("port", "5432")
    return f"{info.get('dbname', '')} on {host}:{port}"
