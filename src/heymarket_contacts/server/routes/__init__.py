"""Every operation the server answers, one module per resource."""

from __future__ import annotations

from ..routing import Operation
from . import contacts, team

OPERATIONS: list[Operation] = [*contacts.OPERATIONS, *team.OPERATIONS]
