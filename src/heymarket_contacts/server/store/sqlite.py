"""The store on an embedded SQLite file.

Every thread gets its own connection for reads (WAL, ``synchronous=FULL``, a busy timeout,
foreign keys on); reads need no transaction (each is one statement). Writes run inside
``BEGIN IMMEDIATE`` on the process's one writer connection, taken in turn under a lock: SQLite
admits one writer at a time anyway, and a lock hands the turn over at once, where threads
contending inside SQLite would wait out its busy handler's sleeps (up to 100 ms each). The
busy timeout is left to arbitrate between processes. Concurrent writes share one transaction and
its one fsync, each in a savepoint of its own (:mod:`.sqlite_group_commit`).

:meth:`SQLiteStore.data_version` tells cheaply whether anything was committed since it was
last asked: the authenticator reads it on every request to know whether a secret it remembers
may have been revoked. It asks SQLite (``PRAGMA data_version``) and never opens SQLite's files
itself: closing any descriptor of a file drops every POSIX lock the process holds on it,
SQLite's locks on the WAL index included, and another process that then believes it is alone
rebuilds the index under this one's mapping (a bus error inside SQLite).
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from .base import StoreUnavailable, Transaction, UniqueViolation
from .migrations import load_migrations
from .records import WindowState
from .sql import Dialect, SqlTransaction
from .sqlite_group_commit import GroupCommit
from .sqlite_snapshots import SqliteSnapshots
from .sqlite_writer_queue import WriterQueue

BUSY_TIMEOUT_MS = 10_000
#: Between two tries to switch a new file to WAL (see :func:`_enter_wal_mode`).
_WAL_RETRY_SECONDS = 0.005


def _enter_wal_mode(connection: sqlite3.Connection) -> None:
    """``PRAGMA journal_mode = WAL``, tried again while the file is locked. Switching a new
    file's mode takes an exclusive lock without calling the busy handler, so connections that
    open one file at the same moment (the threads of a worker, or two processes) get
    ``database is locked`` at once."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
        time.sleep(_WAL_RETRY_SECONDS)


#: ``PRAGMA secure_delete``'s answers, as the names it takes back.
_SECURE_DELETE = {0: "OFF", 1: "ON", 2: "FAST"}

SQLITE_DIALECT = Dialect(
    placeholder="?",
    for_update="",
    greatest="max",
    tags_json=(
        "(SELECT coalesce(json_group_array(json_array(t.id, t.tag, t.color)), '[]') FROM"
        " (SELECT t.id, t.tag, t.color FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id"
        " WHERE ct.contact_id = c.id ORDER BY ct.position) t)"
    ),
    notes_json=(
        "(SELECT coalesce(json_group_array(json_array(n.id, n.user_id, n.name, n.text,"
        " n.created_us)), '[]') FROM (SELECT * FROM notes n WHERE n.contact_id = c.id"
        " ORDER BY n.created_us, n.id) n)"
    ),
)


class SQLiteStore:
    inline_reads = True

    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = f"SQLite file {path}"
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._writer: sqlite3.Connection | None = None
        self._writers = WriterQueue(path)
        self.group_commit = GroupCommit(
            self._writer_connection, description=self.description, queue=self._writers
        )
        self._reading = _Reading(self)
        self._connection_serials = itertools.count(1)
        self._snapshots = SqliteSnapshots(path)

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._connect(self.path, synchronous="FULL")
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    def _connect(self, path: Path, *, synchronous: str) -> sqlite3.Connection:
        try:
            connection = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=0
            )
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            _enter_wal_mode(connection)
            connection.execute(f"PRAGMA synchronous = {synchronous}")
            connection.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as error:
            raise StoreUnavailable(f"cannot open {self.description}: {error}") from error
        return connection

    def read(self) -> AbstractContextManager[Transaction]:
        return self._reading

    def reader(self) -> Transaction:
        """A read on this thread's connection (what ``read()`` enters)."""
        return SqlTransaction(self._connection().cursor(), SQLITE_DIALECT)

    @contextmanager
    def write(self) -> Iterator[Transaction]:
        """A write in the group of concurrent writes; it has committed when this returns."""
        with self.group_commit.body() as cursor:
            try:
                yield SqlTransaction(cursor, SQLITE_DIALECT)
            except sqlite3.IntegrityError as error:
                raise _unique_violation(error) from error

    @contextmanager
    def _transaction(self, connection: sqlite3.Connection) -> Iterator[Transaction]:
        """A write transaction of its own on the writer connection, in the exclusive turn.

        The cursor is closed before the turn is let go. Left open, it would be freed whenever
        its last reference goes (after the turn, in the caller's thread), and freeing a cursor
        resets the statement it last ran: a cached statement that another thread's
        transaction may be running by then (``bad parameter or other API misuse``)."""
        cursor = connection.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield SqlTransaction(cursor, SQLITE_DIALECT)
            except sqlite3.IntegrityError as error:
                connection.rollback()
                raise _unique_violation(error) from error
            except BaseException:
                connection.rollback()
                raise
            connection.commit()
        finally:
            cursor.close()

    def clear_teams(self, team_ids: Sequence[int] | None) -> list[int]:
        """With foreign keys off for the transaction: the children are deleted before their
        parents, so no check is needed, and SQLite otherwise runs each deleted contact's
        cascades (three lookups a row) and never empties a table whole. And with
        ``secure_delete`` at ``FAST``: deleted rows are still zeroed where they lie, but pages
        freed whole are not rewritten (SQLite builds that default to ``secure_delete`` on
        write every freed page to the WAL: 9 MB for a team of 10,000 contacts)."""
        with self.group_commit.exclusive():
            connection = self._writer_connection()
            (secure_delete,) = connection.execute("PRAGMA secure_delete").fetchone()
            connection.execute("PRAGMA foreign_keys = OFF")
            connection.execute("PRAGMA secure_delete = FAST")
            try:
                with self._transaction(connection) as tx:
                    return tx.clear_teams(team_ids)
            finally:
                connection.execute("PRAGMA foreign_keys = ON")
                connection.execute(f"PRAGMA secure_delete = {_SECURE_DELETE[secure_delete]}")

    def ping(self) -> None:
        try:
            self._connection().execute("PRAGMA schema_version").fetchone()
        except sqlite3.Error as error:
            raise StoreUnavailable(f"cannot read {self.description}: {error}") from error

    def data_version(self) -> bytes | None:
        """A value that changes whenever any other connection, in any process, commits a write
        (this thread's reader connection never writes). It names the connection too: values of
        two connections are not comparable."""
        local = self._local
        cursor: sqlite3.Cursor | None = getattr(local, "version_cursor", None)
        if cursor is None:
            cursor = self._connection().cursor()
            local.version_cursor = cursor
            local.version_prefix = b"%x.%d:" % (id(self), next(self._connection_serials))
        try:
            (version,) = cursor.execute("PRAGMA data_version").fetchone()
        except sqlite3.Error:
            return None
        return local.version_prefix + str(version).encode("ascii")  # type: ignore[no-any-return]

    def _writer_connection(self) -> sqlite3.Connection:
        """The process's writer connection; the caller holds the turn to write."""
        if self._writer is None:
            self._writer = self._connect(self.path, synchronous="FULL")
            with self._lock:
                self._connections.append(self._writer)
        return self._writer

    def admit_request(
        self, team_id: int, *, now_us: int, limit: int, window_us: int
    ) -> WindowState:
        connection = self._rate_connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            state = SqlTransaction(connection.cursor(), SQLITE_DIALECT).admit_request(
                team_id, now_us=now_us, limit=limit, window_us=window_us
            )
        except BaseException:
            connection.rollback()
            raise
        connection.commit()
        return state

    def _rate_connection(self) -> sqlite3.Connection:
        """The rate window lives in a file of its own, ``<database>.ratelimit``, written without
        fsync: counting a request must not cost a durable write."""
        connection: sqlite3.Connection | None = getattr(self._local, "rate_connection", None)
        if connection is None:
            connection = self._connect(Path(f"{self.path}.ratelimit"), synchronous="OFF")
            # Immediate: a deferred transaction that finds its snapshot stale when it comes to
            # write fails at once (SQLITE_BUSY_SNAPSHOT) instead of waiting its turn.
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS rate_limit_hits"
                " (team_id INTEGER NOT NULL, at_us INTEGER NOT NULL)"
            )
            connection.execute(
                "CREATE INDEX IF NOT EXISTS rate_limit_hits_team"
                " ON rate_limit_hits (team_id, at_us)"
            )
            connection.execute("COMMIT")
            self._local.rate_connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    def migrate(self) -> list[int]:
        """On this thread's connection, in the exclusive turn: no group of this process is
        open meanwhile, so each migration takes SQLite's write lock without waiting for one."""
        with self.group_commit.exclusive():
            return self._migrate(self._connection())

    def _migrate(self, connection: sqlite3.Connection) -> list[int]:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations"
            " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_us INTEGER NOT NULL)"
        )
        applied = []
        for migration in load_migrations("sqlite"):
            connection.execute("BEGIN IMMEDIATE")
            try:
                done = connection.execute(
                    "SELECT 1 FROM schema_migrations WHERE version = ?", (migration.version,)
                ).fetchone()
                if not done:
                    for statement in _statements(migration.sql):
                        connection.execute(statement)
                    connection.execute(
                        "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                        (migration.version, migration.name, time.time_ns() // 1000),
                    )
                    applied.append(migration.version)
            except BaseException:
                connection.rollback()
                raise
            connection.commit()
        return applied

    def clear_rate_window(self, team_ids: Sequence[int]) -> None:
        connection = self._rate_connection()
        connection.executemany(
            "DELETE FROM rate_limit_hits WHERE team_id = ?", [(team_id,) for team_id in team_ids]
        )

    def take_snapshot(self, name: str, created_us: int) -> bool:
        return self._snapshots.take(self._connection(), name, created_us)

    def snapshots(self) -> list[tuple[str, int, int]]:
        return self._snapshots.listed()

    def restore_snapshot(self, name: str) -> bool:
        with self.group_commit.exclusive():
            return self._snapshots.restore(self._writer_connection(), SQLITE_DIALECT, name)

    def drop_snapshot(self, name: str) -> bool:
        return self._snapshots.drop(name)

    def pending_migrations(self) -> list[int]:
        # An open connection keeps reading a file removed under it: ask the file system too.
        if not self.path.exists():
            raise StoreUnavailable(f"{self.description} is gone")
        try:
            rows = self._connection().execute("SELECT version FROM schema_migrations").fetchall()
        except sqlite3.Error as error:
            raise StoreUnavailable(f"cannot read {self.description}: {error}") from error
        applied = {row[0] for row in rows}
        return [m.version for m in load_migrations("sqlite") if m.version not in applied]

    def close(self) -> None:
        with self.group_commit.exclusive(), self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
            self._writer = None
            self._writers.close()
        self._local = threading.local()


class _Reading:
    """``with store.read() as tx``: a context manager with no state, made once per store (a
    generator-based one costs more than the one-row read it wraps)."""

    def __init__(self, store: SQLiteStore) -> None:
        self._store = store

    def __enter__(self) -> Transaction:
        return self._store.reader()

    def __exit__(self, *exc_info: object) -> None:
        return None


def _statements(script: str) -> Iterator[str]:
    """Split a migration into statements (they hold no semicolons inside literals)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        if not line.lstrip().startswith("--"):
            buffer += line
        if sqlite3.complete_statement(buffer):
            yield buffer.strip()
            buffer = ""


def _unique_violation(error: sqlite3.IntegrityError) -> Exception:
    message = str(error)
    if message.startswith("UNIQUE constraint failed:"):
        return UniqueViolation(message.removeprefix("UNIQUE constraint failed:").strip())
    return error
