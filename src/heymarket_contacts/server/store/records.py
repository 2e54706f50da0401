"""The rows the store reads and writes, as the service sees them.

Timestamps are integer microseconds since the Unix epoch: exact, comparable in SQL, and turned
into RFC 3339 text only at the edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class TeamRecord:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    team_id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    role_id: int

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True, slots=True)
class MembershipRecord:
    """A user with the times of its row: what ``/v1/users/get`` answers."""

    user: UserRecord
    created_us: int
    updated_us: int


@dataclass(frozen=True, slots=True)
class InboxRecord:
    id: int
    team_id: int
    name: str
    phone: str
    auto_assignable: bool = False
    forward_number: str = ""
    allowed_domains: tuple[str, ...] = ()
    member_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class SecretRecord:
    """An API secret; the key is stored only as AES-GCM ciphertext."""

    secret_id: str
    team_id: int
    user_id: int
    nonce: bytes
    key_ciphertext: bytes
    created_us: int
    revoked_us: int | None

    @property
    def active(self) -> bool:
        return self.revoked_us is None


@dataclass(frozen=True, slots=True)
class TagRecord:
    id: int
    tag: str
    color: str


@dataclass(frozen=True, slots=True)
class TagDetailRecord:
    """A tag as the team's tag list holds it (a contact carries only a :class:`TagRecord`)."""

    id: int
    team_id: int
    uuid: str
    tag: str
    color: str
    rev: int
    created_us: int
    updated_us: int


@dataclass(frozen=True, slots=True)
class FieldRecord:
    """A custom contact field: contacts hold its values under ``str(id)``."""

    id: int
    team_id: int
    title: str
    created_us: int


@dataclass(frozen=True, slots=True)
class NoteRecord:
    id: str
    user_id: int
    name: str
    text: str
    created_us: int


@dataclass(slots=True)
class ContactFields:
    """The writable state of a contact: what a create sets and an update replaces."""

    phone: str = ""
    first: str = ""
    last: str = ""
    display_name: str = ""
    email: str = ""
    avatar: str = ""
    external_id: str = ""
    external_ref: str = ""
    inbox_id: int = 0
    assigned_user_id: int = 0
    custom: dict[str, str] = field(default_factory=dict)
    is_opted_out: bool = False
    is_blocked: bool = False

    def copy(self) -> ContactFields:
        """A copy with a ``custom`` of its own: what ``dataclasses.replace`` makes, for a
        fraction of its cost (a batch pays it twice for each of its 1,000 items)."""
        return ContactFields(
            self.phone, self.first, self.last, self.display_name, self.email, self.avatar,
            self.external_id, self.external_ref, self.inbox_id, self.assigned_user_id,
            dict(self.custom), self.is_opted_out, self.is_blocked,
        )  # fmt: skip


@dataclass(slots=True)
class NewContact:
    """A contact about to be inserted, with the ids of its tags in order. (Not frozen, like
    :class:`ChannelRecord`: a batch makes one per new contact.)"""

    uuid: str
    creator_id: int
    fields: ContactFields
    tag_ids: list[int]
    stamp_us: int


@dataclass(frozen=True, slots=True)
class ContactRecord:
    id: int
    uuid: str
    team_id: int
    creator_id: int
    parent_id: int
    fields: ContactFields
    tags: list[TagRecord]
    notes: list[NoteRecord]
    op: str
    rev: int
    created_us: int
    updated_us: int


@dataclass(slots=True)
class ChannelRecord:
    """A v2 contact channel. ``channel_key`` is what a team's channels of a type are unique by
    (phone digits, an email in ASCII lower case, else ``channel_id`` itself).

    Not frozen: a batch import makes two for each new contact, and a frozen dataclass's
    ``__init__`` (a call of ``object.__setattr__`` per field) costs about five times as much.
    Nothing changes one once made."""

    id: str
    team_id: int
    contact_id: int
    contact_uuid: str
    channel_type: str
    channel_id: str
    channel_key: str
    channel_handle: str
    info_channel: str
    is_primary: bool
    created_us: int
    updated_us: int


@dataclass(frozen=True, slots=True)
class WindowState:
    """A team's rate-limit window after one request was counted (or refused)."""

    admitted: bool
    used: int
    oldest_us: int


@dataclass(frozen=True, slots=True)
class ContactQuery:
    """Which contacts a listing selects, and in what order (contract section 5)."""

    order: str = "updated"  # or "created"
    ascending: bool = False
    cursor_us: int | None = None  # exclusive
    assigned: int | None = None
    text: str = ""
    limit: int = 30
    offset: int = 0


@dataclass(frozen=True, slots=True)
class ConsoleUserRecord:
    """A login of the web console; it acts for its team."""

    id: int
    team_id: int
    email: str
    password_hash: str
    created_us: int


@dataclass(frozen=True, slots=True)
class ConsoleSessionRecord:
    """A signed-in browser: its console user, its CSRF token and when it was made and seen."""

    user: ConsoleUserRecord
    csrf_token: str
    created_us: int
    seen_us: int
