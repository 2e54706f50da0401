"""Every operation the server answers, one module per resource."""

from __future__ import annotations

from ..routing import Operation
from . import contacts, fields, notes, tags, team, users

OPERATIONS: list[Operation] = [
    *contacts.OPERATIONS,
    *team.OPERATIONS,
    *users.OPERATIONS,
    *tags.OPERATIONS,
    *fields.OPERATIONS,
    *notes.OPERATIONS,
]
