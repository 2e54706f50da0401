"""Wire models: the JSON shapes of the contract, shared by the server and the SDK.

Read shapes mirror what the server answers (every field present, never null); they take
``dict=True`` so that the SDK can keep the fields an answer has beyond the model (the real API
sends more than the contract names). Write shapes
leave every field ``UNSET`` by default so that an update can tell "absent" from "present".
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

__all__ = [
    "BatchFailure",
    "BulkFailure",
    "ChannelValues",
    "ChannelWrite",
    "Contact",
    "ContactChannel",
    "ContactField",
    "ContactListQuery",
    "ContactLookup",
    "ContactRef",
    "ContactStatus",
    "ContactV2",
    "ContactV2Item",
    "ContactV2ListQuery",
    "ContactV2Write",
    "ContactWrite",
    "ContactsV2Delete",
    "ContactsV2Search",
    "ContactsV2Write",
    "ContactsV2Written",
    "ErrorBody",
    "FieldCreated",
    "FieldListQuery",
    "FieldTitle",
    "FieldTitles",
    "Inbox",
    "ItemError",
    "Membership",
    "Memberships",
    "Note",
    "NoteWrite",
    "SetStatus",
    "Tag",
    "TagCreated",
    "TagDetail",
    "TagListQuery",
    "TagRef",
    "TagWrite",
    "Team",
    "TeamMember",
    "UserLookup",
    "UserUpdate",
    "UsersUpdate",
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


class Tag(Struct, kw_only=True, dict=True):
    id: int
    tag: str
    color: str


class Note(Struct, kw_only=True, dict=True):
    id: str
    date: str
    name: str
    text: str
    user_id: int


class Contact(Struct, kw_only=True, dict=True):
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


class ContactRef(Struct, kw_only=True, dict=True):
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


LIST_LIMIT_MAX = 500
ID_MAX = 2**63 - 1
BATCH_MAX = 1000


class ContactListQuery(Struct, kw_only=True):
    """The options of ``POST /v1/contacts`` (its filters are those of ``/count`` too)."""

    date: str | UnsetType = UNSET
    limit: Annotated[int, Meta(ge=1, le=LIST_LIMIT_MAX)] = 30
    ascending: bool = False
    order: Literal["updated", "created"] = "updated"
    filter: Name = ""
    assigned: Annotated[int, Meta(ge=0, le=ID_MAX)] | UnsetType = UNSET
    page: Annotated[int, Meta(ge=0, le=1_000_000)] = 0


class ContactLookup(Struct, kw_only=True):
    """Names one contact: by ``phone``, or by ``id`` (a number or a string of digits)."""

    id: int | Annotated[str, Meta(max_length=20)] | UnsetType = UNSET
    phone: Annotated[str, Meta(max_length=32)] | UnsetType = UNSET


class SetStatus(ContactLookup, kw_only=True):
    status: Literal["subscribed", "unsubscribed", "blocked", "unblocked", "active"]


class ContactStatus(Struct, kw_only=True, dict=True):
    id: int
    phone: str
    unsubscribed: bool
    blocked: bool


class ItemError(Struct, kw_only=True, dict=True):
    error: str
    message: str


class BatchFailure(Struct, kw_only=True, dict=True):
    """One item of a batch that was not written: its index, the item as sent, the error."""

    index: int
    contact: Any
    error: ItemError


TAG_COLOR_MAX = 32
NOTE_TEXT_MAX = 10_000


class TagWrite(Struct, kw_only=True):
    """``POST /v1/tag``: a label (required, unique in the team) and an optional color."""

    tag: str | UnsetType = UNSET
    color: Annotated[str, Meta(max_length=TAG_COLOR_MAX)] = ""


class TagCreated(Struct, kw_only=True, dict=True):
    """What a tag create answers."""

    id: int
    rev: int
    uuid: str


class TagDetail(Struct, kw_only=True, dict=True):
    """A tag as ``GET /v1/tag/{id}`` and ``POST /v1/tags`` answer it (contract section 7)."""

    id: int
    tag: str
    color: str
    team_id: int
    created: str
    updated: str
    rev: int


class TagListQuery(Struct, kw_only=True):
    """``POST /v1/tags``: the tags updated strictly before ``date`` (RFC 3339), newest first."""

    date: str | UnsetType = UNSET


class FieldListQuery(Struct, kw_only=True):
    """``POST /v1/contact-fields`` takes an empty object."""


class ContactField(Struct, kw_only=True, dict=True):
    """A custom contact field; contacts hold its values in ``custom`` under ``str(id)``."""

    id: int
    title: str


class FieldTitle(Struct, kw_only=True):
    """One item of ``POST /v1/contacts/fields`` (``title`` is required)."""

    title: str | UnsetType = UNSET


FieldTitles = Annotated[list[FieldTitle], Meta(max_length=BATCH_MAX)]


class FieldCreated(Struct, kw_only=True, dict=True):
    """``duplicate`` is true where the team had the title already: no second field is made."""

    id: int
    title: str
    duplicate: bool


class NoteWrite(Struct, kw_only=True):
    """``POST /v1/contact/{id}/note`` (``text`` is required)."""

    text: Annotated[str, Meta(max_length=NOTE_TEXT_MAX)] | UnsetType = UNSET
    user_id: int | UnsetType = UNSET


class TeamMember(Struct, kw_only=True, dict=True):
    id: int
    name: str
    role: str


class Team(Struct, kw_only=True, dict=True):
    id: int
    name: str
    list_size: int
    members: list[TeamMember]


ID_MAX = 2**63 - 1
USERS_MAX = 1000


class Inbox(Struct, kw_only=True, dict=True):
    """An inbox as ``GET /v1/inboxes`` lists it (contract section 7)."""

    id: int
    name: str
    team: int
    members: list[int]
    phones: list[str]
    phone: str
    auto_assignable: bool
    forward_number: str
    allowed_domains: list[str]


class UserLookup(Struct, kw_only=True):
    """``/v1/users/get``: the users whose phone or email is listed; with no item, every user."""

    phone: Annotated[list[Annotated[str, Meta(max_length=32)]], Meta(max_length=USERS_MAX)] = []
    email: Annotated[list[Name], Meta(max_length=USERS_MAX)] = []


class Membership(Struct, kw_only=True, dict=True):
    """A user of the team, as ``/v1/users/get`` and ``/v1/users/update`` answer it."""

    id: int
    name: str
    email: str
    phone: str
    role_id: int
    team_id: int
    created_at: str
    updated_at: str


class Memberships(Struct, kw_only=True, dict=True):
    memberships: list[Membership]


class UserUpdate(Struct, kw_only=True, omit_defaults=True):
    """One item of ``POST /v1/users/update``: a user of the team and the fields to change."""

    id: Annotated[int, Meta(ge=1, le=ID_MAX)]
    first_name: Name | UnsetType = UNSET
    last_name: Name | UnsetType = UNSET
    role_id: Literal[1, 2, 3] | UnsetType = UNSET


class UsersUpdate(Struct, kw_only=True, omit_defaults=True):
    """``POST /v1/users/update``; ``users`` is required (checked by the server, to name it)."""

    users: Annotated[list[UserUpdate], Meta(max_length=USERS_MAX)] | UnsetType = UNSET


# --- v2: contacts by UUID, with channels (contract section 6) ---------------------------------

CHANNELS_MAX = 100
CHANNEL_TYPE_MAX = 32
UUID_TEXT_MAX = 64

ChannelType = Annotated[str, Meta(max_length=CHANNEL_TYPE_MAX)]


class ContactChannel(Struct, kw_only=True, dict=True):
    """A way to reach a contact. ``contact_id`` is the contact's ``uuid``; ``is_primary``
    (an extension) marks the channel of its type that v1 ``phone`` / ``email`` show."""

    id: str
    team_id: int
    contact_id: str
    channel_type: str
    channel_id: str
    channel_handle: str
    info_channel: str
    is_primary: bool
    created: str
    updated: str


class ContactV2(Contact, kw_only=True, dict=True):
    """A contact as ``GET /v2/contact/{uuid}`` answers it: the v1 read shape and its channels."""

    contact_channels: list[ContactChannel]


class ChannelWrite(Struct, kw_only=True, omit_defaults=True):
    """A channel to add, or to put in place of the primary one of its type."""

    channel_type: ChannelType
    channel_id: Name
    channel_handle: Name | UnsetType = UNSET
    info_channel: Name | UnsetType = UNSET


class ContactV2Write(ContactWrite, kw_only=True, omit_defaults=True):
    """A v2 create or update body: the write shape and ``contact_channels`` (on an update,
    when present, the contact's whole set of channels)."""

    contact_channels: Annotated[list[ChannelWrite], Meta(max_length=CHANNELS_MAX)] | UnsetType = (
        UNSET
    )


class ContactV2Item(ContactV2Write, kw_only=True, omit_defaults=True):
    """One item of ``POST /v2/contacts``: with ``contact_id`` (a contact's uuid) an update of
    that contact, without it a create."""

    contact_id: Annotated[str, Meta(max_length=UUID_TEXT_MAX)] | UnsetType = UNSET


class ContactsV2Write(Struct, kw_only=True):
    """``POST /v2/contacts``: at most 1,000 items, each written (or failed) on its own."""

    contacts: Annotated[list[ContactV2Item], Meta(max_length=BATCH_MAX)]


class BulkFailure(Struct, kw_only=True, dict=True):
    """An item of ``POST /v2/contacts`` that was not written: the item as sent and the error
    (``index``, its position in the call, is an extension)."""

    index: int
    contact: Any
    error: ItemError


class ContactsV2Written(Struct, kw_only=True, dict=True):
    """What ``POST /v2/contacts`` answers: the contacts written, and the items that failed."""

    contacts: list[ContactV2]
    failed_contacts: list[BulkFailure]


class ChannelValues(Struct, kw_only=True, omit_defaults=True):
    """Channel values of one type; without ``channel_type`` a search tells each value's type
    by its form (an ``@``: email; digits: phone)."""

    channel_ids: Annotated[list[Name], Meta(max_length=BATCH_MAX)]
    channel_type: ChannelType | UnsetType = UNSET


class ContactsV2Search(Struct, kw_only=True):
    """``POST /v2/contacts/search``: the contacts holding any of the values (1,000 at most)."""

    contact_channels: Annotated[list[ChannelValues], Meta(max_length=BATCH_MAX)]


class ContactsV2Delete(Struct, kw_only=True):
    """``DELETE /v2/contacts``: exactly one entry, ``{"channel_type": "id", "channel_ids":
    [contact uuids]}``."""

    contact_channels: Annotated[list[ChannelValues], Meta(min_length=1, max_length=1)]


class ContactV2ListQuery(Struct, kw_only=True):
    """``POST /v2/contacts/list``: the date cursor of ``POST /v1/contacts``, by ``updated``."""

    date: str | UnsetType = UNSET
    limit: Annotated[int, Meta(ge=1, le=LIST_LIMIT_MAX)] = 30
    ascending: bool = False
    page: Annotated[int, Meta(ge=0, le=1_000_000)] = 0


class ErrorBody(Struct, kw_only=True, omit_defaults=True):
    """The error body of every failed call (contract section 3)."""

    error: str
    message: str
    request_id: str = ""
    field: str | UnsetType = UNSET
    existing_id: int | UnsetType = UNSET
    #: On a 409 of a contact: the clashing contact's v2 id (an extension).
    existing_uuid: str | UnsetType = UNSET
