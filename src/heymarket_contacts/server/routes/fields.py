"""Custom contact fields: list them, and make those the team does not have yet."""

from __future__ import annotations

from starlette.responses import Response

from ...models import ContactField, FieldCreated, FieldListQuery, FieldTitles
from ..http import json_response
from ..routing import BULK_BODY_LIMIT, Call, Operation


async def list_contact_fields(call: Call) -> Response:
    return json_response(await call.api.read(call.api.fields.list_contact_fields, call.principal))


async def create_contact_fields(call: Call) -> Response:
    return json_response(
        await call.api.write(call.api.fields.create_contact_fields, call.principal, call.body)
    )


OPERATIONS = [
    Operation(
        "POST", "/v1/contact-fields", list_contact_fields, "The team's custom contact fields",
        list[ContactField], body=FieldListQuery, tag="custom fields",
        description="The team's custom contact fields, oldest first (the body is `{}`).",
    ),
    Operation(
        "POST", "/v1/contacts/fields", create_contact_fields,
        "Make custom contact fields (a title the team has is answered as a duplicate)",
        list[FieldCreated], body=FieldTitles, body_limit=BULK_BODY_LIMIT, tag="custom fields",
        description="Makes a field for each title the team does not have (ignoring case and"
        " Unicode form), in the order sent; a bad item is a 400 naming it and makes none.",
    ),
]  # fmt: skip
