"""Notes on a contact (an extension): ``POST /v1/contact/{id}/note`` and its ``DELETE``.

Adding or removing a note is a write to the contact: ``rev`` + 1, a new ``updated`` stamp and
``op: "note"``. A note keeps the author's name as it was when the note was written.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from msgspec import UNSET

from ...models import Note, NoteWrite
from ..clock import Clock, rfc3339
from ..errors import BadData, NotFound
from ..ids import new_uuid
from ..principal import Principal
from ..store import Transaction, Transactions
from ..store.records import NoteRecord
from .contacts import MAX_ID

#: Note ids are made by :func:`new_uuid`; anything else names no note.
_NOTE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class NoteService:
    def __init__(
        self, store: Transactions, clock: Clock, make_id: Callable[[], str] = new_uuid
    ) -> None:
        self._store = store
        self._clock = clock
        self._make_id = make_id

    def create_note(self, principal: Principal, contact_id: int, write: NoteWrite) -> Note:
        """The new note, by ``user_id`` (a user of the team) or else by the secret's owner."""
        text = _check_text(write)
        author_id = principal.user_id if write.user_id in (UNSET, 0) else write.user_id
        team_id = principal.team_id
        with self._store.write() as tx:
            stamp = tx.advance_team_clock(team_id, self._clock())
            _touch_contact(tx, team_id, contact_id, stamp)
            name = _author_name(tx, team_id, author_id, given=write.user_id not in (UNSET, 0))
            note = NoteRecord(
                id=self._make_id(), user_id=author_id, name=name, text=text, created_us=stamp
            )
            tx.insert_note(contact_id, note)
        return Note(
            id=note.id, date=rfc3339(note.created_us), name=note.name, text=note.text,
            user_id=note.user_id,
        )  # fmt: skip

    def delete_note(self, principal: Principal, contact_id: int, note_id: str) -> None:
        team_id = principal.team_id
        with self._store.write() as tx:
            stamp = tx.advance_team_clock(team_id, self._clock())
            _touch_contact(tx, team_id, contact_id, stamp)
            if not _NOTE_ID.fullmatch(note_id) or not tx.delete_note(contact_id, note_id):
                raise NotFound(f"contact {contact_id} has no note {note_id[:64]!r}")


def _check_text(write: NoteWrite) -> str:
    if write.text is UNSET:
        raise BadData("text is required", field="text")
    if not write.text.strip():
        raise BadData("text must not be empty or blank", field="text")
    return write.text


def _touch_contact(tx: Transaction, team_id: int, contact_id: int, stamp: int) -> None:
    """Record the write on the contact, or a 404 when the team has no such contact. The
    contact's row stays locked against a concurrent delete until the transaction ends."""
    in_range = 0 < contact_id <= MAX_ID
    if not in_range or not tx.touch_contact(team_id, contact_id, op="note", stamp_us=stamp):
        raise NotFound(f"no contact {contact_id}")


def _author_name(tx: Transaction, team_id: int, user_id: int, *, given: bool) -> str:
    user = tx.get_user(team_id, user_id) if 0 < user_id <= MAX_ID else None
    if user is None and given:
        raise BadData(f"user {user_id} is not a user of this team", field="user_id")
    return user.name if user else ""
