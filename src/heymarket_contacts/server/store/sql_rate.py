"""SQL for the shared rate-limit window: the admitted requests of the last window, per team."""

from __future__ import annotations

from .records import WindowState
from .sql_base import SqlBase


class RateSql(SqlBase):
    def admit_request(
        self, team_id: int, *, now_us: int, limit: int, window_us: int
    ) -> WindowState:
        """Count this request in the team's window if fewer than ``limit`` are in it.

        The caller runs this in a transaction that holds the team's window (SQLite: ``BEGIN
        IMMEDIATE``; PostgreSQL: ``lock_rate_window``) so that two requests cannot both take
        the last place.
        """
        self._execute(
            "DELETE FROM rate_limit_hits WHERE team_id = ? AND at_us <= ?",
            (team_id, now_us - window_us),
        )
        used, oldest = self._one(
            "SELECT count(*), min(at_us) FROM rate_limit_hits WHERE team_id = ?", (team_id,)
        )
        admitted = int(used) < limit
        if admitted:
            self._execute(
                "INSERT INTO rate_limit_hits (team_id, at_us) VALUES (?, ?)", (team_id, now_us)
            )
            used += 1
            oldest = now_us if oldest is None else oldest
        return WindowState(admitted=admitted, used=int(used), oldest_us=int(oldest or now_us))
