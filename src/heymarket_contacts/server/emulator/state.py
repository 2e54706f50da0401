"""The emulator's shared state: the request journal, the fault rules and the clock.

Every worker process of one server must see the same journal, faults and clock (spec
section 9), whatever the database, so they live in a SQLite file of their own (WAL, no fsync:
none of it needs to survive a crash), made by ``serve`` and named to its workers. Reads that
happen on every request (the rules, the clock) are remembered until ``PRAGMA data_version``
says another connection committed something.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " entry TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS faults (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " rule TEXT NOT NULL, fired INTEGER NOT NULL DEFAULT 0, remaining INTEGER)",
    "CREATE TABLE IF NOT EXISTS clock (id INTEGER PRIMARY KEY CHECK (id = 1),"
    " offset_us INTEGER NOT NULL, frozen_us INTEGER)",
    "INSERT OR IGNORE INTO clock VALUES (1, 0, NULL)",
)


@dataclass(frozen=True, slots=True)
class StoredFault:
    id: int
    rule: dict[str, Any]
    fired: int
    remaining: int | None


@dataclass(frozen=True, slots=True)
class ClockState:
    offset_us: int
    frozen_us: int | None


class EmulatorState:
    """The shared file: a reading connection per thread, one writing connection per process
    (a commit changes the ``data_version`` of every connection but its own)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._writer: sqlite3.Connection | None = None
        with self._transaction() as connection:
            for statement in SCHEMA:
                connection.execute(statement)

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=10
        )
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = OFF")
        with self._lock:
            self._connections.append(connection)
        return connection

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._open()
            self._local.connection = connection
            self._local.cache = {}
        return connection

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._write_lock:
            if self._writer is None:
                self._writer = self._open()
            connection = self._writer
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.rollback()
                raise
            connection.commit()

    def _cached(self, key: str, load: Any) -> Any:
        """``load()``'s value, remembered on this thread while nothing was committed since."""
        connection = self._connection()
        (version,) = connection.execute("PRAGMA data_version").fetchone()
        cache: dict[str, tuple[int, Any]] = self._local.cache
        hit = cache.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
        value = load(connection)
        cache[key] = (version, value)
        return value

    # --- the clock --------------------------------------------------------------------------

    def clock(self) -> ClockState:
        return self._cached("clock", _read_clock)  # type: ignore[no-any-return]

    def set_clock(self, offset_us: int, frozen_us: int | None) -> None:
        with self._transaction() as connection:
            connection.execute(
                "UPDATE clock SET offset_us = ?, frozen_us = ? WHERE id = 1", (offset_us, frozen_us)
            )

    # --- fault rules ------------------------------------------------------------------------

    def faults(self) -> Sequence[StoredFault]:
        return self._cached("faults", _read_faults)  # type: ignore[no-any-return]

    def add_fault(self, rule: dict[str, Any], times: int | None) -> int:
        with self._transaction() as connection:
            cursor = connection.execute(
                "INSERT INTO faults (rule, remaining) VALUES (?, ?)",
                (msgspec.json.encode(rule).decode(), times),
            )
            fault_id = int(cursor.lastrowid or 0)
            cursor.close()  # under the lock (see the store's writer)
            return fault_id

    def fire(self, fault_id: int) -> bool:
        """Count a firing of the rule; ``False`` when it retired meanwhile (its ``times`` used
        up by another request, or removed)."""
        with self._transaction() as connection:
            row = connection.execute(
                "UPDATE faults SET fired = fired + 1,"
                " remaining = CASE WHEN remaining IS NULL THEN NULL ELSE remaining - 1 END"
                " WHERE id = ? AND (remaining IS NULL OR remaining > 0) RETURNING remaining",
                (fault_id,),
            ).fetchone()
            return row is not None

    def remove_fault(self, fault_id: int) -> bool:
        with self._transaction() as connection:
            return connection.execute("DELETE FROM faults WHERE id = ?", (fault_id,)).rowcount > 0

    def remove_faults(self) -> None:
        with self._transaction() as connection:
            connection.execute("DELETE FROM faults")

    # --- the journal ------------------------------------------------------------------------

    def record(self, entry: dict[str, Any], keep: int) -> None:
        """Add an entry (its ``seq`` is given here), keeping only the last ``keep``."""
        with self._transaction() as connection:
            cursor = connection.execute("INSERT INTO journal (entry) VALUES ('')")
            seq = int(cursor.lastrowid or 0)
            cursor.close()  # under the lock (see the store's writer)
            entry["seq"] = seq
            connection.execute(
                "UPDATE journal SET entry = ? WHERE seq = ?",
                (msgspec.json.encode(entry).decode(), seq),
            )
            if seq % 100 == 0:
                connection.execute("DELETE FROM journal WHERE seq <= ?", (seq - keep,))

    def entries(self, *, since: int, limit: int, keep: int) -> list[dict[str, Any]]:
        """Entries after ``since``, oldest first, of the last ``keep`` recorded."""
        connection = self._connection()
        (last,) = connection.execute("SELECT coalesce(max(seq), 0) FROM journal").fetchone()
        rows = connection.execute(
            "SELECT entry FROM journal WHERE seq > ? ORDER BY seq LIMIT ?",
            (max(since, last - keep), limit),
        ).fetchall()
        return [msgspec.json.decode(row[0]) for row in rows]

    def clear_journal(self) -> None:
        with self._transaction() as connection:
            connection.execute("DELETE FROM journal")

    def reset(self) -> None:
        """The journal, the fault rules and the clock as at start."""
        with self._transaction() as connection:
            connection.execute("DELETE FROM journal")
            connection.execute("DELETE FROM faults")
            connection.execute("UPDATE clock SET offset_us = 0, frozen_us = NULL")

    def close(self) -> None:
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
            self._writer = None
        self._local = threading.local()


def _read_clock(connection: sqlite3.Connection) -> ClockState:
    offset, frozen = connection.execute(
        "SELECT offset_us, frozen_us FROM clock WHERE id = 1"
    ).fetchone()
    return ClockState(offset, frozen)


def _read_faults(connection: sqlite3.Connection) -> tuple[StoredFault, ...]:
    rows = connection.execute("SELECT id, rule, fired, remaining FROM faults ORDER BY id")
    return tuple(StoredFault(row[0], msgspec.json.decode(row[1]), row[2], row[3]) for row in rows)
