"""``/v1/users/get`` (``GET`` with an optional body, or ``POST``) and ``/v1/users/update``."""

from __future__ import annotations

from starlette.responses import Response

from ...models import Memberships, UserLookup, UsersUpdate
from ..http import json_response
from ..routing import Call, Operation


async def get_users(call: Call) -> Response:
    return json_response(await call.api.read(call.api.users.get_users, call.principal, call.body))


async def get_users_by_post(call: Call) -> Response:
    """The same call as :func:`get_users`, for clients that cannot send a body with GET."""
    return await get_users(call)


async def update_users(call: Call) -> Response:
    return json_response(
        await call.api.write(call.api.users.update_users, call.principal, call.body)
    )


OPERATIONS = [
    Operation(
        "GET", "/v1/users/get", get_users, "The team's users with these phones or emails",
        Memberships, body=UserLookup, body_optional=True, tag="users",
        description="Users whose phone or email is listed; with no item (or no body), every"
        " user of the team. Also as POST, for clients that cannot send a body with GET.",
    ),
    Operation(
        "POST", "/v1/users/get", get_users_by_post, "The team's users with these phones or emails",
        Memberships, body=UserLookup, body_optional=True, tag="users",
        description="The same as `GET /v1/users/get`.",
    ),
    Operation(
        "POST", "/v1/users/update", update_users, "Change users' names and roles", Memberships,
        body=UsersUpdate, tag="users",
        description="All the items or none. An id of no user of the team is a 404 naming it; a"
        " call that would leave the team without an owner is a 400.",
    ),
]  # fmt: skip
