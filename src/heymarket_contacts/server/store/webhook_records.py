"""The webhook rows the store reads and writes (spec section 10)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SubscriptionRecord:
    id: int
    team_id: int
    url: str
    events: tuple[str, ...]
    token: str
    created_us: int


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event as the transaction of its change stores it: its ``event_data``, encoded."""

    team_id: int
    contact_id: int
    event: str
    data: str
    max_attempts: int
    created_us: int


@dataclass(frozen=True, slots=True)
class EventRecord(NewEvent):
    """An event stored and not yet made into deliveries; ``seq`` is its place in their order."""

    seq: int


@dataclass(frozen=True, slots=True)
class NewDelivery:
    """An event for one subscription, as the delivery worker makes it from the event."""

    id: str
    subscription_id: int
    team_id: int
    contact_id: int
    event: str
    body: str
    max_attempts: int
    next_attempt_us: int
    created_us: int


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    seq: int
    id: str
    subscription_id: int
    team_id: int
    contact_id: int
    event: str
    state: str
    attempts: int
    max_attempts: int
    next_attempt_us: int
    last_status: int
    last_error: str
    last_attempt_us: int
    created_us: int


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """A delivery one process holds for one try: where it goes and what it sends."""

    seq: int
    id: str
    subscription_id: int
    contact_id: int
    event: str
    body: str
    attempts: int
    max_attempts: int
    url: str
    token: str
    claim: str


@dataclass(frozen=True, slots=True)
class AttemptOutcome:
    """What one try came to; ``retry_at_us`` is ``None`` when there is no retry (delivered, or
    out of tries)."""

    delivered: bool
    status: int
    error: str
    attempted_us: int
    retry_at_us: int | None
