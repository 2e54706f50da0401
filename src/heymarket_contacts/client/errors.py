"""The SDK's exceptions, one tree::

HeymarketError
├── APIConnectionError          the request did not get an answer
│   └── APITimeoutError
└── APIStatusError              the server answered with an error status
    ├── BadRequestError         400
    ├── AuthenticationError     401
    ├── PermissionDeniedError   403
    ├── NotFoundError           404
    ├── ConflictError           409 (``existing_id`` names the clashing record)
    ├── RateLimitError          429
    └── InternalServerError     5xx
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "HeymarketError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "error_for_status",
]


class HeymarketError(Exception):
    """Base of every error the SDK raises."""


class APIConnectionError(HeymarketError):
    """The request failed before an answer came back (connection refused, reset, DNS...)."""


class APITimeoutError(APIConnectionError):
    """No answer within the timeout."""


class APIStatusError(HeymarketError):
    """The server answered with a status of 400 or more."""

    def __init__(self, *, status: int, code: str, message: str, request_id: str, body: Any) -> None:
        super().__init__(f"{status} {code}: {message} (request id {request_id or '-'})")
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.body = body

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
        return value if isinstance(value, int) else None


class RateLimitError(APIStatusError):
    pass


class InternalServerError(APIStatusError):
    pass


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def error_for_status(status: int, body: Any, request_id: str) -> APIStatusError:
    """The exception for an error answer; the body is the contract's error body when it parses."""
    fields = body if isinstance(body, dict) else {}
    kind = _BY_STATUS.get(status, InternalServerError if status >= 500 else APIStatusError)
    return kind(
        status=status,
        code=str(fields.get("error", "")),
        message=str(fields.get("message", "")) or f"HTTP {status}",
        request_id=str(fields.get("request_id", "")) or request_id,
        body=body,
    )
