"""pytest fixtures over :class:`heymarket_contacts.testing.LocalServer`.

Turn them on in your ``conftest.py``::

    pytest_plugins = ["heymarket_contacts.pytest_plugin"]

``heymarket_server`` is a fresh in-process server per test (its own database and team);
``heymarket_client`` is a ``Client`` of it, closed after the test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .client import Client
from .testing import LocalServer

__all__ = ["heymarket_client", "heymarket_server"]


@pytest.fixture
def heymarket_server() -> Iterator[LocalServer]:
    """A fresh in-process Heymarket server with one team (``heymarket_server.team``)."""
    with LocalServer() as server:
        yield server


@pytest.fixture
def heymarket_client(heymarket_server: LocalServer) -> Iterator[Client]:
    """A ``Client`` of ``heymarket_server`` as its first team."""
    with heymarket_server.client() as client:
        yield client
