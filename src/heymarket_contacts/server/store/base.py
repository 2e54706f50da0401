"""The store contract: what the service may ask of a database, whatever the database.

A :class:`Store` hands out :class:`Transaction` objects. Writes run one team at a time: a write
transaction that stamps a team's clock (``advance_team_clock``) holds that team until it ends,
so ``updated`` stamps are handed out in commit order and a date cursor never skips a write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from .records import (
    ChannelRecord,
    ContactFields,
    ContactQuery,
    ContactRecord,
    FieldRecord,
    InboxRecord,
    MembershipRecord,
    NewContact,
    NoteRecord,
    SecretRecord,
    TagDetailRecord,
    TeamRecord,
    UserRecord,
    WindowState,
)


class StoreError(Exception):
    """Base of the store's own errors."""


class UniqueViolation(StoreError):
    """A write hit a unique constraint; ``constraint`` names which."""

    def __init__(self, constraint: str) -> None:
        super().__init__(f"unique constraint {constraint} violated")
        self.constraint = constraint


class StoreUnavailable(StoreError):
    """The database cannot be opened or reached."""


class TeamQueries(Protocol):
    """Teams, their users and inboxes."""

    def create_team(self, name: str, now_us: int) -> TeamRecord: ...
    def get_team(self, team_id: int) -> TeamRecord | None: ...
    def lock_team(self, team_id: int) -> bool: ...
    def count_teams(self) -> int: ...
    def team_ids(self) -> list[int]: ...
    def advance_team_clock(self, team_id: int, now_us: int, count: int = 1) -> int: ...
    def count_contacts(self, team_id: int) -> int: ...
    def create_user(
        self, team_id: int, *, first_name: str, last_name: str, email: str, phone: str,
        role_id: int, now_us: int,
    ) -> UserRecord: ...  # fmt: skip
    def get_user(self, team_id: int, user_id: int) -> UserRecord | None: ...
    def list_users(self, team_id: int) -> list[UserRecord]: ...
    def list_memberships(self, team_id: int) -> list[MembershipRecord]: ...
    def update_user(
        self, team_id: int, user_id: int, *, first_name: str, last_name: str, role_id: int,
        now_us: int,
    ) -> bool: ...  # fmt: skip
    def create_inbox(self, team_id: int, name: str, phone: str, now_us: int) -> InboxRecord: ...
    def get_inbox(self, team_id: int, inbox_id: int) -> InboxRecord | None: ...
    def list_inboxes(self, team_id: int) -> list[InboxRecord]: ...
    def add_inbox_members(self, inbox_id: int, user_ids: Iterable[int]) -> None: ...
    def team_key_hash(self, team_id: int) -> str | None: ...
    def set_team_key_hash(self, team_id: int, key_hash: str | None) -> None: ...
    def team_id_by_key_hash(self, key_hash: str) -> int | None: ...


class SecretQueries(Protocol):
    """API secrets."""

    def insert_secret(self, secret: SecretRecord) -> None: ...
    def get_secret(self, secret_id: str) -> SecretRecord | None: ...
    def active_secret_row(self, secret_id: str) -> tuple[int, int, bytes, bytes] | None: ...
    def list_secrets(self, team_id: int) -> list[SecretRecord]: ...
    def revoke_secret(self, secret_id: str, now_us: int) -> bool: ...


class ContactQueries(Protocol):
    """Contacts, read with their tags and notes, found by id, v2 id (``uuid``) or phone."""

    def insert_contact(
        self, team_id: int, *, uuid: str, creator_id: int, fields: ContactFields,
        tag_ids: list[int], stamp_us: int,
    ) -> int: ...  # fmt: skip
    def insert_contacts(self, team_id: int, contacts: Sequence[NewContact]) -> list[int]: ...
    def update_contact(
        self, team_id: int, contact_id: int, *, fields: ContactFields,
        tag_ids: list[int] | None, op: str, stamp_us: int,
    ) -> int: ...  # fmt: skip
    def touch_contact(self, team_id: int, contact_id: int, *, op: str, stamp_us: int) -> int: ...
    def get_contact(self, team_id: int, contact_id: int) -> ContactRecord | None: ...
    def get_contacts(self, team_id: int, contact_ids: Sequence[int]) -> list[ContactRecord]: ...
    def list_contacts(self, team_id: int, query: ContactQuery) -> list[ContactRecord]: ...
    def count_matching(self, team_id: int, query: ContactQuery) -> int: ...
    def contact_id_by_uuid(self, team_id: int, uuid: str) -> int | None: ...
    def contact_ids_by_uuid(self, team_id: int, uuids: Sequence[str]) -> dict[str, int]: ...
    def contact_id_by_phone(self, team_id: int, phone: str) -> int | None: ...
    def delete_contact(self, team_id: int, contact_id: int) -> bool: ...
    def delete_contacts(self, team_id: int, contact_ids: Sequence[int]) -> int: ...


class ChannelQueries(Protocol):
    """v2 contact channels."""

    def contact_id_by_channel(self, team_id: int, channel_type: str, key: str) -> int | None: ...
    def channels_of(
        self, team_id: int, contact_ids: Sequence[int]
    ) -> dict[int, list[ChannelRecord]]: ...
    def find_channels(
        self, team_id: int, keys: Mapping[str, Sequence[str]]
    ) -> list[ChannelRecord]: ...
    def insert_channels(self, channels: Sequence[ChannelRecord]) -> None: ...
    def update_channel(self, channel: ChannelRecord) -> None: ...
    def delete_channels(self, team_id: int, channel_ids: Sequence[str]) -> None: ...


class TagQueries(Protocol):
    """Tags."""

    def known_tag_ids(self, team_id: int, tag_ids: Iterable[int]) -> set[int]: ...
    def insert_tag(
        self, team_id: int, *, uuid: str, tag: str, color: str, stamp_us: int
    ) -> TagDetailRecord: ...
    def get_tag(self, team_id: int, tag_id: int) -> TagDetailRecord | None: ...
    def list_tags(
        self, team_id: int, *, before_us: int | None, limit: int
    ) -> list[TagDetailRecord]: ...
    def tag_labels(self, team_id: int) -> dict[int, str]: ...
    def contacts_with_tag(self, team_id: int, tag_id: int) -> list[int]: ...
    def delete_tag(self, team_id: int, tag_id: int) -> bool: ...


class FieldQueries(Protocol):
    """Custom contact fields."""

    def known_field_ids(self, team_id: int, field_ids: Iterable[int]) -> set[int]: ...
    def insert_field(self, team_id: int, title: str, now_us: int) -> FieldRecord: ...
    def list_fields(self, team_id: int) -> list[FieldRecord]: ...


class NoteQueries(Protocol):
    """Contact notes."""

    def insert_note(self, contact_id: int, note: NoteRecord) -> None: ...
    def delete_note(self, contact_id: int, note_id: str) -> bool: ...


class EmulatorQueries(Protocol):
    """What the emulator's reset and restore ask within a transaction."""

    def clear_teams(self, team_ids: Sequence[int] | None) -> list[int]: ...
    def phones_of_team(self, team_id: int) -> set[str]: ...
    def newest_contact_ids(self, team_id: int, count: int) -> tuple[int, int]: ...
    def revoked_secrets(self) -> list[tuple[str, int]]: ...
    def revoke_again(self, revoked: Sequence[tuple[str, int]]) -> None: ...


class Transaction(
    TeamQueries, SecretQueries, ContactQueries, ChannelQueries, TagQueries, FieldQueries,
    NoteQueries, EmulatorQueries, Protocol,
):  # fmt: skip
    """Everything the service may ask within one transaction."""


class Store(Protocol):
    """A database: transactions, migrations, and the rate-limit window shared by processes."""

    #: Reads are short enough (an embedded database) to run on the event loop itself.
    inline_reads: bool
    #: Where the data lives, for messages; never includes a password.
    description: str

    def migrate(self) -> list[int]: ...
    def pending_migrations(self) -> list[int]:
        """The versions not applied yet; a :class:`StoreUnavailable` when the database cannot
        be reached (what ``/readyz`` asks)."""
        ...

    def read(self) -> AbstractContextManager[Transaction]: ...
    def write(self) -> AbstractContextManager[Transaction]: ...
    def admit_request(
        self, team_id: int, *, now_us: int, limit: int, window_us: int
    ) -> WindowState: ...
    def ping(self) -> None:
        """Return once the database answers one trivial query; a :class:`StoreUnavailable`
        when it cannot be reached (at once while it is known to be down). Blocking."""

    def clear_rate_window(self, team_ids: Sequence[int]) -> None:
        """The rate-limit window of these teams emptied (an emulator reset)."""

    def clear_teams(self, team_ids: Sequence[int] | None) -> list[int]:
        """The data of these teams (``None``: of every team) removed in one transaction, as
        :meth:`EmulatorQueries.clear_teams`; the ids of those that exist."""

    # --- snapshots of the whole data set (the emulator) --------------------------------------
    def take_snapshot(self, name: str, created_us: int) -> bool:
        """A consistent copy of every table of the data set under ``name``; ``False`` when
        one has that name already."""
        ...

    def snapshots(self) -> list[tuple[str, int, int]]:
        """Each snapshot's name, ``created_us`` and size in bytes, by name."""
        ...

    def restore_snapshot(self, name: str) -> bool:
        """In one transaction, the data set as it was at the snapshot, but for revocations
        made since, which stay; ``False`` when there is none of that name."""
        ...

    def drop_snapshot(self, name: str) -> bool: ...

    def close(self) -> None: ...
