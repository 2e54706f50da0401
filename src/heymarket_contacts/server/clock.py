"""Time as the service sees it: injectable, in integer microseconds since the Unix epoch."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache

Clock = Callable[[], int]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)


def system_clock() -> int:
    return time.time_ns() // 1000


def rfc3339(microseconds: int) -> str:
    """``2026-11-26T02:47:53.123456Z`` for a stamp, exactly (no floating point). The date and
    time of a second are made once: a contact read takes two, a page of a listing a thousand."""
    seconds, fraction = divmod(microseconds, 1_000_000)
    return f"{_second_text(seconds)}.{fraction:06d}Z"


@lru_cache(maxsize=4096)
def _second_text(seconds: int) -> str:
    return (_NAIVE_EPOCH + timedelta(seconds=seconds)).isoformat()


_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})")


def parse_rfc3339(text: str) -> int:
    """Microseconds since the epoch of an RFC 3339 time (``Z`` or an offset, in either case;
    any fraction up to nanoseconds, digits past the sixth dropped). ``ValueError`` otherwise."""
    if not _RFC3339.fullmatch(text):
        raise ValueError(f"{text[:64]!r} is not an RFC 3339 time such as 2026-11-26T02:47:53Z")
    try:
        moment = datetime.fromisoformat(text.upper())
    except ValueError:
        raise ValueError(f"{text!r} is not a valid time") from None
    return (moment - _EPOCH) // timedelta(microseconds=1)
