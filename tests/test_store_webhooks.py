"""The outbox queries of the store contract, on both databases: claims (once each, leases,
the order of a contact's events), outcomes, redelivery, removal."""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import psycopg
import pytest

from heymarket_contacts.server.store import Store
from heymarket_contacts.server.store.sql_webhooks import CLAIM_DUE, share_tries
from heymarket_contacts.server.store.webhook_records import (
    AttemptOutcome,
    ClaimedDelivery,
    NewDelivery,
    NewEvent,
)
from heymarket_contacts.server.webhooks.fanout import fan_out
from support import write_outside_the_server

NOW = 1_800_000_000_000_000
WALL = 1_700_000_000_000_000
LEASE = 10_000_000


def _subscribe(
    store: Store, team_id: int, events: tuple[str, ...] | list[str] = ("target_opt_out",)
) -> int:
    with store.write() as tx:
        return tx.insert_subscription(
            team_id, url="http://127.0.0.1/", events=list(events), token="t" * 10, now_us=NOW,
        ).id  # fmt: skip


def _queue(
    store: Store, team_id: int, subscription_id: int, contacts: list[int], *, due: int = NOW
) -> list[str]:
    deliveries = [
        NewDelivery(
            id=str(uuid.uuid4()),
            subscription_id=subscription_id,
            team_id=team_id,
            contact_id=contact_id,
            event="target_opt_out",
            body=f'{{"n": {n}}}',
            max_attempts=3,
            next_attempt_us=due,
            created_us=NOW,
        )
        for n, contact_id in enumerate(contacts)
    ]
    with store.write() as tx:
        tx.insert_deliveries(deliveries)
    return [d.id for d in deliveries]


def _claim(
    store: Store, claim: str, *, limit: int = 100, now: int = NOW, wall: int = WALL
) -> list[ClaimedDelivery]:
    with store.write() as tx:
        return tx.claim_deliveries(
            now_us=now, wall_us=wall, lease_until_us=wall + LEASE, claim=claim, limit=limit
        )


def _ours(claimed: list[ClaimedDelivery], ids: list[str]) -> list[ClaimedDelivery]:
    return [d for d in claimed if d.id in ids]


def _done(delivered: bool = True, retry_at: int | None = None) -> AttemptOutcome:
    return AttemptOutcome(
        delivered=delivered, status=200 if delivered else 500, error="" if delivered else "x",
        attempted_us=NOW, retry_at_us=retry_at,
    )  # fmt: skip


@pytest.fixture
def subscription(store: Store, team_id: int) -> Iterator[int]:
    subscription_id = _subscribe(store, team_id)
    yield subscription_id
    with store.write() as tx:
        tx.delete_subscription(subscription_id)


def test_a_contacts_next_event_waits_for_the_one_before(
    store: Store, team_id: int, subscription: int
) -> None:
    ids = _queue(store, team_id, subscription, [1, 1, 2])
    first = _ours(_claim(store, "a"), ids)
    assert [d.id for d in first] == [ids[0], ids[2]]  # not contact 1's second event
    assert first[0].url == "http://127.0.0.1/"
    assert first[0].body == '{"n": 0}'
    assert _ours(_claim(store, "b"), ids) == []  # claimed, and the second waits
    with store.write() as tx:
        assert tx.finish_attempt(first[0], _done())
    (second,) = _ours(_claim(store, "b"), ids)
    assert second.id == ids[1]


def test_an_outcome_is_recorded_only_by_the_claim_holder(
    store: Store, team_id: int, subscription: int
) -> None:
    ids = _queue(store, team_id, subscription, [5])
    (claimed,) = _ours(_claim(store, "a"), ids)
    stolen = replace(claimed, claim="b")
    with store.write() as tx:
        assert not tx.finish_attempt(stolen, _done())
        assert tx.finish_attempt(claimed, _done(False, retry_at=NOW + 5))
        record = tx.get_delivery(ids[0])
    assert record is not None
    assert (record.state, record.attempts, record.last_status) == ("pending", 1, 500)
    assert _ours(_claim(store, "a"), ids) == []  # not due yet
    (again,) = _ours(_claim(store, "a", now=NOW + 5), ids)
    assert again.attempts == 1
    with store.write() as tx:
        assert tx.finish_attempt(again, _done(False, retry_at=None))
        failed = tx.get_delivery(ids[0])
    assert failed is not None
    assert (failed.state, failed.attempts) == ("failed", 2)


def test_a_lapsed_claim_is_taken_again(store: Store, team_id: int, subscription: int) -> None:
    ids = _queue(store, team_id, subscription, [6])
    assert len(_ours(_claim(store, "dead"), ids)) == 1
    assert _ours(_claim(store, "b", wall=WALL + LEASE - 1), ids) == []
    (taken,) = _ours(_claim(store, "b", wall=WALL + LEASE), ids)
    assert taken.claim == "b"


def test_concurrent_claims_take_each_delivery_once(
    store: Store, team_id: int, subscription: int
) -> None:
    ids = _queue(store, team_id, subscription, list(range(1000, 1200)))
    taken: list[list[ClaimedDelivery]] = [[] for _ in range(4)]

    def claim(index: int) -> None:
        while batch := _ours(_claim(store, f"p{index}", limit=7), ids):
            taken[index].extend(batch)

    threads = [threading.Thread(target=claim, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [d.id for batch in taken for d in batch]
    assert sorted(every) == sorted(ids)


def test_redeliver_and_remove(store: Store, team_id: int) -> None:
    subscription_id = _subscribe(store, team_id)
    ids = _queue(store, team_id, subscription_id, [7])
    (claimed,) = _ours(_claim(store, "a"), ids)
    with store.write() as tx:
        assert not tx.redeliver(ids[0], now_us=NOW, tries=3)  # still pending
        tx.finish_attempt(claimed, _done())
        assert tx.redeliver(ids[0], now_us=NOW, tries=3)
        again = tx.get_delivery(ids[0])
        assert not tx.redeliver("no-such-id", now_us=NOW, tries=3)
    assert again is not None
    assert (again.state, again.attempts, again.max_attempts) == ("pending", 1, 4)
    with store.read() as tx:
        listed = tx.list_deliveries(subscription_id=subscription_id, failed=False, limit=10)
        assert [d.id for d in listed] == ids
        assert tx.list_deliveries(subscription_id=subscription_id, failed=True, limit=10) == []
    with store.write() as tx:
        assert tx.delete_subscription(subscription_id)
        assert not tx.delete_subscription(subscription_id)
        assert tx.get_delivery(ids[0]) is None
    assert _ours(_claim(store, "a"), ids) == []


def _claim_plan(database_url: str, params: tuple[Any, ...]) -> list[tuple[str, int]]:
    """The claim's plan: each step, and (PostgreSQL, which runs it) the rows it looked at."""
    if not database_url.startswith("postgresql"):
        with sqlite3.connect(database_url) as connection:
            rows = connection.execute(f"EXPLAIN QUERY PLAN {CLAIM_DUE}", params).fetchall()
        connection.close()
        return [(str(row[3]), 0) for row in rows]
    steps: list[tuple[str, int]] = []

    def walk(node: dict[str, Any]) -> None:
        looked_at = node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
        steps.append((str(node["Node Type"]), int(looked_at)))
        for child in node.get("Plans", []):
            walk(child)

    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("ANALYZE webhook_deliveries")
        query = f"EXPLAIN (ANALYZE, FORMAT JSON) {CLAIM_DUE.replace('?', '%s')}"
        (plan,) = connection.execute(query, params).fetchone() or [None]
    document = json.loads(plan) if isinstance(plan, str) else plan
    walk(document[0]["Plan"])
    return steps


def test_a_claim_reads_the_head_of_the_due_order_not_every_pending_delivery(
    store: Store, database_url: str, team_id: int, subscription: int
) -> None:
    """Thousands pending, a thousand delivered before them: a subscription's claim of 10 sorts
    nothing and looks at a few rows (a claim that sorted every pending delivery cost 26 ms at
    35,000)."""
    _queue(store, team_id, subscription, list(range(2_000)))
    write_outside_the_server(
        database_url,
        "UPDATE webhook_deliveries SET state = 'delivered' WHERE subscription_id = ?"
        " AND contact_id < 1000",
        (subscription,),
    )
    steps = _claim_plan(database_url, (subscription, NOW, WALL, 10))
    assert not [step for step, _ in steps if "Sort" in step or "TEMP B-TREE" in step], steps
    if database_url.startswith("postgresql"):
        assert max(looked_at for _, looked_at in steps) <= 100, steps
    else:  # the due index, in its order: not the table in seq order, delivered rows and all
        index = "USING INDEX webhook_deliveries_subscription_due"
        assert [step for step, _ in steps if index in step], steps


def test_the_earliest_due_is_claimed_first(store: Store, team_id: int, subscription: int) -> None:
    """Queued later but due sooner (a retry, say): claimed first. Both are due before any
    other test's delivery, so a claim of one takes one of these two."""
    later = _queue(store, team_id, subscription, [7], due=NOW - 10)
    sooner = _queue(store, team_id, subscription, [8], due=NOW - 20)
    assert [d.id for d in _claim(store, "a", now=NOW - 5, limit=1)] == sooner
    assert [d.id for d in _claim(store, "b", now=NOW - 5, limit=1)] == later


def test_a_subscriptions_backlog_leaves_room_for_the_others(store: Store, team_id: int) -> None:
    """The first subscription's 50 deliveries are all due before the second's 5: a claim of
    10, at most 4 a subscription, takes 2 more of the first (2 are under way already) and 4 of
    the second, each subscription's in the order of its events."""
    backlog, other = _subscribe(store, team_id), _subscribe(store, team_id)
    try:
        first = _queue(store, team_id, backlog, list(range(50)), due=NOW - 100)
        second = _queue(store, team_id, other, list(range(5)), due=NOW - 50)
        with store.write() as tx:
            claimed = tx.claim_deliveries(
                now_us=NOW, wall_us=WALL, lease_until_us=WALL + LEASE, claim="fair", limit=10,
                per_subscription=4, busy={backlog: 2},
            )  # fmt: skip
        ids = [d.id for d in claimed]
        assert [i for i in ids if i in first] == first[:2]
        assert [i for i in ids if i in second] == second[:4]
        assert len(ids) == 6
    finally:
        with store.write() as tx:
            tx.delete_subscription(backlog)
            tx.delete_subscription(other)


def test_places_go_to_the_subscription_with_the_fewest_under_way() -> None:
    candidates = {1: [(10, n) for n in range(1, 9)], 2: [(20, 100), (21, 101)], 3: []}
    # 1 has 3 under way: 2 gets both of its tries before 1 gets its second, 3 has none due.
    assert share_tries(candidates, {1: 3}, cap=5, limit=5) == [(20, 100), (21, 101), (10, 1),
                                                                 (10, 2)]  # fmt: skip
    assert share_tries(candidates, {1: 5}, cap=5, limit=10) == [(20, 100), (21, 101)]
    assert share_tries(candidates, {}, cap=2, limit=10) == [(10, 1), (20, 100), (10, 2),
                                                             (21, 101)]  # fmt: skip
    assert share_tries(candidates, {}, cap=8, limit=0) == []


def test_events_become_one_delivery_per_subscription_that_asked_once_in_their_order(
    store: Store, team_id: int
) -> None:
    wants_all = _subscribe(store, team_id, events=["contact_updated", "target_opt_out"])
    wants_opt_outs = _subscribe(store, team_id)
    stored = [
        NewEvent(team_id, 41, "contact_updated", '{"n": 1}', 3, NOW - 3),
        NewEvent(team_id, 41, "target_opt_out", '{"n": 2}', 3, NOW - 2),
        NewEvent(team_id, 42, "contact_deleted", '{"n": 3}', 3, NOW - 1),  # nobody asked
    ]
    with store.write() as tx:
        tx.insert_events(stored)
    with store.read() as tx:
        assert tx.has_events()
        assert tx.count_pending_deliveries() >= 3
    ids = iter(str(uuid.uuid4()) for _ in range(10))
    with store.write() as tx:
        taken = fan_out(tx, make_id=lambda: next(ids), limit=1000)
    assert taken >= 3
    with store.write() as tx:  # each event is made into deliveries once
        assert fan_out(tx, make_id=lambda: next(ids)) == 0
        assert not tx.has_events()
    try:
        with store.read() as tx:
            everything = tx.list_deliveries(subscription_id=wants_all, failed=False, limit=10)
            opt_outs = tx.list_deliveries(subscription_id=wants_opt_outs, failed=False, limit=10)
        assert [(d.event, d.contact_id, d.created_us, d.next_attempt_us, d.max_attempts)
                for d in everything] == [("contact_updated", 41, NOW - 3, NOW - 3, 3),
                                         ("target_opt_out", 41, NOW - 2, NOW - 2, 3)]  # fmt: skip
        assert [d.event for d in opt_outs] == ["target_opt_out"]
        claimed = [d for d in _claim(store, "fan") if d.contact_id == 41]
        assert [(d.subscription_id, d.event) for d in claimed][:1] == [
            (wants_all, "contact_updated")
        ]
        body = next(d.body for d in claimed if d.subscription_id == wants_opt_outs)
        assert '"event_data":{"n": 2}' in body
        assert f'"id":{wants_opt_outs}' in body
    finally:
        with store.write() as tx:
            tx.delete_subscription(wants_all)
            tx.delete_subscription(wants_opt_outs)


def test_a_teams_subscribed_events_are_those_any_of_its_subscriptions_asked_for(
    store: Store, team_id: int, other_team_id: int
) -> None:
    with store.read() as tx:
        assert tx.subscribed_events(team_id) == frozenset()
    ids = [
        _subscribe(store, team_id, events=["contact_updated", "target_opt_out"]),
        _subscribe(store, team_id),
    ]
    try:
        with store.read() as tx:
            assert tx.subscribed_events(team_id) == {"contact_updated", "target_opt_out"}
            assert tx.subscribed_events(other_team_id) == frozenset()
    finally:
        with store.write() as tx:
            for subscription_id in ids:
                tx.delete_subscription(subscription_id)
