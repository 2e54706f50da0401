"""The server's error tree: each error carries the status and code of contract section 3.

The service raises these; the request pipeline (:mod:`.pipeline`) renders them into the
error body.
"""

from __future__ import annotations


class ApiError(Exception):
    status = 500
    code = "server_error"

    def __init__(
        self, message: str, *, field: str | None = None, existing_id: int | None = None,
        existing_uuid: str | None = None,
    ) -> None:  # fmt: skip
        super().__init__(message)
        self.message = message
        self.field = field
        self.existing_id = existing_id
        self.existing_uuid = existing_uuid

    @property
    def headers(self) -> dict[str, str]:
        return {}


class BadData(ApiError):
    status = 400
    code = "bad_data"


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer error="invalid_token"'}


class Denied(ApiError):
    status = 403
    code = "denied"


class NotFound(ApiError):
    status = 404
    code = "not_found"


class MethodNotAllowed(ApiError):
    status = 405
    code = "method_not_allowed"

    def __init__(self, message: str, *, allow: str) -> None:
        super().__init__(message)
        self.allow = allow

    @property
    def headers(self) -> dict[str, str]:
        return {"Allow": self.allow}


class Conflict(ApiError):
    status = 409
    code = "conflict"


class PreconditionFailed(ApiError):
    status = 412
    code = "precondition_failed"


class PayloadTooLarge(ApiError):
    status = 413
    code = "payload_too_large"

    @property
    def headers(self) -> dict[str, str]:
        # The unread rest of the body is still on the wire: the connection cannot be reused.
        return {"Connection": "close"}


class ServerError(ApiError):
    status = 500
    code = "server_error"


class Unavailable(ApiError):
    """A dependency (the database, Redis) is down; the answer says when to try again."""

    status = 503
    code = "unavailable"
    retry_after = 1

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}
