"""The API's resources, each a sync class and its async twin over the same pure calls."""

from __future__ import annotations

from .contacts import AsyncContacts, Contacts, ContactWriteArgs
from .contacts_v2 import V2, AsyncV2, ContactV2WriteArgs
from .custom_fields import AsyncCustomFields, CustomFields
from .notes import AsyncNotes, Notes
from .tags import AsyncTags, Tags
from .team import AsyncInboxes, AsyncTeamResource, Inboxes, TeamResource
from .users import AsyncUsers, Users

__all__ = [
    "V2",
    "AsyncContacts",
    "AsyncCustomFields",
    "AsyncInboxes",
    "AsyncNotes",
    "AsyncTags",
    "AsyncTeamResource",
    "AsyncUsers",
    "AsyncV2",
    "ContactV2WriteArgs",
    "ContactWriteArgs",
    "Contacts",
    "CustomFields",
    "Inboxes",
    "Notes",
    "Tags",
    "TeamResource",
    "Users",
]
