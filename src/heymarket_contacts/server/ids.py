"""Ids of stored records: time-ordered UUIDs (version 7, RFC 9562).

A contact's ``uuid``, a channel's ``id``, a tag's ``uuid`` and a note's ``id`` are unique keys
of large indexes. Random (version 4) keys land anywhere in those B-trees, so an import of 1,000
contacts dirties a page per key and writes each to the log; time-ordered keys land at the
index's end. The text form is the usual 8-4-4-4-12 lower-case hex.
"""

from __future__ import annotations

import os
import threading
import time

_RANDOM_BITS = (1 << 62) - 1
_COUNTER_MAX = 0xFFF


class TimeOrderedIds:
    """UUIDv7 text: 48 bits of Unix milliseconds, a 12-bit counter within the millisecond
    (starting at a random value below 2,048; past 4,095 the millisecond field moves on), and
    62 random bits. Ids made by one generator are strictly increasing, also across threads."""

    _BATCH = 256

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._millisecond = 0
        self._counter = 0
        self._random = b""
        self._next = 0

    def __call__(self) -> str:
        with self._lock:
            millisecond, counter = self._tick()
            tail = self._random_tail()
        value = (
            millisecond << 80 | 0x7 << 76 | counter << 64 | 0b10 << 62 | tail
        )  # fmt: skip
        text = f"{value:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

    def _tick(self) -> tuple[int, int]:
        now = time.time_ns() // 1_000_000
        if now > self._millisecond:
            self._millisecond = now
            self._counter = self._random_tail() & 0x7FF
        elif self._counter < _COUNTER_MAX:
            self._counter += 1
        else:
            self._millisecond += 1
            self._counter = 0
        return self._millisecond, self._counter

    def _random_tail(self) -> int:
        start = self._next
        if start >= len(self._random):
            self._random = os.urandom(8 * self._BATCH)
            start = 0
        self._next = start + 8
        return int.from_bytes(self._random[start : start + 8], "big") & _RANDOM_BITS


#: The ids of the process's records: one generator, so ids made by any service increase.
new_uuid = TimeOrderedIds()
