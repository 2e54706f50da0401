"""Where the data lives: a SQLite file path or a PostgreSQL URL, as the user wrote it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

DEFAULT_DATABASE = "./heymarket-contacts.db"


@dataclass(frozen=True, slots=True)
class DatabaseLocation:
    kind: Literal["sqlite", "postgresql"]
    url: str
    path: Path


def parse_database_url(value: str) -> DatabaseLocation:
    """Read ``--database``: a file path, ``sqlite:///path`` or a ``postgresql://`` URL."""
    text = value.strip()
    if not text:
        raise ValueError("the database must be a SQLite file path or a postgresql:// URL")
    if text.startswith(("postgresql://", "postgres://")):
        return DatabaseLocation("postgresql", text, Path())
    if text.startswith("sqlite://"):
        rest = text.removeprefix("sqlite://")
        if not rest.startswith("/") or rest == "/":
            raise ValueError(f"{value!r}: write sqlite:///relative.db or sqlite:////absolute.db")
        text = rest[1:]
    elif "://" in text:
        scheme = text.split("://", 1)[0]
        raise ValueError(f"unsupported database scheme {scheme!r}: use a path or postgresql://")
    if text == ":memory:":
        raise ValueError("an in-memory SQLite database cannot be shared: give a file path")
    return DatabaseLocation("sqlite", f"sqlite:///{text}", Path(text))
