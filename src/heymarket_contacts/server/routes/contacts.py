"""The v1 contact routes: parse, call one service operation, answer."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta
from starlette.responses import Response

from ...models import (
    BATCH_MAX,
    BatchFailure,
    Contact,
    ContactListQuery,
    ContactLookup,
    ContactRef,
    ContactStatus,
    ContactWrite,
    SetStatus,
)
from ..contact_cache import KeptAnswer
from ..http import JsonResponse, json_response
from ..render import render_contact
from ..routing import BULK_BODY_LIMIT, Call, Operation, QueryParam

OVERWRITE = QueryParam(
    "overwrite", bool, "true: `custom` replaces the stored values; false (default): it merges"
)
BATCH_OVERWRITE = QueryParam(
    "overwrite", bool, "true: an item whose phone exists updates that contact; false: it is skipped"
)
BatchBody = Annotated[list[Any], Meta(max_length=BATCH_MAX)]
BatchItems = Annotated[list[ContactWrite], Meta(max_length=BATCH_MAX)]


async def create_contact(call: Call) -> Response:
    return json_response(
        await call.api.write(call.api.contacts.create_contact, call.principal, call.body)
    )


async def get_contact(call: Call) -> Response:
    contact_id, cache = call.path_id(), call.api.contact_answers
    if cache is None:
        contact = await call.api.read(call.api.contacts.get_contact, call.principal, contact_id)
        return json_response(render_contact(contact), headers={"ETag": f'"{contact.rev}"'})
    key = (call.principal.team_id, contact_id)
    version, kept = cache.lookup(key)
    if kept is None:
        contact = await call.api.read(call.api.contacts.get_contact, call.principal, contact_id)
        kept = KeptAnswer(msgspec.json.encode(render_contact(contact)), f'"{contact.rev}"')
        cache.keep(version, key, kept)
    return JsonResponse(kept.body, {"ETag": kept.etag})


async def update_contact(call: Call) -> Response:
    ref = await call.api.write(
        call.api.contacts.update_contact,
        call.principal,
        call.path_id(),
        call.body,
        overwrite=call.flag("overwrite", default=False),
        expected_rev=call.expected_rev(),
    )
    return json_response(ref)


async def delete_contact(call: Call) -> Response:
    await call.api.write(
        call.api.contacts.delete_contact,
        call.principal,
        call.path_id(),
        expected_rev=call.expected_rev(),
    )
    return json_response("ok")


async def list_contacts(call: Call) -> Response:
    contacts = await call.api.read(call.api.contact_list.list_contacts, call.principal, call.body)
    return json_response([render_contact(contact) for contact in contacts])


async def count_contacts(call: Call) -> Response:
    return json_response(
        await call.api.read(call.api.contact_list.count_contacts, call.principal, call.body)
    )


async def find_contact(call: Call) -> Response:
    contact = await call.api.read(call.api.contacts.find_contact, call.principal, call.body)
    return json_response(render_contact(contact), headers={"ETag": f'"{contact.rev}"'})


async def contact_status(call: Call) -> Response:
    contact = await call.api.read(call.api.contacts.find_contact, call.principal, call.body)
    fields = contact.fields
    return json_response(
        ContactStatus(
            id=contact.id,
            phone=fields.phone,
            unsubscribed=fields.is_opted_out,
            blocked=fields.is_blocked,
        )
    )


async def set_status(call: Call) -> Response:
    await call.api.write(
        call.api.contacts.set_status, call.principal, call.body, expected_rev=call.expected_rev()
    )
    return json_response("success")


async def import_contacts(call: Call) -> Response:
    failures = await call.api.write(
        call.api.batch.import_contacts,
        call.principal,
        call.body,
        overwrite=call.flag("overwrite", default=False),
    )
    return json_response(failures or "ok")


_CONDITIONAL = " With `If-Match` (a GET's `ETag`), only while the contact is at that revision."
OPERATIONS = [
    Operation(
        "POST", "/v1/contact", create_contact, "Create a contact", ContactRef, body=ContactWrite,
        errors=(409,), tag="contacts",
        description="Creates a contact from the write shape (`phone` required). A phone or an"
        " email another contact of the team holds is a 409 with `existing_id`.",
    ),
    Operation(
        "GET", "/v1/contact/{id}", get_contact, "Get a contact", Contact, tag="contacts",
        etag=True,
        description="The contact, every field present; `ETag` is its revision.",
    ),
    Operation(
        "PUT", "/v1/contact/{id}", update_contact, "Update a contact", ContactRef,
        body=ContactWrite, query=[OVERWRITE], errors=(409, 412), tag="contacts",
        description="Fields present overwrite, absent ones stay; `phone` is required. `custom`"
        " merges unless `overwrite=true`; `tags` replaces the contact's tags." + _CONDITIONAL,
    ),
    Operation(
        "DELETE", "/v1/contact/{id}", delete_contact, "Delete a contact", Literal["ok"],
        errors=(412,), tag="contacts",
        description="Deletes the contact, its channels and notes; a second delete is a 404."
        + _CONDITIONAL,
    ),
    Operation(
        "POST", "/v1/contacts", list_contacts, "List contacts by date cursor", list[Contact],
        body=ContactListQuery, tag="contacts",
        description="Up to `limit` contacts strictly before `date` (after it when ascending)."
        " Pass the last item's `updated` (or `created`) as the next `date`; an empty array"
        " ends the walk.",
    ),
    Operation(
        "POST", "/v1/contacts/count", count_contacts, "Count the contacts a listing selects", int,
        body=ContactListQuery, tag="contacts",
        description="How many contacts the same options select, cursor included (`limit` and"
        " `page` aside), as a JSON integer.",
    ),
    Operation(
        "POST", "/v1/contact/get", find_contact, "Get a contact by phone or id", Contact,
        body=ContactLookup, tag="contacts", etag=True,
        description="The contact with this phone (any of its phone channels) or id; phone"
        " wins when both are given.",
    ),
    Operation(
        "POST", "/v1/contact/status", contact_status, "A contact's opt-out and block status",
        ContactStatus, body=ContactLookup, tag="contacts",
        description="Whether the contact (by phone or id) is unsubscribed and blocked.",
    ),
    Operation(
        "POST", "/v1/contact/set_status", set_status, "Subscribe, unsubscribe, block, unblock",
        Literal["success"], body=SetStatus, errors=(412,), tag="contacts",
        description="Changes the contact's status; each call is a write (`rev` + 1,"
        " `op: \"status\"`)." + _CONDITIONAL,
    ),
    Operation(
        "POST", "/v1/batch/contacts", import_contacts, "Create or update contacts in bulk",
        Literal["ok"] | list[BatchFailure], body=BatchBody, query=[BATCH_OVERWRITE],
        body_limit=BULK_BODY_LIMIT, documented_body=BatchItems, per_item=True, tag="contacts",
        description="Up to 1,000 contacts, matched by phone: a match is skipped, or updated with"
        " `overwrite=true`; others are created. Each item is checked on its own: valid items"
        " are written even when others fail, and the answer lists the failures (`\"ok\"`"
        " when none failed).",
    ),
]  # fmt: skip
