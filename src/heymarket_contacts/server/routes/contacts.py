"""The v1 contact routes: parse, call one service operation, answer."""

from __future__ import annotations

from typing import Literal

from starlette.responses import Response

from ...models import Contact, ContactRef, ContactWrite
from ..http import json_response
from ..render import render_contact
from ..routing import Call, Operation, QueryParam

OVERWRITE = QueryParam(
    "overwrite", bool, "true: `custom` replaces the stored values; false (default): it merges"
)


async def create_contact(call: Call) -> Response:
    return json_response(
        await call.api.write(call.api.contacts.create_contact, call.principal, call.body)
    )


async def get_contact(call: Call) -> Response:
    contact = await call.api.read(call.api.contacts.get_contact, call.principal, call.path_id())
    return json_response(render_contact(contact), headers={"ETag": f'"{contact.rev}"'})


async def update_contact(call: Call) -> Response:
    ref = await call.api.write(
        call.api.contacts.update_contact,
        call.principal,
        call.path_id(),
        call.body,
        overwrite=call.flag("overwrite", default=False),
    )
    return json_response(ref)


async def delete_contact(call: Call) -> Response:
    await call.api.write(call.api.contacts.delete_contact, call.principal, call.path_id())
    return json_response("ok")


OPERATIONS = [
    Operation(
        "POST", "/v1/contact", create_contact, "Create a contact", ContactRef, body=ContactWrite,
        errors=(409,),
    ),
    Operation("GET", "/v1/contact/{id}", get_contact, "Get a contact", Contact),
    Operation(
        "PUT", "/v1/contact/{id}", update_contact, "Update a contact", ContactRef,
        body=ContactWrite, query=[OVERWRITE], errors=(409,),
    ),
    Operation("DELETE", "/v1/contact/{id}", delete_contact, "Delete a contact", Literal["ok"]),
]  # fmt: skip
