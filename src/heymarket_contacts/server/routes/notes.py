"""Notes on a contact (an extension of the v1 API): add one, delete one."""

from __future__ import annotations

from typing import Literal

from starlette.responses import Response

from ...models import Note, NoteWrite
from ..http import json_response
from ..routing import Call, Operation


async def create_note(call: Call) -> Response:
    return json_response(
        await call.api.write(call.api.notes.create_note, call.principal, call.path_id(), call.body)
    )


async def delete_note(call: Call) -> Response:
    await call.api.write(
        call.api.notes.delete_note, call.principal, call.path_id(), call.path_text("note_id")
    )
    return json_response("ok")


OPERATIONS = [
    Operation(
        "POST", "/v1/contact/{id}/note", create_note, "Add a note to a contact", Note,
        body=NoteWrite, tag="notes",
        description="Adds a note (a write to the contact: `rev` + 1, `op: \"note\"`) and"
        " answers it.",
    ),
    Operation(
        "DELETE", "/v1/contact/{id}/note/{note_id}", delete_note, "Delete a contact's note",
        Literal["ok"], tag="notes",
        description="Deletes the note (a write to the contact); a note of another contact is a"
        " 404.",
    ),
]  # fmt: skip
