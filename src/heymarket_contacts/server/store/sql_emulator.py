"""SQL of the emulator's data calls (spec section 9) that both databases share: a team's data
cleared, and what a snapshot's restore must keep (revocations)."""

from __future__ import annotations

from collections.abc import Sequence

from .sql_base import SqlBase

#: Every table of the data set, parents before children: what a snapshot holds and a restore
#: replaces (not the migrations' record, nor the rate windows).
DATA_TABLES = (
    "teams", "users", "inboxes", "inbox_members", "api_secrets", "contact_fields", "tags",
    "contacts", "contact_tags", "notes", "contact_channels",
)  # fmt: skip

#: What a reset removes of one team, children first. Ids come from sequences that deletes
#: never lower (SQLite AUTOINCREMENT, PostgreSQL identities), so none is used again.
_CLEAR_TEAM = (
    "DELETE FROM contact_channels WHERE team_id = ?",
    "DELETE FROM notes WHERE contact_id IN (SELECT id FROM contacts WHERE team_id = ?)",
    "DELETE FROM contact_tags WHERE contact_id IN (SELECT id FROM contacts WHERE team_id = ?)",
    "DELETE FROM contacts WHERE team_id = ?",
    "DELETE FROM tags WHERE team_id = ?",
    "DELETE FROM contact_fields WHERE team_id = ?",
)
#: The team's webhook events and deliveries (its subscriptions stay): cleared team by team on
#: both paths, as a delivery may belong to a team with no contacts left.
_CLEAR_TEAM_DELIVERIES = (
    "DELETE FROM webhook_events WHERE team_id = ?",
    "DELETE FROM webhook_deliveries WHERE team_id = ?",
)


#: The tables a reset empties, children first, and those of them with a ``team_id`` column
#: (the others hang off contacts).
_CLEARED_TABLES = (
    "contact_channels",
    "notes",
    "contact_tags",
    "contacts",
    "tags",
    "contact_fields",
)
_TEAM_TABLES = ("contacts", "contact_channels", "tags", "contact_fields")


class EmulatorSql(SqlBase):
    def clear_teams(self, team_ids: Sequence[int] | None) -> list[int]:
        """The contacts, channels, notes, tags, custom fields and webhook deliveries of these
        teams (``None``: every team) gone; teams, users, inboxes, secrets, keys and webhook
        subscriptions stay. The ids of the teams
        that exist. When no other team has data, the tables are emptied whole, which costs
        the pages, not the rows and their index entries (a team of 10,000 contacts: ~100 ms
        row by row)."""
        known = [int(row[0]) for row in self._all("SELECT id FROM teams ORDER BY id")]
        teams = known if team_ids is None else [team for team in team_ids if team in known]
        if not teams:
            return []
        if team_ids is None or not self._others_hold_data(set(teams)):
            for statement in self._dialect.emptying(_CLEARED_TABLES):
                self._execute(statement)
        else:
            for team in teams:
                for statement in _CLEAR_TEAM:
                    self._execute(statement, (team,))
        for team in teams:
            for statement in _CLEAR_TEAM_DELIVERIES:
                self._execute(statement, (team,))
        return teams

    def _others_hold_data(self, teams: set[int]) -> bool:
        """Whether a team outside ``teams`` may have rows in the cleared tables: asked of
        each table's lowest and highest team id (index ends, not a scan), so it answers
        "yes" for some sets it could have cleared whole, never "no" wrongly."""
        for table in _TEAM_TABLES:
            low, high = self._one(f"SELECT min(team_id), max(team_id) FROM {table}")
            if low is None:
                continue
            if low != high or low not in teams:
                return True
        return False

    def phones_of_team(self, team_id: int) -> set[str]:
        rows = self._all("SELECT phone FROM contacts WHERE team_id = ? AND phone <> ''", (team_id,))
        return {str(row[0]) for row in rows}

    def newest_contact_ids(self, team_id: int, count: int) -> tuple[int, int]:
        """The lowest and highest id of the team's ``count`` newest contacts."""
        low, high = self._one(
            "SELECT min(id), max(id) FROM (SELECT id FROM contacts WHERE team_id = ?"
            " ORDER BY id DESC LIMIT ?) newest",
            (team_id, count),
        )
        return int(low or 0), int(high or 0)

    def revoked_secrets(self) -> list[tuple[str, int]]:
        rows = self._all(
            "SELECT secret_id, revoked_us FROM api_secrets WHERE revoked_us IS NOT NULL"
        )
        return [(str(row[0]), int(row[1])) for row in rows]

    def revoke_again(self, revoked: Sequence[tuple[str, int]]) -> None:
        """Secrets revoked before a restore stay revoked after it."""
        for secret_id, revoked_us in revoked:
            self._execute(
                "UPDATE api_secrets SET revoked_us = ? WHERE secret_id = ? AND revoked_us IS NULL",
                (revoked_us, secret_id),
            )
