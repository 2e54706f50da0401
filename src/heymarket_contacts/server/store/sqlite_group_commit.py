"""Group commit: the concurrent writes of one process share one SQLite transaction, and so one
fsync, on the process's writer connection.

Write bodies run one at a time (they take the *turn*, a lock), each inside a ``SAVEPOINT`` of
the open transaction. A body that raises is rolled back to its savepoint, and only its caller
gets the error. After a body, the turn goes on to the next waiting writer with the transaction
still open, while the group is under its caps; the body whose turn finds no one waiting (or a
full group) runs ``COMMIT`` and wakes the others. A writer's call returns only once the commit
that holds its write is done, so its answer never leaves before its fsync; when that commit
fails, or SQLite rolled the transaction back under a later body, every member of the group
fails with :class:`StoreUnavailable` and none is told its write was kept. Groups of several
processes on one file take turns through a :class:`~.sqlite_writer_queue.WriterQueue`.

:meth:`GroupCommit.exclusive` is the turn with no group open, for work that must be a
transaction of its own or run outside one (a reset, a restore, closing the connections).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from .base import StoreUnavailable
from .sqlite_writer_queue import WriterQueue

#: Bodies of one group at most, and how long after its first body it may still take another.
MAX_BODIES = 64
MAX_SECONDS = 0.005

_SAVEPOINT = "write_body"


@dataclass(eq=False)
class _Group:
    """One open transaction and the bodies written into it."""

    connection: sqlite3.Connection
    started: float
    bodies: int = 0
    #: Why the group cannot commit (the transaction is gone or its commit failed).
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def fail(self, error: BaseException) -> None:
        if self.error is None:
            self.error = error


class GroupCommit:
    """Writes on the connection ``connect()`` returns (called with the turn held)."""

    def __init__(
        self, connect: Callable[[], sqlite3.Connection], *, description: str,
        max_bodies: int = MAX_BODIES, max_seconds: float = MAX_SECONDS,
        queue: WriterQueue | None = None,
    ) -> None:  # fmt: skip
        self._connect = connect
        #: Held from a group's ``BEGIN`` to the end of its ``COMMIT``: other processes'
        #: writers wait their turn there instead of in SQLite's busy handler.
        self._queue = queue
        self._description = description
        self._max_bodies = max_bodies
        self._max_seconds = max_seconds
        self._turn = threading.Lock()
        self._counting = threading.Lock()
        self._waiting = 0
        self._group: _Group | None = None
        #: Transactions committed, whatever number of bodies each held.
        self.commits = 0

    @property
    def waiting(self) -> int:
        """How many writers wait for the turn."""
        with self._counting:
            return self._waiting

    @contextmanager
    def body(self) -> Iterator[sqlite3.Cursor]:
        """One write: a cursor inside its own savepoint of the group's transaction.

        The cursor is closed before the turn is passed on. Left open, it would be freed whenever
        its last reference goes (later, in this thread), and freeing a cursor resets the
        statement it last ran: a cached statement that another body may be running by then."""
        group, cursor = self._join()
        try:
            try:
                yield cursor
            except BaseException as error:
                _undo(group, cursor, error)
                raise
            _keep(group, cursor)
        finally:
            cursor.close()
            self._pass_turn(group)
        group.done.wait()
        if group.error is not None:
            raise StoreUnavailable(
                f"cannot commit to {self._description}: {group.error}"
            ) from group.error

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """The turn, once the open group (if any) has committed."""
        with self._turn:
            if self._group is not None:
                self._finish(self._group)
            yield

    def _join(self) -> tuple[_Group, sqlite3.Cursor]:
        """Take the turn, then join the open group or begin one; the savepoint is open."""
        with self._counting:
            self._waiting += 1
        try:
            self._turn.acquire()
        finally:
            with self._counting:
                self._waiting -= 1
        group = self._group
        cursor: sqlite3.Cursor | None = None
        queued = False
        try:
            if group is None:
                if self._queue is not None:
                    self._queue.acquire()
                    queued = True
                connection = self._connect()
                cursor = connection.cursor()
                cursor.execute("BEGIN IMMEDIATE")
                group = self._group = _Group(connection, time.monotonic())
            else:
                cursor = group.connection.cursor()
            cursor.execute(f"SAVEPOINT {_SAVEPOINT}")
        except BaseException:
            if cursor is not None:
                cursor.close()
            if group is None:
                if queued and self._queue is not None:
                    self._queue.release()
                self._turn.release()
            else:
                self._pass_turn(group)
            raise
        group.bodies += 1
        return group, cursor

    def _pass_turn(self, group: _Group) -> None:
        """Hand the turn on with the transaction open, or end the group; the turn is let go."""
        try:
            if not self._may_grow(group):
                self._finish(group)
        finally:
            self._turn.release()

    def _may_grow(self, group: _Group) -> bool:
        return (
            group.error is None
            and group.bodies < self._max_bodies
            and time.monotonic() - group.started < self._max_seconds
            and self.waiting > 0
        )

    def _finish(self, group: _Group) -> None:
        """Commit the group (or roll back what is left of a failed one) and wake its members."""
        connection = group.connection
        try:
            if group.error is None:
                connection.commit()
                self.commits += 1
        except sqlite3.Error as error:
            group.fail(error)
        finally:
            try:
                if connection.in_transaction:
                    connection.rollback()
            finally:
                self._group = None
                if self._queue is not None:
                    self._queue.release()
                group.done.set()


def _undo(group: _Group, cursor: sqlite3.Cursor, error: BaseException) -> None:
    """Take back a failed body's writes. When SQLite has already rolled back the whole
    transaction (a full disk, an I/O error), the group's earlier bodies are gone with it."""
    if group.connection.in_transaction:
        try:
            cursor.execute(f"ROLLBACK TO {_SAVEPOINT}")
            cursor.execute(f"RELEASE {_SAVEPOINT}")
            return
        except sqlite3.Error as failure:
            error = failure
    group.fail(error)


def _keep(group: _Group, cursor: sqlite3.Cursor) -> None:
    try:
        cursor.execute(f"RELEASE {_SAVEPOINT}")
    except sqlite3.Error as error:
        group.fail(error)
