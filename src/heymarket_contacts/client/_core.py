"""The sans-I/O core both clients share: what to send, and what an answer or a failure means.

A resource method builds an :class:`ApiCall` (pure). The sync and async shells drive an
:class:`Exchange` through it: ask it for the next request, send it, and hand back the answer
or the transport error; the exchange answers with a :class:`Done` value, a :class:`Retry`
after a delay, or a :class:`Follow`-up call, or raises the error of the tree.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypedDict, TypeVar

import httpx
import msgspec

from ._answers import AnswerShapeError
from ._auth import TokenSource
from ._retry import (
    NOT_PROCESSED,
    RetryMode,
    RetryNotice,
    RetryPolicy,
    reached_server,
    retryable,
    retryable_error,
)
from .errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    error_for_status,
    parse_retry_after,
)

__all__ = ["ApiCall", "ClientContext", "Done", "Exchange", "Follow", "RequestOptions", "Retry"]

T = TypeVar("T")
log = logging.getLogger("heymarket_contacts.client")

Timeout = float | httpx.Timeout | None


class RequestOptions(TypedDict, total=False):
    """Per-call options every method takes as keywords."""

    #: Seconds (or an ``httpx.Timeout``) for this call; ``None``: no timeout.
    timeout: Timeout
    #: Retries for this call (0: one attempt only).
    max_retries: int


OPTION_NAMES = frozenset(RequestOptions.__optional_keys__)


def split_options(kwargs: Mapping[str, Any]) -> tuple[dict[str, Any], RequestOptions]:
    """Keyword arguments as (the call's own fields, the per-call options)."""
    fields = {name: value for name, value in kwargs.items() if name not in OPTION_NAMES}
    options: Any = {name: value for name, value in kwargs.items() if name in OPTION_NAMES}
    return fields, options


@dataclass(frozen=True, slots=True)
class Done(Generic[T]):
    value: T


@dataclass(frozen=True, slots=True)
class Retry:
    """Wait, then send the call again; ``notice`` says why and for how long."""

    notice: RetryNotice

    @property
    def delay(self) -> float:
        return self.notice.delay


@dataclass(frozen=True, slots=True)
class Follow(Generic[T]):
    """Answer the call with another call's answer (a lost create's record, fetched)."""

    call: ApiCall[T]


Recovery = Done[T] | Follow[T]


@dataclass(frozen=True, slots=True)
class ApiCall(Generic[T]):
    """One API operation, ready to send: method, path, body, and how to read the answer."""

    method: str
    path: str
    decode: Callable[[Any], T]
    body: Any = None
    params: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    retry: RetryMode = RetryMode.SAFE
    #: After an attempt that may have reached the server, an error status a retry met may
    #: mean that attempt succeeded: this gives the answer it would have had, or ``None``.
    recover: Callable[[APIStatusError], Recovery[T] | None] | None = None


@dataclass(frozen=True, slots=True)
class ClientContext:
    """What every call of one client shares."""

    base_url: str
    tokens: TokenSource
    user_agent: str
    policy: RetryPolicy


@dataclass(frozen=True, slots=True)
class OutgoingRequest:
    method: str
    url: str
    headers: dict[str, str]
    content: bytes | None
    params: Mapping[str, str]


class Exchange(Generic[T]):
    """The attempts of one call."""

    def __init__(self, call: ApiCall[T], context: ClientContext, *, max_retries: int) -> None:
        self.call = call
        self._context = context
        self._max_retries = max(0, max_retries)
        self._attempt = 0
        self._delivered = False  # an earlier attempt may have reached the server
        self._request_id = f"hm-{uuid.uuid4().hex}"
        self._content = None if call.body is None else msgspec.json.encode(call.body)

    def next_request(self) -> OutgoingRequest:
        self._attempt += 1
        headers = {
            "Authorization": f"Bearer {self._context.tokens.token()}",
            "Accept": "application/json",
            "User-Agent": self._context.user_agent,
            "X-Request-Id": self._request_id,
            **self.call.headers,
        }
        if self._content is not None:
            headers["Content-Type"] = "application/json"
        log.debug("%s (attempt %d, client request id %s)", self._name, self._attempt,
                  self._request_id)  # fmt: skip
        return OutgoingRequest(
            self.call.method, self._context.base_url + self.call.path, headers,
            self._content, self.call.params,
        )  # fmt: skip

    def answered(
        self, status: int, headers: Mapping[str, str], content: bytes
    ) -> Done[T] | Retry | Follow[T]:
        """What an answer means: the value, a retry, a follow-up call, or (raised) an error."""
        request_id = headers.get("x-request-id", "")
        log.debug("%s answered %d (request id %s)", self._name, status, request_id or "-")
        if status < 400:
            return Done(self._decode(status, content, request_id))
        error = error_for_status(status, _json_or_text(content), request_id, headers)
        if self._delivered and self.call.recover is not None:
            recovered = self.call.recover(error)
            if recovered is not None:
                log.info("%s: an earlier attempt's answer was lost and the retry met %d;"
                         " answering what that attempt did", self._name, status)  # fmt: skip
                return recovered
        if status not in NOT_PROCESSED:
            self._delivered = True
        if retryable(status, self.call.retry):
            retry = self._retry(parse_retry_after(headers.get("retry-after")), status)
            if retry is not None:
                return retry
        raise error

    def failed(self, error: Exception) -> Retry:
        """What a transport failure means: a retry, or (raised) a connection error."""
        sent = reached_server(error)
        self._delivered = self._delivered or sent
        allowed = self.call.retry is RetryMode.SAFE or not sent
        if allowed and retryable_error(error):
            retry = self._retry(None, None, type(error).__name__)
            if retry is not None:
                return retry
        kind = APITimeoutError if isinstance(error, httpx.TimeoutException) else APIConnectionError
        raise kind(self._failure(error), base_url=self._context.base_url) from error

    def _failure(self, error: Exception) -> str:
        """A transport failure's message: the server tried, what went wrong, the call."""
        base_url = self._context.base_url
        reason = str(error) or type(error).__name__
        attempts = f"{self._name} failed after {self._attempt} attempt(s)"
        if isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout)):
            return (
                f"cannot connect to {base_url}: {reason}; {attempts}"
                " (set base_url= or HEYMARKET_BASE_URL to call another server)"
            )
        return f"{attempts} at {base_url}: {reason}"

    @property
    def _name(self) -> str:
        return f"{self.call.method} {self.call.path}"

    def _retry(
        self, retry_after: float | None, status: int | None, reason: str = ""
    ) -> Retry | None:
        if self._attempt > self._max_retries:
            return None
        delay = self._context.policy.delay(self._attempt, retry_after)
        if delay is None:
            return None
        log.info("%s: %s; retry %d of %d in %.2f s", self._name, reason or f"status {status}",
                 self._attempt, self._max_retries, delay)  # fmt: skip
        return Retry(RetryNotice(self._name, self._attempt, delay, status))

    def _decode(self, status: int, content: bytes, request_id: str) -> T:
        try:
            return self.call.decode(msgspec.json.decode(content) if content else None)
        except (msgspec.DecodeError, AnswerShapeError) as error:
            raise APIResponseValidationError(
                f"{self._name}: {error}", status=status, request_id=request_id, body=content
            ) from None


def _json_or_text(content: bytes) -> Any:
    try:
        return msgspec.json.decode(content)
    except msgspec.DecodeError:
        return content.decode("utf-8", errors="replace")
