"""SQL for tags."""

from __future__ import annotations

from collections.abc import Iterable

from .sql_base import SqlBase


class TagSql(SqlBase):
    def known_tag_ids(self, team_id: int, tag_ids: Iterable[int]) -> set[int]:
        return self._known_ids("tags", team_id, tag_ids)
