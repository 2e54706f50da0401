"""``GET /v1/team``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..api import Api, authenticated
from ..http import json_response
from ..principal import Principal


async def get_team(request: Request, principal: Principal, api: Api) -> Response:
    return json_response(await api.read(api.team.get_team, principal))


ROUTES = [Route("/v1/team", authenticated(get_team), methods=["GET"])]
