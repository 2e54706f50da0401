"""SQL for teams, users, inboxes and API secrets."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

from .records import InboxRecord, MembershipRecord, SecretRecord, TeamRecord, UserRecord
from .sql_base import SqlBase

#: ``inboxes.allowed_domains`` holds a JSON array of strings.
_DOMAINS = msgspec.json.Decoder(list[str])


class TeamSql(SqlBase):
    # teams, users, inboxes ------------------------------------------------------------

    def create_team(self, name: str, now_us: int) -> TeamRecord:
        row = self._one(
            "INSERT INTO teams (name, clock_us, created_us) VALUES (?, 0, ?) RETURNING id",
            (name, now_us),
        )
        return TeamRecord(id=row[0], name=name)

    def get_team(self, team_id: int) -> TeamRecord | None:
        row = self._one("SELECT id, name FROM teams WHERE id = ?", (team_id,))
        return TeamRecord(id=row[0], name=row[1]) if row else None

    def lock_team(self, team_id: int) -> bool:
        row = self._one(f"SELECT id FROM teams WHERE id = ?{self._dialect.for_update}", (team_id,))
        return row is not None

    def count_teams(self) -> int:
        return int(self._one("SELECT count(*) FROM teams")[0])

    def team_ids(self) -> list[int]:
        return [int(row[0]) for row in self._all("SELECT id FROM teams ORDER BY id")]

    def advance_team_clock(self, team_id: int, now_us: int, count: int = 1) -> int:
        """Reserve ``count`` stamps past the team's clock and ``now_us``; the first of them."""
        row = self._one(
            f"UPDATE teams SET clock_us = {self._dialect.greatest}(clock_us + ?, ?) "
            "WHERE id = ? RETURNING clock_us",
            (count, now_us + count - 1, team_id),
        )
        return int(row[0]) - count + 1

    def count_contacts(self, team_id: int) -> int:
        return int(self._one("SELECT count(*) FROM contacts WHERE team_id = ?", (team_id,))[0])

    def create_user(
        self, team_id: int, *, first_name: str, last_name: str, email: str, phone: str,
        role_id: int, now_us: int,
    ) -> UserRecord:  # fmt: skip
        row = self._one(
            "INSERT INTO users (team_id, first_name, last_name, email, phone, role_id,"
            " created_us, updated_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (team_id, first_name, last_name, email, phone, role_id, now_us, now_us),
        )
        return UserRecord(row[0], team_id, first_name, last_name, email, phone, role_id)

    _USER_COLUMNS = "id, team_id, first_name, last_name, email, phone, role_id"

    def get_user(self, team_id: int, user_id: int) -> UserRecord | None:
        row = self._one(
            f"SELECT {self._USER_COLUMNS} FROM users WHERE team_id = ? AND id = ?",
            (team_id, user_id),
        )
        return UserRecord(*row) if row else None

    def list_users(self, team_id: int) -> list[UserRecord]:
        rows = self._all(
            f"SELECT {self._USER_COLUMNS} FROM users WHERE team_id = ? ORDER BY id", (team_id,)
        )
        return [UserRecord(*row) for row in rows]

    def list_memberships(self, team_id: int) -> list[MembershipRecord]:
        rows = self._all(
            f"SELECT {self._USER_COLUMNS}, created_us, updated_us FROM users WHERE team_id = ?"
            " ORDER BY id",
            (team_id,),
        )
        return [MembershipRecord(UserRecord(*row[:7]), row[7], row[8]) for row in rows]

    def update_user(
        self, team_id: int, user_id: int, *, first_name: str, last_name: str, role_id: int,
        now_us: int,
    ) -> bool:  # fmt: skip
        row = self._one(
            "UPDATE users SET first_name = ?, last_name = ?, role_id = ?, updated_us = ?"
            " WHERE team_id = ? AND id = ? RETURNING id",
            (first_name, last_name, role_id, now_us, team_id, user_id),
        )
        return row is not None

    def create_inbox(self, team_id: int, name: str, phone: str, now_us: int) -> InboxRecord:
        row = self._one(
            "INSERT INTO inboxes (team_id, name, phone, created_us) VALUES (?, ?, ?, ?)"
            " RETURNING id",
            (team_id, name, phone, now_us),
        )
        return InboxRecord(id=row[0], team_id=team_id, name=name, phone=phone)

    _INBOX_COLUMNS = "id, team_id, name, phone, auto_assignable, forward_number, allowed_domains"

    def get_inbox(self, team_id: int, inbox_id: int) -> InboxRecord | None:
        row = self._one(
            f"SELECT {self._INBOX_COLUMNS} FROM inboxes WHERE team_id = ? AND id = ?",
            (team_id, inbox_id),
        )
        if row is None:
            return None
        members = self._all(
            "SELECT user_id FROM inbox_members WHERE inbox_id = ? ORDER BY user_id", (inbox_id,)
        )
        return _inbox(row, [member[0] for member in members])

    def list_inboxes(self, team_id: int) -> list[InboxRecord]:
        members: dict[int, list[int]] = {}
        for inbox_id, user_id in self._all(
            "SELECT m.inbox_id, m.user_id FROM inbox_members m"
            " JOIN inboxes i ON i.id = m.inbox_id WHERE i.team_id = ?"
            " ORDER BY m.inbox_id, m.user_id",
            (team_id,),
        ):
            members.setdefault(inbox_id, []).append(user_id)
        rows = self._all(
            f"SELECT {self._INBOX_COLUMNS} FROM inboxes WHERE team_id = ? ORDER BY id", (team_id,)
        )
        return [_inbox(row, members.get(row[0], [])) for row in rows]

    def add_inbox_members(self, inbox_id: int, user_ids: Iterable[int]) -> None:
        for user_id in user_ids:
            self._execute(
                "INSERT INTO inbox_members (inbox_id, user_id) VALUES (?, ?)", (inbox_id, user_id)
            )

    # the legacy team API key ------------------------------------------------------------

    def team_key_hash(self, team_id: int) -> str | None:
        row = self._one("SELECT api_key_hash FROM teams WHERE id = ?", (team_id,))
        return row[0] if row else None

    def set_team_key_hash(self, team_id: int, key_hash: str | None) -> None:
        self._execute("UPDATE teams SET api_key_hash = ? WHERE id = ?", (key_hash, team_id))

    def team_id_by_key_hash(self, key_hash: str) -> int | None:
        row = self._one("SELECT id FROM teams WHERE api_key_hash = ?", (key_hash,))
        return int(row[0]) if row else None

    # API secrets -----------------------------------------------------------------------

    _SECRET_COLUMNS = "secret_id, team_id, user_id, nonce, key_ciphertext, created_us, revoked_us"  # noqa: S105

    def insert_secret(self, secret: SecretRecord) -> None:
        self._execute(
            f"INSERT INTO api_secrets ({self._SECRET_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                secret.secret_id, secret.team_id, secret.user_id, secret.nonce,
                secret.key_ciphertext, secret.created_us, secret.revoked_us,
            ),
        )  # fmt: skip

    def get_secret(self, secret_id: str) -> SecretRecord | None:
        row = self._one(
            f"SELECT {self._SECRET_COLUMNS} FROM api_secrets WHERE secret_id = ?", (secret_id,)
        )
        return _secret(row) if row else None

    def active_secret_row(self, secret_id: str) -> tuple[int, int, bytes, bytes] | None:
        """``(team_id, user_id, nonce, key_ciphertext)`` of the secret while it is active, else
        ``None``: what a secret remembered in memory is compared with on each use, so that a
        revocation, or a row rewritten under it, counts at once."""
        row = self._one(
            "SELECT team_id, user_id, nonce, key_ciphertext FROM api_secrets"
            " WHERE secret_id = ? AND revoked_us IS NULL",
            (secret_id,),
        )
        return (int(row[0]), int(row[1]), bytes(row[2]), bytes(row[3])) if row else None

    def list_secrets(self, team_id: int) -> list[SecretRecord]:
        rows = self._all(
            f"SELECT {self._SECRET_COLUMNS} FROM api_secrets WHERE team_id = ?"
            " ORDER BY created_us, secret_id",
            (team_id,),
        )
        return [_secret(row) for row in rows]

    def revoke_secret(self, secret_id: str, now_us: int) -> bool:
        row = self._one(
            "UPDATE api_secrets SET revoked_us = ? WHERE secret_id = ? AND revoked_us IS NULL"
            " RETURNING secret_id",
            (now_us, secret_id),
        )
        return row is not None


def _inbox(row: Sequence[Any], member_ids: Sequence[int]) -> InboxRecord:
    return InboxRecord(
        id=row[0], team_id=row[1], name=row[2], phone=row[3], auto_assignable=bool(row[4]),
        forward_number=row[5], allowed_domains=tuple(_DOMAINS.decode(row[6])),
        member_ids=tuple(member_ids),
    )  # fmt: skip


def _secret(row: Sequence[Any]) -> SecretRecord:
    return SecretRecord(
        secret_id=row[0], team_id=row[1], user_id=row[2], nonce=bytes(row[3]),
        key_ciphertext=bytes(row[4]), created_us=row[5], revoked_us=row[6],
    )  # fmt: skip
