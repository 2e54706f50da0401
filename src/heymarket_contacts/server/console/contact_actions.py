"""A contact's other forms: tags, status, notes, delete. Each is one service call, on the
revision the page was opened at where the API takes one."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ..errors import BadData, PreconditionFailed
from ..render import render_contact
from .contact_edit import form_rev, save_contact
from .contact_forms import note_write, status_write, tags_body
from .contact_pages import contact_of_path, render_contact_page
from .web import View, redirect


async def save_tags(view: View) -> Response:
    record = await contact_of_path(view)
    try:
        body: dict[str, Any] = {"tags": tags_body(view.form)}
        if record.fields.phone:
            body["phone"] = record.fields.phone
        await save_contact(view, record, body, expected=form_rev(view))
    except PreconditionFailed as error:
        return await render_contact_page(
            view, await contact_of_path(view), status=409, stale=error.message
        )
    except BadData as error:
        return await render_contact_page(view, record, status=400, errors={"tags": error.message})
    return redirect(f"/console/contacts/{record.id}?notice=saved")


async def save_status(view: View) -> Response:
    record = await contact_of_path(view)
    try:
        await view.api.write(
            view.api.contacts.set_status, view.principal,
            status_write(record.id, view.value("status")), expected_rev=form_rev(view),
        )  # fmt: skip
    except PreconditionFailed as error:
        return await render_contact_page(
            view, await contact_of_path(view), status=409, stale=error.message
        )
    except BadData as error:
        return await render_contact_page(view, record, status=400, errors={"status": error.message})
    return redirect(f"/console/contacts/{record.id}?notice=saved")


async def add_note(view: View) -> Response:
    record = await contact_of_path(view)
    try:
        write = note_write(view.value("text"))
        await view.api.write(view.api.notes.create_note, view.principal, record.id, write)
    except BadData as error:
        return await render_contact_page(
            view, record, status=400, errors={"text": error.message}, note_text=view.value("text")
        )
    return redirect(f"/console/contacts/{record.id}?notice=note-added")


async def remove_note(view: View) -> Response:
    record = await contact_of_path(view)
    note_id = str(view.request.path_params["note_id"])
    await view.api.write(view.api.notes.delete_note, view.principal, record.id, note_id)
    return redirect(f"/console/contacts/{record.id}?notice=note-removed")


async def delete_page(view: View) -> Response:
    record = await contact_of_path(view)
    return view.render("delete.html", contact=render_contact(record), stale="")


async def delete_contact(view: View) -> Response:
    record = await contact_of_path(view)
    try:
        await view.api.write(
            view.api.contacts.delete_contact, view.principal, record.id, expected_rev=form_rev(view)
        )
    except PreconditionFailed as error:
        current = await contact_of_path(view)
        return view.render(
            "delete.html", status=409, contact=render_contact(current), stale=error.message
        )
    return redirect("/console/contacts?notice=deleted")
