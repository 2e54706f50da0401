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

_COUNTER_BITS = 12
#: The hex digit of a UUID's variant field (``10xx``) for each random one.
VARIANT_DIGIT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


class TimeOrderedIds:
    """UUIDv7 text: 48 bits of Unix milliseconds, a 12-bit counter within the millisecond
    (starting at a random value below 2,048; past 4,095 the millisecond field moves on), and
    62 random bits. Ids made by one generator are strictly increasing, also across threads.
    The random digits of 256 ids (or of all those :meth:`many` makes) are read from the OS at
    once.

    The millisecond and the counter are kept as one number, ``millisecond << 12 | counter``
    (the tick): the next id's tick is the last one's plus 1, which moves the millisecond on
    past a full counter."""

    _BATCH = 256

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tick = 0
        self._digits = ""
        self._next = 0

    def __call__(self) -> str:
        with self._lock:
            tick = self._next_ticks(1)
            r = self._random_digits(1)
        return _text(tick, r)

    def many(self, count: int) -> list[str]:
        """``count`` ids, as ``count`` calls would make them, for a fraction of the cost: one
        lock, one clock reading and one read of random digits for all of them."""
        with self._lock:
            first = self._next_ticks(count)
            r = self._random_digits(count)
        return [_text(first + n, r[16 * n : 16 * n + 16]) for n in range(count)]

    def _next_ticks(self, count: int) -> int:
        """The first of ``count`` new ticks, which follow each other."""
        now = time.time_ns() // 1_000_000
        if now > self._tick >> _COUNTER_BITS:
            first = now << _COUNTER_BITS | int(self._random_digits(1)[:3], 16) & 0x7FF
        else:
            first = self._tick + 1
        self._tick = first + count - 1
        return first

    def _random_digits(self, count: int) -> str:
        """16 random hex digits for each of ``count`` ids."""
        start, stop = self._next, self._next + 16 * count
        if stop > len(self._digits):
            self._digits = os.urandom(8 * max(count, self._BATCH)).hex()
            start, stop = 0, 16 * count
        self._next = stop
        return self._digits[start:stop]


def _text(tick: int, r: str) -> str:
    """The id of a tick, with ``r`` its 16 random hex digits (the variant's 2 bits and 60 more
    are used)."""
    t = f"{tick:015x}"
    return f"{t[:8]}-{t[8:12]}-7{t[12:]}-{VARIANT_DIGIT[r[0]]}{r[1:4]}-{r[4:]}"


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
