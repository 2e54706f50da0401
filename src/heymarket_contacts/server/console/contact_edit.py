"""Editing a contact: the form with its current values, and the save, conditional on the
revision the form was opened at (a change made meanwhile is a conflict, not a lost update)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ...models import ContactV2Write
from ..errors import ApiError, BadData, Conflict, PreconditionFailed
from ..render import render_contact
from ..store.records import ContactRecord
from .contact_forms import ID_FIELDS, TEXT_FIELDS, contact_write, edit_body
from .contact_pages import contact_of_path
from .web import View, field_errors, redirect


async def edit_page(view: View) -> Response:
    record = await contact_of_path(view)
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
    record = await contact_of_path(view)
    fields = await view.api.read(view.api.fields.list_contact_fields, view.principal)
    values = {name: view.value(name) for name in view.form if name != "csrf"}
    try:
        body = edit_body(view.form, [f.id for f in fields])
        await save_contact(view, record, body, expected=form_rev(view))
    except PreconditionFailed:
        current = await contact_of_path(view)
        return await _edit_form(
            view, current, values=values, rev=current.rev, conflict=True, status=409
        )
    except (BadData, Conflict) as error:
        return await _edit_form(
            view,
            record,
            values=values,
            rev=form_rev(view),
            errors=_named(error),
            status=error.status,
        )
    return redirect(f"/console/contacts/{record.id}?notice=saved")


async def save_contact(
    view: View, record: ContactRecord, body: dict[str, Any], *, expected: int
) -> None:
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


def form_rev(view: View) -> int:
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


async def new_page(view: View) -> Response:
    return await _new_form(view, values={}, errors={})


async def _new_form(
    view: View, *, values: dict[str, str], errors: dict[str, str], status: int = 200
) -> Response:
    fields = await view.api.read(view.api.fields.list_contact_fields, view.principal)
    return view.render(
        "new.html", status=status, values=values, errors=errors, text_fields=TEXT_FIELDS,
        id_fields=ID_FIELDS, fields=fields,
    )  # fmt: skip


async def create_contact(view: View) -> Response:
    """A v1 create (``phone`` required), with the custom fields that were filled in."""
    fields = await view.api.read(view.api.fields.list_contact_fields, view.principal)
    values = {name: view.value(name) for name in view.form if name != "csrf"}
    try:
        body = edit_body(view.form, [f.id for f in fields])
        body["custom"] = {key: value for key, value in body["custom"].items() if value}
        write = contact_write(body, phone_required=True)
        made = await view.api.write(view.api.contacts.create_contact, view.principal, write)
    except (BadData, Conflict) as error:
        return await _new_form(view, values=values, errors=_named(error), status=error.status)
    return redirect(f"/console/contacts/{made.id}?notice=created")
