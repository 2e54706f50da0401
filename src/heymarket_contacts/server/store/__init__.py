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


def open_store(location: DatabaseLocation) -> Store:
    """Open (without migrating) the store at ``location``."""
    if location.kind == "postgresql":
        from .postgres import PostgresStore  # noqa: PLC0415 (only PostgreSQL users need psycopg)

        return PostgresStore(location.url)
    from .sqlite import SQLiteStore  # noqa: PLC0415

    return SQLiteStore(location.path)
