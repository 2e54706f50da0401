"""The SQL both databases share, written once over a DB-API cursor.

Statements use ``?`` placeholders; a dialect rewrites them for its driver and supplies the few
expressions that differ (the clock's ``max``, JSON aggregation, booleans).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .records import (
    ContactFields,
    ContactRecord,
    InboxRecord,
    NoteRecord,
    SecretRecord,
    TagRecord,
    TeamRecord,
    UserRecord,
)


class Cursor(Protocol):
    def execute(self, query: Any, params: Sequence[Any] = ...) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


@dataclass(frozen=True, slots=True)
class Dialect:
    placeholder: str
    greatest: str
    for_update: str
    tags_json: str
    notes_json: str

    def sql(self, query: str) -> str:
        return query if self.placeholder == "?" else query.replace("?", self.placeholder)


_CONTACT_FIELD_COLUMNS = (
    "phone", "first", "last", "display_name", "email", "avatar", "external_id",
    "external_ref", "inbox_id", "assigned_user_id", "custom", "is_opted_out", "is_blocked",
)  # fmt: skip
_CONTACT_COLUMNS = (
    "id, uuid, team_id, creator_id, parent_id, " + ", ".join(_CONTACT_FIELD_COLUMNS)
    + ", op, rev, created_us, updated_us"
)  # fmt: skip


class SqlTransaction:
    """The :class:`~.base.Transaction` contract over one cursor in one transaction."""

    def __init__(self, cursor: Cursor, dialect: Dialect) -> None:
        self._cursor = cursor
        self._dialect = dialect

    def _execute(self, query: str, params: Sequence[Any] = ()) -> Any:
        return self._cursor.execute(self._dialect.sql(query), params)

    def _one(self, query: str, params: Sequence[Any] = ()) -> Any:
        self._execute(query, params)
        return self._cursor.fetchone()

    def _all(self, query: str, params: Sequence[Any] = ()) -> list[Any]:
        self._execute(query, params)
        return self._cursor.fetchall()

    # teams, users, inboxes ------------------------------------------------------------

    def create_team(self, name: str, now_us: int) -> TeamRecord:
        row = self._one(
            "INSERT INTO teams (name, clock_us, created_us) VALUES (?, 0, ?) RETURNING id",
            (name, now_us),
        )
        return TeamRecord(id=row[0], name=name)

    def get_team(self, team_id: int) -> TeamRecord | None:
        row = self._one("SELECT id, name FROM teams WHERE id = ?", (team_id,))
        return TeamRecord(id=row[0], name=row[1]) if row else None

    def lock_team(self, team_id: int) -> bool:
        row = self._one(f"SELECT id FROM teams WHERE id = ?{self._dialect.for_update}", (team_id,))
        return row is not None

    def count_teams(self) -> int:
        return int(self._one("SELECT count(*) FROM teams")[0])

    def advance_team_clock(self, team_id: int, now_us: int) -> int:
        row = self._one(
            f"UPDATE teams SET clock_us = {self._dialect.greatest}(clock_us + 1, ?) "
            "WHERE id = ? RETURNING clock_us",
            (now_us, team_id),
        )
        return int(row[0])

    def count_contacts(self, team_id: int) -> int:
        return int(self._one("SELECT count(*) FROM contacts WHERE team_id = ?", (team_id,))[0])

    def create_user(
        self, team_id: int, *, first_name: str, last_name: str, email: str, phone: str,
        role_id: int, now_us: int,
    ) -> UserRecord:  # fmt: skip
        row = self._one(
            "INSERT INTO users (team_id, first_name, last_name, email, phone, role_id,"
            " created_us, updated_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (team_id, first_name, last_name, email, phone, role_id, now_us, now_us),
        )
        return UserRecord(row[0], team_id, first_name, last_name, email, phone, role_id)

    _USER_COLUMNS = "id, team_id, first_name, last_name, email, phone, role_id"

    def get_user(self, team_id: int, user_id: int) -> UserRecord | None:
        row = self._one(
            f"SELECT {self._USER_COLUMNS} FROM users WHERE team_id = ? AND id = ?",
            (team_id, user_id),
        )
        return UserRecord(*row) if row else None

    def list_users(self, team_id: int) -> list[UserRecord]:
        rows = self._all(
            f"SELECT {self._USER_COLUMNS} FROM users WHERE team_id = ? ORDER BY id", (team_id,)
        )
        return [UserRecord(*row) for row in rows]

    def create_inbox(self, team_id: int, name: str, phone: str, now_us: int) -> InboxRecord:
        row = self._one(
            "INSERT INTO inboxes (team_id, name, phone, created_us) VALUES (?, ?, ?, ?)"
            " RETURNING id",
            (team_id, name, phone, now_us),
        )
        return InboxRecord(id=row[0], team_id=team_id, name=name, phone=phone)

    def get_inbox(self, team_id: int, inbox_id: int) -> InboxRecord | None:
        row = self._one(
            "SELECT id, team_id, name, phone FROM inboxes WHERE team_id = ? AND id = ?",
            (team_id, inbox_id),
        )
        return InboxRecord(*row) if row else None

    # API secrets -----------------------------------------------------------------------

    _SECRET_COLUMNS = "secret_id, team_id, user_id, nonce, key_ciphertext, created_us, revoked_us"  # noqa: S105

    def insert_secret(self, secret: SecretRecord) -> None:
        self._execute(
            f"INSERT INTO api_secrets ({self._SECRET_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                secret.secret_id, secret.team_id, secret.user_id, secret.nonce,
                secret.key_ciphertext, secret.created_us, secret.revoked_us,
            ),
        )  # fmt: skip

    def get_secret(self, secret_id: str) -> SecretRecord | None:
        row = self._one(
            f"SELECT {self._SECRET_COLUMNS} FROM api_secrets WHERE secret_id = ?", (secret_id,)
        )
        return _secret(row) if row else None

    def list_secrets(self, team_id: int) -> list[SecretRecord]:
        rows = self._all(
            f"SELECT {self._SECRET_COLUMNS} FROM api_secrets WHERE team_id = ?"
            " ORDER BY created_us, secret_id",
            (team_id,),
        )
        return [_secret(row) for row in rows]

    def revoke_secret(self, secret_id: str, now_us: int) -> bool:
        row = self._one(
            "UPDATE api_secrets SET revoked_us = ? WHERE secret_id = ? AND revoked_us IS NULL"
            " RETURNING secret_id",
            (now_us, secret_id),
        )
        return row is not None

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

    def known_tag_ids(self, team_id: int, tag_ids: Iterable[int]) -> set[int]:
        return self._known_ids("tags", team_id, tag_ids)

    def known_field_ids(self, team_id: int, field_ids: Iterable[int]) -> set[int]:
        return self._known_ids("contact_fields", team_id, field_ids)

    def _known_ids(self, table: str, team_id: int, ids: Iterable[int]) -> set[int]:
        wanted = sorted(set(ids))
        if not wanted:
            return set()
        marks = ", ".join("?" * len(wanted))
        rows = self._all(
            f"SELECT id FROM {table} WHERE team_id = ? AND id IN ({marks})",
            (team_id, *wanted),
        )
        return {int(row[0]) for row in rows}


def _field_values(fields: ContactFields) -> tuple[Any, ...]:
    return (
        fields.phone, fields.first, fields.last, fields.display_name, fields.email,
        fields.avatar, fields.external_id, fields.external_ref, fields.inbox_id,
        fields.assigned_user_id, json.dumps(fields.custom, separators=(",", ":")),
        bool(fields.is_opted_out), bool(fields.is_blocked),
    )  # fmt: skip


def _secret(row: Sequence[Any]) -> SecretRecord:
    return SecretRecord(
        secret_id=row[0], team_id=row[1], user_id=row[2], nonce=bytes(row[3]),
        key_ciphertext=bytes(row[4]), created_us=row[5], revoked_us=row[6],
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
