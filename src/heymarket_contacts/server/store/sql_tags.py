"""SQL for tags."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .records import TagDetailRecord
from .sql_base import SqlBase

_TAG_COLUMNS = "id, team_id, uuid, tag, color, rev, created_us, updated_us"


class TagSql(SqlBase):
    def known_tag_ids(self, team_id: int, tag_ids: Iterable[int]) -> set[int]:
        return self._known_ids("tags", team_id, tag_ids)

    def insert_tag(
        self, team_id: int, *, uuid: str, tag: str, color: str, stamp_us: int
    ) -> TagDetailRecord:
        row = self._one(
            f"INSERT INTO tags (team_id, uuid, tag, color, rev, created_us, updated_us)"
            f" VALUES (?, ?, ?, ?, 1, ?, ?) RETURNING {_TAG_COLUMNS}",
            (team_id, uuid, tag, color, stamp_us, stamp_us),
        )
        return _tag(row)

    def get_tag(self, team_id: int, tag_id: int) -> TagDetailRecord | None:
        row = self._one(
            f"SELECT {_TAG_COLUMNS} FROM tags WHERE team_id = ? AND id = ?", (team_id, tag_id)
        )
        return _tag(row) if row else None

    def list_tags(
        self, team_id: int, *, before_us: int | None, limit: int
    ) -> list[TagDetailRecord]:
        """Up to ``limit`` of the team's tags, newest ``updated`` first, strictly before
        ``before_us`` when it is given."""
        cursor = "" if before_us is None else " AND updated_us < ?"
        params = (team_id,) if before_us is None else (team_id, before_us)
        rows = self._all(
            f"SELECT {_TAG_COLUMNS} FROM tags WHERE team_id = ?{cursor}"
            " ORDER BY updated_us DESC, id DESC LIMIT ?",
            (*params, limit),
        )
        return [_tag(row) for row in rows]

    def tag_labels(self, team_id: int) -> dict[int, str]:
        """Every label of the team, by tag id."""
        rows = self._all("SELECT id, tag FROM tags WHERE team_id = ? ORDER BY id", (team_id,))
        return {int(row[0]): str(row[1]) for row in rows}

    def contacts_with_tag(self, team_id: int, tag_id: int) -> list[int]:
        rows = self._all(
            "SELECT ct.contact_id FROM contact_tags ct JOIN contacts c ON c.id = ct.contact_id"
            " WHERE c.team_id = ? AND ct.tag_id = ? ORDER BY ct.contact_id",
            (team_id, tag_id),
        )
        return [int(row[0]) for row in rows]

    def delete_tag(self, team_id: int, tag_id: int) -> bool:
        """Delete the tag and take it off every contact (their writes are the caller's)."""
        if self._one("SELECT id FROM tags WHERE team_id = ? AND id = ?", (team_id, tag_id)) is None:
            return False
        self._execute("DELETE FROM contact_tags WHERE tag_id = ?", (tag_id,))
        self._execute("DELETE FROM tags WHERE team_id = ? AND id = ?", (team_id, tag_id))
        return True


def _tag(row: Sequence[Any]) -> TagDetailRecord:
    return TagDetailRecord(
        id=row[0], team_id=row[1], uuid=row[2], tag=row[3], color=row[4], rev=row[5],
        created_us=row[6], updated_us=row[7],
    )  # fmt: skip
