"""The SDK client."""

from __future__ import annotations

from ._client import DEFAULT_BASE_URL, Client

__all__ = ["DEFAULT_BASE_URL", "Client"]
