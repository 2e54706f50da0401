"""A contact's channels in the store: reading them into a plan, checking a plan's new values
against the team's other contacts, and writing a plan back (see :mod:`.channel_rules`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..errors import Conflict
from ..ids import new_uuid
from ..store import Transaction
from ..store.records import ChannelRecord, ContactRecord
from .channel_rules import ChannelPlan, ChannelValue, PlannedChannel


def load_plan(tx: Transaction, contact: ContactRecord, *, report_uuid: bool = False) -> ChannelPlan:
    """A plan that starts from the contact's stored channels."""
    records = tx.channels_of(contact.team_id, [contact.id])[contact.id]
    return ChannelPlan(records, report_uuid=report_uuid)


def added_values(plan: ChannelPlan) -> Iterator[ChannelValue]:
    """The values the plan holds that its stored channels do not."""
    stored = {(record.channel_type, record.channel_key) for record in plan.stored}
    return (ch.value for ch in plan.channels if (ch.value.channel_type, ch.value.key) not in stored)


def check_channels_free(
    tx: Transaction, team_id: int, plan: ChannelPlan, contact_id: int | None
) -> None:
    """A 409 when another contact of the team holds a value the plan adds (one query)."""
    added = list(added_values(plan))
    if not added:
        return
    keys: dict[str, list[str]] = {}
    for value in added:
        keys.setdefault(value.channel_type, []).append(value.key)
    owners = {(r.channel_type, r.channel_key): r for r in tx.find_channels(team_id, keys)}
    for value in added:
        owner = owners.get((value.channel_type, value.key))
        if owner is not None and owner.contact_id != contact_id:
            raise channel_clash(
                value, owner.contact_id, owner.contact_uuid if plan.report_uuid else None
            )


def channel_clash(
    value: ChannelValue, existing_id: int | None = None, existing_uuid: str | None = None
) -> Conflict:
    """The 409 of a value another contact holds (``existing_id``: that contact, when known)."""
    return Conflict(
        f"a contact with {value.channel_type} {value.channel_id} exists already",
        field=value.field or None,
        existing_id=existing_id,
        existing_uuid=existing_uuid,
    )


def save_channels(
    tx: Transaction, team_id: int, contact: tuple[int, str], plan: ChannelPlan, stamp: int, *,
    make_id: Callable[[], str] = new_uuid,
) -> None:  # fmt: skip
    """Store the plan: gone channels deleted, changed ones updated (demotions first, so that a
    type never has two primary channels), new ones inserted, each stamped ``stamp``."""
    if not plan.changed:
        return
    kept = {ch.record.id for ch in plan.channels if ch.record is not None}
    tx.delete_channels(team_id, [record.id for record in plan.stored if record.id not in kept])
    changed = [_restamped(ch, stamp) for ch in plan.channels if ch.record and _differs(ch)]
    for record in sorted(changed, key=lambda record: record.is_primary):
        tx.update_channel(record)
    tx.insert_channels(new_channel_records(team_id, contact, plan, stamp, make_id=make_id))


def new_channel_records(
    team_id: int, contact: tuple[int, str], plan: ChannelPlan, stamp: int, *,
    make_id: Callable[[], str] = new_uuid,
) -> list[ChannelRecord]:  # fmt: skip
    """The rows of the plan's channels that are not stored yet, stamped ``stamp``."""
    return [
        _record(ch, channel_id=make_id(), team_id=team_id, contact=contact, stamps=(stamp, stamp))
        for ch in plan.channels
        if ch.record is None
    ]


def _differs(channel: PlannedChannel) -> bool:
    record = channel.record
    assert record is not None
    return (
        record.channel_id, record.channel_key, record.channel_handle, record.info_channel,
        record.is_primary,
    ) != (
        channel.value.channel_id, channel.value.key, channel.handle, channel.info,
        channel.is_primary,
    )  # fmt: skip


def _record(
    channel: PlannedChannel, *, channel_id: str, team_id: int, contact: tuple[int, str],
    stamps: tuple[int, int],
) -> ChannelRecord:  # fmt: skip
    """A row holding the planned values under the given ids and (created, updated) stamps."""
    value = channel.value
    return ChannelRecord(  # in the order of its fields: positional arguments cost less
        channel_id, team_id, contact[0], contact[1], value.channel_type, value.channel_id,
        value.key, channel.handle, channel.info, channel.is_primary, stamps[0], stamps[1],
    )  # fmt: skip


def _restamped(channel: PlannedChannel, stamp: int) -> ChannelRecord:
    """A stored channel holding its planned values, stamped ``stamp``."""
    stored = channel.record
    assert stored is not None
    return _record(
        channel, channel_id=stored.id, team_id=stored.team_id,
        contact=(stored.contact_id, stored.contact_uuid), stamps=(stored.created_us, stamp),
    )  # fmt: skip
