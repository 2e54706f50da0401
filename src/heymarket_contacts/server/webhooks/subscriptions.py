"""Webhook subscriptions and their deliveries, as the operator manages them (the
``webhook`` commands, and the emulator's control plane): add, list, remove, deliveries,
redeliver."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence

from ...webhooks import DOCUMENTED_EVENTS, EVENTS
from ..clock import Clock
from ..errors import BadData, Conflict, NotFound
from ..ids import new_uuid
from ..store import Transactions
from ..store.webhook_records import DeliveryRecord, SubscriptionRecord
from .fanout import FAN_OUT_MAX, fan_out
from .targets import TargetPolicy, parse_target, resolve_now

#: A verification token given by the operator: printable ASCII, no spaces.
TOKEN_FORM = re.compile(r"[!-~]{8,255}")
DELIVERIES_MAX = 1000
#: Batches of waiting events a listing makes into deliveries at most (the worker makes the
#: rest): a listing never holds the database for a whole backlog.
WAITING_BATCHES_MAX = 10


def new_token() -> str:
    return secrets.token_urlsafe(32)


class WebhookService:
    def __init__(
        self, store: Transactions, clock: Clock, *, policy: TargetPolicy, tries: int,
        on_queued: Callable[[], None] = lambda: None,
        make_token: Callable[[], str] = new_token,
    ) -> None:  # fmt: skip
        self._store = store
        self._clock = clock
        self._policy = policy
        self._tries = tries
        self._on_queued = on_queued
        self._make_token = make_token

    def add(
        self, team_id: int | None, url: str, events: Sequence[str] | None = None,
        token: str | None = None,
    ) -> SubscriptionRecord:  # fmt: skip
        """A subscription of the team (default: the first) to ``events`` (default: the
        documented ones) at ``url``, which must point at an address webhooks may go to."""
        checked = parse_target(url)
        resolve_now(checked, self._policy)
        chosen = _events(events)
        if token is not None and not TOKEN_FORM.fullmatch(token):
            raise BadData("token must be 8 to 255 printable ASCII characters", field="token")
        with self._store.write() as tx:
            teams = tx.team_ids()
            if team_id is None:
                if not teams:
                    raise NotFound("there is no team", field="team_id")
                team_id = teams[0]
            elif team_id not in teams:
                raise NotFound(f"no team {team_id}", field="team_id")
            return tx.insert_subscription(
                team_id, url=str(checked), events=chosen, token=token or self._make_token(),
                now_us=self._clock(),
            )  # fmt: skip

    def only_team(self) -> int:
        """The team a command acts on when none is named: the only one there is."""
        with self._store.read() as tx:
            teams = tx.team_ids()
        if len(teams) != 1:
            raise BadData(
                "no team yet" if not teams else f"{len(teams)} teams exist: name one with --team"
            )
        return teams[0]

    def list_subscriptions(self, team_id: int | None = None) -> list[SubscriptionRecord]:
        with self._store.read() as tx:
            return tx.list_subscriptions(team_id)

    def remove(self, subscription_id: int, *, team_id: int | None = None) -> None:
        """The subscription (of ``team_id``, when given) gone; its deliveries that have not
        been made never will be."""
        with self._store.write() as tx:
            mine = team_id is None or any(
                found.id == subscription_id for found in tx.list_subscriptions(team_id)
            )
            if not (mine and tx.delete_subscription(subscription_id)):
                raise NotFound(f"no webhook subscription {subscription_id}", field="id")

    def deliveries(
        self, *, subscription_id: int | None = None, failed: bool = False, limit: int = 100,
        team_id: int | None = None, before_seq: int | None = None,
    ) -> list[DeliveryRecord]:  # fmt: skip
        """The newest ``limit`` deliveries (older than ``before_seq``), oldest first; events
        still waiting to be made into deliveries are made so first."""
        if not 1 <= limit <= DELIVERIES_MAX:
            raise BadData(f"limit must be from 1 to {DELIVERIES_MAX}", field="limit")
        self._take_waiting_events()
        with self._store.read() as tx:
            return tx.list_deliveries(
                subscription_id=subscription_id, failed=failed, limit=limit, team_id=team_id,
                before_seq=before_seq,
            )  # fmt: skip

    def redeliver(self, delivery_id: str, *, team_id: int | None = None) -> DeliveryRecord:
        """A delivered or failed delivery (of ``team_id``, when given) tried again now, with
        the same id and a fresh set of tries."""
        with self._store.write() as tx:
            found = tx.get_delivery(delivery_id)
            if found is None or (team_id is not None and found.team_id != team_id):
                raise NotFound(f"no webhook delivery {delivery_id[:64]}", field="id")
            if not tx.redeliver(delivery_id, now_us=self._clock(), tries=self._tries):
                raise Conflict(f"delivery {delivery_id} is pending already", field="id")
            again = tx.get_delivery(delivery_id)
        self._on_queued()
        assert again is not None
        return again

    def _take_waiting_events(self) -> None:
        """The events stored and not yet made into deliveries, made so now (the delivery
        worker does it a moment after each commit): a listing right after a change shows
        that change's deliveries."""
        with self._store.read() as tx:
            if not tx.has_events():
                return
        with self._store.write() as tx:
            for _ in range(WAITING_BATCHES_MAX):
                taken = fan_out(tx, make_id=new_uuid)
                if taken < FAN_OUT_MAX:
                    break
        self._on_queued()


def _events(events: Sequence[str] | None) -> list[str]:
    if not events:
        return list(DOCUMENTED_EVENTS)
    chosen: list[str] = []
    for event in events:
        if event not in EVENTS:
            raise BadData(f"unknown event {event!r}; use {', '.join(EVENTS)}", field="events")
        if event not in chosen:
            chosen.append(event)
    return chosen
