"""Who is calling: fixed by the verified secret's row, never by the request."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Principal:
    team_id: int
    user_id: int
    secret_id: str
