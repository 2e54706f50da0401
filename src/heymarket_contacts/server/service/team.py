"""The caller's team, as ``GET /v1/team`` shows it."""

from __future__ import annotations

from ...models import Team
from ..errors import NotFound
from ..principal import Principal
from ..render import render_team
from ..store import Store


class TeamService:
    def __init__(self, store: Store) -> None:
        self._store = store

    def get_team(self, principal: Principal) -> Team:
        with self._store.read() as tx:
            team = tx.get_team(principal.team_id)
            if team is None:
                raise NotFound(f"no team {principal.team_id}")
            users = tx.list_users(team.id)
            return render_team(team, users, tx.count_contacts(team.id))
