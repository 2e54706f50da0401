"""Opening a SQLite file many times at once: the threads of a worker and two processes' stores
that all open a new file in the same moment (the rate window's file is made on first use: when
Redis goes down under load, every thread opens it together).

SQLite switches a new file to WAL under an exclusive lock without calling the busy handler, so
a naive open fails at once with ``database is locked``; the store must wait its turn.
"""

from __future__ import annotations

import threading
from pathlib import Path

from heymarket_contacts.server.store.sqlite import SQLiteStore

ROUNDS = 60
THREADS = 6
WINDOW_US = 60_000_000


def _open_together(directory: Path) -> list[str]:
    stores = [SQLiteStore(directory / "contacts.db") for _ in range(2)]
    errors: list[str] = []
    start = threading.Barrier(THREADS)

    def count_one(store: SQLiteStore) -> None:
        start.wait()
        try:
            store.admit_request(1, now_us=1, limit=100, window_us=WINDOW_US)
        except Exception as error:
            errors.append(repr(error))

    threads = [threading.Thread(target=count_one, args=(stores[n % 2],)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in stores:
        store.close()
    return errors


def test_threads_and_stores_opening_a_new_rate_file_together_all_get_in(tmp_path: Path) -> None:
    errors: list[str] = []
    for round_number in range(ROUNDS):
        directory = tmp_path / str(round_number)
        directory.mkdir()
        errors += _open_together(directory)
    assert errors == []


def test_every_request_opened_together_is_counted(tmp_path: Path) -> None:
    _open_together(tmp_path)
    store = SQLiteStore(tmp_path / "contacts.db")
    try:
        state = store.admit_request(1, now_us=2, limit=100, window_us=WINDOW_US)
    finally:
        store.close()
    assert state.used == THREADS + 1
