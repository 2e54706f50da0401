"""SQL for custom contact fields."""

from __future__ import annotations

from collections.abc import Iterable

from .sql_base import SqlBase


class FieldSql(SqlBase):
    def known_field_ids(self, team_id: int, field_ids: Iterable[int]) -> set[int]:
        return self._known_ids("contact_fields", team_id, field_ids)
