"""Which events a change of a contact causes, and the body each subscription is sent."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any, cast

import msgspec

from ...webhooks import (
    DOCUMENTED_EVENTS,
    ContactCreatedEvent,
    ContactDeletedEvent,
    ContactUpdatedEvent,
    OptEventData,
    OptInEvent,
    OptOutEvent,
    WebhookEvent,
)
from ..clock import rfc3339
from ..render import render_contact
from ..store.records import ContactRecord
from ..store.webhook_records import EventRecord, NewDelivery, NewEvent, SubscriptionRecord

_encode = msgspec.json.Encoder().encode


def events_of(before: ContactRecord | None, after: ContactRecord | None) -> list[str]:
    """The events of a contact's net change in one transaction, in the order they are sent:
    the change itself, then the opt-out or opt-in it made (only when the flag changed; a new
    contact that is opted out counts as one that opted out)."""
    if after is None:
        return [] if before is None else ["contact_deleted"]
    events = ["contact_created" if before is None else "contact_updated"]
    was_out = before.fields.is_opted_out if before is not None else False
    if after.fields.is_opted_out != was_out:
        events.append("target_opt_out" if after.fields.is_opted_out else "target_opt_in")
    return events


_OPT_EVENTS: dict[str, type[OptOutEvent | OptInEvent]] = {
    "target_opt_out": OptOutEvent, "target_opt_in": OptInEvent,
}  # fmt: skip
_CONTACT_EVENTS: dict[str, type[ContactCreatedEvent | ContactUpdatedEvent | ContactDeletedEvent]]
_CONTACT_EVENTS = {
    "contact_created": ContactCreatedEvent, "contact_updated": ContactUpdatedEvent,
    "contact_deleted": ContactDeletedEvent,
}  # fmt: skip


def envelope(event: str, subscription: SubscriptionRecord, contact: ContactRecord) -> str:
    """The JSON body of ``event`` for ``subscription``: the documented envelope."""
    return wrap(event, subscription, event_data(event, contact))


def event_data(event: str, contact: ContactRecord) -> msgspec.Raw:
    """``event_data`` of ``event``, encoded: the same for every subscription, so one change
    renders its contact once however many subscriptions are told of it."""
    if event in DOCUMENTED_EVENTS:
        data = OptEventData(
            contact_id=contact.id, uuid=contact.uuid, phone=contact.fields.phone,
            team_id=contact.team_id, inbox_id=contact.fields.inbox_id,
            date=rfc3339(contact.updated_us),
        )  # fmt: skip
        return msgspec.Raw(_encode(data))
    return msgspec.Raw(_encode(render_contact(contact)))


def wrap(event: str, subscription: SubscriptionRecord, data: msgspec.Raw) -> str:
    """The envelope of one subscription around ``event_data`` already encoded (the encoder
    writes a ``Raw`` value as it is, whatever the field's declared type)."""
    raw = cast(Any, data)
    value: WebhookEvent
    if event in DOCUMENTED_EVENTS:
        value = _OPT_EVENTS[event](id=subscription.id, token=subscription.token, event_data=raw)
    else:
        value = _CONTACT_EVENTS[event](id=subscription.id, token=subscription.token, event_data=raw)
    return _encode(value).decode("utf-8")


def new_events(
    changes: Sequence[tuple[ContactRecord | None, ContactRecord | None]],
    wanted: Collection[str], *, now_us: int, tries: int,
) -> list[NewEvent]:  # fmt: skip
    """The events of these changes that a subscription asked for (``wanted``), in the order
    of the changes, each with its ``event_data`` encoded (once, however many subscriptions)."""
    found = []
    for before, after in changes:
        contact = after or before
        if contact is None:
            continue
        for event in events_of(before, after):
            if event in wanted:
                data = bytes(event_data(event, contact)).decode("utf-8")
                found.append(NewEvent(contact.team_id, contact.id, event, data, tries, now_us))
    return found


def deliveries_of(
    event: EventRecord, subscriptions: Sequence[SubscriptionRecord], *,
    make_id: Callable[[], str],
) -> list[NewDelivery]:  # fmt: skip
    """One delivery of ``event`` per subscription that asked for it, each body its own
    envelope around the event's data, with the tries the event was stored with, due from the
    moment of its change (by the clock of the server that made it, whoever makes the
    deliveries: a listing from another process, on another clock, makes them due as well)."""
    data = msgspec.Raw(event.data.encode("utf-8"))
    deliveries = []
    for subscription in subscriptions:
        if event.event in subscription.events:
            delivery = NewDelivery(
                id=make_id(), subscription_id=subscription.id, team_id=event.team_id,
                contact_id=event.contact_id, event=event.event,
                body=wrap(event.event, subscription, data), max_attempts=event.max_attempts,
                next_attempt_us=event.created_us, created_us=event.created_us,
            )  # fmt: skip
            deliveries.append(delivery)
    return deliveries
