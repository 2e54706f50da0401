"""The delivery worker: an asyncio task of each server process that makes the events stored
since it last looked into deliveries (:mod:`.fanout`), claims due tries from the outbox and
sends them, many at a time, never on the path of an API answer.

It wakes when a write of this process queued deliveries (the :class:`~.outbox.Doorbell`), when
a try it made ends, and every second (to see deliveries other processes queued and retries
that came due). Database calls run in worker threads; the outcomes of the tries that ended
and the next claim share one write transaction. A try that fails is scheduled again
after ``backoff * 2^(n-1)`` seconds (n: the tries made), each wait drawn between 80 % and
120 % of that, until the delivery's tries are used up; then it is marked failed. The schedule
follows the server's clock (the emulator's, when it is on); claims' leases follow the wall
clock, since processes die in real time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid
from collections import Counter
from collections.abc import Callable

from anyio import to_thread

from ..clock import Clock
from ..ids import new_uuid
from ..store import Store, StoreError
from ..store.webhook_records import AttemptOutcome, ClaimedDelivery
from .fanout import FAN_OUT_MAX, fan_out
from .outbox import Doorbell
from .sender import Sender, TryResult

log = logging.getLogger("heymarket_contacts.webhooks")

#: Tries one process makes at once, and at most of one subscription (places are shared out
#: to the subscriptions with the fewest under way: a slow receiver's backlog never holds them
#: all while other subscriptions' events wait).
IN_FLIGHT_MAX = 64
PER_SUBSCRIPTION_MAX = 16
POLL_SECONDS = 1.0
#: A claim outlives the longest try by this much (and twice its time limit).
LEASE_MARGIN_SECONDS = 5.0


def wall_clock() -> int:
    return time.time_ns() // 1000


class DeliveryWorker:
    def __init__(
        self, store: Store, clock: Clock, make_sender: Callable[[], Sender], doorbell: Doorbell, *,
        backoff: float, timeout: float, make_id: Callable[[], str] = new_uuid,
        poll: float = POLL_SECONDS,
        wall: Clock = wall_clock, draw: Callable[[], float] = random.random,
        on_try: Callable[[str], None] = lambda outcome: None,
    ) -> None:  # fmt: skip
        self._store = store
        self._clock = clock
        self._make_sender = make_sender
        self._sender: Sender | None = None
        self._doorbell = doorbell
        self._backoff_us = backoff * 1_000_000
        self._make_id = make_id
        self._lease_us = round((2 * timeout + LEASE_MARGIN_SECONDS) * 1_000_000)
        self._poll = poll
        self._wall = wall
        self._draw = draw
        #: Told of each try's outcome: ``delivered``, ``retried`` or ``failed`` (metrics).
        self._on_try = on_try
        self._claim = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        self._in_flight: set[asyncio.Task[None]] = set()
        #: Tries under way, per subscription.
        self._busy: Counter[int] = Counter()
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._failing = False
        self._next_due_us: int | None = None
        #: Tries made whose outcome is not yet recorded: written with the next claim, in one
        #: transaction (each write transaction of SQLite waits for the disk, and holds the
        #: database meanwhile).
        self._finished: list[tuple[ClaimedDelivery, AttemptOutcome]] = []

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._sender = self._make_sender()
        self._doorbell.listen(self.ring)
        self._task = asyncio.create_task(self._run(), name="webhook deliveries")

    def ring(self) -> None:
        """Wake the worker (from any thread)."""
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(wake.set)

    async def stop(self) -> None:
        """Stop claiming, and cancel the tries in flight (their claims' leases run out, and
        another process, or this one after a restart, tries again)."""
        self._doorbell.forget(self.ring)
        tasks = [task for task in (self._task, *self._in_flight) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._finished:
            with contextlib.suppress(Exception):
                await to_thread.run_sync(self._record_and_claim, self._finished, 0)
        if self._sender is not None:
            await self._sender.aclose()

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            self._wake.clear()
            await self._claim_and_send()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._sleep())

    def _sleep(self) -> float:
        """Seconds until the next poll, or sooner the next retry this process scheduled."""
        due = self._next_due_us
        if due is None:
            return self._poll
        left = (due - self._clock()) / 1_000_000
        if left <= 0:
            self._next_due_us = None
        return max(0.0, min(self._poll, left))

    async def _claim_and_send(self) -> None:
        room = IN_FLIGHT_MAX - len(self._in_flight)
        finished, self._finished = self._finished, []
        try:
            claimed = await to_thread.run_sync(
                self._record_and_claim, finished, room, dict(self._busy)
            )
        except StoreError as error:
            self._finished[:0] = finished
            self._report(error)
            return
        except Exception:
            self._finished[:0] = finished
            log.exception("claiming webhook deliveries failed")
            return
        self._failing = False
        for delivery in claimed:
            self._busy[delivery.subscription_id] += 1
            task = asyncio.create_task(self._attempt(delivery))
            self._in_flight.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        if self._wake is not None:
            self._wake.set()

    def _report(self, error: Exception) -> None:
        """Once per outage; the store logs what went wrong (and when it is back)."""
        if not self._failing:
            log.warning("webhook deliveries wait for the database to answer")
        self._failing = True

    def _record_and_claim(
        self, finished: list[tuple[ClaimedDelivery, AttemptOutcome]], room: int,
        busy: dict[int, int] | None = None,
    ) -> list[ClaimedDelivery]:  # fmt: skip
        """In one write transaction: the outcomes of the tries made, the events stored since
        made into deliveries, then up to ``room`` due tries claimed (``busy``: this process's
        tries under way, per subscription). With nothing to record, a read first tells whether
        any event waits or any try is due."""
        now, wall = self._clock(), self._wall()
        if not finished:
            with self._store.read() as tx:  # events are made into deliveries, room or not
                if not tx.has_events() and (room <= 0 or not tx.has_due_delivery(now, wall)):
                    return []
        with self._store.write() as tx:
            for delivery, outcome in finished:
                tx.finish_attempt(delivery, outcome)
            taken = fan_out(tx, make_id=self._make_id)
            if taken == FAN_OUT_MAX:
                self.ring()  # more are waiting: take them next, not after the next poll
            if room <= 0:
                return []
            return tx.claim_deliveries(
                now_us=self._clock(), wall_us=wall, lease_until_us=wall + self._lease_us,
                claim=self._claim, limit=room, per_subscription=PER_SUBSCRIPTION_MAX, busy=busy,
            )  # fmt: skip

    async def _attempt(self, delivery: ClaimedDelivery) -> None:
        try:
            await self._try(delivery)
        finally:
            self._busy[delivery.subscription_id] -= 1
            if self._busy[delivery.subscription_id] <= 0:
                del self._busy[delivery.subscription_id]

    async def _try(self, delivery: ClaimedDelivery) -> None:
        assert self._sender is not None
        result = await self._sender.send(delivery)
        outcome = self._outcome(delivery, result)
        if outcome.retry_at_us is not None:
            due = self._next_due_us
            self._next_due_us = (
                outcome.retry_at_us if due is None else min(due, outcome.retry_at_us)
            )
        if not result.delivered:
            log.info(
                "webhook delivery %s (%s, try %d of %d) failed: %s", delivery.id,
                delivery.event, delivery.attempts + 1, delivery.max_attempts, result.error,
            )  # fmt: skip
        if outcome.delivered:
            self._on_try("delivered")
        else:
            self._on_try("retried" if outcome.retry_at_us is not None else "failed")
        self._finished.append((delivery, outcome))

    def _outcome(self, delivery: ClaimedDelivery, result: TryResult) -> AttemptOutcome:
        now = self._clock()
        tries = delivery.attempts + 1
        retry_at = None
        if not result.delivered and tries < delivery.max_attempts:
            wait = self._backoff_us * 2 ** (tries - 1) * (0.8 + 0.4 * self._draw())
            retry_at = now + round(wait)
        return AttemptOutcome(
            delivered=result.delivered, status=result.status, error=result.error,
            attempted_us=now, retry_at_us=retry_at,
        )  # fmt: skip
