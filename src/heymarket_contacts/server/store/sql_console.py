"""SQL of the web console: its users, their sessions and the failed logins of each address."""

from __future__ import annotations

from .records import ConsoleSessionRecord, ConsoleUserRecord
from .sql_base import SqlBase

_USER_COLUMNS = "u.id, u.team_id, u.email, u.password_hash, u.created_us"


class ConsoleSql(SqlBase):
    def insert_console_user(
        self, team_id: int, email: str, email_key: str, password_hash: str, now_us: int
    ) -> ConsoleUserRecord:
        row = self._one(
            "INSERT INTO console_users (team_id, email, email_key, password_hash, created_us)"
            " VALUES (?, ?, ?, ?, ?) RETURNING id",
            (team_id, email, email_key, password_hash, now_us),
        )
        return ConsoleUserRecord(int(row[0]), team_id, email, password_hash, now_us)

    def console_user_by_email(self, email_key: str) -> ConsoleUserRecord | None:
        row = self._one(
            f"SELECT {_USER_COLUMNS} FROM console_users u WHERE u.email_key = ?", (email_key,)
        )
        return ConsoleUserRecord(*row) if row else None

    def list_console_users(self, team_id: int | None) -> list[ConsoleUserRecord]:
        if team_id is None:
            rows = self._all(f"SELECT {_USER_COLUMNS} FROM console_users u ORDER BY u.id")
        else:
            rows = self._all(
                f"SELECT {_USER_COLUMNS} FROM console_users u WHERE u.team_id = ? ORDER BY u.id",
                (team_id,),
            )
        return [ConsoleUserRecord(*row) for row in rows]

    def delete_console_user(self, user_id: int) -> None:
        """The user and every session of it."""
        self._execute("DELETE FROM console_sessions WHERE console_user_id = ?", (user_id,))
        self._execute("DELETE FROM console_users WHERE id = ?", (user_id,))

    def set_console_password(self, user_id: int, password_hash: str) -> None:
        """A new password; every session of the user ends."""
        self._execute(
            "UPDATE console_users SET password_hash = ? WHERE id = ?", (password_hash, user_id)
        )
        self._execute("DELETE FROM console_sessions WHERE console_user_id = ?", (user_id,))

    def insert_console_session(
        self, token_hash: str, user_id: int, csrf_token: str, now_us: int
    ) -> None:
        self._execute(
            "INSERT INTO console_sessions (token_hash, console_user_id, csrf_token, created_us,"
            " seen_us) VALUES (?, ?, ?, ?, ?)",
            (token_hash, user_id, csrf_token, now_us, now_us),
        )

    def console_session(self, token_hash: str) -> ConsoleSessionRecord | None:
        """The session and its user; ``None`` when either is gone."""
        row = self._one(
            f"SELECT {_USER_COLUMNS}, s.csrf_token, s.created_us, s.seen_us FROM"
            " console_sessions s JOIN console_users u ON u.id = s.console_user_id"
            " WHERE s.token_hash = ?",
            (token_hash,),
        )
        if row is None:
            return None
        return ConsoleSessionRecord(ConsoleUserRecord(*row[:5]), row[5], row[6], row[7])

    def touch_console_session(self, token_hash: str, now_us: int) -> None:
        self._execute(
            "UPDATE console_sessions SET seen_us = ? WHERE token_hash = ?", (now_us, token_hash)
        )

    def delete_console_session(self, token_hash: str) -> None:
        self._execute("DELETE FROM console_sessions WHERE token_hash = ?", (token_hash,))

    def delete_stale_console_sessions(self, idle_before_us: int, created_before_us: int) -> None:
        self._execute(
            "DELETE FROM console_sessions WHERE seen_us < ? OR created_us < ?",
            (idle_before_us, created_before_us),
        )

    def count_login_failures(self, email_key: str, since_us: int) -> tuple[int, int]:
        """How many failures the address had after ``since_us``, and the oldest of them."""
        row = self._one(
            "SELECT count(*), coalesce(min(at_us), 0) FROM console_login_failures"
            " WHERE email_key = ? AND at_us > ?",
            (email_key, since_us),
        )
        return int(row[0]), int(row[1])

    def add_login_failure(self, email_key: str, now_us: int, forget_before_us: int) -> None:
        self._execute("DELETE FROM console_login_failures WHERE at_us < ?", (forget_before_us,))
        self._execute(
            "INSERT INTO console_login_failures (email_key, at_us) VALUES (?, ?)",
            (email_key, now_us),
        )

    def clear_login_failures(self, email_key: str) -> None:
        self._execute("DELETE FROM console_login_failures WHERE email_key = ?", (email_key,))
