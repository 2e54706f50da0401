"""Storage: one contract (:mod:`.base`), a SQLite and a PostgreSQL implementation."""

from __future__ import annotations

from .base import (
    Store,
    StoreError,
    StoreUnavailable,
    Transaction,
    Transactions,
    UniqueViolation,
)
from .location import DatabaseLocation, parse_database_url

__all__ = [
    "DatabaseLocation",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "Transaction",
    "Transactions",
    "UniqueViolation",
    "open_store",
    "parse_database_url",
]


def open_store(location: DatabaseLocation, *, connect_wait: float | None = None) -> Store:
    """Open (without migrating) the store at ``location``; a PostgreSQL server that does not
    answer yet is waited for ``connect_wait`` seconds (default: 10)."""
    if location.kind == "postgresql":
        from .postgres import PostgresStore  # noqa: PLC0415 (only PostgreSQL users need psycopg)

        if connect_wait is None:
            return PostgresStore(location.url)
        return PostgresStore(location.url, connect_wait=connect_wait)
    from .sqlite import SQLiteStore  # noqa: PLC0415

    return SQLiteStore(location.path)
