"""SQL for custom contact fields."""

from __future__ import annotations

from collections.abc import Iterable

from .records import FieldRecord
from .sql_base import SqlBase


class FieldSql(SqlBase):
    def known_field_ids(self, team_id: int, field_ids: Iterable[int]) -> set[int]:
        return self._known_ids("contact_fields", team_id, field_ids)

    def insert_field(self, team_id: int, title: str, now_us: int) -> FieldRecord:
        row = self._one(
            "INSERT INTO contact_fields (team_id, title, created_us) VALUES (?, ?, ?) RETURNING id",
            (team_id, title, now_us),
        )
        return FieldRecord(id=int(row[0]), team_id=team_id, title=title, created_us=now_us)

    def list_fields(self, team_id: int) -> list[FieldRecord]:
        """The team's custom fields, oldest first."""
        rows = self._all(
            "SELECT id, team_id, title, created_us FROM contact_fields WHERE team_id = ?"
            " ORDER BY id",
            (team_id,),
        )
        return [FieldRecord(*row) for row in rows]
