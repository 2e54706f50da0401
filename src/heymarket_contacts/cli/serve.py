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
) -> None:
    """Run the API server.

    On an empty database it first makes a default team, its owner, an inbox and one API
    secret, and prints the secret's key this once.
    """
    try:
        from granian import Granian
        from granian.constants import Interfaces
        from granian.log import LogLevels

        from ..server.app import configure_logging
        from ..server.clock import system_clock
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
        )  # fmt: skip
        box = SecretBox(load_master_key(settings.master_key, settings.database))
        store = open_store(settings.database)
        try:
            store.migrate()
            bootstrap = AdminService(store, box, system_clock).bootstrap_if_empty()
        finally:
            store.close()
    except (SettingsError, MasterKeyError, StoreError) as error:
        raise click.ClickException(str(error)) from error
    configure_logging(settings.log_level)
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
    Granian(
        WORKER_FACTORY,
        factory=True,
        interface=Interfaces.ASGI,
        address=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=LogLevels(settings.log_level),
    ).serve()
