"""Time as the service sees it: injectable, in integer microseconds since the Unix epoch."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], int]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def system_clock() -> int:
    return time.time_ns() // 1000


def rfc3339(microseconds: int) -> str:
    """``2026-11-26T02:47:53.123456Z`` for a stamp, exactly (no floating point)."""
    moment = _EPOCH + timedelta(microseconds=microseconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
