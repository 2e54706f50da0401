"""The SDK: ``Client`` and ``AsyncClient`` over httpx, on a sans-I/O core they share."""

from __future__ import annotations

from ._answers import to_dict, unknown_fields
from ._client import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, AsyncClient, Client
from ._core import RequestOptions
from ._paging import AsyncPager, Pager
from ._retry import DEFAULT_MAX_RETRIES, RetryNotice, RetryPolicy
from .resources import ContactWriteArgs

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "AsyncClient",
    "AsyncPager",
    "Client",
    "ContactWriteArgs",
    "Pager",
    "RequestOptions",
    "RetryNotice",
    "RetryPolicy",
    "to_dict",
    "unknown_fields",
]
