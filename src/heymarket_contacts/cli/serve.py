"""``heymarket-contacts serve``: migrate, make the first team on an empty database, serve."""

from __future__ import annotations

import os

import click

from .options import database_option, server_extra_missing

WORKER_FACTORY = "heymarket_contacts.server.app:app_from_environment"


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
def serve(
    host: str | None,
    port: int | None,
    database: str | None,
    workers: int | None,
    clock_skew: int | None,
    log_level: str | None,
    rate_limit: int | None,
    redis_url: str | None,
    no_legacy_keys: bool,
    log_format: str | None,
    metrics: bool | None,
    metrics_token: str | None,
) -> None:
    """Run the API server.

    On an empty database it first makes a default team, its owner, an inbox and one API
    secret, and prints the secret's key this once.
    """
    try:
        from granian import Granian
        from granian.constants import Interfaces
        from granian.log import LogLevels

        from ..server.clock import system_clock
        from ..server.logs import configure_logging, logging_config
        from ..server.secret_box import MasterKeyError, SecretBox, load_master_key
        from ..server.service.admin import AdminService
        from ..server.settings import SettingsError, load_settings
        from ..server.store import StoreError, open_store
    except ImportError as error:
        raise server_extra_missing(error) from error
    try:
        settings = load_settings(
            os.environ, host=host, port=port, database=database, workers=workers,
            clock_skew=clock_skew, log_level=log_level, rate_limit=rate_limit,
            redis_url=redis_url, legacy_keys=False if no_legacy_keys else None,
            log_format=log_format, metrics=metrics, metrics_token=metrics_token,
        )  # fmt: skip
        box = SecretBox(load_master_key(settings.master_key, settings.database))
        configure_logging(settings.log_level, settings.log_format)  # waiting for the database
        store = open_store(settings.database)
        try:
            store.migrate()
            bootstrap = AdminService(store, box, system_clock).bootstrap_if_empty()
        finally:
            store.close()
    except (SettingsError, MasterKeyError, StoreError) as error:
        raise click.ClickException(str(error)) from error
    base_url = f"http://{settings.host}:{settings.port}"
    if bootstrap is not None:
        secret = bootstrap.secret
        click.echo(
            f"Created team {bootstrap.team.id} ({bootstrap.team.name!r}) and its first API secret."
            f"\nThe key is shown only now: store it safely.\n\n"
            f"  Secret ID:  {secret.secret_id}\n  Secret Key: {secret.secret_key}\n\n"
            f"  export HEYMARKET_SECRET_ID={secret.secret_id}"
            f" HEYMARKET_SECRET_KEY={secret.secret_key}\n"
            f'  curl -H "Authorization: Bearer $(heymarket-contacts token)" {base_url}/v1/team\n'
        )
    click.echo(f"Serving {store.description} on {base_url} with {settings.workers} worker(s)")
    os.environ.update(settings.environment())
    if settings.metrics:
        _share_metrics_between_workers()
    Granian(
        WORKER_FACTORY,
        factory=True,
        interface=Interfaces.ASGI,
        address=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=LogLevels(settings.log_level),
        log_dictconfig=logging_config(settings.log_level, settings.log_format),
    ).serve()


def _share_metrics_between_workers() -> None:
    """Worker processes keep their metrics in files of one directory (made now, empty), so
    that any of them answers ``/metrics`` for all. prometheus-client reads the variable when
    it is first imported, so this runs before anything imports it."""
    import tempfile

    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="heymarket-metrics-")
