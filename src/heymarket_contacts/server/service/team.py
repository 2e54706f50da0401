"""The caller's team and its inboxes, as ``GET /v1/team`` and ``GET /v1/inboxes`` show them."""

from __future__ import annotations

from ...models import Inbox, Team
from ..errors import NotFound
from ..principal import Principal
from ..render import render_inbox, render_team
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

    def list_inboxes(self, principal: Principal) -> list[Inbox]:
        with self._store.read() as tx:
            inboxes = tx.list_inboxes(principal.team_id)
        return [render_inbox(inbox) for inbox in inboxes]
