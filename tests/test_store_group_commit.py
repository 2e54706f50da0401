"""Group commit on SQLite: concurrent writes of a process share one transaction and one commit,
each body in a savepoint of its own; a failing body fails alone, a failing group fails whole.

Most tests make a group for certain: the first writer takes the turn and waits inside its body
until every other writer waits for the turn, so they all join its transaction in some order.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from heymarket_contacts.server.store.base import StoreUnavailable, UniqueViolation
from heymarket_contacts.server.store.sqlite import SQLiteStore
from heymarket_contacts.server.store.sqlite_group_commit import GroupCommit

Body = Callable[[sqlite3.Cursor], None]
#: What each writer thread runs: ``write(i, gate)``, calling ``gate()`` first thing in its body.
Writer = Callable[[int, Callable[[], None]], None]
WAIT_SECONDS = 30


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, "the writers never all waited for the turn"
        time.sleep(0.001)


def write_together(
    group_commit: GroupCommit, write: Writer, count: int, *, exclusive: int = 0
) -> list[Exception | None]:
    """``write`` on ``count`` threads; what each raised. Writer 0 takes the turn first and
    holds it, in its body, until the others wait for it (``exclusive`` of them take the
    exclusive turn, which is not counted as waiting: they get a moment more)."""
    outcomes: list[Exception | None] = [None] * count
    inside = threading.Event()

    def gate() -> None:
        inside.set()
        wait_until(lambda: group_commit.waiting == count - exclusive - 1)
        if exclusive:
            time.sleep(0.01)

    def run(i: int) -> None:
        try:
            write(i, gate if i == 0 else _no_gate)
        except Exception as error:
            outcomes[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    threads[0].start()
    assert inside.wait(WAIT_SECONDS)
    for thread in threads[1:]:
        thread.start()
    for thread in threads:
        thread.join(WAIT_SECONDS)
    return outcomes


def _no_gate() -> None:
    return None


@pytest.fixture
def path(tmp_path: Path) -> Path:
    path = tmp_path / "group.db"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("CREATE TABLE items (name TEXT PRIMARY KEY)")
        connection.execute("CREATE TABLE parents (id INTEGER PRIMARY KEY)")
        connection.execute(
            "CREATE TABLE children (parent_id INTEGER NOT NULL"
            " REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED)"
        )
        connection.execute("INSERT INTO items VALUES ('taken')")
    connection.close()
    return path


@pytest.fixture
def writer(path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA foreign_keys = ON")
    yield connection
    connection.close()


def group_commit_on(writer: sqlite3.Connection, **caps: float) -> GroupCommit:
    """With no time cap unless told: groups here are made by the writers' order alone."""
    return GroupCommit(lambda: writer, description="the test file", **{"max_seconds": 60, **caps})


def stored(path: Path) -> set[str]:
    """The items a connection of its own sees committed."""
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT name FROM items").fetchall()
    connection.close()
    return {name for (name,) in rows} - {"taken"}


def insert(cursor: sqlite3.Cursor, name: str) -> None:
    cursor.execute("INSERT INTO items VALUES (?)", (name,))


def inserting(name: str) -> Body:
    return lambda cursor: insert(cursor, name)


def run_bodies(group_commit: GroupCommit, bodies: Sequence[Body]) -> list[Exception | None]:
    def write(i: int, gate: Callable[[], None]) -> None:
        with group_commit.body() as cursor:
            gate()
            bodies[i](cursor)

    return write_together(group_commit, write, len(bodies))


def test_concurrent_writes_share_one_commit_and_each_returns_committed(
    path: Path, writer: sqlite3.Connection
) -> None:
    group_commit = group_commit_on(writer)
    seen_on_return: dict[int, bool] = {}

    def write(i: int, gate: Callable[[], None]) -> None:
        with group_commit.body() as cursor:
            gate()
            insert(cursor, f"w{i}")
        seen_on_return[i] = f"w{i}" in stored(path)

    assert write_together(group_commit, write, 32) == [None] * 32
    assert group_commit.commits == 1
    assert stored(path) == {f"w{i}" for i in range(32)}
    assert seen_on_return == dict.fromkeys(range(32), True)


@pytest.mark.parametrize(
    ("caps", "commits"),
    [
        pytest.param({"max_bodies": 8}, 4, id="bodies"),
        pytest.param({"max_seconds": 0}, 32, id="time"),
    ],
)
def test_a_group_stops_growing_at_its_caps(
    path: Path, writer: sqlite3.Connection, caps: dict[str, float], commits: int
) -> None:
    group_commit = group_commit_on(writer, **caps)
    outcomes = run_bodies(group_commit, [inserting(f"w{i}") for i in range(32)])
    assert outcomes == [None] * 32
    assert group_commit.commits == commits
    assert stored(path) == {f"w{i}" for i in range(32)}


def test_a_unique_violation_fails_its_writer_alone_and_keeps_none_of_its_rows(
    path: Path, writer: sqlite3.Connection
) -> None:
    def clashing(cursor: sqlite3.Cursor) -> None:
        insert(cursor, "mine")
        insert(cursor, "taken")

    bodies = [inserting(f"w{i}") for i in range(16)]
    bodies[5] = clashing
    group_commit = group_commit_on(writer)
    outcomes = run_bodies(group_commit, bodies)
    assert isinstance(outcomes[5], sqlite3.IntegrityError)
    assert outcomes[:5] + outcomes[6:] == [None] * 15
    assert group_commit.commits == 1
    assert stored(path) == {f"w{i}" for i in range(16) if i != 5}


def test_a_failing_body_fails_alone_with_its_own_error(
    path: Path, writer: sqlite3.Connection
) -> None:
    refusals = {0: ValueError("refused 0"), 9: ValueError("refused 9")}

    def failing(i: int) -> Body:
        def body(cursor: sqlite3.Cursor) -> None:
            insert(cursor, "mine")
            raise refusals[i]

        return body

    bodies = [failing(i) if i in refusals else inserting(f"w{i}") for i in range(16)]
    group_commit = group_commit_on(writer)
    outcomes = run_bodies(group_commit, bodies)
    assert outcomes == [refusals.get(i) for i in range(16)]
    assert group_commit.commits == 1
    assert stored(path) == {f"w{i}" for i in range(16) if i not in refusals}


def test_a_failing_commit_fails_every_member(path: Path, writer: sqlite3.Connection) -> None:
    def orphan(cursor: sqlite3.Cursor) -> None:
        insert(cursor, "orphan")
        cursor.execute("INSERT INTO children VALUES (42)")  # a deferred key: checked at COMMIT

    bodies = [inserting(f"w{i}") for i in range(16)]
    bodies[7] = orphan
    group_commit = group_commit_on(writer)
    outcomes = run_bodies(group_commit, bodies)
    assert all(isinstance(outcome, StoreUnavailable) for outcome in outcomes), outcomes
    assert all(isinstance(o.__cause__, sqlite3.IntegrityError) for o in outcomes if o)
    assert group_commit.commits == 0
    assert stored(path) == set()
    assert not writer.in_transaction
    with group_commit.body() as cursor:
        insert(cursor, "after")
    assert stored(path) == {"after"}


@pytest.mark.parametrize("raises", [True, False], ids=["raises", "returns"])
def test_a_transaction_rolled_back_under_a_body_fails_the_members_before_it(
    path: Path, writer: sqlite3.Connection, raises: bool
) -> None:
    """As SQLite does on a full disk or an I/O error: the whole transaction is gone, and the
    writers after it make a group of their own."""
    group_commit = group_commit_on(writer)
    order: list[int] = []
    lost = sqlite3.OperationalError("database or disk is full")

    def write(i: int, gate: Callable[[], None]) -> None:
        with group_commit.body() as cursor:
            gate()
            order.append(i)
            insert(cursor, f"w{i}")
            if len(order) == 10:
                cursor.execute("ROLLBACK")
                if raises:
                    raise lost

    outcomes = write_together(group_commit, write, 16)
    breaker, before, after = order[9], order[:9], order[10:]
    if raises:
        assert outcomes[breaker] is lost
    else:
        assert isinstance(outcomes[breaker], StoreUnavailable)
    assert all(isinstance(outcomes[i], StoreUnavailable) for i in before), outcomes
    assert [outcomes[i] for i in after] == [None] * 6
    assert group_commit.commits == 1
    assert stored(path) == {f"w{i}" for i in after}


def test_the_exclusive_turn_never_runs_inside_an_open_group(
    path: Path, writer: sqlite3.Connection
) -> None:
    """Every fourth writer takes the exclusive turn: it finds no transaction open, and every
    body that ran before it committed."""
    group_commit = group_commit_on(writer)
    ran: list[str] = []
    checks: list[tuple[bool, bool]] = []

    def write(i: int, gate: Callable[[], None]) -> None:
        if i % 4 == 3:
            with group_commit.exclusive():
                checks.append((writer.in_transaction, set(ran) <= stored(path)))
            return
        with group_commit.body() as cursor:
            gate()
            ran.append(f"w{i}")
            insert(cursor, f"w{i}")

    outcomes = write_together(group_commit, write, 16, exclusive=4)
    assert outcomes == [None] * 16
    assert checks == [(False, True)] * 4
    assert stored(path) == {f"w{i}" for i in range(16) if i % 4 != 3}


# --- through the store ------------------------------------------------------------------------

NOW_US = 1_795_600_000_123_456


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    store = SQLiteStore(tmp_path / "contacts.db")
    store.migrate()
    yield store
    store.close()


def team_names(store: SQLiteStore, prefix: str) -> set[str]:
    with sqlite3.connect(store.path) as connection:
        rows = connection.execute("SELECT name FROM teams").fetchall()
    connection.close()
    return {name for (name,) in rows if name.startswith(prefix)}


def test_store_writes_share_a_commit_and_a_unique_violation_fails_alone(
    store: SQLiteStore,
) -> None:
    with store.write() as tx:
        holder = tx.create_team("holder", NOW_US).id
        tx.set_team_key_hash(holder, "taken")
    commits_before = store.group_commit.commits
    prefix = uuid.uuid4().hex[:8]

    def write(i: int, gate: Callable[[], None]) -> None:
        with store.write() as tx:
            gate()
            team = tx.create_team(f"{prefix} {i}", NOW_US).id
            tx.set_team_key_hash(team, "taken" if i % 5 == 4 else f"{prefix}-{i}")

    outcomes = write_together(store.group_commit, write, 20)
    failed = {i for i, outcome in enumerate(outcomes) if outcome is not None}
    assert failed == {4, 9, 14, 19}
    assert all(isinstance(outcomes[i], UniqueViolation) for i in failed)
    # The first writer held the group open past its few milliseconds: it commits alone.
    assert store.group_commit.commits - commits_before < 20
    assert team_names(store, prefix) == {f"{prefix} {i}" for i in range(20) if i not in failed}


def test_store_resets_run_between_groups_with_foreign_keys_off(store: SQLiteStore) -> None:
    """The reset turns foreign keys off for its own transaction, which SQLite ignores inside
    an open one: it must never join a group."""
    prefix = uuid.uuid4().hex[:8]
    cleared: list[list[int]] = []

    def write(i: int, gate: Callable[[], None]) -> None:
        if i % 4 == 3:
            cleared.append(store.clear_teams([]))
            return
        with store.write() as tx:
            gate()
            tx.create_team(f"{prefix} {i}", NOW_US)

    outcomes = write_together(store.group_commit, write, 16, exclusive=4)
    assert outcomes == [None] * 16
    assert cleared == [[]] * 4
    assert team_names(store, prefix) == {f"{prefix} {i}" for i in range(16) if i % 4 != 3}
    with store.group_commit.exclusive():
        writer = store._writer_connection()
        assert writer.execute("PRAGMA foreign_keys").fetchone() == (1,)


# --- the queue of writers across processes ----------------------------------------------------

_TRY_LOCK = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    print("held")
else:
    print("free")
"""


def _lock_seen_from_another_process(lock_file: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-c", _TRY_LOCK, str(lock_file)],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return result.stdout.strip()


def test_a_group_holds_the_writers_lock_from_begin_to_commit(store: SQLiteStore) -> None:
    lock_file = store.path.with_name(store.path.name + "-writers")
    seen: list[str] = []
    with store.write() as tx:
        tx.create_team("first", NOW_US)
        seen.append(_lock_seen_from_another_process(lock_file))
    seen.append(_lock_seen_from_another_process(lock_file))
    assert seen == ["held", "free"]


def test_two_stores_in_one_process_take_turns(store: SQLiteStore) -> None:
    """Two stores on one file in one process hold two locks of their own (``flock`` locks
    belong to the open file): the second's writer waits for the first's group to commit, and
    neither waits forever for the other."""
    other = SQLiteStore(store.path)
    order: list[str] = []
    inside = threading.Event()

    def second() -> None:
        assert inside.wait(WAIT_SECONDS)
        with other.write() as tx:
            order.append("second begins")
            tx.create_team("second", NOW_US)

    thread = threading.Thread(target=second)
    thread.start()
    try:
        with store.write() as tx:
            tx.create_team("first", NOW_US)
            inside.set()
            time.sleep(0.2)  # the second writer is queued by now
            order.append("first commits")
        thread.join(WAIT_SECONDS)
    finally:
        other.close()
    assert order == ["first commits", "second begins"]
    assert team_names(store, "") >= {"first", "second"}


def test_without_a_lock_file_writes_go_on(tmp_path: Path) -> None:
    """A directory where the lock file cannot be made (it is taken by a directory here):
    SQLite's busy handler alone orders the writers."""
    path = tmp_path / "contacts.db"
    (tmp_path / "contacts.db-writers").mkdir()
    store = SQLiteStore(path)
    try:
        store.migrate()
        with store.write() as tx:
            tx.create_team("alone", NOW_US)
        assert "alone" in team_names(store, "")
    finally:
        store.close()
