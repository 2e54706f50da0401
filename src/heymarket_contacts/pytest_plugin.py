"""pytest fixtures over :class:`heymarket_contacts.testing.LocalServer`.

Turn them on in your ``conftest.py``::

    pytest_plugins = ["heymarket_contacts.pytest_plugin"]

One server runs for the whole session on a real loopback port (``heymarket_session_server``),
and each test starts on clean data: ``heymarket_server`` is that server after a reset (every
team's contacts, tags, fields and notes, the journal, the fault rules and the clock), for the
cost of a reset, not of a new server. Teams and secrets stay, so ``heymarket_server.team``
and its ``base_url`` are the same in every test.

- ``heymarket_server``: the reset server (``LocalServer``): ``fault()``, ``clock``,
  ``seed()``, ``assert_called()``...
- ``heymarket_client`` / ``heymarket_async_client``: a ``Client`` / ``AsyncClient`` of it
  as its first team, closed after the test.
- ``heymarket_journal``: the requests the test made so far (a callable: call it for the list,
  with the journal's filters).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from .client import AsyncClient, Client
from .emulator_models import JournalEntry
from .testing import LocalServer

__all__ = [
    "heymarket_async_client",
    "heymarket_client",
    "heymarket_journal",
    "heymarket_server",
    "heymarket_session_server",
]


@pytest.fixture(scope="session")
def heymarket_session_server() -> Iterator[LocalServer]:
    """One server for the session, on a free loopback port, rate limit off."""
    with LocalServer(port=0, rate_limit=0) as server:
        yield server


@pytest.fixture
def heymarket_server(heymarket_session_server: LocalServer) -> LocalServer:
    """The session's server, reset for this test."""
    heymarket_session_server.reset()
    return heymarket_session_server


@pytest.fixture
def heymarket_client(heymarket_server: LocalServer) -> Iterator[Client]:
    """A ``Client`` of ``heymarket_server`` as its first team."""
    with heymarket_server.client() as client:
        yield client


@pytest.fixture
async def heymarket_async_client(heymarket_server: LocalServer) -> AsyncIterator[AsyncClient]:
    """An ``AsyncClient`` of ``heymarket_server`` as its first team (an async test needs an
    async plugin, such as anyio's or pytest-asyncio)."""
    async with heymarket_server.async_client() as client:
        yield client


@pytest.fixture
def heymarket_journal(heymarket_server: LocalServer) -> Callable[..., list[JournalEntry]]:
    """``heymarket_journal(method=..., path=...)``: the journal since this test began."""

    def journal(**filters: Any) -> list[JournalEntry]:
        return heymarket_server.requests(**filters)

    return journal
