"""The v2 contact routes (contract section 6): contacts by uuid, bulk calls, list and search."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import Meta, Struct
from starlette.responses import Response

from ...models import (
    BATCH_MAX,
    ChannelType,
    ContactRef,
    ContactsV2Delete,
    ContactsV2Search,
    ContactsV2Write,
    ContactsV2Written,
    ContactV2,
    ContactV2ListQuery,
    ContactV2Write,
    Name,
)
from ..http import json_response
from ..render import render_contact_v2
from ..routing import BULK_BODY_LIMIT, Call, Operation, QueryParam
from ..service.contacts_v2 import ContactView

OVERWRITE = QueryParam(
    "overwrite", bool, "true: `custom` replaces the stored values; false (default): it merges"
)


class ContactIds(Struct, kw_only=True):
    """The one entry of ``DELETE /v2/contacts`` as documented: contacts by uuid."""

    channel_type: ChannelType
    channel_ids: Annotated[list[Name], Meta(max_length=BATCH_MAX)]


class ContactIdsDelete(Struct, kw_only=True):
    """``DELETE /v2/contacts`` as documented (decoded as ``ContactsV2Delete``, whose entry
    is the shape a search takes)."""

    contact_channels: Annotated[list[ContactIds], Meta(min_length=1, max_length=1)]


class BulkWriteBody(Struct, kw_only=True):
    """``POST /v2/contacts`` as decoded: its items are checked one by one."""

    contacts: Annotated[list[Any], Meta(max_length=BATCH_MAX)]


def _rendered(view: ContactView) -> ContactV2:
    return render_contact_v2(view.contact, view.channels)


async def create_contact_v2(call: Call) -> Response:
    return json_response(
        await call.api.write(call.api.contacts_v2.create_contact, call.principal, call.body)
    )


async def get_contact_v2(call: Call) -> Response:
    view = await call.api.read(
        call.api.contacts_v2.get_contact, call.principal, call.path_text("uuid")
    )
    return json_response(_rendered(view), headers={"ETag": f'"{view.contact.rev}"'})


async def update_contact_v2(call: Call) -> Response:
    view = await call.api.write(
        call.api.contacts_v2.update_contact,
        call.principal,
        call.path_text("uuid"),
        call.body,
        overwrite=call.flag("overwrite", default=False),
        expected_rev=call.expected_rev(),
    )
    return json_response(_rendered(view), headers={"ETag": f'"{view.contact.rev}"'})


async def delete_contact_v2(call: Call) -> Response:
    await call.api.write(
        call.api.contacts_v2.delete_contact,
        call.principal,
        call.path_text("uuid"),
        expected_rev=call.expected_rev(),
    )
    return json_response("ok")


async def write_contacts_v2(call: Call) -> Response:
    outcome = await call.api.write(
        call.api.contacts_v2.write_contacts,
        call.principal,
        call.body.contacts,
        overwrite=call.flag("overwrite", default=False),
    )
    written = ContactsV2Written(
        contacts=[_rendered(view) for view in outcome.written], failed_contacts=outcome.failures
    )
    return json_response(written)


async def delete_contacts_v2(call: Call) -> Response:
    await call.api.write(call.api.contacts_v2.delete_contacts, call.principal, call.body)
    return json_response("ok")


async def list_contacts_v2(call: Call) -> Response:
    found = await call.api.read(call.api.contacts_v2.list_contacts, call.principal, call.body)
    return json_response([_rendered(view) for view in found])


async def search_contacts_v2(call: Call) -> Response:
    found = await call.api.read(call.api.contacts_v2.search_contacts, call.principal, call.body)
    return json_response([_rendered(view) for view in found])


_CONDITIONAL = " With `If-Match` (a GET's `ETag`), only while the contact is at that revision."
OPERATIONS = [
    Operation(
        "POST", "/v2/contact", create_contact_v2, "Create a contact with channels", ContactRef,
        body=ContactV2Write, errors=(409,), tag="contacts v2",
        description="Creates a contact with the channels listed and those `phone` and `email`"
        " make (at least one). A value another contact holds is a 409 with `existing_id` and"
        " `existing_uuid`.",
    ),
    Operation(
        "GET", "/v2/contact/{uuid}", get_contact_v2, "Get a contact and its channels", ContactV2,
        tag="contacts v2", etag=True,
        description="The contact (the v1 read shape) with `contact_channels`; a v1 id or a"
        " malformed uuid is a 404.",
    ),
    Operation(
        "PUT", "/v2/contact/{uuid}", update_contact_v2, "Update a contact (and its channels)",
        ContactV2, body=ContactV2Write, query=[OVERWRITE], errors=(409, 412), tag="contacts v2",
        etag=True,
        description="v1 update semantics for the fields; `contact_channels`, when present,"
        " replaces every channel. Answers the whole updated contact." + _CONDITIONAL,
    ),
    Operation(
        "DELETE", "/v2/contact/{uuid}", delete_contact_v2, "Delete a contact", Literal["ok"],
        errors=(412,), tag="contacts v2",
        description="Deletes the contact, its channels and notes." + _CONDITIONAL,
    ),
    Operation(
        "POST", "/v2/contacts", write_contacts_v2,
        "Create (no `contact_id`) or update (`contact_id`) up to 1,000 contacts",
        ContactsV2Written, body=BulkWriteBody, documented_body=ContactsV2Write, per_item=True,
        query=[OVERWRITE], body_limit=BULK_BODY_LIMIT, tag="contacts v2",
        description="Each item is checked and written on its own, in order: the answer lists"
        " the contacts written and the items that failed, with their index.",
    ),
    Operation(
        "DELETE", "/v2/contacts", delete_contacts_v2, "Delete up to 1,000 contacts by uuid",
        Literal["ok"], body=ContactsV2Delete, documented_body=ContactIdsDelete,
        body_limit=BULK_BODY_LIMIT, tag="contacts v2",
        description="Deletes every contact listed or none: an unknown uuid is a 404 naming it.",
    ),
    Operation(
        "POST", "/v2/contacts/list", list_contacts_v2, "List contacts by date cursor",
        list[ContactV2], body=ContactV2ListQuery, tag="contacts v2",
        description="`POST /v1/contacts` by `updated`, with v2 contacts.",
    ),
    Operation(
        "POST", "/v2/contacts/search", search_contacts_v2,
        "Find contacts by phone, email or other channel values", list[ContactV2],
        body=ContactsV2Search, tag="contacts v2",
        description="Each contact holding any of the values, once, in the order of the first"
        " value it holds; an empty array when none does.",
    ),
]  # fmt: skip
