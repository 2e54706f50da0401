"""Contact operations, named after the API's: the rules between the edge and the store."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Protocol

from msgspec import UNSET

from ...models import ContactLookup, ContactRef, ContactWrite, SetStatus
from ..clock import Clock
from ..errors import BadData, Conflict, NotFound, PreconditionFailed
from ..ids import new_uuid
from ..principal import Principal
from ..store import Transaction, Transactions, UniqueViolation
from ..store.records import ContactFields, ContactRecord, InboxRecord, UserRecord
from .channel_rules import ChannelPlan, keep_in_step
from .channels import check_channels_free, load_plan, save_channels
from .contact_rules import apply_write, custom_field_ids, normalize_phone, tag_ids

MAX_ID = 2**63 - 1


class References(Protocol):
    """What a write's ids are checked against: the team's inboxes, users, tags and fields."""

    def get_inbox(self, team_id: int, inbox_id: int) -> InboxRecord | None: ...
    def get_user(self, team_id: int, user_id: int) -> UserRecord | None: ...
    def known_tag_ids(self, team_id: int, tag_ids: Iterable[int]) -> set[int]: ...
    def known_field_ids(self, team_id: int, field_ids: Iterable[int]) -> set[int]: ...


class ContactService:
    def __init__(
        self, store: Transactions, clock: Clock, make_uuid: Callable[[], str] = new_uuid
    ) -> None:
        self._store = store
        self._clock = clock
        self._make_uuid = make_uuid

    def create_contact(self, principal: Principal, write: ContactWrite) -> ContactRef:
        _require_phone(write)
        with conflicts_as_409(), self._store.write() as tx:
            stamp = tx.advance_team_clock(principal.team_id, self._clock())
            return insert_contact(tx, principal, write, uuid=self._make_uuid(), stamp=stamp)

    def get_contact(self, principal: Principal, contact_id: int) -> ContactRecord:
        with self._store.read() as tx:
            return existing_contact(tx, principal.team_id, contact_id)

    def find_contact(self, principal: Principal, lookup: ContactLookup) -> ContactRecord:
        """The contact a ``{"phone"}`` or ``{"id"}`` body names; the phone wins."""
        with self._store.read() as tx:
            return existing_contact(
                tx, principal.team_id, _lookup_id(tx, principal.team_id, lookup)
            )

    def update_contact(
        self, principal: Principal, contact_id: int, write: ContactWrite, *, overwrite: bool,
        expected_rev: int | None = None,
    ) -> ContactRef:  # fmt: skip
        _require_phone(write)
        team_id = principal.team_id
        with conflicts_as_409(), self._store.write() as tx:
            stamp = tx.advance_team_clock(team_id, self._clock())
            current = existing_contact(tx, team_id, contact_id, expected_rev)
            return update_contact(tx, current, write, overwrite=overwrite, stamp=stamp)

    def set_status(
        self, principal: Principal, request: SetStatus, *, expected_rev: int | None = None
    ) -> None:
        """One of the five status verbs; each is a write (``rev``, ``updated``, ``op``)."""
        team_id = principal.team_id
        with self._store.write() as tx:
            stamp = tx.advance_team_clock(team_id, self._clock())
            current = existing_contact(tx, team_id, _lookup_id(tx, team_id, request), expected_rev)
            fields = with_status(current.fields, request.status)
            tx.update_contact(
                team_id, current.id, fields=fields, tag_ids=None, op="status", stamp_us=stamp
            )

    def delete_contact(
        self, principal: Principal, contact_id: int, *, expected_rev: int | None = None
    ) -> None:
        with self._store.write() as tx:
            current = existing_contact(tx, principal.team_id, contact_id, expected_rev)
            tx.delete_contact(principal.team_id, current.id)


#: Each status verb: the new ``is_opted_out`` and ``is_blocked`` (``None``: unchanged).
STATUS_CHANGES: dict[str, tuple[bool | None, bool | None]] = {
    "unsubscribed": (True, None),
    "subscribed": (False, None),
    "blocked": (None, True),
    "unblocked": (None, False),
    "active": (False, False),
}


def with_status(fields: ContactFields, status: str) -> ContactFields:
    opted_out, blocked = STATUS_CHANGES[status]
    return replace(
        fields,
        is_opted_out=fields.is_opted_out if opted_out is None else opted_out,
        is_blocked=fields.is_blocked if blocked is None else blocked,
    )


@dataclass(frozen=True, slots=True)
class PlannedContact:
    """A new contact, checked: its fields, tags and channels, before anything is stored."""

    fields: ContactFields
    tag_ids: list[int]
    plan: ChannelPlan


def plan_new_contact(
    references: References, team_id: int, write: ContactWrite,
    channels: ChannelPlan | None = None,
) -> PlannedContact:  # fmt: skip
    """Apply and check a create (its channels are not yet checked against other contacts)."""
    fields = apply_write(ContactFields(), write, overwrite=True)
    _check_references(references, team_id, fields, write)
    plan = channels or ChannelPlan()
    fields = keep_in_step(plan, write, fields, field="contact_channels")
    return PlannedContact(fields, tag_ids(write) or [], plan)


def insert_contact(
    tx: Transaction, principal: Principal, write: ContactWrite, *, uuid: str, stamp: int,
    channels: ChannelPlan | None = None,
) -> ContactRef:  # fmt: skip
    """Check and insert a new contact with its channels (``channels``, plus those ``phone``
    and ``email`` make); nothing is written when a check fails."""
    team_id = principal.team_id
    new = plan_new_contact(tx, team_id, write, channels)
    check_channels_free(tx, team_id, new.plan, contact_id=None)
    contact_id = tx.insert_contact(
        team_id, uuid=uuid, creator_id=principal.user_id, fields=new.fields,
        tag_ids=new.tag_ids, stamp_us=stamp,
    )  # fmt: skip
    save_channels(tx, team_id, (contact_id, uuid), new.plan, stamp)
    return ContactRef(id=contact_id, rev=1, uuid=uuid)


def update_contact(
    tx: Transaction, current: ContactRecord, write: ContactWrite, *, overwrite: bool, stamp: int,
    channels: ChannelPlan | None = None,
) -> ContactRef:  # fmt: skip
    """Check and apply an update to ``current`` and to its channels (``channels``: a plan
    the caller changed already; by default the stored ones); nothing is written when a
    check fails."""
    fields = apply_write(current.fields, write, overwrite=overwrite)
    _check_references(tx, current.team_id, fields, write)
    plan = channels or load_plan(tx, current)
    fields = keep_in_step(plan, write, fields, field="contact_channels")
    check_channels_free(tx, current.team_id, plan, contact_id=current.id)
    rev = tx.update_contact(
        current.team_id, current.id, fields=fields, tag_ids=tag_ids(write), op="update",
        stamp_us=stamp,
    )  # fmt: skip
    save_channels(tx, current.team_id, (current.id, current.uuid), plan, stamp)
    return ContactRef(id=current.id, rev=rev, uuid=current.uuid)


def _require_phone(write: ContactWrite) -> None:
    if write.phone is UNSET:
        raise BadData("phone is required", field="phone")


def _lookup_id(tx: Transaction, team_id: int, lookup: ContactLookup) -> int:
    if lookup.phone is not UNSET:
        phone = normalize_phone(lookup.phone)
        found = tx.contact_id_by_channel(team_id, "phone", phone)
        if found is None:
            raise NotFound(f"no contact with phone {phone}")
        return found
    if lookup.id is UNSET:
        raise BadData("give the contact's phone or id", field="phone")
    if isinstance(lookup.id, str) and not (lookup.id.isascii() and lookup.id.isdigit()):
        raise BadData("id must be a number", field="id")
    return int(lookup.id)


def _in_range(contact_id: int) -> bool:
    return 0 < contact_id <= MAX_ID


def existing_contact(
    tx: Transaction, team_id: int, contact_id: int, expected_rev: int | None = None
) -> ContactRecord:
    """The team's contact, at ``expected_rev`` when one is given (``If-Match``)."""
    contact = tx.get_contact(team_id, contact_id) if _in_range(contact_id) else None
    if contact is None:
        raise NotFound(f"no contact {contact_id}")
    if expected_rev is not None and contact.rev != expected_rev:
        raise PreconditionFailed(
            f"contact {contact_id} is at rev {contact.rev}, not {expected_rev}"
        )
    return contact


def _inbox_exists(references: References, team_id: int, inbox_id: int) -> bool:
    return _in_range(inbox_id) and references.get_inbox(team_id, inbox_id) is not None


def _check_references(
    references: References, team_id: int, fields: ContactFields, write: ContactWrite
) -> None:
    """Every id the body names belongs to the caller's team."""
    inbox_id = fields.inbox_id
    if (
        write.inbox_id is not UNSET
        and inbox_id != 0
        and not _inbox_exists(references, team_id, inbox_id)
    ):
        raise BadData(f"inbox {fields.inbox_id} is not an inbox of this team", field="inbox_id")
    if write.assignee_id is not UNSET and fields.assigned_user_id != 0:
        user_id = fields.assigned_user_id
        if not _in_range(user_id) or references.get_user(team_id, user_id) is None:
            raise BadData(f"user {user_id} is not a user of this team", field="assignee_id")
    wanted_tags = tag_ids(write)
    if wanted_tags:
        known_tags = references.known_tag_ids(team_id, filter(_in_range, wanted_tags))
        unknown_tags = set(wanted_tags) - known_tags
        if unknown_tags:
            raise BadData(f"tag {min(unknown_tags)} is not a tag of this team", field="tags")
    if write.custom is not UNSET:
        keys = custom_field_ids(write.custom)
        known = references.known_field_ids(team_id, filter(_in_range, keys.values()))
        for key, field_id in keys.items():
            if field_id not in known:
                raise BadData(f"custom field {key} does not exist", field=f"custom.{key}")


@contextmanager
def conflicts_as_409() -> Iterator[None]:
    """Turn a unique-index violation the checks could not foresee into a 409."""
    try:
        yield
    except UniqueViolation as error:
        raise Conflict("the contact clashes with an existing one", field="phone") from error
