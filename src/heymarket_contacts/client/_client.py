"""``Client`` and ``AsyncClient``: the send path over httpx, once per I/O style.

Everything else (requests, answers, errors, retries, paging) is in the sans-I/O core; the two
classes below only send, sleep and loop, and carry the same resources with the same names.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from importlib import metadata
from typing import TypeVar

import anyio
import httpx

from ._auth import TokenSource
from ._core import (
    ApiCall,
    ClientContext,
    Done,
    Exchange,
    Follow,
    OutgoingRequest,
    RequestOptions,
    Retry,
)
from ._retry import DEFAULT_MAX_RETRIES, RetryNotice, RetryPolicy
from ._settings import DEFAULT_BASE_URL, configure_logging, load_client_settings
from ._tls import default_ssl_context
from .resources import (
    V2,
    AsyncContacts,
    AsyncCustomFields,
    AsyncInboxes,
    AsyncNotes,
    AsyncTags,
    AsyncTeamResource,
    AsyncUsers,
    AsyncV2,
    Contacts,
    CustomFields,
    Inboxes,
    Notes,
    Tags,
    TeamResource,
    Users,
)

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_TIMEOUT", "AsyncClient", "Client"]

T = TypeVar("T")
RetryHook = Callable[[RetryNotice], None]
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
_TRANSPORT_ERRORS = (httpx.TransportError, httpx.DecodingError)


class _BaseClient:
    def __init__(
        self,
        *,
        secret_id: str | None,
        secret_key: str | None,
        base_url: str | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int,
        retry_policy: RetryPolicy | None,
        on_retry: RetryHook | None,
        environ: Mapping[str, str] | None,
    ) -> None:
        settings = load_client_settings(
            secret_id=secret_id, secret_key=secret_key, base_url=base_url, environ=environ
        )
        configure_logging(settings.log)
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        self.base_url = settings.base_url
        self.timeout = timeout
        self.max_retries = max_retries
        self._on_retry = on_retry
        self._tokens = TokenSource(settings.secret_id, settings.secret_key)
        self._context = ClientContext(
            base_url=settings.base_url,
            tokens=self._tokens,
            user_agent=f"heymarket-contacts-python/{_version()}",
            policy=retry_policy or RetryPolicy(),
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def _exchange(self, call: ApiCall[T], options: RequestOptions) -> Exchange[T]:
        return Exchange(
            call, self._context, max_retries=options.get("max_retries", self.max_retries)
        )

    def _waiting(self, retry: Retry) -> float:
        """Tell the ``on_retry`` hook of a wait; the seconds to wait."""
        if self._on_retry is not None:
            self._on_retry(retry.notice)
        return retry.delay

    def _build(
        self, http: httpx.Client | httpx.AsyncClient, out: OutgoingRequest, options: RequestOptions
    ) -> httpx.Request:
        return http.build_request(
            out.method, out.url, content=out.content, headers=out.headers, params=out.params,
            timeout=options.get("timeout", self.timeout),
        )  # fmt: skip


class Client(_BaseClient):
    """A client of the Heymarket Contacts API (the real one by default, or a server of ours).

    Credentials and base URL come from the arguments or from ``HEYMARKET_SECRET_ID``,
    ``HEYMARKET_SECRET_KEY`` and ``HEYMARKET_BASE_URL``. ``timeout`` and ``max_retries`` apply
    to every call unless the call passes its own. ``http_client`` and ``sleep`` are seams: your
    own ``httpx.Client`` (proxies, a mock transport) and what waits between retries.
    ``on_retry`` is told of each retry (a :class:`RetryNotice`) before its wait.
    """

    def __init__(
        self,
        *,
        secret_id: str | None = None,
        secret_key: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        retry_policy: RetryPolicy | None = None,
        on_retry: RetryHook | None = None,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(
            secret_id=secret_id, secret_key=secret_key, base_url=base_url, timeout=timeout,
            max_retries=max_retries, retry_policy=retry_policy, on_retry=on_retry,
            environ=environ,
        )  # fmt: skip
        self._http = http_client or httpx.Client(verify=default_ssl_context())
        self._sleep = sleep
        self.contacts = Contacts(self)
        self.notes = Notes(self)
        self.tags = Tags(self)
        self.contact_fields = CustomFields(self)
        self.team = TeamResource(self)
        self.inboxes = Inboxes(self)
        self.users = Users(self)
        self.v2 = V2(self)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _send(self, call: ApiCall[T], options: RequestOptions) -> T:
        exchange = self._exchange(call, options)
        while True:
            request = self._build(self._http, exchange.next_request(), options)
            try:
                response = self._http.send(request)
            except _TRANSPORT_ERRORS as error:
                step: Done[T] | Retry | Follow[T] = exchange.failed(error)
            else:
                step = exchange.answered(response.status_code, response.headers, response.content)
            if isinstance(step, Done):
                return step.value
            if isinstance(step, Follow):
                return self._send(step.call, options)
            self._sleep(self._waiting(step))


class AsyncClient(_BaseClient):
    """The same client for ``async`` code: the same resources and methods, awaited.

    ``on_retry`` is a plain function here too, called before each retry's wait.
    """

    def __init__(
        self,
        *,
        secret_id: str | None = None,
        secret_key: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        retry_policy: RetryPolicy | None = None,
        on_retry: RetryHook | None = None,
        http_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(
            secret_id=secret_id, secret_key=secret_key, base_url=base_url, timeout=timeout,
            max_retries=max_retries, retry_policy=retry_policy, on_retry=on_retry,
            environ=environ,
        )  # fmt: skip
        self._http = http_client or httpx.AsyncClient(verify=default_ssl_context())
        self._sleep = sleep
        self.contacts = AsyncContacts(self)
        self.notes = AsyncNotes(self)
        self.tags = AsyncTags(self)
        self.contact_fields = AsyncCustomFields(self)
        self.team = AsyncTeamResource(self)
        self.inboxes = AsyncInboxes(self)
        self.users = AsyncUsers(self)
        self.v2 = AsyncV2(self)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _send(self, call: ApiCall[T], options: RequestOptions) -> T:
        exchange = self._exchange(call, options)
        while True:
            request = self._build(self._http, exchange.next_request(), options)
            try:
                response = await self._http.send(request)
            except _TRANSPORT_ERRORS as error:
                step: Done[T] | Retry | Follow[T] = exchange.failed(error)
            else:
                step = exchange.answered(response.status_code, response.headers, response.content)
            if isinstance(step, Done):
                return step.value
            if isinstance(step, Follow):
                return await self._send(step.call, options)
            await self._sleep(self._waiting(step))


def _version() -> str:
    try:
        return metadata.version("heymarket-contacts")
    except metadata.PackageNotFoundError:
        return "0"
