"""``GET /v1/team`` and ``GET /v1/inboxes``."""

from __future__ import annotations

from starlette.responses import Response

from ...models import Inbox, Team
from ..http import json_response
from ..routing import Call, Operation


async def get_team(call: Call) -> Response:
    return json_response(await call.api.read(call.api.team.get_team, call.principal))


async def list_inboxes(call: Call) -> Response:
    return json_response(await call.api.read(call.api.team.list_inboxes, call.principal))


OPERATIONS = [
    Operation(
        "GET", "/v1/team", get_team, "The caller's team", Team, tag="team",
        description="The team, its contact count and its members.",
    ),
    Operation(
        "GET", "/v1/inboxes", list_inboxes, "The team's inboxes", list[Inbox], tag="inboxes",
        description="The team's inboxes, by id.",
    ),
]  # fmt: skip
