"""Wire models: the JSON shapes of the contract, shared by the server and the SDK.

Read shapes mirror what the server answers (every field present, never null). Write shapes
leave every field ``UNSET`` by default so that an update can tell "absent" from "present".
"""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import UNSET, Meta, Struct, UnsetType

__all__ = [
    "Contact",
    "ContactRef",
    "ContactWrite",
    "ErrorBody",
    "Note",
    "Tag",
    "TagRef",
    "Team",
    "TeamMember",
]

NAME_MAX = 255
AVATAR_MAX = 2048
CUSTOM_VALUE_MAX = 1024
CUSTOM_KEYS_MAX = 100
TAGS_MAX = 5

Name = Annotated[str, Meta(max_length=NAME_MAX)]
#: Custom values are checked one by one by the server, so that an error can name the key.
CUSTOM_WRITE = Meta(
    max_length=CUSTOM_KEYS_MAX,
    extra_json_schema={
        "additionalProperties": {"type": ["string", "null"], "maxLength": CUSTOM_VALUE_MAX}
    },
)


class Tag(Struct, kw_only=True):
    id: int
    tag: str
    color: str


class Note(Struct, kw_only=True):
    id: str
    date: str
    name: str
    text: str
    user_id: int


class Contact(Struct, kw_only=True):
    """A contact as ``GET /v1/contact/{id}`` answers it (contract section 4.1)."""

    id: int
    uuid: str
    team_id: int
    inbox_id: int
    creator_id: int
    assigned_user_id: int
    parent_id: int
    display_name: str
    first: str
    last: str
    email: str
    phone: str
    avatar: str
    external_id: str
    external_ref: str
    custom: dict[str, str]
    tags: list[Tag]
    note: list[Note]
    is_opted_out: bool
    shared: bool
    type: str
    op: str
    rev: int
    created: str
    updated: str


class ContactRef(Struct, kw_only=True):
    """What a contact create or update answers."""

    id: int
    rev: int
    uuid: str


class TagRef(Struct, kw_only=True):
    tag_id: int


class ContactWrite(Struct, kw_only=True, omit_defaults=True):
    """A contact create or update body (contract section 4.2); absent fields stay ``UNSET``.

    In ``custom`` a ``None`` value removes that key (on a merging update).
    """

    phone: str | UnsetType = UNSET
    first: Name | UnsetType = UNSET
    last: Name | UnsetType = UNSET
    display_name: Name | UnsetType = UNSET
    email: Name | UnsetType = UNSET
    avatar: Annotated[str, Meta(max_length=AVATAR_MAX)] | UnsetType = UNSET
    custom: Annotated[dict[str, Any], CUSTOM_WRITE] | UnsetType = UNSET
    assignee_id: int | UnsetType = UNSET
    tags: Annotated[list[TagRef], Meta(max_length=TAGS_MAX)] | UnsetType = UNSET
    is_opted_out: bool | UnsetType = UNSET
    inbox_id: int | UnsetType = UNSET
    external_id: Name | UnsetType = UNSET
    external_ref: Name | UnsetType = UNSET


class TeamMember(Struct, kw_only=True):
    id: int
    name: str
    role: str


class Team(Struct, kw_only=True):
    id: int
    name: str
    list_size: int
    members: list[TeamMember]


class ErrorBody(Struct, kw_only=True, omit_defaults=True):
    """The error body of every failed call (contract section 3)."""

    error: str
    message: str
    request_id: str = ""
    field: str | UnsetType = UNSET
    existing_id: int | UnsetType = UNSET
