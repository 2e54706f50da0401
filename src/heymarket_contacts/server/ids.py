"""Ids: time-ordered UUIDs (version 7, RFC 9562) for stored records, random ones (version 4)
for requests.

A contact's ``uuid``, a channel's ``id``, a tag's ``uuid`` and a note's ``id`` are unique keys
of large indexes. Random (version 4) keys land anywhere in those B-trees, so an import of 1,000
contacts dirties a page per key and writes each to the log; time-ordered keys land at the
index's end. The text form is the usual 8-4-4-4-12 lower-case hex.
"""

from __future__ import annotations

import os
import threading
import time

_COUNTER_MAX = 0xFFF
#: The hex digit of a UUID's variant field (``10xx``) for each random one.
VARIANT_DIGIT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


class TimeOrderedIds:
    """UUIDv7 text: 48 bits of Unix milliseconds, a 12-bit counter within the millisecond
    (starting at a random value below 2,048; past 4,095 the millisecond field moves on), and
    62 random bits. Ids made by one generator are strictly increasing, also across threads.
    The random digits of 256 ids are read from the OS at once."""

    _BATCH = 256

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._millisecond = 0
        self._counter = 0
        self._digits = ""
        self._next = 0

    def __call__(self) -> str:
        with self._lock:
            millisecond, counter = self._tick()
            r = self._random_digits()
        t = f"{millisecond:012x}"
        return f"{t[:8]}-{t[8:]}-7{counter:03x}-{VARIANT_DIGIT[r[0]]}{r[1:4]}-{r[4:]}"

    def _tick(self) -> tuple[int, int]:
        now = time.time_ns() // 1_000_000
        if now > self._millisecond:
            self._millisecond = now
            self._counter = int(self._random_digits()[:3], 16) & 0x7FF
        elif self._counter < _COUNTER_MAX:
            self._counter += 1
        else:
            self._millisecond += 1
            self._counter = 0
        return self._millisecond, self._counter

    def _random_digits(self) -> str:
        """16 random hex digits (the variant's 2 bits and 60 more are used)."""
        start = self._next
        if start >= len(self._digits):
            self._digits = os.urandom(8 * self._BATCH).hex()
            start = 0
        self._next = start + 16
        return self._digits[start : start + 16]


class RequestIds:
    """Random UUIDs (version 4) as text, like ``str(uuid.uuid4())``, for a third of the cost:
    the random bytes of 256 ids are read from the OS at once, not 16 per request."""

    _BATCH = 256

    def __init__(self) -> None:
        self._digits = ""
        self._next = 0

    def __call__(self) -> str:
        start = self._next
        if start >= len(self._digits):
            self._digits = os.urandom(16 * self._BATCH).hex()
            start = 0
        self._next = start + 32
        d = self._digits[start : start + 32]
        return f"{d[:8]}-{d[8:12]}-4{d[13:16]}-{VARIANT_DIGIT[d[16]]}{d[17:20]}-{d[20:]}"


#: The ids of the process's records: one generator, so ids made by any service increase.
new_uuid = TimeOrderedIds()
