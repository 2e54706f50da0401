"""SQL for contact notes."""

from __future__ import annotations

from .sql_base import SqlBase


class NoteSql(SqlBase):
    """Notes are read with their contact (see ``Dialect.notes_json``); here they are written."""
