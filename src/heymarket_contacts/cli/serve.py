"""``heymarket-contacts serve``: migrate, make the first team on an empty database, serve."""

from __future__ import annotations

import errno
import os
import resource
import socket
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .options import database_option, server_extra_missing

if TYPE_CHECKING:
    from ..server.emulator.data import SeedResult
    from ..server.service.admin import Bootstrap
    from ..server.settings import Settings
    from ..server.store import Store

WORKER_FACTORY = "heymarket_contacts.server.app:app_from_environment"
#: A request's headers must arrive within this long of its connection opening or of the
#: previous answer; an idle connection is closed after it (granian's default is 30 s).
HEADER_READ_TIMEOUT_MS = 10_000
#: File descriptors a worker keeps for other things than client connections (the database,
#: logs, the emulator's state).
RESERVED_DESCRIPTORS = 256


class StartRefused(click.ClickException):
    """``serve`` cannot start: one line saying why, and exit status 2."""

    exit_code = 2


@click.command()
@click.option(
    "--host", default=None, help="Address to bind.  [env: HEYMARKET_HOST; default: 127.0.0.1]"
)
@click.option("--port", default=None, type=int, help="Port.  [env: HEYMARKET_PORT; default: 8080]")
@database_option
@click.option(
    "--workers",
    default=None,
    type=int,
    help="Worker processes.  [env: HEYMARKET_WORKERS; default: 1]",
)
@click.option(
    "--clock-skew",
    default=None,
    type=int,
    metavar="SECONDS",
    help="Leeway for token times.  [env: HEYMARKET_CLOCK_SKEW; default: 60]",
)
@click.option(
    "--log-level",
    default=None,
    help="debug, info, warning or error.  [env: HEYMARKET_LOG_LEVEL; default: info]",
)
@click.option(
    "--rate-limit",
    default=None,
    type=int,
    metavar="N",
    help="Requests per minute per team; 0 turns limiting off."
    "  [env: HEYMARKET_RATE_LIMIT; default: 500]",
)
@click.option(
    "--redis-url",
    default=None,
    metavar="URL",
    help="Keep the rate-limit window in Redis (shared by hosts) instead of the database."
    "  [env: HEYMARKET_REDIS_URL]",
)
@click.option(
    "--no-legacy-keys",
    "no_legacy_keys",
    is_flag=True,
    default=False,
    help="Refuse legacy team API keys; only API-secret JWTs authenticate."
    "  [env: HEYMARKET_LEGACY_KEYS=0]",
)
@click.option(
    "--log-format",
    default=None,
    type=click.Choice(["text", "json"]),
    help="One line a record: text, or one JSON object.  [env: HEYMARKET_LOG_FORMAT; default: text]",
)
@click.option(
    "--metrics",
    "metrics",
    is_flag=True,
    default=None,
    help="Serve /metrics in the Prometheus text format.  [env: HEYMARKET_METRICS=1]",
)
@click.option(
    "--metrics-token",
    default=None,
    metavar="TOKEN",
    help="Let any client that sends this bearer token read /metrics (else loopback only)."
    "  [env: HEYMARKET_METRICS_TOKEN]",
)
@click.option(
    "--emulator",
    "emulator",
    is_flag=True,
    default=None,
    help="Turn on the emulator's control plane (/_emulator/...): reset, seed, snapshots, the"
    " request journal, faults, the clock.  [env: HEYMARKET_EMULATOR=1]",
)
@click.option(
    "--emulator-token",
    default=None,
    metavar="TOKEN",
    help="Control calls need Authorization: Bearer TOKEN, from any address (else loopback"
    " clients only).  [env: HEYMARKET_EMULATOR_TOKEN]",
)
@click.option(
    "--emulator-journal",
    default=None,
    type=int,
    metavar="N",
    help="Requests the journal keeps.  [env: HEYMARKET_EMULATOR_JOURNAL; default: 10000]",
)
@click.option(
    "--emulator-seed",
    default=None,
    type=int,
    metavar="N",
    help="Seed of the fault rules' probability draws.  [env: HEYMARKET_EMULATOR_SEED]",
)
@click.option(
    "--no-console",
    "no_console",
    is_flag=True,
    default=False,
    help="Turn off the web console (every /console path is then a 404)."
    "  [env: HEYMARKET_CONSOLE=0]",
)
@click.option(
    "--webhooks-allow-private",
    "webhooks_allow_private",
    is_flag=True,
    default=None,
    help="Let webhooks go to private, loopback and link-local addresses (with --emulator,"
    " loopback is allowed anyway).  [env: HEYMARKET_WEBHOOKS_ALLOW_PRIVATE=1]",
)
@click.option(
    "--webhook-tries",
    default=None,
    type=int,
    metavar="N",
    help="Tries of a webhook delivery before it is marked failed."
    "  [env: HEYMARKET_WEBHOOK_TRIES; default: 8]",
)
@click.option(
    "--webhook-backoff",
    default=None,
    type=float,
    metavar="SECONDS",
    help="Wait before a delivery's first retry; each next one waits twice as long, with"
    " jitter.  [env: HEYMARKET_WEBHOOK_BACKOFF; default: 30]",
)
@click.option(
    "--webhook-timeout",
    default=None,
    type=float,
    metavar="SECONDS",
    help="Time a receiver has to answer a try.  [env: HEYMARKET_WEBHOOK_TIMEOUT; default: 5]",
)
@click.option(
    "--seed-contacts",
    default=None,
    type=click.IntRange(1, 100_000),
    metavar="N",
    help="With --emulator: give the first team N fake contacts before serving.",
)
def serve(no_legacy_keys: bool, no_console: bool, seed_contacts: int | None, **flags: Any) -> None:
    """Run the API server and its web console (/console).

    On an empty database it first makes a default team, its owner, an inbox and one API
    secret, and the owner's console login, and prints the secret's key and the login's
    password this once.
    """
    try:
        import granian  # noqa: F401 (the server extra is there)

        from ..server.clock import system_clock
        from ..server.console.accounts import ConsoleAccounts
        from ..server.console.passwords import Passwords
        from ..server.logs import configure_logging
        from ..server.secret_box import MasterKeyError, SecretBox, load_master_key
        from ..server.service.admin import AdminService
        from ..server.settings import SettingsError, load_settings
        from ..server.store import StoreError, open_store
    except ImportError as error:
        raise server_extra_missing(error) from error
    try:
        settings = load_settings(
            os.environ, legacy_keys=False if no_legacy_keys else None,
            console=False if no_console else None, **flags,
        )  # fmt: skip
        if seed_contacts is not None and not settings.emulator:
            raise click.UsageError("--seed-contacts goes with --emulator")
        _check_port_free(settings.host, settings.port)
        box = SecretBox(load_master_key(settings.master_key, settings.database))
        configure_logging(settings.log_level, settings.log_format)  # waiting for the database
        store = open_store(settings.database, connect_wait=settings.database_wait)
        try:
            store.migrate()
            admin = AdminService(store, box, system_clock)
            accounts = ConsoleAccounts(store, Passwords(), system_clock)
            bootstrap = admin.bootstrap_if_empty(also=accounts.add_owner)
            admin.check_master_key(store.description)
            seeded = _seed(store, seed_contacts) if seed_contacts else None
        finally:
            store.close()
    except (SettingsError, MasterKeyError, StoreError) as error:
        raise StartRefused(str(error)) from error
    base_url = f"http://{settings.host}:{settings.port}"
    if bootstrap is not None:
        _print_first_start(bootstrap, base_url, console=settings.console)
    if seeded is not None:
        click.echo(f"Seeded team {seeded.team_id} with {seeded.created} contacts.")
    click.echo(f"Serving {store.description} on {base_url} with {settings.workers} worker(s)")
    if settings.console:
        click.echo(f"Web console at {base_url}/console (docs/console.md)")
    if settings.emulator:
        click.echo(f"Emulator on: control plane at {base_url}/_emulator/ (docs/emulator.md)")
    if settings.metrics:
        _share_metrics_between_workers()
    with tempfile.TemporaryDirectory(prefix="heymarket-serve-") as scratch:
        settings = _with_shared_files(settings, Path(scratch))
        os.environ.update(settings.environment())
        _run(settings)


def _with_shared_files(settings: Settings, scratch: Path) -> Settings:
    """The files the workers share, in ``scratch`` unless given: the emulator's state and the
    folder where each worker says it serves (what ``/readyz`` counts)."""
    if settings.emulator and not settings.emulator_state:
        settings = replace(settings, emulator_state=str(scratch / "state.db"))
    if not settings.workers_dir:
        (scratch / "workers").mkdir()
        settings = replace(settings, workers_dir=str(scratch / "workers"))
    return settings


def _print_first_start(bootstrap: Bootstrap, base_url: str, *, console: bool) -> None:
    """The first team's secret and the owner's console login, shown this once."""
    secret = bootstrap.secret
    click.echo(
        f"Created team {bootstrap.team.id} ({bootstrap.team.name!r}) and its first API secret."
        f"\nThe key is shown only now: store it safely.\n\n"
        f"  Secret ID:  {secret.secret_id}\n  Secret Key: {secret.secret_key}\n\n"
        f"  export HEYMARKET_SECRET_ID={secret.secret_id}"
        f" HEYMARKET_SECRET_KEY={secret.secret_key}\n"
        f"  export HEYMARKET_BASE_URL={base_url}\n"
        f'  curl -H "Authorization: Bearer $(heymarket-contacts token)"'
        f" $HEYMARKET_BASE_URL/v1/team\n"
    )
    _print_console_login(bootstrap.also, base_url, on=console)


def _print_console_login(login: Any, base_url: str, *, on: bool) -> None:
    """The owner's console login, beside the secret and as rarely: this once."""
    off = "" if on else " (off now: serve without --no-console to use it)"
    click.echo(
        f"The web console{off}: {base_url}/console\n"
        f"  Email:    {login.user.email}\n  Password: {login.password}\n"
        "The password is shown only now (`heymarket-contacts console-user reset-password`"
        " makes a new one).\n"
    )


def _check_port_free(host: str, port: int) -> None:
    """A :class:`StartRefused` when something listens on ``host:port`` already. granian binds
    with ``SO_REUSEPORT``, so a second server would share the port with the first (and
    answer half its requests from another database) rather than fail."""
    if port == 0:
        return
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except socket.gaierror as error:
        raise StartRefused(f"cannot bind {host}:{port}: {error.strerror}") from None
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past TIME_WAIT, not LISTEN
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise StartRefused(
                    f"port {port} on {host} is in use by another program or server: stop it"
                    " or choose another --port"
                ) from None
            raise StartRefused(f"cannot bind {host}:{port}: {error.strerror}") from None


def _run(settings: Settings) -> None:
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels

    from ..server.logs import logging_config

    Granian(
        WORKER_FACTORY,
        factory=True,
        interface=Interfaces.ASGI,
        address=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=LogLevels(settings.log_level),
        log_dictconfig=logging_config(settings.log_level, settings.log_format),
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_READ_TIMEOUT_MS),
        backpressure=_connection_limit(),
        http=HTTPModes.http1,
        respawn_failed_workers=True,
    ).serve()


def _connection_limit() -> int:
    """Connections each worker holds at once: what its file descriptors allow (the soft limit
    raised to the hard one), not granian's default of 1,024, so that a thousand connections
    that send nothing cannot lock everyone else out. A connection silent from its start stays
    open until its client closes it (granian's header timeout starts at the first byte)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65_536)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass  # keep the soft limit
    return max(64, soft - RESERVED_DESCRIPTORS)


def _seed(store: Store, contacts: int) -> SeedResult:
    from ..server.clock import system_clock
    from ..server.emulator.data import EmulatorData

    return EmulatorData(store, system_clock).seed(None, contacts)


def _share_metrics_between_workers() -> None:
    """Worker processes keep their metrics in files of one directory (made now, empty), so
    that any of them answers ``/metrics`` for all. prometheus-client reads the variable when
    it is first imported, so this runs before anything imports it."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="heymarket-metrics-")
