"""Reads kept exact to the last commit: the answers of ``GET /v1/contact/{id}`` as ready bytes,
and the counts of contact listings (the console shows one on every contacts page; counting a
million contacts takes tens of milliseconds).

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

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

#: Past this many kept answers a cache drops its oldest (a contact's is about 600 bytes).
CACHE_LIMIT = 20_000
COUNT_CACHE_LIMIT = 1_000

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class KeptAnswer:
    body: bytes
    etag: str


class VersionedCache(Generic[K, V]):
    def __init__(self, data_version: Callable[[], bytes | None], limit: int) -> None:
        self._data_version = data_version
        self._limit = limit
        self._version: bytes | None = None
        self._answers: OrderedDict[K, V] = OrderedDict()

    def lookup(self, key: K) -> tuple[bytes | None, V | None]:
        """The data version now, and the answer kept for ``key`` if it is still exact."""
        version = self._data_version()
        if version != self._version:
            self._answers.clear()
            self._version = version
            return version, None
        return version, self._answers.get(key)

    def keep(self, version: bytes | None, key: K, answer: V) -> None:
        """Keep ``answer``, read at ``version`` or later (see the module's docstring)."""
        if version is None or version != self._version:
            return
        if len(self._answers) >= self._limit:
            self._answers.popitem(last=False)  # the oldest kept
        self._answers[key] = answer


#: Per (team, contact id).
ContactAnswerCache = VersionedCache[tuple[int, int], KeptAnswer]
