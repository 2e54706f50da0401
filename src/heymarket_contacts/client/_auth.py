"""The bearer token: the documented JWT, minted from the API secret and reused a while."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from ..tokens import mint_token

__all__ = ["TOKEN_REUSE_SECONDS", "TokenSource"]

#: A token lives five minutes; the client uses each for at most four, so that a token never
#: reaches the server near its end of life, even with a minute of clock skew.
TOKEN_REUSE_SECONDS = 240


class TokenSource:
    """Hands out the current token, minting a new one once the old is four minutes old."""

    def __init__(
        self, secret_id: str, secret_key: str, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._secret_id = secret_id
        self._secret_key = secret_key
        self._clock = clock
        self._token = ""
        self._issued_at = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TokenSource(secret_id={self._secret_id!r})"

    def token(self) -> str:
        now = int(self._clock())
        with self._lock:
            if not self._token or not 0 <= now - self._issued_at < TOKEN_REUSE_SECONDS:
                self._token = mint_token(self._secret_id, self._secret_key, issued_at=now)
                self._issued_at = now
            return self._token
