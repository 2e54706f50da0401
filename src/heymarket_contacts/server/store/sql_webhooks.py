"""SQL of webhook subscriptions and the delivery outbox, shared by both databases.

A try is claimed before it is made: the claiming transaction marks the delivery as held by
one process until a lease ends (``claimed_until_us``), so a process that dies while sending
lets another try again once the lease is over, and no two processes make the same try. On
PostgreSQL the claim's ``SELECT`` skips rows another transaction is claiming (``FOR UPDATE
SKIP LOCKED``); SQLite runs one write transaction at a time anyway.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from typing import Any

from .sql_base import SqlBase
from .webhook_records import (
    AttemptOutcome,
    ClaimedDelivery,
    DeliveryRecord,
    EventRecord,
    NewDelivery,
    NewEvent,
    SubscriptionRecord,
)

_SUBSCRIPTION_COLUMNS = "id, team_id, url, events, token, created_us"
_DELIVERY_COLUMNS = (
    "seq, id, subscription_id, team_id, contact_id, event, state, attempts, max_attempts,"
    " next_attempt_us, last_status, last_error, last_attempt_us, created_us"
)
#: A pending delivery may be tried when no earlier one of its contact and subscription is
#: still pending: events of one contact arrive in the order they happened.
_DUE = (
    "d.state = 'pending' AND d.next_attempt_us <= ? AND d.claimed_until_us <= ?"
    " AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.state = 'pending'"
    " AND e.subscription_id = d.subscription_id AND e.contact_id = d.contact_id"
    " AND e.seq < d.seq)"
)
#: The subscriptions with a pending delivery, found by skipping along the index of pending
#: deliveries (one probe per subscription, not one per delivery).
PENDING_SUBSCRIPTIONS = (
    "WITH RECURSIVE pending (id) AS ("
    " SELECT min(subscription_id) FROM webhook_deliveries WHERE state = 'pending'"
    " UNION ALL SELECT (SELECT min(subscription_id) FROM webhook_deliveries"
    " WHERE state = 'pending' AND subscription_id > pending.id) FROM pending"
    " WHERE pending.id IS NOT NULL"
    ") SELECT id FROM pending WHERE id IS NOT NULL"
)
#: One subscription's due tries (``subscription_id``, ``now_us``, ``wall_us``, ``limit``), the
#: earliest due first: the order of the index ``webhook_deliveries_subscription_due``, so a
#: claim reads the head of that index and stops, instead of sorting every pending delivery
#: (a sort of all of them cost 26 ms at 35,000 pending, on every claim). The order of one
#: contact's events is kept by :data:`_DUE`, not by this one.
CLAIM_DUE = (
    f"SELECT d.seq, d.next_attempt_us FROM webhook_deliveries d WHERE d.subscription_id = ?"
    f" AND {_DUE} ORDER BY d.next_attempt_us, d.seq LIMIT ?"
)
#: The longest error text kept for a try.
ERROR_MAX = 500


class WebhookSql(SqlBase):
    # --- subscriptions -----------------------------------------------------------------------

    def insert_subscription(
        self, team_id: int, *, url: str, events: Sequence[str], token: str, now_us: int
    ) -> SubscriptionRecord:
        row = self._one(
            "INSERT INTO webhook_subscriptions (team_id, url, events, token, created_us)"
            " VALUES (?, ?, ?, ?, ?) RETURNING id",
            (team_id, url, " ".join(events), token, now_us),
        )
        return SubscriptionRecord(int(row[0]), team_id, url, tuple(events), token, now_us)

    def list_subscriptions(self, team_id: int | None = None) -> list[SubscriptionRecord]:
        if team_id is None:
            rows = self._all(
                f"SELECT {_SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions ORDER BY id"
            )
        else:
            rows = self._all(
                f"SELECT {_SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE team_id = ?"
                " ORDER BY id",
                (team_id,),
            )
        return [_subscription(row) for row in rows]

    def subscribed_events(self, team_id: int) -> frozenset[str]:
        """The events any subscription of the team asked for (empty: it has none)."""
        rows = self._all("SELECT events FROM webhook_subscriptions WHERE team_id = ?", (team_id,))
        return frozenset(event for (events,) in rows for event in str(events).split())

    def delete_subscription(self, subscription_id: int) -> bool:
        """The subscription gone, and every delivery of it (pending ones are never tried)."""
        row = self._one(
            "DELETE FROM webhook_subscriptions WHERE id = ? RETURNING id", (subscription_id,)
        )
        self._execute(
            "DELETE FROM webhook_deliveries WHERE subscription_id = ?", (subscription_id,)
        )
        return row is not None

    # --- the outbox --------------------------------------------------------------------------

    def insert_events(self, events: Sequence[NewEvent]) -> None:
        self._insert_many(
            "webhook_events",
            ("team_id", "contact_id", "event", "data", "max_attempts", "created_us"),
            [(e.team_id, e.contact_id, e.event, e.data, e.max_attempts, e.created_us)
             for e in events],
        )  # fmt: skip

    def has_events(self) -> bool:
        return self._one("SELECT 1 FROM webhook_events LIMIT 1") is not None

    def take_events(self, limit: int) -> list[EventRecord]:
        """The oldest ``limit`` events, held by this transaction until it ends (on PostgreSQL
        another one taking events waits for it, so events become deliveries in their order);
        the caller deletes them with :meth:`delete_events` once their deliveries are made."""
        rows = self._all(
            "SELECT team_id, contact_id, event, data, max_attempts, created_us, seq"
            " FROM webhook_events"
            f" ORDER BY seq LIMIT ?{self._dialect.for_update}",
            (limit,),
        )
        return [EventRecord(*row) for row in rows]

    def delete_events(self, seqs: Sequence[int]) -> None:
        if seqs:
            marks = ", ".join("?" * len(seqs))
            self._execute(f"DELETE FROM webhook_events WHERE seq IN ({marks})", seqs)

    def insert_deliveries(self, deliveries: Sequence[NewDelivery]) -> None:
        self._insert_many(
            "webhook_deliveries",
            ("id", "subscription_id", "team_id", "contact_id", "event", "body", "max_attempts",
             "next_attempt_us", "created_us"),
            [
                (d.id, d.subscription_id, d.team_id, d.contact_id, d.event, d.body,
                 d.max_attempts, d.next_attempt_us, d.created_us)
                for d in deliveries
            ],
        )  # fmt: skip

    def has_due_delivery(self, now_us: int, wall_us: int) -> bool:
        """Whether any try is due (a cheap read before a claim, which writes)."""
        row = self._one(
            f"SELECT 1 FROM webhook_deliveries d WHERE {_DUE} LIMIT 1", (now_us, wall_us)
        )
        return row is not None

    def claim_deliveries(
        self, *, now_us: int, wall_us: int, lease_until_us: int, claim: str, limit: int,
        per_subscription: int | None = None, busy: Mapping[int, int] | None = None,
    ) -> list[ClaimedDelivery]:  # fmt: skip
        """Up to ``limit`` due tries, the earliest due first, held by ``claim`` until the lease
        ends; at most ``per_subscription`` of one subscription, counting the ``busy`` ones (its
        tries the caller is making already), so that a slow receiver's backlog never holds
        every try of the caller while other subscriptions' events wait behind it."""
        if limit <= 0:
            return []
        busy = busy or {}
        cap = limit if per_subscription is None else per_subscription
        candidates: dict[int, list[tuple[int, int]]] = {}
        for (subscription_id,) in self._all(PENDING_SUBSCRIPTIONS):
            room = min(limit, cap - busy.get(int(subscription_id), 0))
            if room > 0:
                rows = self._all(
                    f"{CLAIM_DUE}{self._dialect.skip_locked}",
                    (subscription_id, now_us, wall_us, room),
                )
                if rows:
                    candidates[int(subscription_id)] = [(int(r[1]), int(r[0])) for r in rows]
        seqs = [seq for _, seq in sorted(share_tries(candidates, busy, cap, limit))]
        if not seqs:
            return []
        marks = ", ".join("?" * len(seqs))
        self._execute(
            f"UPDATE webhook_deliveries SET claimed_until_us = ?, claim = ? WHERE seq IN ({marks})",
            (lease_until_us, claim, *seqs),
        )
        claimed = self._all(
            "SELECT d.seq, d.id, d.subscription_id, d.contact_id, d.event, d.body, d.attempts,"
            " d.max_attempts,"
            " s.url, s.token FROM webhook_deliveries d JOIN webhook_subscriptions s"
            f" ON s.id = d.subscription_id WHERE d.seq IN ({marks})"
            " ORDER BY d.next_attempt_us, d.seq",
            seqs,
        )
        return [
            ClaimedDelivery(
                seq=int(row[0]),
                id=str(row[1]),
                subscription_id=int(row[2]),
                contact_id=int(row[3]),
                event=str(row[4]),
                body=str(row[5]),
                attempts=int(row[6]),
                max_attempts=int(row[7]),
                url=str(row[8]),
                token=str(row[9]),
                claim=claim,
            )
            for row in claimed
        ]

    def finish_attempt(self, delivery: ClaimedDelivery, outcome: AttemptOutcome) -> bool:
        """Record a try of a delivery this process still holds; ``False`` when it does not
        (its lease ended and another process took it, or its subscription was removed)."""
        if outcome.delivered:
            state, next_us = "delivered", outcome.attempted_us
        elif outcome.retry_at_us is None:
            state, next_us = "failed", outcome.attempted_us
        else:
            state, next_us = "pending", outcome.retry_at_us
        row = self._one(
            "UPDATE webhook_deliveries SET state = ?, attempts = attempts + 1,"
            " next_attempt_us = ?, claimed_until_us = 0, claim = '', last_status = ?,"
            " last_error = ?, last_attempt_us = ? WHERE seq = ? AND claim = ? RETURNING seq",
            (state, next_us, outcome.status, outcome.error[:ERROR_MAX], outcome.attempted_us,
             delivery.seq, delivery.claim),
        )  # fmt: skip
        return row is not None

    def list_deliveries(
        self, *, subscription_id: int | None, failed: bool, limit: int,
        team_id: int | None = None, before_seq: int | None = None,
    ) -> list[DeliveryRecord]:  # fmt: skip
        """The newest ``limit`` deliveries (of one subscription, of one team, older than
        ``before_seq``, only failed ones), oldest first."""
        clauses, params = [], []
        for clause, value in (("subscription_id = ?", subscription_id),
                              ("team_id = ?", team_id), ("seq < ?", before_seq)):  # fmt: skip
            if value is not None:
                clauses.append(clause)
                params.append(value)
        if failed:
            clauses.append("state = 'failed'")
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._all(
            f"SELECT {_DELIVERY_COLUMNS} FROM (SELECT {_DELIVERY_COLUMNS} FROM webhook_deliveries"
            f"{where} ORDER BY seq DESC LIMIT ?) newest ORDER BY seq",
            (*params, limit),
        )
        return [DeliveryRecord(*row) for row in rows]

    def get_delivery(self, delivery_id: str) -> DeliveryRecord | None:
        row = self._one(
            f"SELECT {_DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = ?", (delivery_id,)
        )
        return DeliveryRecord(*row) if row else None

    def redeliver(self, delivery_id: str, *, now_us: int, tries: int) -> bool:
        """A delivery that is not pending tried again (``tries`` more times at most), with
        the same id; ``False`` when there is none, or it is pending already."""
        row = self._one(
            "UPDATE webhook_deliveries SET state = 'pending', max_attempts = attempts + ?,"
            " next_attempt_us = ?, claimed_until_us = 0, claim = ''"
            " WHERE id = ? AND state <> 'pending' RETURNING seq",
            (tries, now_us, delivery_id),
        )
        return row is not None

    def count_pending_deliveries(self) -> int:
        """Deliveries pending, and events not yet made into deliveries (one each)."""
        row = self._one(
            "SELECT (SELECT count(*) FROM webhook_deliveries WHERE state = 'pending')"
            " + (SELECT count(*) FROM webhook_events)"
        )
        return int(row[0])


def _subscription(row: Sequence[Any]) -> SubscriptionRecord:
    return SubscriptionRecord(
        id=int(row[0]), team_id=int(row[1]), url=str(row[2]),
        events=tuple(str(row[3]).split()), token=str(row[4]), created_us=int(row[5]),
    )  # fmt: skip


def share_tries(
    candidates: Mapping[int, Sequence[tuple[int, int]]], busy: Mapping[int, int], cap: int,
    limit: int,
) -> list[tuple[int, int]]:  # fmt: skip
    """Up to ``limit`` of the due tries ``candidates`` holds per subscription (``(due, seq)``,
    each list in its order), each given in turn to the subscription with the fewest tries
    under way (``busy``, plus those given already), at most ``cap`` each: a try that ends
    frees a place the subscriptions waiting longest behind a slow one take first."""
    turns = [
        (busy.get(subscription_id, 0), tries[0], subscription_id)
        for subscription_id, tries in candidates.items()
        if tries and busy.get(subscription_id, 0) < cap
    ]
    heapq.heapify(turns)
    taken: list[tuple[int, int]] = []
    next_of = dict.fromkeys(candidates, 0)
    while turns and len(taken) < limit:
        load, first, subscription_id = heapq.heappop(turns)
        taken.append(first)
        tries, index = candidates[subscription_id], next_of[subscription_id] + 1
        next_of[subscription_id] = index
        if index < len(tries) and load + 1 < cap:
            heapq.heappush(turns, (load + 1, tries[index], subscription_id))
    return taken
