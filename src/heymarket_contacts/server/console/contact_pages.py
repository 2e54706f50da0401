"""The contact pages: the list (search, date-cursor paging, counts), one contact, its edit,
delete, notes, tags and status. Each write is one call of the API's services."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.responses import Response

from ...models import ContactV2Write, TagListQuery
from ..clock import rfc3339
from ..errors import ApiError, BadData, Conflict, PreconditionFailed
from ..http import path_id
from ..render import render_channel, render_contact
from ..store.records import ContactRecord
from .contact_forms import (
    ID_FIELDS,
    PAGE_SIZE,
    TEXT_FIELDS,
    contact_write,
    edit_body,
    list_query,
    note_write,
    status_write,
    tags_body,
)
from .web import View, field_errors, redirect

STATUSES = ("subscribed", "unsubscribed", "blocked", "unblocked", "active")
NOTICES = {
    "deleted": "The contact was deleted.",
    "saved": "Saved.",
    "note-added": "The note was added.",
    "note-removed": "The note was removed.",
}


async def contacts_list(view: View) -> Response:
    text = view.value("q")
    before, after = view.value("date"), view.value("after")
    try:
        query = list_query(text, before=before, after=after)
        contacts = await view.api.read(view.api.contact_list.list_contacts, view.principal, query)
        matching = await view.api.read(
            view.api.contact_list.count_contacts, view.principal, list_query(text)
        )
    except BadData as error:
        field = "q" if error.field == "filter" else error.field or ""
        return view.render(
            "contacts.html", status=400, contacts=[], q=text, count=0, total=None,
            errors={field: error.message}, newer="", older="", notice="",
        )  # fmt: skip
    if query.ascending:
        contacts.reverse()
    total = None
    if text:
        total = await view.api.read(
            view.api.contact_list.count_contacts, view.principal, list_query("")
        )
    paging = _paging(
        text, contacts, full=len(contacts) == PAGE_SIZE, paged=bool(before or after),
        ascending=query.ascending,
    )  # fmt: skip
    return view.render(
        "contacts.html", contacts=[render_contact(c) for c in contacts], q=text,
        count=matching, total=total, errors={}, notice=NOTICES.get(view.value("notice"), ""),
        newer=paging["newer"], older=paging["older"],
    )  # fmt: skip


def _paging(
    text: str, contacts: list[ContactRecord], *, full: bool, paged: bool, ascending: bool
) -> dict[str, str]:
    """Links to the newer and the older page: date cursors on the newest and oldest shown."""
    if not contacts:
        return {"newer": "", "older": ""}
    search = f"q={quote(text)}&" if text else ""
    newest, oldest = rfc3339(contacts[0].updated_us), rfc3339(contacts[-1].updated_us)
    has_older = full or ascending
    has_newer = paged and (full or not ascending)
    return {
        "older": f"/console/contacts?{search}date={quote(oldest)}" if has_older else "",
        "newer": f"/console/contacts?{search}after={quote(newest)}" if has_newer else "",
    }


async def contact_page(view: View) -> Response:
    return await _contact_page(view, await _contact(view))


async def _contact_page(
    view: View, record: ContactRecord, *, status: int = 200, **context: Any
) -> Response:
    api, principal = view.api, view.principal
    channels = await api.read(api.channels.list_channels, principal, record.uuid)
    fields = await api.read(api.fields.list_contact_fields, principal)
    tags = await all_tags(view)
    context.setdefault("errors", {})
    return view.render(
        "contact.html", status=status, contact=render_contact(record),
        blocked=record.fields.is_blocked, channels=[render_channel(c) for c in channels],
        fields={str(f.id): f.title for f in fields}, tags=tags,
        carried={tag.id for tag in record.tags}, statuses=STATUSES,
        notice=NOTICES.get(view.value("notice"), ""), **context,
    )  # fmt: skip


async def all_tags(view: View) -> list[Any]:
    """Every tag of the team, walking the API's pages of 30."""
    found: list[Any] = []
    query = TagListQuery()
    while True:
        page = await view.api.read(view.api.tags.list_tags, view.principal, query)
        found.extend(page)
        if len(page) < 30:
            return sorted(found, key=lambda tag: tag.tag.lower())
        query = TagListQuery(date=page[-1].updated)


async def _contact(view: View) -> ContactRecord:
    contact_id = path_id(view.request)
    return await view.api.read(view.api.contacts.get_contact, view.principal, contact_id)


async def edit_page(view: View) -> Response:
    record = await _contact(view)
    return await _edit_form(view, record, values=_current_values(record), rev=record.rev)


async def _edit_form(
    view: View, record: ContactRecord, *, values: dict[str, str], rev: int,
    errors: dict[str, str] | None = None, conflict: bool = False, status: int = 200,
) -> Response:  # fmt: skip
    fields = await view.api.read(view.api.fields.list_contact_fields, view.principal)
    return view.render(
        "edit.html", status=status, contact=render_contact(record), values=values, rev=rev,
        text_fields=TEXT_FIELDS, id_fields=ID_FIELDS, fields=fields, errors=errors or {},
        conflict=conflict,
    )  # fmt: skip


def _current_values(record: ContactRecord) -> dict[str, str]:
    fields = record.fields
    values = {name: str(getattr(fields, name)) for name, _ in TEXT_FIELDS}
    values["inbox_id"] = str(fields.inbox_id or "")
    values["assignee_id"] = str(fields.assigned_user_id or "")
    values.update({f"custom.{key}": value for key, value in fields.custom.items()})
    return values


async def save_edit(view: View) -> Response:
    record = await _contact(view)
    fields = await view.api.read(view.api.fields.list_contact_fields, view.principal)
    values = {name: view.value(name) for name in view.form if name != "csrf"}
    try:
        body = edit_body(view.form, [f.id for f in fields])
        await _save(view, record, body, expected=_rev(view))
    except PreconditionFailed:
        current = await _contact(view)
        return await _edit_form(
            view, current, values=values, rev=current.rev, conflict=True, status=409
        )
    except (BadData, Conflict) as error:
        return await _edit_form(
            view, record, values=values, rev=_rev(view), errors=_named(error), status=error.status
        )
    return redirect(f"/console/contacts/{record.id}?notice=saved")


async def _save(view: View, record: ContactRecord, body: dict[str, Any], *, expected: int) -> None:
    """An update of ``record`` by the API's rules: v1 (which needs a phone), or v2 for a
    contact that has none; conditional on its revision (``If-Match``)."""
    api, principal = view.api, view.principal
    write = contact_write(body, phone_required=bool(record.fields.phone))
    if isinstance(write, ContactV2Write):
        await api.write(
            api.contacts_v2.update_contact, principal, record.uuid, write, overwrite=False,
            expected_rev=expected,
        )  # fmt: skip
        return
    await api.write(
        api.contacts.update_contact, principal, record.id, write, overwrite=False,
        expected_rev=expected,
    )  # fmt: skip


def _rev(view: View) -> int:
    text = view.value("rev")
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise BadData("the form has no revision: reload the page", field="rev")
    return int(text)


def _named(error: ApiError) -> dict[str, str]:
    """The message beside its field; a custom field's path (``custom.12``) kept as it is."""
    errors = dict(field_errors(error))
    if isinstance(error, Conflict) and error.existing_id is not None:
        errors = {
            name: f"{message} (contact {error.existing_id})" for name, message in errors.items()
        }
    return errors


async def save_tags(view: View) -> Response:
    record = await _contact(view)
    try:
        body: dict[str, Any] = {"tags": tags_body(view.form)}
        if record.fields.phone:
            body["phone"] = record.fields.phone
        await _save(view, record, body, expected=_rev(view))
    except PreconditionFailed as error:
        return await _contact_page(view, await _contact(view), status=409, stale=error.message)
    except BadData as error:
        return await _contact_page(view, record, status=400, errors={"tags": error.message})
    return redirect(f"/console/contacts/{record.id}?notice=saved")


async def save_status(view: View) -> Response:
    record = await _contact(view)
    try:
        await view.api.write(
            view.api.contacts.set_status, view.principal,
            status_write(record.id, view.value("status")), expected_rev=_rev(view),
        )  # fmt: skip
    except PreconditionFailed as error:
        return await _contact_page(view, await _contact(view), status=409, stale=error.message)
    except BadData as error:
        return await _contact_page(view, record, status=400, errors={"status": error.message})
    return redirect(f"/console/contacts/{record.id}?notice=saved")


async def add_note(view: View) -> Response:
    record = await _contact(view)
    try:
        write = note_write(view.value("text"))
        await view.api.write(view.api.notes.create_note, view.principal, record.id, write)
    except BadData as error:
        return await _contact_page(
            view, record, status=400, errors={"text": error.message}, note_text=view.value("text")
        )
    return redirect(f"/console/contacts/{record.id}?notice=note-added")


async def remove_note(view: View) -> Response:
    record = await _contact(view)
    note_id = str(view.request.path_params["note_id"])
    await view.api.write(view.api.notes.delete_note, view.principal, record.id, note_id)
    return redirect(f"/console/contacts/{record.id}?notice=note-removed")


async def delete_page(view: View) -> Response:
    record = await _contact(view)
    return view.render("delete.html", contact=render_contact(record), stale="")


async def delete_contact(view: View) -> Response:
    record = await _contact(view)
    try:
        await view.api.write(
            view.api.contacts.delete_contact, view.principal, record.id, expected_rev=_rev(view)
        )
    except PreconditionFailed as error:
        current = await _contact(view)
        return view.render(
            "delete.html", status=409, contact=render_contact(current), stale=error.message
        )
    return redirect("/console/contacts?notice=deleted")


__all__ = [
    "add_note", "contact_page", "contacts_list", "delete_contact", "delete_page",
    "edit_page", "remove_note", "save_edit", "save_status", "save_tags",
]  # fmt: skip
