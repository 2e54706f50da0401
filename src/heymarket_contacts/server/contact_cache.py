"""The answers of ``GET /v1/contact/{id}`` kept as ready bytes, exact to the last commit.

Each answer is kept with the store's data version read *before* the row was read, and every
kept answer is dropped as soon as the version differs: any commit on the database, by this
process's writer, another worker process, the admin CLI or any other program, changes it
(SQLite's ``PRAGMA data_version`` on the reading connection). An answer kept under version
``v`` was read at ``v`` or later, so it is never older than what a read at ``v`` would give.
Only a store that reads on the event loop and has a data version (SQLite) gets a cache: with
reads on worker threads a version and the read after it could belong to different
connections, and PostgreSQL has no such counter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

#: Past this many kept answers the cache starts again empty (about 600 bytes each).
CACHE_LIMIT = 50_000


@dataclass(frozen=True, slots=True)
class KeptAnswer:
    body: bytes
    etag: str


class ContactAnswerCache:
    def __init__(self, data_version: Callable[[], bytes | None]) -> None:
        self._data_version = data_version
        self._version: bytes | None = None
        self._answers: dict[tuple[int, int], KeptAnswer] = {}

    def lookup(self, team_id: int, contact_id: int) -> tuple[bytes | None, KeptAnswer | None]:
        """The data version now, and the answer kept for the contact if it is still exact."""
        version = self._data_version()
        if version != self._version:
            self._answers.clear()
            self._version = version
            return version, None
        return version, self._answers.get((team_id, contact_id))

    def keep(
        self, version: bytes | None, team_id: int, contact_id: int, answer: KeptAnswer
    ) -> None:
        """Keep ``answer``, read at ``version`` or later (see the module's docstring)."""
        if version is None or version != self._version:
            return
        if len(self._answers) >= CACHE_LIMIT:
            self._answers.clear()
        self._answers[(team_id, contact_id)] = answer
