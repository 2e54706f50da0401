"""What the resource modules share: path ids, bare-string answers, conditional writes."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .._answers import AnswerShapeError
from .._core import Done
from ..errors import APIStatusError, NotFoundError

__all__ = ["if_match", "int_id", "ok", "path_text", "recover_lost_delete"]


def int_id(value: int, name: str) -> int:
    """A v1 id for a path; anything but an ``int`` is refused before sending."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    return value


def path_text(value: str, name: str) -> str:
    """A string id for a path, escaped so that it stays one path segment."""
    if not isinstance(value, str) or not value:
        raise TypeError(f"{name} must be a non-empty str")
    return quote(value, safe="")


def ok(raw: Any) -> None:
    """The bare JSON string (``"ok"``, ``"success"``) some calls answer."""
    if not isinstance(raw, str):
        raise AnswerShapeError(f"expected a JSON string such as 'ok', got {type(raw).__name__}")


def if_match(rev: int | None) -> dict[str, str]:
    """``If-Match: "<rev>"`` when a revision is given: the write happens only at that rev."""
    return {} if rev is None else {"If-Match": f'"{int_id(rev, "if_match")}"'}


def recover_lost_delete(error: APIStatusError) -> Done[None] | None:
    """A delete retried after a lost answer that meets 404: the lost attempt deleted it."""
    return Done(None) if isinstance(error, NotFoundError) else None
