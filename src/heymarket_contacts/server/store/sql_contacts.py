"""SQL for contacts (their tags and notes are read with them)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .records import ContactFields, ContactRecord, NoteRecord, TagRecord
from .sql_base import SqlBase

_CONTACT_FIELD_COLUMNS = (
    "phone", "first", "last", "display_name", "email", "avatar", "external_id",
    "external_ref", "inbox_id", "assigned_user_id", "custom", "is_opted_out", "is_blocked",
)  # fmt: skip
_CONTACT_COLUMNS = (
    "id, uuid, team_id, creator_id, parent_id, " + ", ".join(_CONTACT_FIELD_COLUMNS)
    + ", op, rev, created_us, updated_us"
)  # fmt: skip


class ContactSql(SqlBase):
    # contacts --------------------------------------------------------------------------

    def insert_contact(
        self, team_id: int, *, uuid: str, creator_id: int, fields: ContactFields,
        tag_ids: list[int], stamp_us: int,
    ) -> int:  # fmt: skip
        columns = ", ".join(_CONTACT_FIELD_COLUMNS)
        marks = ", ".join("?" * (len(_CONTACT_FIELD_COLUMNS) + 8))
        row = self._one(
            f"INSERT INTO contacts (uuid, team_id, creator_id, parent_id, {columns},"
            f" op, rev, created_us, updated_us) VALUES ({marks}) RETURNING id",
            (uuid, team_id, creator_id, 0, *_field_values(fields), "create", 1, stamp_us,
             stamp_us),
        )  # fmt: skip
        contact_id = int(row[0])
        self._replace_tags(contact_id, tag_ids)
        return contact_id

    def update_contact(
        self, team_id: int, contact_id: int, *, fields: ContactFields,
        tag_ids: list[int] | None, op: str, stamp_us: int,
    ) -> int:  # fmt: skip
        assignments = ", ".join(f"{column} = ?" for column in _CONTACT_FIELD_COLUMNS)
        row = self._one(
            f"UPDATE contacts SET {assignments}, op = ?, rev = rev + 1, updated_us = ?"
            " WHERE team_id = ? AND id = ? RETURNING rev",
            (*_field_values(fields), op, stamp_us, team_id, contact_id),
        )
        if tag_ids is not None:
            self._replace_tags(contact_id, tag_ids)
        return int(row[0])

    def touch_contact(self, team_id: int, contact_id: int, *, op: str, stamp_us: int) -> int:
        """Record a write that changed what is stored beside the contact (its tags, notes):
        ``rev`` + 1, a new ``updated`` stamp and ``op``. The new rev, or 0 for no contact."""
        row = self._one(
            "UPDATE contacts SET op = ?, rev = rev + 1, updated_us = ?"
            " WHERE team_id = ? AND id = ? RETURNING rev",
            (op, stamp_us, team_id, contact_id),
        )
        return int(row[0]) if row else 0

    def _replace_tags(self, contact_id: int, tag_ids: list[int]) -> None:
        self._execute("DELETE FROM contact_tags WHERE contact_id = ?", (contact_id,))
        for position, tag_id in enumerate(tag_ids):
            self._execute(
                "INSERT INTO contact_tags (contact_id, tag_id, position) VALUES (?, ?, ?)",
                (contact_id, tag_id, position),
            )

    def get_contact(self, team_id: int, contact_id: int) -> ContactRecord | None:
        row = self._one(
            f"SELECT {_CONTACT_COLUMNS}, {self._dialect.tags_json}, {self._dialect.notes_json}"
            " FROM contacts c WHERE c.team_id = ? AND c.id = ?",
            (team_id, contact_id),
        )
        return _contact(row) if row else None

    def contact_id_by_phone(self, team_id: int, phone: str) -> int | None:
        row = self._one("SELECT id FROM contacts WHERE team_id = ? AND phone = ?", (team_id, phone))
        return int(row[0]) if row else None

    def delete_contact(self, team_id: int, contact_id: int) -> bool:
        row = self._one(
            "DELETE FROM contacts WHERE team_id = ? AND id = ? RETURNING id", (team_id, contact_id)
        )
        return row is not None


def _field_values(fields: ContactFields) -> tuple[Any, ...]:
    return (
        fields.phone, fields.first, fields.last, fields.display_name, fields.email,
        fields.avatar, fields.external_id, fields.external_ref, fields.inbox_id,
        fields.assigned_user_id, json.dumps(fields.custom, separators=(",", ":")),
        bool(fields.is_opted_out), bool(fields.is_blocked),
    )  # fmt: skip


def _contact(row: Sequence[Any]) -> ContactRecord:
    fields = ContactFields(
        phone=row[5], first=row[6], last=row[7], display_name=row[8], email=row[9],
        avatar=row[10], external_id=row[11], external_ref=row[12], inbox_id=row[13],
        assigned_user_id=row[14], custom=json.loads(row[15]), is_opted_out=bool(row[16]),
        is_blocked=bool(row[17]),
    )  # fmt: skip
    tags = [TagRecord(id=t[0], tag=t[1], color=t[2]) for t in json.loads(row[22])]
    notes = [NoteRecord(*n) for n in json.loads(row[23])]
    return ContactRecord(
        id=row[0], uuid=row[1], team_id=row[2], creator_id=row[3], parent_id=row[4],
        fields=fields, tags=tags, notes=notes, op=row[18], rev=row[19], created_us=row[20],
        updated_us=row[21],
    )  # fmt: skip
