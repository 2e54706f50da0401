"""The composition root: :func:`create_app` builds the whole server from its settings."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .access_log import AccessLog
from .api import Api
from .auth import Authenticator, VersionedStore
from .clock import Clock, system_clock
from .contact_cache import CACHE_LIMIT, COUNT_CACHE_LIMIT, VersionedCache
from .logs import configure_logging
from .parent_death import stop_with_parent
from .pipeline import Observer, Route, ServerApp
from .rate_limit import build_rate_limiter
from .routes import OPERATIONS
from .routes.system import system_routes
from .secret_box import SecretBox, load_master_key
from .service.batch import BatchService
from .service.contact_channels import ChannelService
from .service.contact_list import ContactListService
from .service.contacts import ContactService
from .service.contacts_v2 import ContactV2Service
from .service.fields import FieldService
from .service.notes import NoteService
from .service.tags import TagService
from .service.team import TeamService
from .service.users import UserService
from .settings import Settings, load_settings
from .store import Store, open_store
from .webhooks.outbox import Doorbell, Outbox
from .webhooks.sender import Sender
from .webhooks.subscriptions import WebhookService
from .webhooks.targets import TargetPolicy
from .webhooks.worker import DeliveryWorker
from .workers import WorkerRoster

if TYPE_CHECKING:
    from .emulator.runtime import Emulator
    from .metrics import RequestMetrics


def create_app(
    settings: Settings, *, store: Store | None = None, clock: Clock = system_clock
) -> ServerApp:
    """The ASGI app for ``settings``; it opens the store unless one is given, and closes it."""
    box = SecretBox(load_master_key(settings.master_key, settings.database))
    # The console's sessions and login throttle keep real time, even when the emulator's
    # clock is moved: moving it must not log anyone out.
    real_clock = clock
    store = store or open_store(settings.database, connect_wait=settings.database_wait)
    on_shutdown: list[Callable[[], None]] = [store.close]
    emulator = _emulator(settings, on_shutdown) if settings.emulator else None
    if emulator is not None:
        clock = emulator.clock
    doorbell = Doorbell()
    outbox = Outbox(store, clock, tries=settings.webhook_tries, doorbell=doorbell)
    policy = target_policy(settings)
    webhooks = webhook_service(settings, store, clock, on_queued=doorbell.ring)
    metrics = _metrics() if settings.metrics else None
    deliveries = DeliveryWorker(
        store, clock, partial(Sender, policy, timeout=settings.webhook_timeout), doorbell,
        backoff=settings.webhook_backoff, timeout=settings.webhook_timeout,
        on_try=metrics.webhook_try if metrics is not None else _ignore,
    )  # fmt: skip
    workers = (
        WorkerRoster(Path(settings.workers_dir), settings.workers) if settings.workers_dir else None
    )
    api = Api(
        settings=settings,
        store=store,
        authenticator=Authenticator(
            store,
            box,
            leeway=settings.clock_skew,
            legacy_keys=settings.legacy_keys,
            now=partial(_seconds, clock),
        ),
        contacts=ContactService(outbox, clock),
        contact_list=ContactListService(store, counts=_versioned_cache(store, COUNT_CACHE_LIMIT)),
        batch=BatchService(outbox, clock),
        team=TeamService(store),
        users=UserService(store, clock),
        tags=TagService(outbox, clock),
        fields=FieldService(store, clock),
        notes=NoteService(outbox, clock),
        contacts_v2=ContactV2Service(outbox, clock),
        channels=ChannelService(outbox, clock),
        limiter=build_rate_limiter(
            limit=settings.rate_limit, redis_url=settings.redis_url, store=store, clock=clock
        ),
        emulator=emulator,
        workers=workers,
        contact_answers=_versioned_cache(store, CACHE_LIMIT),
    )
    routes: list[Route] = [*OPERATIONS, *system_routes(OPERATIONS)]
    observers: list[Observer] = []
    headers: list[tuple[bytes, bytes]] = []
    if metrics is not None:
        from .metrics import metrics_route  # noqa: PLC0415 (only when on)

        observers.append(metrics)
        routes.append(metrics_route(metrics, settings.metrics_token))
    if emulator is not None:
        from .emulator.data import EmulatorData  # noqa: PLC0415 (only when on)
        from .emulator.inbound import InboundService  # noqa: PLC0415
        from .emulator.routes import control_routes  # noqa: PLC0415

        data = EmulatorData(store, clock)
        inbound = InboundService(outbox, clock)
        routes.extend(control_routes(emulator, data, webhooks=webhooks, inbound=inbound))
        observers.append(emulator.record)
        headers.append((b"x-heymarket-emulator", b"1"))
    if settings.console:
        routes.extend(_console_routes(store, box, real_clock, emulator, webhooks))
    return ServerApp(
        api, routes, observers=observers, on_shutdown=on_shutdown, headers=headers,
        background=[deliveries] if workers is None else [workers, deliveries],
        access_log=AccessLog(json=settings.log_format == "json"),
    )  # fmt: skip


def _versioned_cache(store: Store, limit: int) -> VersionedCache[Any, Any] | None:
    """A cache of reads where it can be exact (see :mod:`.contact_cache`)."""
    if store.inline_reads and isinstance(store, VersionedStore):
        return VersionedCache(store.data_version, limit)
    return None


def _ignore(outcome: str) -> None:
    return None


def _metrics() -> RequestMetrics:
    from .metrics import RequestMetrics  # noqa: PLC0415 (only when on)

    return RequestMetrics()


def target_policy(settings: Settings) -> TargetPolicy:
    """Where webhooks may go: public addresses, loopback too with ``--emulator``, anywhere
    with ``--webhooks-allow-private``."""
    return TargetPolicy(
        allow_private=settings.webhooks_allow_private, allow_loopback=settings.emulator
    )


def webhook_service(
    settings: Settings, store: Store, clock: Clock = system_clock,
    on_queued: Callable[[], None] = lambda: None,
) -> WebhookService:  # fmt: skip
    """The subscriptions service, for the control plane, the console and the ``webhook``
    commands."""
    return WebhookService(
        store, clock, policy=target_policy(settings), tries=settings.webhook_tries,
        on_queued=on_queued,
    )  # fmt: skip


def _console_routes(
    store: Store, box: SecretBox, clock: Clock, emulator: Emulator | None,
    webhooks: WebhookService,
) -> list[Route]:  # fmt: skip
    from .console.accounts import ConsoleAccounts  # noqa: PLC0415 (only when on)
    from .console.passwords import Passwords  # noqa: PLC0415
    from .console.routes import console_routes  # noqa: PLC0415
    from .console.web import Console, templates  # noqa: PLC0415
    from .service.admin import AdminService  # noqa: PLC0415

    console = Console(
        accounts=ConsoleAccounts(store, Passwords(), clock),
        pages=templates(),
        admin=AdminService(store, box, clock),
        webhooks=webhooks,
        emulator=emulator,
    )
    return list(console_routes(console))


def _seconds(clock: Clock) -> float:
    return clock() / 1_000_000


def _emulator(settings: Settings, on_shutdown: list[Callable[[], None]]) -> Emulator:
    """The emulator on the state file ``serve`` made for its workers, or on one of its own
    (removed at shutdown)."""
    from .emulator.runtime import Emulator  # noqa: PLC0415 (only when on)
    from .emulator.state import EmulatorState  # noqa: PLC0415

    if settings.emulator_state:
        path = Path(settings.emulator_state)
    else:
        folder = tempfile.mkdtemp(prefix="heymarket-emulator-")
        on_shutdown.append(partial(shutil.rmtree, folder, ignore_errors=True))
        path = Path(folder) / "state.db"
    state = EmulatorState(path)
    on_shutdown.insert(0, state.close)
    return Emulator(
        state, token=settings.emulator_token, journal_size=settings.emulator_journal,
        seed=settings.emulator_seed,
    )  # fmt: skip


def app_from_environment() -> ServerApp:
    """The entry point of a server worker process: settings from ``HEYMARKET_*`` variables."""
    settings = load_settings(os.environ)
    configure_logging(settings.log_level, settings.log_format)
    stop_with_parent()
    return create_app(settings)
