"""The channel routes of a v2 contact (contract section 6)."""

from __future__ import annotations

from typing import Literal

from starlette.responses import Response

from ...models import ChannelWrite, ContactChannel
from ..http import json_response
from ..render import render_channel
from ..routing import Call, Operation


async def add_channel(call: Call) -> Response:
    channels = await call.api.write(
        call.api.channels.add_channel, call.principal, call.path_text("uuid"), call.body
    )
    return json_response([render_channel(channel) for channel in channels])


async def replace_channel(call: Call) -> Response:
    channels = await call.api.write(
        call.api.channels.replace_channel, call.principal, call.path_text("uuid"), call.body
    )
    return json_response([render_channel(channel) for channel in channels])


async def list_channels(call: Call) -> Response:
    channels = await call.api.read(
        call.api.channels.list_channels, call.principal, call.path_text("uuid")
    )
    return json_response([render_channel(channel) for channel in channels])


async def get_channel(call: Call) -> Response:
    channel = await call.api.read(
        call.api.channels.get_channel,
        call.principal,
        call.path_text("uuid"),
        call.path_text("type"),
    )
    return json_response(render_channel(channel))


async def delete_channel(call: Call) -> Response:
    await call.api.write(
        call.api.channels.delete_channel,
        call.principal,
        call.path_text("uuid"),
        call.path_text("type"),
    )
    return json_response("ok")


OPERATIONS = [
    Operation(
        "POST", "/v2/contact/{uuid}/channel", add_channel, "Add a channel to a contact",
        list[ContactChannel], body=ChannelWrite, errors=(409,), tag="channels",
        description="Adds a channel; the first of its type becomes primary. A value the"
        " contact holds already only takes the handle and info given. A value another contact"
        " holds is a 409.",
    ),
    Operation(
        "PUT", "/v2/contact/{uuid}/channel", replace_channel,
        "Replace the primary channel of a type", list[ContactChannel], body=ChannelWrite,
        errors=(409,), tag="channels",
        description="Puts the value in place of the primary channel of its type (which keeps"
        " its id); answers the contact's channels.",
    ),
    Operation(
        "GET", "/v2/contact/{uuid}/channels", list_channels, "A contact's channels",
        list[ContactChannel], tag="channels",
        description="The contact's channels, primary ones first, then oldest first.",
    ),
    Operation(
        "GET", "/v2/contact/{uuid}/channel/{type}", get_channel,
        "The primary channel of a type", ContactChannel, tag="channels",
        description="The contact's primary channel of the type in the path.",
    ),
    Operation(
        "DELETE", "/v2/contact/{uuid}/channel/{type}", delete_channel,
        "Remove the primary channel of a type", Literal["ok"], tag="channels",
        description="Removes the primary channel of the type; the oldest other one of the type"
        " becomes primary. The contact's last channel is a 400.",
    ),
]  # fmt: skip
