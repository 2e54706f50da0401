"""Every route the server answers, one module per resource."""

from __future__ import annotations

from starlette.routing import BaseRoute

from . import contacts, team

ROUTES: list[BaseRoute] = [*contacts.ROUTES, *team.ROUTES]
