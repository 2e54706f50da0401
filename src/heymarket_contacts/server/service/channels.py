"""A contact's channels in the store: reading them into a plan, checking a plan's new values
against the team's other contacts, and writing a plan back (see :mod:`.channel_rules`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from ..errors import Conflict
from ..store import Transaction
from ..store.records import ChannelRecord, ContactRecord
from .channel_rules import ChannelPlan, ChannelValue, PlannedChannel


def new_channel_id() -> str:
    return str(uuid.uuid4())


def load_plan(tx: Transaction, contact: ContactRecord, *, report_uuid: bool = False) -> ChannelPlan:
    """A plan that starts from the contact's stored channels."""
    records = tx.channels_of(contact.team_id, [contact.id])[contact.id]
    return ChannelPlan(records, report_uuid=report_uuid)


def check_channels_free(
    tx: Transaction, team_id: int, plan: ChannelPlan, contact_id: int | None
) -> None:
    """A 409 when another contact of the team holds a value the plan adds (one query)."""
    stored = {(record.channel_type, record.channel_key) for record in plan.stored}
    added = [
        ch.value for ch in plan.channels if (ch.value.channel_type, ch.value.key) not in stored
    ]
    if not added:
        return
    keys: dict[str, list[str]] = {}
    for value in added:
        keys.setdefault(value.channel_type, []).append(value.key)
    owners = {(r.channel_type, r.channel_key): r for r in tx.find_channels(team_id, keys)}
    for value in added:
        owner = owners.get((value.channel_type, value.key))
        if owner is not None and owner.contact_id != contact_id:
            raise _clash(value, owner, report_uuid=plan.report_uuid)


def _clash(value: ChannelValue, owner: ChannelRecord, *, report_uuid: bool) -> Conflict:
    return Conflict(
        f"a contact with {value.channel_type} {value.channel_id} exists already",
        field=value.field or None,
        existing_id=owner.contact_id,
        existing_uuid=owner.contact_uuid if report_uuid else None,
    )


def save_channels(
    tx: Transaction, team_id: int, contact: tuple[int, str], plan: ChannelPlan, stamp: int, *,
    make_id: Callable[[], str] = new_channel_id,
) -> None:  # fmt: skip
    """Store the plan: gone channels deleted, changed ones updated (demotions first, so that a
    type never has two primary channels), new ones inserted, each stamped ``stamp``."""
    if not plan.changed:
        return
    kept = {ch.record.id for ch in plan.channels if ch.record is not None}
    tx.delete_channels(team_id, [record.id for record in plan.stored if record.id not in kept])
    changed = [_record(ch, ch.record, stamp) for ch in plan.channels if ch.record and _differs(ch)]
    for record in sorted(changed, key=lambda record: record.is_primary):
        tx.update_channel(record)
    for ch in plan.channels:
        if ch.record is None:
            tx.insert_channel(_record(ch, _new_row(make_id(), team_id, contact, stamp), stamp))


def _new_row(channel_id: str, team_id: int, contact: tuple[int, str], stamp: int) -> ChannelRecord:
    """The ids and creation stamp of a channel about to be inserted (its values come after)."""
    contact_id, contact_uuid = contact
    return ChannelRecord(
        id=channel_id, team_id=team_id, contact_id=contact_id, contact_uuid=contact_uuid,
        channel_type="", channel_id="", channel_key="", channel_handle="", info_channel="",
        is_primary=False, created_us=stamp, updated_us=stamp,
    )  # fmt: skip


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


def _record(channel: PlannedChannel, base: ChannelRecord, stamp: int) -> ChannelRecord:
    """``base`` (a stored row, or a new one's ids) holding the planned values, stamped."""
    return ChannelRecord(
        id=base.id, team_id=base.team_id, contact_id=base.contact_id,
        contact_uuid=base.contact_uuid, channel_type=channel.value.channel_type,
        channel_id=channel.value.channel_id, channel_key=channel.value.key,
        channel_handle=channel.handle, info_channel=channel.info, is_primary=channel.is_primary,
        created_us=base.created_us, updated_us=stamp,
    )  # fmt: skip
