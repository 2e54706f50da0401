"""``/metrics`` in the Prometheus text format (contract section 11), off unless ``--metrics``:
requests, latency, refusals, webhook tries by outcome and the webhook queue's depth.

The pipeline tells :class:`RequestMetrics` of each request once it is answered (an observer:
with metrics off there is none, and no per-request cost). With several worker processes the
values live in files of ``PROMETHEUS_MULTIPROC_DIR`` (``serve`` makes one) and every worker
answers for all of them; in one process they live in the app's own registry.

Who may read it: loopback clients, or, when ``--metrics-token`` is set, any client that sends
``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.requests import Request
from starlette.responses import Response

from .api import Api
from .errors import Denied
from .pipeline import Exchange
from .routing import SystemRoute
from .store import Store

log = logging.getLogger("heymarket_contacts.server")
MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"
#: Latency buckets in seconds: a GET takes well under a millisecond, an import call seconds.
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class RequestMetrics:
    """The server's metrics: requests, latency, rate-limited requests, database errors."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "heymarket_requests", "Requests answered, by route template, method and status.",
            ["route", "method", "status"], registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "heymarket_request_duration_seconds", "Time to answer a request, by route template.",
            ["route", "method"], buckets=BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.rate_limited = Counter(
            "heymarket_rate_limited", "Requests refused by the rate limit (429).",
            registry=self.registry,
        )  # fmt: skip
        self.unavailable = Counter(
            "heymarket_dependency_errors",
            "Requests answered 503 because the database or Redis was unreachable.",
            registry=self.registry,
        )
        self.webhook_tries = Counter(
            "heymarket_webhook_tries",
            "Webhook delivery tries, by outcome: delivered, retried (to be tried again) or failed"
            " (out of tries).",
            ["outcome"], registry=self.registry,
        )  # fmt: skip

    def webhook_try(self, outcome: str) -> None:
        self.webhook_tries.labels(outcome).inc()

    def __call__(self, exchange: Exchange) -> None:
        route = exchange.route or "(no route)"
        self.requests.labels(route, exchange.method, str(exchange.status)).inc()
        self.latency.labels(route, exchange.method).observe(exchange.seconds)
        if exchange.status == 429:
            self.rate_limited.inc()
        elif exchange.status == 503:
            self.unavailable.inc()

    def exposition(self) -> bytes:
        if os.environ.get(MULTIPROCESS_DIRECTORY):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry)
        return generate_latest(self.registry)


def metrics_route(metrics: RequestMetrics, token: str | None) -> SystemRoute:
    async def serve_metrics(request: Request, api: Api) -> Response:
        _check_access(request, token)
        queue = await _queue_gauge(api)
        return Response(metrics.exposition() + queue, media_type=CONTENT_TYPE_LATEST)

    return SystemRoute("GET", "/metrics", serve_metrics)


async def _queue_gauge(api: Api) -> bytes:
    """The webhook queue's depth: one figure for the whole database, read when asked (the same
    from every worker). Left out when the database cannot tell (down, or not migrated):
    the other figures still answer."""
    try:
        pending = await api.read(_pending_deliveries, api.store)
    except Exception as error:
        log.info("/metrics without heymarket_webhook_queue: %s", type(error).__name__)
        return b""
    return (
        "# HELP heymarket_webhook_queue Webhook deliveries not yet delivered or failed, and"
        " events not yet made into deliveries.\n"
        f"# TYPE heymarket_webhook_queue gauge\nheymarket_webhook_queue {pending}\n"
    ).encode()


def _pending_deliveries(store: Store) -> int:
    with store.read() as tx:
        return tx.count_pending_deliveries()


def _check_access(request: Request, token: str | None) -> None:
    if token is not None:
        sent = request.headers.get("authorization", "")
        expected = f"Bearer {token}"
        if not hmac.compare_digest(sent.encode(), expected.encode()):
            raise Denied("/metrics needs Authorization: Bearer <the --metrics-token>")
        return
    client = request.scope.get("client")
    if not client or not is_loopback(client[0]):
        raise Denied("/metrics answers loopback clients only, unless --metrics-token is set")


def is_loopback(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback
