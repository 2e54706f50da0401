"""Reaching the PostgreSQL server at start: errors that waiting will not heal fail at once.

A wrong password, a role or database that does not exist, or a malformed URL stay wrong however
long one waits: they fail on the first attempt, with the server's own message. A server that
refuses connections, or is starting up or shutting down, may be back in a moment: it is tried
again every second for ``wait`` seconds (``HEYMARKET_DATABASE_WAIT``), each attempt logged with
the seconds left.
"""

from __future__ import annotations

import logging
import math
import time

import psycopg

from .base import StoreUnavailable

log = logging.getLogger("heymarket_contacts.store")

#: How long ``serve`` (and each worker) waits for a PostgreSQL server that does not answer yet.
CONNECT_WAIT_SECONDS = 10.0
#: The longest one attempt to connect may take.
ATTEMPT_TIMEOUT_SECONDS = 2

#: Parts of libpq's messages for failures that do not heal by waiting.
_PERMANENT = (
    "authentication failed",
    "does not exist",
    "no pg_hba.conf entry",
    "no password supplied",
    "password is required",
    "is not permitted to log in",
    "permission denied",
    "invalid",
    "unsupported",
)


def wait_for_server(url: str, description: str, wait: float) -> None:
    """Return once a connection to ``url`` succeeds; raise :class:`StoreUnavailable` at the
    first permanent failure, or when ``wait`` seconds have passed. Each wait is logged as a
    warning whose record carries ``seconds_left``, for a command to show as a countdown."""
    deadline = time.monotonic() + wait
    while True:
        timeout = max(1, min(ATTEMPT_TIMEOUT_SECONDS, math.ceil(deadline - time.monotonic())))
        try:
            psycopg.connect(url, connect_timeout=timeout).close()
            return
        except psycopg.Error as error:
            if not heals(error):
                raise StoreUnavailable(
                    f"cannot use {description}: {one_line(error, url)}"
                ) from None
            reason = short_reason(error, url)
        left = deadline - time.monotonic()
        if left <= 0:
            raise StoreUnavailable(
                f"cannot reach {description} after {wait:g} s: {reason}"
            ) from None
        seconds = math.ceil(left)
        log.warning(
            "%s not answering (%s); trying again, %d s left", description, reason, seconds,
            extra={"seconds_left": seconds},
        )  # fmt: skip
        time.sleep(min(1.0, left))


def heals(error: psycopg.Error) -> bool:
    """Whether waiting may cure ``error`` (the server is down or busy, not misconfigured)."""
    if not isinstance(error, psycopg.OperationalError):
        return False  # a malformed URL or option
    message = str(error).lower()
    return not any(part in message for part in _PERMANENT)


def short_reason(error: BaseException, url: str) -> str:
    """What went wrong, without libpq's framing: ``connection refused`` of ``connection to
    server at "h", port 5432 failed: Connection refused / Is the server running ...``."""
    text = one_line(error, url).rsplit(" failed: ", 1)[-1]
    text = text.split(" Is the server running", 1)[0].removeprefix("FATAL: ").strip()
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def one_line(error: BaseException, url: str | None = None) -> str:
    """``error``'s message on one line, the URL (which may hold a password) left out."""
    text = str(error)
    if url:
        text = text.replace(url, "<the database URL>")
    text = text.removeprefix("connection failed: ")
    return " ".join(text.split()) or type(error).__name__
