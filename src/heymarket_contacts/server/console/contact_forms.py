"""Contact forms into the API's write shapes, checked by the same models and rules as an API
body, so that a console edit is an API edit."""

from __future__ import annotations

from typing import Any

from ...models import ContactListQuery, ContactV2Write, ContactWrite, NoteWrite, SetStatus
from ..errors import BadData
from ..validation import convert

#: The text fields of a contact the edit form shows, in order, with their labels.
TEXT_FIELDS = (
    ("display_name", "Display name"), ("first", "First name"), ("last", "Last name"),
    ("phone", "Phone"), ("email", "Email"), ("avatar", "Avatar URL"),
    ("external_id", "External id"), ("external_ref", "External reference"),
)  # fmt: skip
#: The id fields, with their labels; an empty one unassigns.
ID_FIELDS = (("inbox_id", "Inbox id"), ("assignee_id", "Assigned user id"))
PAGE_SIZE = 50


def edit_body(form: dict[str, list[str]], field_ids: list[int]) -> dict[str, Any]:
    """The edit form as an update body: every text field, the ids, each custom field (an
    empty one removed). An empty display name is left out, so that the API's rule makes it
    of the first and last names."""
    body: dict[str, Any] = {name: _first(form, name) for name, _ in TEXT_FIELDS}
    if not body["display_name"].strip():
        del body["display_name"]
    for name, _ in ID_FIELDS:
        body[name] = _whole_number(_first(form, name), name)
    body["custom"] = {
        str(field_id): _first(form, f"custom.{field_id}") or None for field_id in field_ids
    }
    return body


def contact_write(body: dict[str, Any], *, phone_required: bool) -> ContactWrite:
    """``body`` as a v1 update (which needs a phone) or, for a contact with none, a v2 one."""
    if not phone_required and not body.get("phone"):
        rest = {name: value for name, value in body.items() if name != "phone"}
        return convert(rest, ContactV2Write)
    return convert(body, ContactWrite)


def tags_body(form: dict[str, list[str]]) -> list[dict[str, int]]:
    ids = [_whole_number(text, "tags") for text in form.get("tag_id", [])]
    return [{"tag_id": tag_id} for tag_id in ids if tag_id]


def note_write(text: str) -> NoteWrite:
    return convert({"text": text}, NoteWrite)


def status_write(contact_id: int, status: str) -> SetStatus:
    return convert({"id": contact_id, "status": status}, SetStatus)


def list_query(
    text: str, *, before: str = "", after: str = "", limit: int = PAGE_SIZE
) -> ContactListQuery:
    """The listing a contacts page shows: older than ``before``, or newer than ``after``."""
    query: dict[str, Any] = {"filter": text, "limit": limit}
    if after:
        query.update(date=after, ascending=True)
    elif before:
        query["date"] = before
    return convert(query, ContactListQuery)


def _first(form: dict[str, list[str]], name: str) -> str:
    return form.get(name, [""])[0]


def _whole_number(text: str, name: str) -> int:
    text = text.strip()
    if not text:
        return 0
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise BadData(f"{name} must be a whole number", field=name)
    return int(text)
