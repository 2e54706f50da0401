"""The wire shapes of the emulator's control plane (spec section 9), shared by the server,
which validates with them, and the SDK test kit, which reads its answers with them."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

__all__ = [
    "ClockAnswer",
    "ClockChange",
    "FaultRule",
    "InboundBody",
    "InboundResult",
    "JournalEntry",
    "ResetBody",
    "ResetResult",
    "SeedBody",
    "SeedResult",
    "SnapshotBody",
    "SnapshotInfo",
    "WebhookBody",
    "WebhookDelivery",
    "WebhookSubscription",
]

TeamId = Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1)]
#: A snapshot's name: letters, digits, ``_`` and ``-``, at most 64.
SnapshotName = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class ResetBody(msgspec.Struct, forbid_unknown_fields=False):
    team_id: TeamId | None = None


class ResetResult(msgspec.Struct):
    teams: list[int]


class SeedBody(msgspec.Struct):
    contacts: Annotated[int, msgspec.Meta(ge=1, le=100_000)]
    team_id: TeamId | None = None
    seed: Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)] | None = None
    tags: Annotated[int, msgspec.Meta(ge=0, le=1000)] = 0
    fields: Annotated[int, msgspec.Meta(ge=0, le=100)] = 0


class SeedResult(msgspec.Struct):
    team_id: int
    created: int
    contact_ids: list[int]


class SnapshotBody(msgspec.Struct):
    name: SnapshotName


class SnapshotInfo(msgspec.Struct):
    name: str
    created: str
    bytes: int | None = None


class FaultRule(msgspec.Struct, omit_defaults=True):
    """A fault rule as sent: which requests it matches and what it does to them."""

    path: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
    method: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z]{1,16}$")] | None = None
    team_id: TeamId | None = None
    status: Annotated[int, msgspec.Meta(ge=400, le=599)] | None = None
    error: Annotated[str, msgspec.Meta(pattern=r"^[a-z_]{1,64}$")] | None = None
    message: Annotated[str, msgspec.Meta(max_length=1024)] | None = None
    retry_after: Annotated[int, msgspec.Meta(ge=0, le=86_400)] | None = None
    delay_ms: Annotated[int, msgspec.Meta(ge=0, le=60_000)] | None = None
    drop: bool = False
    times: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)] | None = None
    probability: Annotated[float, msgspec.Meta(ge=0, le=1)] | None = None


class ClockChange(msgspec.Struct, omit_defaults=True):
    """One of ``offset_s``, ``freeze_at``, ``advance_s`` or ``real``."""

    offset_s: Annotated[float, msgspec.Meta(ge=-3.2e9, le=3.2e9)] | None = None
    freeze_at: str | None = None
    advance_s: Annotated[float, msgspec.Meta(ge=-3.2e9, le=3.2e9)] | None = None
    real: bool | None = None


class ClockAnswer(msgspec.Struct):
    now: str
    frozen: bool
    offset_s: float


class JournalEntry(msgspec.Struct):
    """One request the server answered, as the journal keeps it."""

    seq: int
    time: str
    method: str
    path: str
    query: str
    #: 0 when the connection was dropped by a fault rule.
    status: int
    team_id: int | None
    request_id: str
    duration_ms: float
    request_body: Any
    response_body: Any
    fault: str | None


class WebhookBody(msgspec.Struct):
    """A subscription as ``POST /_emulator/webhooks`` takes it (spec section 10)."""

    url: Annotated[str, msgspec.Meta(max_length=2048)]
    team_id: TeamId | None = None
    events: Annotated[list[str], msgspec.Meta(max_length=16)] | None = None
    token: str | None = None


class WebhookSubscription(msgspec.Struct):
    id: int
    team_id: int
    url: str
    events: list[str]
    token: str
    created: str


class WebhookDelivery(msgspec.Struct):
    """A delivery of an event to a subscription, and how its tries went."""

    #: The ``X-Heymarket-Delivery`` header: the same on every try.
    id: str
    subscription_id: int
    team_id: int
    contact_id: int
    event: str
    #: ``pending``, ``delivered`` or ``failed``.
    state: str
    attempts: int
    max_attempts: int
    #: When the next try is due (pending), or when it ended.
    next_attempt: str
    last_status: int
    last_error: str
    last_attempt: str | None
    created: str


class InboundBody(msgspec.Struct):
    """A text a contact sends (``POST /_emulator/inbound``)."""

    phone: Annotated[str, msgspec.Meta(max_length=32)]
    text: Annotated[str, msgspec.Meta(max_length=10_000)]
    team_id: TeamId | None = None
    inbox_id: TeamId | None = None


class InboundResult(msgspec.Struct):
    contact_id: int
    opted_out: bool
    #: The event the text fired, if any.
    event: str | None
