"""The per-team rate limit (contract section 3): a rolling window shared by every process.

At most ``limit`` requests of a team are admitted in any 60 s; refused requests do not count.
The window lives in Redis when ``HEYMARKET_REDIS_URL`` is set (through the ``limits``
library's moving window), else in the database, so that workers, processes and hosts on one
database share one budget. While Redis is down the window is the database's: requests are still
counted and limited, and Redis is used again as soon as it answers (see ``docs/decisions.md``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from .availability import Availability
from .clock import Clock
from .errors import ApiError
from .store import Store

WINDOW_SECONDS = 60
_WINDOW_US = WINDOW_SECONDS * 1_000_000
#: The longest a Redis command or connection attempt may take before Redis counts as down.
REDIS_TIMEOUT_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class RateDecision:
    admitted: bool
    limit: int
    remaining: int
    #: Whole seconds until the oldest counted request leaves the window.
    reset_seconds: int

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_seconds),
        }


class RateLimited(ApiError):
    status = 429
    code = "rate_limited"

    def __init__(self, decision: RateDecision) -> None:
        super().__init__(
            f"over the limit of {decision.limit} requests a minute; retry in"
            f" {decision.reset_seconds} s"
        )
        self.decision = decision

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.decision.reset_seconds), **self.decision.headers()}


class RateLimiter(Protocol):
    #: Whether ``check`` is quick enough to run on the event loop.
    inline: bool

    def check(self, team_id: int) -> RateDecision: ...


class DatabaseRateLimiter:
    def __init__(self, store: Store, limit: int, clock: Clock) -> None:
        self.inline = store.inline_reads
        self._store = store
        self._limit = limit
        self._clock = clock

    def check(self, team_id: int) -> RateDecision:
        now = self._clock()
        state = self._store.admit_request(
            team_id, now_us=now, limit=self._limit, window_us=_WINDOW_US
        )
        reset = max(1, math.ceil((state.oldest_us + _WINDOW_US - now) / 1_000_000))
        remaining = max(0, self._limit - state.used)
        return RateDecision(state.admitted, self._limit, remaining, reset)


class RedisRateLimiter:
    """The window in Redis; while Redis is down, ``fallback``'s (the database's)."""

    inline = False

    def __init__(self, url: str, limit: int, clock: Clock, fallback: RateLimiter) -> None:
        self._item = RateLimitItemPerMinute(limit)
        self._storage = storage_from_string(
            url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
        )
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._limit = limit
        self._clock = clock
        self._fallback = fallback
        self._redis = Availability(f"Redis at {_redis_location(url)}", self._probe)

    def check(self, team_id: int) -> RateDecision:
        if self._redis.down:
            return self._fallback.check(team_id)
        try:
            return self._check_in_redis(team_id)
        except self._storage.base_exceptions as error:
            reason = " ".join(str(error).split()) or type(error).__name__
            self._redis.failed(f"{reason}; the rate limit counts in the database meanwhile")
            return self._fallback.check(team_id)

    def _check_in_redis(self, team_id: int) -> RateDecision:
        key = ("heymarket-contacts", str(team_id))
        admitted = self._limiter.hit(self._item, *key)
        stats = self._limiter.get_window_stats(self._item, *key)
        reset = max(1, math.ceil(stats.reset_time - self._clock() / 1_000_000))
        return RateDecision(admitted, self._limit, stats.remaining, reset)

    def _probe(self) -> None:
        if not self._storage.check():
            raise ConnectionError("Redis does not answer PING")


def _redis_location(url: str) -> str:
    """Where Redis is, without the URL's password."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return parts.path
    return f"{parts.hostname}:{parts.port or 6379}"


def build_rate_limiter(
    *, limit: int, redis_url: str | None, store: Store, clock: Clock
) -> RateLimiter | None:
    """The limiter the settings ask for; ``None`` when limiting is off (``limit`` 0)."""
    if limit == 0:
        return None
    in_database = DatabaseRateLimiter(store, limit, clock)
    if redis_url:
        return RedisRateLimiter(redis_url, limit, clock, in_database)
    return in_database
