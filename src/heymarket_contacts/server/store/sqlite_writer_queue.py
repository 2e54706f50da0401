"""The queue of writers of one SQLite file across processes: a blocking lock on a file of its
own beside the database, held from a write group's ``BEGIN`` to the end of its ``COMMIT``.

SQLite lets one connection write at a time, and a writer that finds the database locked
sleeps and retries (the busy handler): under concurrent writes from several processes the
sleeps grow to tens and hundreds of milliseconds and the lock often falls to whoever asks
last. Waiting on ``flock`` instead puts the other processes' writers to sleep in the kernel
until the holder lets go, and wakes them at once. SQLite's own lock and busy handler still
guard the file; this only orders the writers that take part (every :class:`SQLiteStore`).

The lock file is never one of SQLite's (the database, ``-wal``, ``-shm``): SQLite takes POSIX
advisory locks on those, and closing any descriptor of a file drops every such lock the
process holds on it. ``flock`` locks belong to the open file description, so two stores in one
process queue each other as two processes do, and the kernel lets go of a dead process's lock.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from pathlib import Path

log = logging.getLogger("heymarket_contacts.store")

SUFFIX = "-writers"


class WriterQueue:
    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + SUFFIX)
        self._fd: int | None = None
        self._opening = threading.Lock()
        self._unavailable = False

    def acquire(self) -> None:
        """Wait for the other processes' writers (nothing to wait for when the lock file cannot
        be made: a read-only directory, say; SQLite's busy handler still orders the writes)."""
        fd = self._descriptor()
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        with self._opening:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def _descriptor(self) -> int | None:
        if self._fd is not None or self._unavailable:
            return self._fd
        with self._opening:
            if self._fd is None and not self._unavailable:
                try:
                    self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                except OSError as error:
                    self._unavailable = True
                    log.warning("writers of %s wait on SQLite alone: %s", self.path, error)
        return self._fd
