"""The webhooks part of a bench run: the API's GET and POST with and without subscriptions
whose receiver is slow, the delay from a POST's answer to its event's arrival, and the drain
of the outbox.

One SQLite server (1 worker, pinned, ``--webhooks-allow-private``) and one receiver
(``bench.receiver``, pinned to the load's core) serve every scenario. Subscriptions of the
dataset's team are added and removed through the subscriptions service while the server runs,
as ``heymarket-contacts webhook add`` does; removing them drops their deliveries not yet made,
so each round's runs without subscriptions start from an empty outbox.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import httpx

from heymarket_contacts.server.clock import system_clock
from heymarket_contacts.server.store import open_store, parse_database_url
from heymarket_contacts.server.webhooks.subscriptions import WebhookService
from heymarket_contacts.server.webhooks.targets import TargetPolicy

from . import data
from .load import Client, WrkRun
from .receiver import Arrival
from .report import Row, Spread
from .scenarios import LOAD_CORE, Bench, quantile
from .servers import Server, receiver_server

#: The slow receiver's answer time, and how many subscriptions point at it.
SLOW_MS = 1000
SUBSCRIPTIONS = 3
#: Events whose delivery delay is measured (a receiver answering at once).
LATENCY_EVENTS = 300
#: POSTs whose deliveries to the slow receiver are timed until the outbox is empty.
DRAIN_POSTS = 200
DRAIN_TIMEOUT_SECONDS = 600
#: Phones of the wrk POST runs (one range of 10^8 per run) and of the client's POSTs.
WRK_PHONE_BASE = 18_000_000_000
CLIENT_PHONE_BASE = 19_000_000_000
EVENTS = ["target_opt_out", "target_opt_in", "contact_created", "contact_updated",
          "contact_deleted"]  # fmt: skip
#: Each round, in this order: (scenario, with subscriptions, wrk script).
PLAN = (
    ("POST contact, no subscriptions", False, "post"),
    ("GET contact, no subscriptions", False, "get"),
    (f"POST contact, {SUBSCRIPTIONS} slow subscriptions", True, "post"),
    (f"GET contact, {SUBSCRIPTIONS} slow subscriptions", True, "get"),
)


class Hooks:
    """The team's subscriptions and the outbox, on the dataset's database."""

    def __init__(self, dataset: data.Dataset) -> None:
        self._store = open_store(parse_database_url(dataset.database))
        self._service = WebhookService(
            self._store, system_clock, policy=TargetPolicy(allow_private=True), tries=8
        )
        self._team = dataset.team_id

    def add(self, url: str, count: int) -> list[int]:
        return [self._service.add(self._team, url, EVENTS).id for _ in range(count)]

    def remove(self, ids: list[int]) -> None:
        for subscription_id in ids:
            self._service.remove(subscription_id)

    def pending(self) -> int:
        with self._store.read() as tx:
            return tx.count_pending_deliveries()

    def close(self) -> None:
        self._store.close()


class Arrivals:
    """The receiver: its URL, and what it has seen, read over HTTP from where the last read
    stopped."""

    def __init__(self, receiver: Server) -> None:
        self.url = receiver.url
        self._client = httpx.Client(base_url=receiver.url, timeout=30)
        self.seen: list[Arrival] = []

    def fetch(self) -> list[Arrival]:
        """The arrivals since the last fetch."""
        answer = self._client.get("/arrivals", params={"since": len(self.seen)})
        new = [tuple(item) for item in answer.raise_for_status().json()]
        self.seen.extend(new)
        return new

    def close(self) -> None:
        self._client.close()


def webhooks(bench: Bench, dataset: data.Dataset) -> None:
    receiver = bench.start(receiver_server(bench.scratch, cores=LOAD_CORE))
    app = bench.app(dataset, extra_args=("--webhooks-allow-private",))
    hooks, arrivals = Hooks(dataset), Arrivals(receiver)
    try:
        load(bench, app, dataset, hooks, arrivals)
        bench.rows["webhook delivery latency"] = latency(bench, app, dataset, hooks, arrivals)
        bench.rows["webhook outbox drain"] = drain(bench, app, dataset, hooks, arrivals)
    finally:
        arrivals.close()
        hooks.close()
        bench.stop(app, receiver)


def load(
    bench: Bench, app: Server, dataset: data.Dataset, hooks: Hooks, arrivals: Arrivals
) -> None:
    """``runs`` rounds of the :data:`PLAN`; the subscriptions come before the runs that have
    them and go at the end of the round, with the deliveries left in the outbox."""
    token = dataset.token()
    get_args = ["1", str(dataset.contacts), token]
    phone_ranges = (WRK_PHONE_BASE + n * 100_000_000 for n in range(90))
    bench.log(f"GET and POST with and without {SUBSCRIPTIONS} subscriptions to a receiver"
              f" answering in {SLOW_MS} ms, 1 worker, pinned")  # fmt: skip
    bench.warm(app, "get", get_args)
    bench.warm(app, "post", [str(next(phone_ranges)), token])
    runs: dict[str, list[WrkRun]] = {name: [] for name, _, _ in PLAN}
    notes: dict[str, list[str]] = {name: [] for name, subscribed, _ in PLAN if subscribed}
    for round_number in range(bench.config.runs):
        ids: list[int] = []
        for name, subscribed, script in PLAN:
            if subscribed and not ids:
                ids = hooks.add(f"{arrivals.url}/hooks/{SLOW_MS}", SUBSCRIPTIONS)
                arrivals.fetch()
            args = get_args if script == "get" else [str(next(phone_ranges)), token]
            run = bench.wrk(app, script, args, pinned=True)
            runs[name].append(run)
            line = f"  round {round_number + 1} {name}: {run.rps:,.0f} req/s, p50" \
                   f" {run.p50_ms:.2f} ms, p99 {run.p99_ms:.2f} ms"  # fmt: skip
            if subscribed:
                note = f"{len(arrivals.fetch()):,} delivered, {hooks.pending():,} left"
                notes[name].append(note)
                line += f"; outbox: {note}"
            bench.log(line)
        hooks.remove(ids)
        time.sleep(2 * SLOW_MS / 1000)  # the tries in flight end
    if bench.config.profile:
        profile_posts(bench, app, hooks, arrivals, [str(next(phone_ranges)), token])
        profile_posts(bench, app, None, arrivals, [str(next(phone_ranges)), token])
    for name, subscribed, script in PLAN:
        baseline = (f"{script.upper()} contact, no subscriptions",) if subscribed else ()
        row = Row.of_runs(name, runs[name], baseline)
        if subscribed:
            row.extra["outbox during each run"] = " / ".join(notes[name])
        bench.rows[name] = row


def profile_posts(
    bench: Bench, app: Server, hooks: Hooks | None, arrivals: Arrivals, args: list[str]
) -> None:
    """py-spy during one more POST run: with the slow subscriptions (``hooks``) into
    ``profile-post-webhooks/``, without them into ``profile-post-no-webhooks/``."""
    from .profile import record  # noqa: PLC0415 (only with BENCH_PROFILE=1)

    folder = "profile-post-webhooks" if hooks else "profile-post-no-webhooks"
    bench.log(f"  profiling a POST run with py-spy into {folder}")
    ids = hooks.add(f"{arrivals.url}/hooks/{SLOW_MS}", SUBSCRIPTIONS) if hooks else []
    record(app, bench.out / folder, lambda: bench.wrk(app, "post", args, pinned=True))
    if hooks:
        hooks.remove(ids)
        time.sleep(2 * SLOW_MS / 1000)


def latency(
    bench: Bench, app: Server, dataset: data.Dataset, hooks: Hooks, arrivals: Arrivals
) -> Row:
    """One subscription to a receiver that answers at once; :data:`LATENCY_EVENTS` POSTs one
    after the other, each timed from its answer (client side) to its event's arrival."""
    bench.log(f"  delivery latency: {LATENCY_EVENTS} POSTs, a receiver answering at once")
    ids = hooks.add(f"{arrivals.url}/hooks/0", 1)
    arrivals.fetch()
    client = Client(app.port, dataset.token())
    answered: dict[int, float] = {}
    for n in range(LATENCY_EVENTS):
        _, contact = client.call("POST", "/v1/contact", new_contact(CLIENT_PHONE_BASE + n))
        answered[contact["id"]] = time.time()
    client.close()
    got = wait_for(arrivals, LATENCY_EVENTS, 60)
    hooks.remove(ids)
    delays = sorted(
        1000 * (received - answered[contact])
        for _, received, event, contact in got
        if event == "contact_created" and contact in answered
    )
    if len(delays) < LATENCY_EVENTS:
        raise RuntimeError(f"{len(delays)} of {LATENCY_EVENTS} events arrived")
    p50, p99 = statistics.median(delays), quantile(delays, 0.99)
    bench.log(f"  p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    return Row(
        f"webhook delivery, POST answer to arrival, receiver answering at once ({len(delays)}"
        " events, one POST at a time)",
        p50_ms=Spread.of([p50]), p99_ms=Spread.of([p99]),
        extra={"min ms": f"{delays[0]:.1f}", "max ms": f"{delays[-1]:.1f}"},
    )  # fmt: skip


def drain(
    bench: Bench, app: Server, dataset: data.Dataset, hooks: Hooks, arrivals: Arrivals
) -> Row:
    """:data:`DRAIN_POSTS` POSTs, one after the other, with the slow subscriptions; then the
    time until the outbox holds no pending delivery."""
    expected = DRAIN_POSTS * SUBSCRIPTIONS
    bench.log(f"  outbox drain: {DRAIN_POSTS} POSTs, {expected} deliveries at {SLOW_MS} ms each")
    ids = hooks.add(f"{arrivals.url}/hooks/{SLOW_MS}", SUBSCRIPTIONS)
    arrivals.fetch()
    client = Client(app.port, dataset.token())
    for n in range(DRAIN_POSTS):
        client.call("POST", "/v1/contact", new_contact(CLIENT_PHONE_BASE + LATENCY_EVENTS + n))
    client.close()
    stopped = time.time()
    left = hooks.pending()
    while hooks.pending() and time.time() - stopped < DRAIN_TIMEOUT_SECONDS:
        time.sleep(0.05)
    drained = time.time() - stopped
    remaining = hooks.pending()
    got = wait_for(arrivals, expected, 2 * SLOW_MS / 1000)
    hooks.remove(ids)
    unique = len({delivery for delivery, _, _, _ in got})
    bench.log(f"  {left} pending at the last answer, drained in {drained:.1f} s"
              f" ({len(got)} arrivals, {unique} delivery ids)")  # fmt: skip
    return Row(
        f"webhook outbox drain, {expected} deliveries to a receiver answering in {SLOW_MS} ms",
        extra={
            "pending at the last POST's answer": f"{left:,}",
            "drained in s": f"{drained:.1f}" if not remaining else f"not within {drained:.0f}",
            "deliveries/s after the last answer": f"{left / drained:.1f}",
            "arrivals": f"{len(got):,} ({unique:,} delivery ids)",
        },
    )


def wait_for(arrivals: Arrivals, count: int, timeout: float) -> list[Arrival]:
    """The arrivals after the last fetch, once ``count`` of them came (or the time is up)."""
    got: list[Arrival] = []
    deadline = time.monotonic() + timeout
    while len(got) < count and time.monotonic() < deadline:
        got += arrivals.fetch()
        time.sleep(0.05)
    return got + arrivals.fetch()


def new_contact(phone: int) -> dict[str, Any]:
    return {"phone": str(phone), "first": "Hooked", "last": f"Contact {phone}"}
