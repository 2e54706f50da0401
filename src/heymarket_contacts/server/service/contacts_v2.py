"""v2 contact operations (contract section 6): contacts addressed by ``uuid``, with channels.

Writes go through the v1 helpers of :mod:`.contacts` (stamps, ``rev``, ``op``, the checks of
the write shape) with a channel plan; the v2 rules here are the uuid addressing, the bulk
calls and the search by channel value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from msgspec import UNSET

from ...models import (
    BATCH_MAX,
    BulkFailure,
    ContactListQuery,
    ContactRef,
    ContactsV2Delete,
    ContactsV2Search,
    ContactV2Item,
    ContactV2ListQuery,
    ContactV2Write,
    ItemError,
)
from ..clock import Clock
from ..errors import ApiError, BadData, NotFound
from ..ids import new_uuid
from ..principal import Principal
from ..store import Transaction, Transactions
from ..store.records import ChannelRecord, ContactRecord
from ..validation import convert
from .channel_rules import (
    ChannelPlan,
    ChannelValue,
    channel_type,
    channel_value,
    contact_uuid,
    guess_type,
    path_uuid,
    written_channel,
)
from .channels import load_plan
from .contact_list import contact_query
from .contacts import conflicts_as_409, existing_contact, insert_contact, update_contact


@dataclass(frozen=True, slots=True)
class ContactView:
    """A contact with its channels: what a v2 read answers."""

    contact: ContactRecord
    channels: list[ChannelRecord]


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    """What ``POST /v2/contacts`` did: the contacts written, and the items that failed."""

    written: list[ContactView]
    failures: list[BulkFailure]


class ContactV2Service:
    def __init__(
        self, store: Transactions, clock: Clock, make_uuid: Callable[[], str] = new_uuid
    ) -> None:
        self._store = store
        self._clock = clock
        self._make_uuid = make_uuid

    def create_contact(self, principal: Principal, write: ContactV2Write) -> ContactRef:
        """A new contact with the channels listed (and those ``phone``/``email`` make)."""
        plan = _new_plan(channel_values(write, "contact_channels"))
        with conflicts_as_409(), self._store.write() as tx:
            stamp = tx.advance_team_clock(principal.team_id, self._clock())
            return insert_contact(
                tx, principal, write, uuid=self._make_uuid(), stamp=stamp, channels=plan
            )

    def get_contact(self, principal: Principal, uuid: str) -> ContactView:
        wanted = path_uuid(uuid)
        with self._store.read() as tx:
            return views(tx, principal.team_id, [existing_v2(tx, principal.team_id, wanted)])[0]

    def update_contact(
        self, principal: Principal, uuid: str, write: ContactV2Write, *, overwrite: bool,
        expected_rev: int | None = None,
    ) -> ContactView:  # fmt: skip
        """Fields given replace, others stay; ``contact_channels``, when given, becomes the
        contact's whole set of channels. The answer is the contact as written."""
        wanted = path_uuid(uuid)
        values = channel_values(write, "contact_channels")
        team_id = principal.team_id
        with conflicts_as_409(), self._store.write() as tx:
            stamp = tx.advance_team_clock(team_id, self._clock())
            current = existing_v2(tx, team_id, wanted, expected_rev)
            _update(tx, current, write, values, overwrite=overwrite, stamp=stamp)
            return views(tx, team_id, [existing_contact(tx, team_id, current.id)])[0]

    def delete_contact(
        self, principal: Principal, uuid: str, *, expected_rev: int | None = None
    ) -> None:
        wanted = path_uuid(uuid)
        with self._store.write() as tx:
            current = existing_v2(tx, principal.team_id, wanted, expected_rev)
            tx.delete_contact(principal.team_id, current.id)

    def write_contacts(
        self, principal: Principal, items: list[Any], *, overwrite: bool
    ) -> BulkOutcome:
        """Create (no ``contact_id``) or update (``contact_id``) each item on its own: valid
        items are written even when others fail."""
        if not items:
            return BulkOutcome([], [])
        written: dict[int, None] = {}
        failures = []
        with conflicts_as_409(), self._store.write() as tx:
            first_stamp = tx.advance_team_clock(principal.team_id, self._clock(), len(items))
            for index, item in enumerate(items):
                try:
                    contact_id = self._write_item(
                        tx, principal, item, overwrite, first_stamp + index
                    )
                except ApiError as error:
                    failure = ItemError(error=error.code, message=error.message)
                    failures.append(BulkFailure(index=index, contact=item, error=failure))
                else:
                    written.setdefault(contact_id)
            contacts = tx.get_contacts(principal.team_id, list(written))
            by_id = {contact.id: contact for contact in contacts}
            ordered = [by_id[contact_id] for contact_id in written]
            return BulkOutcome(views(tx, principal.team_id, ordered), failures)

    def _write_item(
        self, tx: Transaction, principal: Principal, item: Any, overwrite: bool, stamp: int
    ) -> int:
        write = convert(item, ContactV2Item)
        values = channel_values(write, "contact_channels")
        if write.contact_id is UNSET:
            plan = _new_plan(values)
            ref = insert_contact(
                tx, principal, write, uuid=self._make_uuid(), stamp=stamp, channels=plan
            )
            return ref.id
        wanted = contact_uuid(write.contact_id)
        if wanted is None:
            raise BadData("contact_id must be a contact's uuid", field="contact_id")
        current = existing_v2(tx, principal.team_id, wanted)
        _update(tx, current, write, values, overwrite=overwrite, stamp=stamp)
        return current.id

    def delete_contacts(self, principal: Principal, body: ContactsV2Delete) -> None:
        """Delete every contact listed, or (one unknown) none of them."""
        uuids = _listed_uuids(body)
        team_id = principal.team_id
        with self._store.write() as tx:
            found = tx.contact_ids_by_uuid(team_id, list(dict.fromkeys(uuids)))
            for index, wanted in enumerate(uuids):
                if wanted not in found:
                    field = f"contact_channels[0].channel_ids[{index}]"
                    raise NotFound(f"no contact {wanted}", field=field)
            tx.delete_contacts(team_id, list(found.values()))

    def list_contacts(self, principal: Principal, options: ContactV2ListQuery) -> list[ContactView]:
        query = contact_query(
            ContactListQuery(
                date=options.date, limit=options.limit, ascending=options.ascending,
                page=options.page,
            )
        )  # fmt: skip
        with self._store.read() as tx:
            return views(tx, principal.team_id, tx.list_contacts(principal.team_id, query))

    def search_contacts(self, principal: Principal, body: ContactsV2Search) -> list[ContactView]:
        """The contacts holding any of the values, in the order of the first value each
        holds; one query finds them all, however many values there are."""
        wanted = search_values(body)
        keys: dict[str, list[str]] = {}
        for value in wanted:
            keys.setdefault(value.channel_type, []).append(value.key)
        team_id = principal.team_id
        with self._store.read() as tx:
            owners = {(r.channel_type, r.channel_key): r.contact_id
                      for r in tx.find_channels(team_id, keys)}  # fmt: skip
            ids = list(dict.fromkeys(
                owners[key] for key in ((v.channel_type, v.key) for v in wanted) if key in owners
            ))  # fmt: skip
            by_id = {contact.id: contact for contact in tx.get_contacts(team_id, ids)}
            return views(
                tx, team_id, [by_id[contact_id] for contact_id in ids if contact_id in by_id]
            )


def existing_v2(
    tx: Transaction, team_id: int, uuid: str, expected_rev: int | None = None
) -> ContactRecord:
    """The team's contact with this (checked) uuid, at ``expected_rev`` when one is given."""
    contact_id = tx.contact_id_by_uuid(team_id, uuid)
    if contact_id is None:
        raise NotFound(f"no contact {uuid}")
    return existing_contact(tx, team_id, contact_id, expected_rev)


def views(tx: Transaction, team_id: int, contacts: Sequence[ContactRecord]) -> list[ContactView]:
    """The contacts with their channels (one query for all of them)."""
    channels = tx.channels_of(team_id, [contact.id for contact in contacts])
    return [ContactView(contact, channels[contact.id]) for contact in contacts]


def channel_values(write: ContactV2Write, field: str) -> list[ChannelValue] | None:
    """The checked ``contact_channels`` of a body; ``None`` when it has none."""
    if write.contact_channels is UNSET:
        return None
    return [
        written_channel(channel, f"{field}[{index}]")
        for index, channel in enumerate(write.contact_channels)
    ]


def search_values(body: ContactsV2Search) -> list[ChannelValue]:
    """Every searched value, checked, typed (by its group, else by its form) and keyed."""
    if sum(len(group.channel_ids) for group in body.contact_channels) > BATCH_MAX:
        raise BadData(f"search at most {BATCH_MAX} values a call", field="contact_channels")
    values = []
    for number, group in enumerate(body.contact_channels):
        prefix = f"contact_channels[{number}]"
        given = (
            None
            if group.channel_type is UNSET
            else channel_type(group.channel_type, f"{prefix}.channel_type")
        )
        for index, text in enumerate(group.channel_ids):
            field = f"{prefix}.channel_ids[{index}]"
            values.append(channel_value(given or guess_type(text, field), text, field))
    return values


def _listed_uuids(body: ContactsV2Delete) -> list[str]:
    (entry,) = body.contact_channels
    if entry.channel_type is UNSET or entry.channel_type.strip().lower() != "id":
        raise BadData(
            'contact_channels[0].channel_type must be "id" (the contacts\' uuids)',
            field="contact_channels[0].channel_type",
        )
    uuids = []
    for index, text in enumerate(entry.channel_ids):
        wanted = contact_uuid(text)
        if wanted is None:
            field = f"contact_channels[0].channel_ids[{index}]"
            raise BadData(f"{field} must be a contact's uuid", field=field)
        uuids.append(wanted)
    return uuids


def _new_plan(values: list[ChannelValue] | None) -> ChannelPlan:
    plan = ChannelPlan(report_uuid=True)
    for value in values or ():
        plan.add(value)
    return plan


def _update(
    tx: Transaction, current: ContactRecord, write: ContactV2Write,
    values: list[ChannelValue] | None, *, overwrite: bool, stamp: int,
) -> None:  # fmt: skip
    plan = load_plan(tx, current, report_uuid=True)
    if values is not None:
        plan.replace_all(values)
    update_contact(tx, current, write, overwrite=overwrite, stamp=stamp, channels=plan)
