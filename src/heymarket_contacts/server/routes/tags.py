"""Tags: create, get, list by date cursor, delete (which takes the tag off every contact)."""

from __future__ import annotations

from typing import Literal

from starlette.responses import Response

from ...models import TagCreated, TagDetail, TagListQuery, TagWrite
from ..http import json_response
from ..routing import Call, Operation


async def create_tag(call: Call) -> Response:
    return json_response(await call.api.write(call.api.tags.create_tag, call.principal, call.body))


async def get_tag(call: Call) -> Response:
    return json_response(await call.api.read(call.api.tags.get_tag, call.principal, call.path_id()))


async def list_tags(call: Call) -> Response:
    return json_response(await call.api.read(call.api.tags.list_tags, call.principal, call.body))


async def delete_tag(call: Call) -> Response:
    await call.api.write(call.api.tags.delete_tag, call.principal, call.path_id())
    return json_response("ok")


OPERATIONS = [
    Operation(
        "POST", "/v1/tag", create_tag, "Create a tag", TagCreated, body=TagWrite, errors=(409,),
        tag="tags",
        description="Creates a tag; a label the team has (ignoring case and Unicode form) is a"
        " 409 with `existing_id`.",
    ),
    Operation(
        "GET", "/v1/tag/{id}", get_tag, "Get a tag", TagDetail, tag="tags",
        description="The tag.",
    ),
    Operation(
        "POST", "/v1/tags", list_tags, "Up to 30 tags updated before `date`, newest first",
        list[TagDetail], body=TagListQuery, tag="tags",
        description="Walk by passing the last item's `updated` as the next `date`.",
    ),
    Operation(
        "DELETE", "/v1/tag/{id}", delete_tag, "Delete a tag, taking it off every contact",
        Literal["ok"], tag="tags",
        description="Deletes the tag; each contact that had it gets a write (`op: \"tags\"`).",
    ),
]  # fmt: skip
