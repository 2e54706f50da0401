"""``SQLiteStore.data_version``: a value every commit changes, whoever makes it.

The authenticator trusts a remembered secret while this value stays the same, so each kind of
commit is checked: through the store's own writer, through another store on the same file (as
the CLI's process has), and through a plain sqlite3 connection that knows nothing of the store.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from heymarket_contacts.server.store.sqlite import SQLiteStore

NOW_US = 1_795_600_000_123_456


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "version.db"


@pytest.fixture
def store(path: Path) -> Iterator[SQLiteStore]:
    store = SQLiteStore(path)
    store.migrate()
    yield store
    store.close()


@pytest.fixture
def other(path: Path, store: SQLiteStore) -> Iterator[SQLiteStore]:
    other = SQLiteStore(path)
    yield other
    other.close()


def add_team(store: SQLiteStore) -> int:
    with store.write() as tx:
        return tx.create_team("Versioned", NOW_US).id


def test_reads_leave_the_version_as_it_is(store: SQLiteStore) -> None:
    team_id = add_team(store)
    before = store.data_version()
    assert before is not None
    for _ in range(3):
        with store.read() as tx:
            assert tx.get_team(team_id) is not None
    assert store.data_version() == before


def test_a_commit_of_the_store_itself_changes_the_version(store: SQLiteStore) -> None:
    before = store.data_version()
    add_team(store)
    assert store.data_version() != before


def test_a_commit_of_another_store_on_the_file_changes_the_version(
    store: SQLiteStore, other: SQLiteStore
) -> None:
    before = store.data_version()
    add_team(other)
    after = store.data_version()
    assert after != before
    assert store.data_version() == after


def test_versions_of_two_connections_never_compare_equal(
    store: SQLiteStore, other: SQLiteStore
) -> None:
    """Each connection counts from its own start, so a bare counter could repeat another's."""
    assert store.data_version() != other.data_version()


def test_a_commit_of_a_plain_connection_changes_the_version(store: SQLiteStore, path: Path) -> None:
    team_id = add_team(store)
    before = store.data_version()
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("UPDATE teams SET name = 'Renamed' WHERE id = ?", (team_id,))
    finally:
        connection.close()
    assert store.data_version() != before


def test_a_closed_store_reads_the_version_again_after_reopening(store: SQLiteStore) -> None:
    store.close()
    reopened = store.data_version()
    assert reopened is not None
    add_team(store)
    assert store.data_version() != reopened


def test_sqlite_keeps_its_locks_on_the_wal_index(store: SQLiteStore, path: Path) -> None:
    """Closing any descriptor of the ``-shm`` file would drop every POSIX lock this process
    holds on it, SQLite's included; another process would then rebuild the index under this
    one's mapping. ``/proc/locks`` lists the locks by process and inode."""
    add_team(store)
    shm = Path(f"{path}-shm")
    assert _locks_held_on(shm) > 0
    for _ in range(3):
        store.data_version()
        add_team(store)
    assert _locks_held_on(shm) > 0


def _locks_held_on(target: Path) -> int:
    """How many POSIX locks this process holds on ``target``."""
    stat = target.stat()
    inode = f"{os.major(stat.st_dev):02x}:{os.minor(stat.st_dev):02x}:{stat.st_ino}"
    count = 0
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "POSIX" in fields and str(os.getpid()) in fields and inode in fields:
            count += 1
    return count
