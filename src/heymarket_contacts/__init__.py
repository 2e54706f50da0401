"""heymarket-contacts: a Python SDK (and server) for the Heymarket Contacts API.

Importing this package loads the SDK only; the server lives in ``heymarket_contacts.server``
and needs the ``server`` extra.
"""

from __future__ import annotations

from .client import Client
from .client.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    HeymarketError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
)
from .models import Contact, ContactRef, ContactWrite, Note, Tag, TagRef, Team, TeamMember
from .tokens import mint_token

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ConflictError",
    "Contact",
    "ContactRef",
    "ContactWrite",
    "HeymarketError",
    "InternalServerError",
    "NotFoundError",
    "Note",
    "PermissionDeniedError",
    "RateLimitError",
    "Tag",
    "TagRef",
    "Team",
    "TeamMember",
    "mint_token",
]
