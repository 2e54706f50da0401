"""Events into deliveries. The transaction of a change stores its events (one row each); once
it has committed, the delivery worker of any server process makes one delivery of each event
per subscription of its team that asked for it, and deletes the event, in one transaction: an
event becomes deliveries once, whichever process takes it, and events are taken in their
order (on PostgreSQL a second taker waits for the first), so one contact's deliveries follow
the order of its changes. A subscription hears of the events taken after it was added."""

from __future__ import annotations

from collections.abc import Callable

from ..store import Transaction
from ..store.webhook_records import NewDelivery, SubscriptionRecord
from .events import deliveries_of

#: Events one transaction makes into deliveries.
FAN_OUT_MAX = 500


def fan_out(tx: Transaction, *, make_id: Callable[[], str], limit: int = FAN_OUT_MAX) -> int:
    """The oldest ``limit`` events made into deliveries and deleted; answers how many events
    there were."""
    events = tx.take_events(limit)
    if not events:
        return 0
    subscriptions: dict[int, list[SubscriptionRecord]] = {}
    deliveries: list[NewDelivery] = []
    for event in events:
        team = subscriptions.get(event.team_id)
        if team is None:
            team = subscriptions[event.team_id] = tx.list_subscriptions(event.team_id)
        deliveries += deliveries_of(event, team, make_id=make_id)
    tx.insert_deliveries(deliveries)
    tx.delete_events([event.seq for event in events])
    return len(events)
