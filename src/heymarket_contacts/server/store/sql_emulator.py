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
    "DELETE FROM webhook_deliveries WHERE team_id = ?",
)


class EmulatorSql(SqlBase):
    def clear_team_data(self, team_id: int) -> None:
        """The team's contacts, channels, notes, tags, custom fields and webhook deliveries
        gone; the team, its users, inboxes, secrets, key and webhook subscriptions stay."""
        for statement in _CLEAR_TEAM:
            self._execute(statement, (team_id,))

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
