"""Helpers of the SDK tests: one test body for both clients.

An SDK test is an ``async`` test (anyio's pytest plugin, asyncio backend) that takes the
``flavour`` fixture ("sync" or "async") and writes ``await run(client.contacts.get(1))`` and
``await collect(client.contacts.list())``: with a ``Client`` the call has already answered,
with an ``AsyncClient`` it is awaited. So every test runs against both shells.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from checks import default_contact
from heymarket_contacts import AsyncClient, AsyncPager, Client, Pager, RetryPolicy
from support import RunningServer, TeamCredentials

FLAVOURS = ["sync", "async"]
BASE = "http://api.test"
CREDENTIALS = TeamCredentials(1, "sid", "not-a-real-key")

STAMP = "2026-01-01T00:00:00.000000Z"
CONTACT = default_contact(
    {"id": 5, "uuid": "u", "phone": "1555", "created": STAMP, "updated": STAMP},
    team_id=1, creator_id=1, display_name="A", first="A",
)  # fmt: skip
Handler = Callable[[httpx.Request], httpx.Response]
AnyClient = Client | AsyncClient


async def run(value: Any) -> Any:
    """The answer of a call made with either client."""
    return await value if inspect.isawaitable(value) else value


async def collect(pager: Pager[Any] | AsyncPager[Any]) -> list[Any]:
    if isinstance(pager, AsyncPager):
        return [item async for item in pager]
    return list(pager)


async def collect_pages(pager: Pager[Any] | AsyncPager[Any]) -> list[list[Any]]:
    if isinstance(pager, AsyncPager):
        return [page async for page in pager.pages()]
    return list(pager.pages())


class Sleeps:
    """Records what the client would have slept, and sleeps not at all."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def sync(self, seconds: float) -> None:
        self.delays.append(seconds)

    async def async_(self, seconds: float) -> None:
        self.delays.append(seconds)


@asynccontextmanager
async def open_client(
    flavour: str,
    *,
    base_url: str,
    team: TeamCredentials,
    transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
    sleeps: Sleeps | None = None,
    event_hooks: dict[str, list[Callable[..., Any]]] | None = None,
    **options: Any,
) -> AsyncIterator[AnyClient]:
    """A ``Client`` or an ``AsyncClient`` (by ``flavour``) for ``team``, closed after use."""
    common: dict[str, Any] = {
        "secret_id": team.secret_id,
        "secret_key": team.secret_key,
        "base_url": base_url,
        "environ": {},
        "retry_policy": options.pop("retry_policy", RetryPolicy(random=lambda: 1.0)),
        **options,
    }
    if flavour == "sync":
        http = httpx.Client(transport=transport, event_hooks=_sync_hooks(event_hooks))  # type: ignore[arg-type]
        if sleeps is not None:
            common["sleep"] = sleeps.sync
        with Client(http_client=http, **common) as client:
            yield client
        return
    http_async = httpx.AsyncClient(transport=transport, event_hooks=_async_hooks(event_hooks))  # type: ignore[arg-type]
    if sleeps is not None:
        common["sleep"] = sleeps.async_
    async with AsyncClient(http_client=http_async, **common) as async_client:
        yield async_client


def _sync_hooks(hooks: dict[str, list[Callable[..., Any]]] | None) -> dict[str, Any]:
    return hooks or {}


def _async_hooks(hooks: dict[str, list[Callable[..., Any]]] | None) -> dict[str, Any]:
    """The same hooks as coroutines, as httpx.AsyncClient wants them."""

    def wrap(hook: Callable[..., Any]) -> Callable[..., Any]:
        async def call(*args: Any) -> None:
            hook(*args)

        return call

    return {name: [wrap(hook) for hook in found] for name, found in (hooks or {}).items()}


def server_client(
    flavour: str, server: RunningServer, team: TeamCredentials, **options: Any
) -> Any:
    return open_client(flavour, base_url=server.base_url, team=team, **options)


def answers(*responses: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    """A handler giving these answers in turn (an exception is raised), and the requests seen."""
    seen: list[httpx.Request] = []
    queue: Iterator[httpx.Response | Exception] = iter(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = next(queue)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handler, seen
