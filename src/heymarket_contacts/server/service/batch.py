"""``POST /v1/batch/contacts``: many contact writes in one call, each item on its own.

An import works in sets, not item by item: the batch's phones and emails are looked up in one
query, new contacts are checked against those answers and against the items before them, and
are inserted together (a statement per table) when the batch ends or an update needs them
stored. Each item still succeeds or fails alone, as if the items were written one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from msgspec import UNSET

from ...models import BatchFailure, ContactWrite, ItemError
from ..clock import Clock
from ..errors import ApiError, BadData
from ..ids import new_uuid
from ..principal import Principal
from ..store import Transaction, Transactions
from ..store.records import ChannelRecord, InboxRecord, NewContact, UserRecord
from ..validation import convert
from .channel_rules import ChannelPlan, email_key
from .channels import added_values, channel_clash, new_channel_records
from .contact_rules import normalize_phone
from .contacts import PlannedContact, conflicts_as_409, plan_new_contact, update_contact

#: A channel key: its type and its key (``("phone", "15551234567")``).
Key = tuple[str, str]


@dataclass(slots=True)
class _Item:
    """An item that decoded: where it sits in the batch, its write and its phone."""

    index: int
    write: ContactWrite
    phone: str


class BatchService:
    def __init__(
        self, store: Transactions, clock: Clock,
        make_uuids: Callable[[int], list[str]] = new_uuid.many,
    ) -> None:  # fmt: skip
        self._store = store
        self._clock = clock
        self._make_uuids = make_uuids

    def import_contacts(
        self, principal: Principal, items: list[Any], *, overwrite: bool
    ) -> list[BatchFailure]:
        """Write every valid item; the failures, each with its index and the item as sent.

        An item matches an existing contact of the team by phone (items earlier in the same
        batch included). A match is left alone unless ``overwrite``, in which case it is
        updated with update semantics (``custom`` replaced, as ``overwrite=true`` does).
        """
        with conflicts_as_409(), self._store.write() as tx:
            first_stamp = tx.advance_team_clock(principal.team_id, self._clock(), len(items))
            run = _Import(tx, principal, overwrite=overwrite, make_uuids=self._make_uuids)
            return run.write_all(items, first_stamp)


class _Import:
    """One batch inside its transaction: the channel owners it looked up, and the new contacts
    checked but not yet inserted (``pending``)."""

    def __init__(
        self, tx: Transaction, principal: Principal, *, overwrite: bool,
        make_uuids: Callable[[int], list[str]],
    ) -> None:  # fmt: skip
        self._tx = tx
        self._principal = principal
        self._team_id = principal.team_id
        self._overwrite = overwrite
        self._make_uuids = make_uuids
        self._references = RememberedReferences(tx)
        self._looked_up: set[Key] = set()
        self._owners: dict[Key, int] = {}
        self._pending: list[tuple[PlannedContact, int, list[Key]]] = []
        self._pending_keys: set[Key] = set()
        self._failures: list[BatchFailure] = []

    def write_all(self, items: list[Any], first_stamp: int) -> list[BatchFailure]:
        decoded = [item for index, sent in enumerate(items) if (item := self._decode(index, sent))]
        self._look_up(decoded)
        for item in decoded:
            try:
                self._write(item, first_stamp + item.index)
            except ApiError as error:
                self._fail(item.index, items[item.index], error)
        self._flush()
        return sorted(self._failures, key=lambda failure: failure.index)

    def _decode(self, index: int, sent: Any) -> _Item | None:
        try:
            write = convert(sent, ContactWrite)
            if write.phone is UNSET:
                raise BadData("phone is required", field="phone")
            return _Item(index, write, normalize_phone(write.phone))
        except ApiError as error:
            self._fail(index, sent, error)
            return None

    def _fail(self, index: int, sent: Any, error: ApiError) -> None:
        failure = ItemError(error=error.code, message=error.message)
        self._failures.append(BatchFailure(index=index, contact=sent, error=failure))

    def _write(self, item: _Item, stamp: int) -> None:
        if not self._held(("phone", item.phone)):
            self._add(item.write, stamp)
        elif self._overwrite:
            self._flush()
            contact_id = self._tx.contact_id_by_channel(self._team_id, "phone", item.phone)
            current = self._tx.get_contact(self._team_id, contact_id) if contact_id else None
            if current is not None:
                update_contact(self._tx, current, item.write, overwrite=True, stamp=stamp)
                self._forget(current.id, item)

    def _add(self, write: ContactWrite, stamp: int) -> None:
        """Check a new contact against the team and the batch, and hold it for insertion."""
        new = plan_new_contact(self._references, self._team_id, write)
        for value in added_values(new.plan):
            key = (value.channel_type, value.key)
            if self._held(key):
                raise channel_clash(value, self._owners.get(key))
        keys = _plan_keys(new.plan)
        self._pending.append((new, stamp, keys))
        self._pending_keys.update(keys)

    def _held(self, key: Key) -> bool:
        """Whether a stored contact or a pending one holds the channel key."""
        if key in self._pending_keys:
            return True
        if key not in self._looked_up:
            self._look_up_keys([key])
        return key in self._owners

    def _look_up(self, items: Iterable[_Item]) -> None:
        self._look_up_keys(key for item in items for key in _item_keys(item))

    def _look_up_keys(self, keys: Iterable[Key]) -> None:
        """Who holds each key, in one query."""
        new = set(keys) - self._looked_up
        self._looked_up |= new
        wanted: dict[str, list[str]] = {}
        for channel_type, key in new:
            wanted.setdefault(channel_type, []).append(key)
        for owner in self._tx.find_channels(self._team_id, wanted) if wanted else ():
            self._owners[(owner.channel_type, owner.channel_key)] = owner.contact_id

    def _forget(self, contact_id: int, item: _Item) -> None:
        """An update of a contact can free the values it held and take those its item names
        (a value of another contact would have been a clash): those are looked up again when
        an item needs them; every other answer stands."""
        stale = {key for key, owner in self._owners.items() if owner == contact_id}
        stale.update(_item_keys(item))
        self._looked_up -= stale
        for key in stale:
            self._owners.pop(key, None)

    def _flush(self) -> None:
        """Insert the pending contacts and their channels, their ids made together."""
        if not self._pending:
            return
        uuids = self._make_uuids(len(self._pending))
        creator_id = self._principal.user_id
        contacts = [
            NewContact(uuid, creator_id, new.fields, new.tag_ids, stamp)
            for uuid, (new, stamp, _) in zip(uuids, self._pending, strict=True)
        ]
        contact_ids = self._tx.insert_contacts(self._team_id, contacts)
        self._tx.insert_channels(self._new_channels(contact_ids, uuids))
        for contact_id, (_, _, keys) in zip(contact_ids, self._pending, strict=True):
            self._owners.update(dict.fromkeys(keys, contact_id))
            self._looked_up.update(keys)
        self._pending.clear()
        self._pending_keys.clear()

    def _new_channels(self, contact_ids: list[int], uuids: list[str]) -> list[ChannelRecord]:
        """The rows of the pending contacts' channels, all of them new."""
        count = sum(len(new.plan.channels) for new, _, _ in self._pending)
        make_id = iter(self._make_uuids(count)).__next__
        rows = []
        for contact_id, uuid, (new, stamp, _) in zip(
            contact_ids, uuids, self._pending, strict=True
        ):
            rows += new_channel_records(
                self._team_id, (contact_id, uuid), new.plan, stamp, make_id=make_id
            )
        return rows


def _item_keys(item: _Item) -> list[Key]:
    """The channel keys an item's write names: its phone, and its email when it has one."""
    keys = [("phone", item.phone)]
    email = item.write.email
    if email is not UNSET and email.strip():
        keys.append(("email", email_key(email.strip())))
    return keys


def _plan_keys(plan: ChannelPlan) -> list[Key]:
    return [(ch.value.channel_type, ch.value.key) for ch in plan.channels]


class RememberedReferences:
    """The team's inboxes, users, tags and fields as a batch's items name them, each looked up
    once per batch (a batch changes none of them)."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._inboxes: dict[int, InboxRecord | None] = {}
        self._users: dict[int, UserRecord | None] = {}
        self._tags: dict[int, bool] = {}
        self._fields: dict[int, bool] = {}

    def get_inbox(self, team_id: int, inbox_id: int) -> InboxRecord | None:
        if inbox_id not in self._inboxes:
            self._inboxes[inbox_id] = self._tx.get_inbox(team_id, inbox_id)
        return self._inboxes[inbox_id]

    def get_user(self, team_id: int, user_id: int) -> UserRecord | None:
        if user_id not in self._users:
            self._users[user_id] = self._tx.get_user(team_id, user_id)
        return self._users[user_id]

    def known_tag_ids(self, team_id: int, tag_ids: Iterable[int]) -> set[int]:
        return _remembered(self._tags, tag_ids, lambda ids: self._tx.known_tag_ids(team_id, ids))

    def known_field_ids(self, team_id: int, field_ids: Iterable[int]) -> set[int]:
        return _remembered(
            self._fields, field_ids, lambda ids: self._tx.known_field_ids(team_id, ids)
        )


def _remembered(
    known: dict[int, bool], ids: Iterable[int], look_up: Callable[[list[int]], set[int]]
) -> set[int]:
    """Which of ``ids`` exist, asking ``look_up`` only about those not asked before."""
    wanted = list(ids)
    if not wanted:
        return set()
    new = [id_ for id_ in wanted if id_ not in known]
    if new:
        found = look_up(new)
        known.update((id_, id_ in found) for id_ in new)
    return {id_ for id_ in wanted if known[id_]}
