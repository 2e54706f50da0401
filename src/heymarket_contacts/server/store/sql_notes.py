"""SQL for contact notes."""

from __future__ import annotations

from .records import NoteRecord
from .sql_base import SqlBase


class NoteSql(SqlBase):
    """Notes are read with their contact (see ``Dialect.notes_json``); here they are written."""

    def insert_note(self, contact_id: int, note: NoteRecord) -> None:
        self._execute(
            "INSERT INTO notes (id, contact_id, user_id, name, text, created_us)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (note.id, contact_id, note.user_id, note.name, note.text, note.created_us),
        )

    def delete_note(self, contact_id: int, note_id: str) -> bool:
        row = self._one(
            "DELETE FROM notes WHERE contact_id = ? AND id = ? RETURNING id", (contact_id, note_id)
        )
        return row is not None
