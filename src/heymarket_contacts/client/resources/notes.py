"""Notes on a contact (an extension of the v1 API): add one, delete one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Unpack

from ...models import Note, NoteWrite
from .._answers import decoder
from .._core import ApiCall, RequestOptions
from .._retry import RetryMode
from ._common import int_id, ok, path_text, recover_lost_delete

if TYPE_CHECKING:
    from .._paging import AsyncSender, SyncSender

__all__ = ["AsyncNotes", "Notes"]


def _notes_path(contact_id: int) -> str:
    return f"/v1/contact/{int_id(contact_id, 'contact_id')}/note"


def create_call(contact_id: int, write: NoteWrite) -> ApiCall[Note]:
    """A note has no unique key: once a request may have reached the server, no retry."""
    return ApiCall(
        "POST", _notes_path(contact_id), decoder(Note), body=write, retry=RetryMode.UNSENT_ONLY
    )


def delete_call(contact_id: int, note_id: str) -> ApiCall[None]:
    path = f"{_notes_path(contact_id)}/{path_text(note_id, 'note_id')}"
    return ApiCall("DELETE", path, ok, recover=recover_lost_delete)


def note_write(text: str, user_id: int | None) -> NoteWrite:
    write = NoteWrite(text=text)
    if user_id is not None:
        write.user_id = user_id
    return write


class Notes:
    """``client.notes``: notes on a contact."""

    def __init__(self, client: SyncSender) -> None:
        self._client = client

    def create(
        self, contact_id: int, text: str, *, user_id: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> Note:  # fmt: skip
        """Add a note (by ``user_id``, a user of the team, else the secret's owner)."""
        return self._client._send(create_call(contact_id, note_write(text, user_id)), options)

    def delete(self, contact_id: int, note_id: str, **options: Unpack[RequestOptions]) -> None:
        self._client._send(delete_call(contact_id, note_id), options)


class AsyncNotes:
    """``client.notes`` of an ``AsyncClient``."""

    def __init__(self, client: AsyncSender) -> None:
        self._client = client

    async def create(
        self, contact_id: int, text: str, *, user_id: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> Note:  # fmt: skip
        """Add a note (by ``user_id``, a user of the team, else the secret's owner)."""
        return await self._client._send(create_call(contact_id, note_write(text, user_id)), options)

    async def delete(
        self, contact_id: int, note_id: str, **options: Unpack[RequestOptions]
    ) -> None:
        await self._client._send(delete_call(contact_id, note_id), options)
