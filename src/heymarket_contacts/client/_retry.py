"""When a failed attempt is worth another, and how long to wait first (pure)."""

from __future__ import annotations

import enum
import random
from collections.abc import Callable
from dataclasses import dataclass

import httpx

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "RetryMode",
    "RetryNotice",
    "RetryPolicy",
    "reached_server",
    "retryable",
    "retryable_error",
]

DEFAULT_MAX_RETRIES = 2
#: Statuses that say the server did not act on the request: safe to retry any call.
NOT_PROCESSED = frozenset({408, 429})
#: Statuses worth a retry, though the server may have acted on the request.
MAYBE_PROCESSED = frozenset({500, 502, 503, 504})


class RetryMode(enum.Enum):
    """How a call may be retried once its request may have reached the server."""

    #: Reads, and writes that give the same result twice (an update, a delete, a batch matched
    #: by phone, a create whose key is unique): retried after any retryable failure.
    SAFE = "safe"
    #: Creates with no unique key (a note): retried only when the server cannot have acted.
    UNSENT_ONLY = "unsent-only"


@dataclass(frozen=True, slots=True)
class RetryNotice:
    """A retry about to wait, as a client's ``on_retry`` hook is told of it."""

    #: The call: ``"POST /v1/batch/contacts"``.
    call: str
    #: Which retry this is (1 for the first).
    retry: int
    #: The seconds the client waits before it.
    delay: float
    #: The status that failed the attempt (429: rate limited); ``None`` after a transport error.
    status: int | None


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter; ``Retry-After`` wins when the server sends it.

    The n-th retry waits between half and all of ``min(max_delay, initial_delay * 2**(n-1))``
    seconds (``random`` picks where). A ``Retry-After`` longer than ``max_retry_after`` is not
    waited for: the error is raised at once.
    """

    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    random: Callable[[], float] = random.random

    def delay(self, retry_number: int, retry_after: float | None) -> float | None:
        """Seconds to wait before retry ``retry_number`` (1-based); ``None``: do not retry."""
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        ceiling = min(self.max_delay, self.initial_delay * 2.0 ** (retry_number - 1))
        return ceiling * (0.5 + self.random() / 2)


def retryable(status: int, mode: RetryMode) -> bool:
    """Whether an error status is worth another attempt of a call of this mode."""
    return status in NOT_PROCESSED or (status in MAYBE_PROCESSED and mode is RetryMode.SAFE)


def reached_server(error: Exception) -> bool:
    """Whether a failed request may have reached the server (connecting failures cannot)."""
    return not isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def retryable_error(error: Exception) -> bool:
    """Transport failures worth a retry; a malformed request or URL never is."""
    return not isinstance(error, httpx.UnsupportedProtocol | httpx.LocalProtocolError)
