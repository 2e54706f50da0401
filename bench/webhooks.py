"""The webhooks part of a bench run: the API's GET and POST with and without subscriptions
whose receiver is slow, the delay from a POST's answer to its event's arrival, and the drain
of the outbox.

One SQLite server (1 worker, pinned, ``--webhooks-allow-private``) and one receiver
(``bench.receiver``, pinned to the load's core) serve every scenario. Subscriptions of the
dataset's team are added and removed through the subscriptions service while the server runs,
as ``heymarket-contacts webhook add`` does; removing them drops their deliveries not yet made,
so each round's runs without subscriptions start from an empty outbox. The last round keeps
them until the outbox has drained: that time is counted from the end of its POST run.
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
from heymarket_contacts.webhooks import EVENTS

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
#: The longest wait for the outbox to empty after the last POST run (past it, the rest of
#: the drain is estimated from the rate so far).
DRAIN_TIMEOUT_SECONDS = 300
#: The wait after a POST run, for the requests wrk left in the server to be answered before
#: the GET run after it.
SETTLE_SECONDS = 2.0
#: Phones of the wrk POST runs (one range of 10^8 per run, 90 at most: up to 2.7 * 10^10) and
#: of the client's POSTs (below the dataset's, so clear of every run's).
WRK_PHONE_BASE = 18_000_000_000
CLIENT_PHONE_BASE = 14_000_000_000
#: Each round, in this order: (scenario, the answer time of the receiver its subscriptions
#: point at (``None``: no subscriptions), wrk script, baselines). The POST with a receiver that
#: answers at once tells the cost of storing events from that of delivering them.
FAST_POST = f"POST contact, {SUBSCRIPTIONS} subscriptions, receiver answering at once"
PLAN: tuple[tuple[str, int | None, str, tuple[str, ...]], ...] = (
    ("POST contact, no subscriptions", None, "post", ()),
    ("GET contact, no subscriptions", None, "get", ()),
    (FAST_POST, 0, "post", ("POST contact, no subscriptions",)),
    (f"POST contact, {SUBSCRIPTIONS} slow subscriptions", SLOW_MS, "post",
     ("POST contact, no subscriptions", FAST_POST)),
    (f"GET contact, {SUBSCRIPTIONS} slow subscriptions", SLOW_MS, "get",
     ("GET contact, no subscriptions",)),
)  # fmt: skip


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


class WebhooksPart:
    """The part's server, receiver and subscriptions, and the figures it collects."""

    def __init__(self, bench: Bench, dataset: data.Dataset) -> None:
        self.bench = bench
        self.dataset = dataset
        self.phone_ranges = (WRK_PHONE_BASE + n * 100_000_000 for n in range(90))
        self.runs: dict[str, list[WrkRun]] = {name: [] for name, _, _, _ in PLAN}
        self.notes: dict[str, list[str]] = {name: [] for name, ms, _, _ in PLAN if ms is not None}
        #: The end of the last POST run with subscriptions, the deliveries pending once it
        #: settled, and the receiver's arrivals then (at ``counted``) and before that round.
        self.stopped, self.left, self.arrived, self.counted = 0.0, 0, 0, 0.0
        self.delivered = 0

    def run(self) -> None:
        bench = self.bench
        receiver = bench.start(receiver_server(bench.scratch, cores=LOAD_CORE))
        self.app = bench.app(self.dataset, extra_args=("--webhooks-allow-private",))
        self.hooks, self.arrivals = Hooks(self.dataset), Arrivals(receiver)
        try:
            self.load()
            bench.rows["webhook delivery latency"] = self.latency()
            if bench.config.profile:
                self.profile_posts(subscribed=True)
                self.profile_posts(subscribed=False)
        finally:
            self.arrivals.close()
            self.hooks.close()
            bench.stop(self.app, receiver)

    def post_args(self) -> list[str]:
        return [str(next(self.phone_ranges)), self.dataset.token()]

    def get_args(self) -> list[str]:
        """A token minted now: the part outlasts a token's lifetime (the drain waits)."""
        return ["1", str(self.dataset.contacts), self.dataset.token()]

    def load(self) -> None:
        """``runs`` rounds of the :data:`PLAN`, then the drain of the last round's outbox."""
        bench = self.bench
        bench.log(f"GET and POST with and without {SUBSCRIPTIONS} subscriptions to a receiver"
                  f" answering in {SLOW_MS} ms, 1 worker, pinned")  # fmt: skip
        bench.warm(self.app, "get", self.get_args())
        bench.warm(self.app, "post", self.post_args())
        for round_number in range(bench.config.runs):
            ids = self.round(round_number)
            if round_number + 1 < bench.config.runs:
                self.remove(ids)
        drain = self.drain()
        self.remove(ids)
        for name, ms, _, baselines in PLAN:
            row = Row.of_runs(name, self.runs[name], baselines)
            if ms is not None:
                row.extra["outbox during each run"] = " / ".join(self.notes[name])
            bench.rows[name] = row
        bench.rows["webhook outbox drain"] = drain

    def round(self, round_number: int) -> list[int]:
        """One run of each scenario of the :data:`PLAN`; answers the subscriptions added
        last (to the slow receiver)."""
        ids: list[int] = []
        current: int | None = None
        for name, ms, script, _ in PLAN:
            if ms != current:
                self.remove(ids)
                ids, current = [], ms
                if ms is not None:
                    ids = self.hooks.add(f"{self.arrivals.url}/hooks/{ms}", SUBSCRIPTIONS)
                    self.arrivals.fetch()
                    self.delivered = len(self.arrivals.seen)
            args = self.get_args() if script == "get" else self.post_args()
            run = self.bench.wrk(self.app, script, args, pinned=True)
            ended = time.time()
            self.runs[name].append(run)
            if script == "post":
                time.sleep(SETTLE_SECONDS)
            line = f"  round {round_number + 1} {name}: {run.rps:,.0f} req/s, p50" \
                   f" {run.p50_ms:.2f} ms, p99 {run.p99_ms:.2f} ms"  # fmt: skip
            if ms is not None:
                arrived, left = len(self.arrivals.fetch()), self.hooks.pending()
                if script == "post" and ms == SLOW_MS:
                    self.stopped, self.left = ended, left
                    self.arrived, self.counted = len(self.arrivals.seen), time.time()
                note = f"{arrived:,} delivered, {left:,} left"
                self.notes[name].append(note)
                line += f"; outbox: {note}"
            self.bench.log(line)
        return ids

    def remove(self, ids: list[int]) -> None:
        if ids:
            self.hooks.remove(ids)
            time.sleep(2 * SLOW_MS / 1000)  # the tries in flight end

    def drain(self) -> Row:
        """The time from the end of the last POST run with subscriptions until the outbox
        holds no pending delivery (the GET run after it included)."""
        self.bench.log(f"  outbox drain: {self.left:,} deliveries pending after the last POST"
                       f" run, {SLOW_MS} ms each")  # fmt: skip
        while self.hooks.pending() and time.time() - self.stopped < DRAIN_TIMEOUT_SECONDS:
            time.sleep(0.1)
        drained = time.time() - self.stopped
        remaining = self.hooks.pending()
        self.arrivals.fetch()
        rate = (len(self.arrivals.seen) - self.arrived) / (time.time() - self.counted)
        got = self.arrivals.seen[self.delivered :]
        unique = len({delivery for delivery, _, _, _ in got})
        done = f"{drained:.1f}"
        if remaining:
            done = (
                f"not within {drained:.0f} ({remaining:,} left; all of them in about"
                f" {drained + remaining / rate:,.0f})"
            )
        self.bench.log(f"  drained in {done} s; {len(got):,} arrivals, {unique:,} delivery ids")
        return Row(
            f"webhook outbox drain after the last POST run, receiver answering in {SLOW_MS} ms",
            extra={
                f"pending {SETTLE_SECONDS:g} s after the POST run": f"{self.left:,}",
                "drained in s": done,
                "deliveries/s": f"{rate:.1f}",
                "arrivals in the round": f"{len(got):,} ({unique:,} delivery ids)",
            },
        )

    def profile_posts(self, *, subscribed: bool) -> None:
        """py-spy during one more POST run: with the slow subscriptions into
        ``profile-post-webhooks/``, without them into ``profile-post-no-webhooks/``."""
        from .profile import record  # noqa: PLC0415 (only with BENCH_PROFILE=1)

        folder = "profile-post-webhooks" if subscribed else "profile-post-no-webhooks"
        self.bench.log(f"  profiling a POST run with py-spy into {folder}")
        url = f"{self.arrivals.url}/hooks/{SLOW_MS}"
        ids = self.hooks.add(url, SUBSCRIPTIONS) if subscribed else []
        args = self.post_args()
        record(self.app, self.bench.out / folder,
               lambda: self.bench.wrk(self.app, "post", args, pinned=True))  # fmt: skip
        self.remove(ids)

    def latency(self) -> Row:
        """One subscription to a receiver that answers at once; :data:`LATENCY_EVENTS` POSTs
        one after the other, each timed from its answer (client side) to its event's arrival."""
        self.bench.log(f"  delivery latency: {LATENCY_EVENTS} POSTs, a receiver answering at once")
        ids = self.hooks.add(f"{self.arrivals.url}/hooks/0", 1)
        self.arrivals.fetch()
        client = Client(self.app.port, self.dataset.token())
        answered: dict[int, float] = {}
        for n in range(LATENCY_EVENTS):
            _, contact = client.call("POST", "/v1/contact", new_contact(CLIENT_PHONE_BASE + n))
            answered[contact["id"]] = time.time()
        client.close()
        got = wait_for(self.arrivals, LATENCY_EVENTS, 60)
        self.remove(ids)
        delays = sorted(
            1000 * (received - answered[contact])
            for _, received, event, contact in got
            if event == "contact_created" and contact in answered
        )
        if len(delays) < LATENCY_EVENTS:
            raise RuntimeError(f"{len(delays)} of {LATENCY_EVENTS} events arrived")
        p50, p99 = statistics.median(delays), quantile(delays, 0.99)
        self.bench.log(f"  p50 {p50:.1f} ms, p99 {p99:.1f} ms")
        return Row(
            f"webhook delivery, POST answer to arrival, receiver answering at once"
            f" ({len(delays)} events, one POST at a time)",
            p50_ms=Spread.of([p50]), p99_ms=Spread.of([p99]),
            extra={"min ms": f"{delays[0]:.1f}", "max ms": f"{delays[-1]:.1f}"},
        )  # fmt: skip


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
