"""SQL for teams, users, inboxes and API secrets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .records import InboxRecord, SecretRecord, TeamRecord, UserRecord
from .sql_base import SqlBase


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

    def advance_team_clock(self, team_id: int, now_us: int) -> int:
        row = self._one(
            f"UPDATE teams SET clock_us = {self._dialect.greatest}(clock_us + 1, ?) "
            "WHERE id = ? RETURNING clock_us",
            (now_us, team_id),
        )
        return int(row[0])

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

    def create_inbox(self, team_id: int, name: str, phone: str, now_us: int) -> InboxRecord:
        row = self._one(
            "INSERT INTO inboxes (team_id, name, phone, created_us) VALUES (?, ?, ?, ?)"
            " RETURNING id",
            (team_id, name, phone, now_us),
        )
        return InboxRecord(id=row[0], team_id=team_id, name=name, phone=phone)

    def get_inbox(self, team_id: int, inbox_id: int) -> InboxRecord | None:
        row = self._one(
            "SELECT id, team_id, name, phone FROM inboxes WHERE team_id = ? AND id = ?",
            (team_id, inbox_id),
        )
        return InboxRecord(*row) if row else None

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


def _secret(row: Sequence[Any]) -> SecretRecord:
    return SecretRecord(
        secret_id=row[0], team_id=row[1], user_id=row[2], nonce=bytes(row[3]),
        key_ciphertext=bytes(row[4]), created_us=row[5], revoked_us=row[6],
    )  # fmt: skip
