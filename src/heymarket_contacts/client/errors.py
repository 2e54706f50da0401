"""The SDK's exceptions, one tree::

HeymarketError
├── APIConnectionError              the request did not get an answer
│   └── APITimeoutError
├── APIResponseValidationError      a success answer without the documented shape
└── APIStatusError                  the server answered with an error status
    ├── BadRequestError             400
    ├── AuthenticationError         401
    ├── PermissionDeniedError       403
    ├── NotFoundError               404
    ├── ConflictError               409 (``existing_id``, ``existing_uuid``: the clashing record)
    ├── PreconditionFailedError     412 (an ``if_match`` revision that is no longer current)
    ├── RateLimitError              429 (``retry_after`` in seconds)
    └── InternalServerError         5xx

A status with no class of its own (405, 413...) raises :class:`APIStatusError` itself.
"""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Mapping
from typing import Any

__all__ = [
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "HeymarketError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "RateLimitError",
    "error_for_status",
]


class HeymarketError(Exception):
    """Base of every error the SDK raises."""


class APIConnectionError(HeymarketError):
    """The request failed before an answer came back (connection refused, reset, DNS...).

    ``base_url`` is the server the client tried; the message names it too.
    """

    def __init__(self, message: str, *, base_url: str = "") -> None:
        super().__init__(message)
        self.base_url = base_url


class APITimeoutError(APIConnectionError):
    """No answer within the timeout."""


class APIResponseValidationError(HeymarketError):
    """The server answered a success status with a body the SDK's model does not accept."""

    def __init__(self, message: str, *, status: int, request_id: str, body: bytes) -> None:
        super().__init__(f"{message} (status {status}, request id {request_id or '-'})")
        self.status = status
        self.request_id = request_id
        self.body = body


class APIStatusError(HeymarketError):
    """The server answered with a status of 400 or more."""

    def __init__(
        self,
        *,
        status: int,
        code: str,
        message: str,
        request_id: str,
        body: Any,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message} (request id {request_id or '-'})")
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.body = body
        self.headers: Mapping[str, str] = headers if headers is not None else {}

    @property
    def field(self) -> str | None:
        """The offending field the server named, if any."""
        value = self.body.get("field") if isinstance(self.body, dict) else None
        return value if isinstance(value, str) else None


class BadRequestError(APIStatusError):
    pass


class AuthenticationError(APIStatusError):
    pass


class PermissionDeniedError(APIStatusError):
    pass


class NotFoundError(APIStatusError):
    pass


class ConflictError(APIStatusError):
    @property
    def existing_id(self) -> int | None:
        value = self.body.get("existing_id") if isinstance(self.body, dict) else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def existing_uuid(self) -> str | None:
        """The clashing contact's v2 id, which the v2 routes send beside ``existing_id``."""
        value = self.body.get("existing_uuid") if isinstance(self.body, dict) else None
        return value if isinstance(value, str) and value else None


class PreconditionFailedError(APIStatusError):
    pass


class RateLimitError(APIStatusError):
    @property
    def retry_after(self) -> float | None:
        """The seconds ``Retry-After`` asks to wait (a number or an HTTP date), if it says."""
        return parse_retry_after(self.headers.get("retry-after"))


class InternalServerError(APIStatusError):
    pass


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionFailedError,
    429: RateLimitError,
}


def error_for_status(
    status: int, body: Any, request_id: str, headers: Mapping[str, str] | None = None
) -> APIStatusError:
    """The exception for an error answer; the body is the contract's error body when it parses."""
    fields = body if isinstance(body, dict) else {}
    kind = _BY_STATUS.get(status, InternalServerError if status >= 500 else APIStatusError)
    return kind(
        status=status,
        code=str(fields.get("error", "")),
        message=str(fields.get("message", "")) or f"HTTP {status}",
        request_id=str(fields.get("request_id", "")) or request_id,
        body=body,
        headers=headers,
    )


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: whole or decimal seconds, or an HTTP date; ``None`` if bad."""
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if math.isnan(seconds):
        return None
    return max(0.0, seconds)
