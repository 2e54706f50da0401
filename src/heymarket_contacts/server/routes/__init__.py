"""Every operation the server answers, one module per resource."""

from __future__ import annotations

from ..routing import Operation
from . import channels, contacts, contacts_v2, fields, notes, tags, team, users

OPERATIONS: list[Operation] = [
    *contacts.OPERATIONS,
    *team.OPERATIONS,
    *users.OPERATIONS,
    *tags.OPERATIONS,
    *fields.OPERATIONS,
    *notes.OPERATIONS,
    *contacts_v2.OPERATIONS,
    *channels.OPERATIONS,
]
