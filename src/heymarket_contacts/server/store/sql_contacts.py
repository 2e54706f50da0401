"""SQL for contacts (their tags and notes are read with them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from .records import (
    ContactFields,
    ContactQuery,
    ContactRecord,
    NewContact,
    NoteRecord,
    TagRecord,
)
from .sql_base import SqlBase

_CONTACT_FIELD_COLUMNS = (
    "phone", "first", "last", "display_name", "email", "avatar", "external_id",
    "external_ref", "inbox_id", "assigned_user_id", "custom", "is_opted_out", "is_blocked",
)  # fmt: skip
#: What a write sets: the fields, and the search text derived from them.
_WRITE_COLUMNS = (*_CONTACT_FIELD_COLUMNS, "search_text")
_CONTACT_COLUMNS = (
    "c.id, c.uuid, c.team_id, c.creator_id, c.parent_id, "
    + ", ".join(f"c.{column}" for column in _CONTACT_FIELD_COLUMNS)
    + ", c.op, c.rev, c.created_us, c.updated_us"
)  # fmt: skip
_ORDER_COLUMNS = {"updated": "updated_us", "created": "created_us"}
#: Values of one ``IN (...)`` list at most.
_IN_LIST_MAX = 1000
_decode_json = msgspec.json.decode
_encode_json = msgspec.json.encode


def search_text(fields: ContactFields) -> str:
    """What ``filter`` searches: names, phone and email, case-folded, one per line."""
    parts = (fields.first, fields.last, fields.display_name, fields.phone, fields.email)
    return "\n".join(parts).casefold()


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with ``%``, ``_`` and ``\\`` literal."""
    escaped = text.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class ContactSql(SqlBase):
    def insert_contact(
        self, team_id: int, *, uuid: str, creator_id: int, fields: ContactFields,
        tag_ids: list[int], stamp_us: int,
    ) -> int:  # fmt: skip
        columns = ", ".join(_WRITE_COLUMNS)
        marks = ", ".join("?" * (len(_WRITE_COLUMNS) + 8))
        row = self._one(
            f"INSERT INTO contacts (uuid, team_id, creator_id, parent_id, {columns},"
            f" op, rev, created_us, updated_us) VALUES ({marks}) RETURNING id",
            (uuid, team_id, creator_id, 0, *_field_values(fields), "create", 1, stamp_us,
             stamp_us),
        )  # fmt: skip
        contact_id = int(row[0])
        self._replace_tags(contact_id, tag_ids)
        return contact_id

    def insert_contacts(self, team_id: int, contacts: Sequence[NewContact]) -> list[int]:
        """Insert many new contacts with their tags (together); their ids, in order."""
        if not contacts:
            return []
        self._insert_many(
            "contacts",
            ("uuid", "team_id", "creator_id", "parent_id", *_WRITE_COLUMNS, "op", "rev",
             "created_us", "updated_us"),
            [
                (new.uuid, team_id, new.creator_id, 0, *_field_values(new.fields), "create", 1,
                 new.stamp_us, new.stamp_us)
                for new in contacts
            ],
        )  # fmt: skip
        ids = self.contact_ids_by_uuid(team_id, [new.uuid for new in contacts])
        contact_ids = [ids[new.uuid] for new in contacts]
        self._insert_many(
            "contact_tags",
            ("contact_id", "tag_id", "position"),
            [
                (contact_id, tag_id, position)
                for contact_id, new in zip(contact_ids, contacts, strict=True)
                for position, tag_id in enumerate(new.tag_ids)
            ],
        )
        return contact_ids

    def update_contact(
        self, team_id: int, contact_id: int, *, fields: ContactFields,
        tag_ids: list[int] | None, op: str, stamp_us: int,
    ) -> int:  # fmt: skip
        assignments = ", ".join(f"{column} = ?" for column in _WRITE_COLUMNS)
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

    def get_contacts(self, team_id: int, contact_ids: Sequence[int]) -> list[ContactRecord]:
        """The team's contacts among ``contact_ids``, in id order (one query)."""
        if not contact_ids:
            return []
        marks = ", ".join("?" * len(contact_ids))
        rows = self._all_with_list(
            f"SELECT {_CONTACT_COLUMNS}, {self._dialect.tags_json}, {self._dialect.notes_json}"
            f" FROM contacts c WHERE c.team_id = ? AND c.id IN ({marks}) ORDER BY c.id",
            (team_id, *contact_ids),
        )
        return [_contact(row) for row in rows]

    def list_contacts(self, team_id: int, query: ContactQuery) -> list[ContactRecord]:
        """One page of the team's contacts, past the cursor, in the query's order."""
        where, params = _where(team_id, query)
        column = _ORDER_COLUMNS[query.order]
        direction = "ASC" if query.ascending else "DESC"
        rows = self._all(
            f"SELECT {_CONTACT_COLUMNS}, {self._dialect.tags_json}, {self._dialect.notes_json}"
            f" FROM contacts c WHERE {where} ORDER BY c.{column} {direction} LIMIT ? OFFSET ?",
            (*params, query.limit, query.offset),
        )
        return [_contact(row) for row in rows]

    def count_matching(self, team_id: int, query: ContactQuery) -> int:
        """How many contacts the query's filters (cursor included) select."""
        where, params = _where(team_id, query)
        return int(self._one(f"SELECT count(*) FROM contacts c WHERE {where}", params)[0])

    def contact_id_by_uuid(self, team_id: int, uuid: str) -> int | None:
        row = self._one("SELECT id FROM contacts WHERE team_id = ? AND uuid = ?", (team_id, uuid))
        return int(row[0]) if row else None

    def contact_ids_by_uuid(self, team_id: int, uuids: Sequence[str]) -> dict[str, int]:
        """The team's contacts among ``uuids``, by uuid (a query per 1,000)."""
        found: dict[str, int] = {}
        for start in range(0, len(uuids), _IN_LIST_MAX):
            chunk = uuids[start : start + _IN_LIST_MAX]
            marks = ", ".join("?" * len(chunk))
            rows = self._all_with_list(
                f"SELECT uuid, id FROM contacts WHERE team_id = ? AND uuid IN ({marks})",
                (team_id, *chunk),
            )
            found.update((str(row[0]), int(row[1])) for row in rows)
        return found

    def contact_id_by_phone(self, team_id: int, phone: str) -> int | None:
        row = self._one("SELECT id FROM contacts WHERE team_id = ? AND phone = ?", (team_id, phone))
        return int(row[0]) if row else None

    def delete_contact(self, team_id: int, contact_id: int) -> bool:
        row = self._one(
            "DELETE FROM contacts WHERE team_id = ? AND id = ? RETURNING id", (team_id, contact_id)
        )
        return row is not None

    def delete_contacts(self, team_id: int, contact_ids: Sequence[int]) -> int:
        """Delete the team's contacts among ``contact_ids`` (one statement); how many went."""
        if not contact_ids:
            return 0
        marks = ", ".join("?" * len(contact_ids))
        rows = self._all_with_list(
            f"DELETE FROM contacts WHERE team_id = ? AND id IN ({marks}) RETURNING id",
            (team_id, *contact_ids),
        )
        return len(rows)


def _where(team_id: int, query: ContactQuery) -> tuple[str, list[Any]]:
    clauses: list[str] = ["c.team_id = ?"]
    params: list[Any] = [team_id]
    if query.cursor_us is not None:
        column = _ORDER_COLUMNS[query.order]
        clauses.append(f"c.{column} {'>' if query.ascending else '<'} ?")
        params.append(query.cursor_us)
    if query.assigned is not None:
        clauses.append("c.assigned_user_id = ?")
        params.append(query.assigned)
    if query.text:
        clauses.append("c.search_text LIKE ? ESCAPE '\\'")
        params.append(like_pattern(query.text))
    return " AND ".join(clauses), params


def _field_values(fields: ContactFields) -> tuple[Any, ...]:
    """The values of ``_WRITE_COLUMNS``."""
    return (
        fields.phone, fields.first, fields.last, fields.display_name, fields.email,
        fields.avatar, fields.external_id, fields.external_ref, fields.inbox_id,
        fields.assigned_user_id, _encode_json(fields.custom).decode(),
        bool(fields.is_opted_out), bool(fields.is_blocked), search_text(fields),
    )  # fmt: skip


def _contact(row: Sequence[Any]) -> ContactRecord:
    fields = ContactFields(
        phone=row[5], first=row[6], last=row[7], display_name=row[8], email=row[9],
        avatar=row[10], external_id=row[11], external_ref=row[12], inbox_id=row[13],
        assigned_user_id=row[14], custom={} if row[15] == "{}" else _decode_json(row[15]),
        is_opted_out=bool(row[16]), is_blocked=bool(row[17]),
    )  # fmt: skip
    tags = [TagRecord(*t) for t in _json_array(row[22])]
    notes = [NoteRecord(*n) for n in _json_array(row[23])]
    return ContactRecord(
        id=row[0], uuid=row[1], team_id=row[2], creator_id=row[3], parent_id=row[4],
        fields=fields, tags=tags, notes=notes, op=row[18], rev=row[19], created_us=row[20],
        updated_us=row[21],
    )  # fmt: skip


def _json_array(text: str) -> list[Any]:
    """A JSON array column (a contact's tags or notes, mostly none)."""
    return [] if text == "[]" else _decode_json(text)
