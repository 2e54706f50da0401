"""``heymarket-contacts webhook ...``: webhook subscriptions and their deliveries (spec section
10), on the database directly, as the other admin commands. Tables on a terminal, JSON in a
pipe (``--json`` asks for JSON anywhere)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click
import msgspec

from .admin import new_sqlite_file, team_option
from .options import database_option, json_option, server_extra_missing
from .tables import render_record, render_table

if TYPE_CHECKING:
    from ..server.webhooks.subscriptions import WebhookService

EVENT_CHOICES = click.Choice(
    ["target_opt_out", "target_opt_in", "contact_created", "contact_updated", "contact_deleted"]
)
SUBSCRIPTION_COLUMNS = ["id", "team_id", "url", "events", "created"]
DELIVERY_COLUMNS = [
    "id", "subscription_id", "event", "contact_id", "state", "attempts", "last_status",
    "next_attempt", "last_error",
]  # fmt: skip


@contextmanager
def webhook_service(
    database: str | None, *, allow_private: bool = False
) -> Iterator[WebhookService]:
    """The subscriptions service on a migrated database; errors are one-line CLI errors."""
    try:
        from ..server.app import webhook_service as build
        from ..server.errors import ApiError
        from ..server.settings import SettingsError, load_settings
        from ..server.store import StoreError, open_store
    except ImportError as error:
        raise server_extra_missing(error) from error
    try:
        settings = load_settings(
            os.environ, database=database, webhooks_allow_private=allow_private or None
        )
        location = settings.database
        new_sqlite_file(location.path if location.kind == "sqlite" else None, may_create=False)
        store = open_store(location)
    except (SettingsError, StoreError) as error:
        raise click.ClickException(str(error)) from error
    try:
        store.migrate()
        yield build(settings, store)
    except ApiError as error:
        raise click.ClickException(str(error)) from error
    except StoreError as error:
        raise click.ClickException(str(error)) from error
    finally:
        store.close()


def show(value: Any, as_json: bool, columns: Sequence[str] | None = None) -> None:
    data = msgspec.to_builtins(value)
    if as_json or not sys.stdout.isatty():
        click.echo(json.dumps(data, ensure_ascii=False))
    elif isinstance(data, list):
        click.echo(render_table(data, columns or (list(data[0]) if data else [])))
    else:
        click.echo(render_record(data))


@click.group()
def webhook() -> None:
    """Webhook subscriptions: where a team's events are sent, and how deliveries went."""


@webhook.command("add")
@team_option
@click.option("--url", required=True, help="Where to POST the events: an http(s) URL.")
@click.option(
    "--event", "events", multiple=True, type=EVENT_CHOICES,
    help="An event to send (repeat for more; default: target_opt_out and target_opt_in).",
)  # fmt: skip
@click.option("--token", help="The verification token (default: a new random one).")
@click.option(
    "--webhooks-allow-private", "allow_private", is_flag=True,
    help="Accept a URL whose host is a private or loopback address (the server needs"
    " --webhooks-allow-private too).  [env: HEYMARKET_WEBHOOKS_ALLOW_PRIVATE=1]",
)  # fmt: skip
@database_option
@json_option
def webhook_add(
    team_id: int | None, url: str, events: tuple[str, ...], token: str | None,
    allow_private: bool, database: str | None, as_json: bool,
) -> None:  # fmt: skip
    """Subscribe a team to events; prints the subscription's id and verification token."""
    from ..server.webhooks.render import render_subscription

    with webhook_service(database, allow_private=allow_private) as service:
        team = team_id if team_id is not None else service.only_team()
        record = service.add(team, url, list(events), token)
    show(render_subscription(record), as_json)


@webhook.command("list")
@team_option
@database_option
@json_option
def webhook_list(team_id: int | None, database: str | None, as_json: bool) -> None:
    """The subscriptions (of one team, with --team)."""
    from ..server.webhooks.render import render_subscription

    with webhook_service(database) as service:
        records = service.list_subscriptions(team_id)
    show([render_subscription(record) for record in records], as_json, SUBSCRIPTION_COLUMNS)


@webhook.command("remove")
@click.argument("subscription_id", type=click.IntRange(1, 2**63 - 1))
@database_option
def webhook_remove(subscription_id: int, database: str | None) -> None:
    """Remove a subscription; its deliveries not made yet never will be."""
    with webhook_service(database) as service:
        service.remove(subscription_id)
    click.echo(f"removed webhook subscription {subscription_id}")


@webhook.command("deliveries")
@click.option("--id", "subscription_id", type=click.IntRange(1, 2**63 - 1),
              help="Only this subscription's.")  # fmt: skip
@click.option("--failed", is_flag=True, help="Only the failed ones (out of tries).")
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True,
              help="The newest this many.")  # fmt: skip
@database_option
@json_option
def webhook_deliveries(
    subscription_id: int | None, failed: bool, limit: int, database: str | None, as_json: bool
) -> None:
    """Deliveries, oldest first, with their state and tries."""
    from ..server.webhooks.render import render_delivery

    with webhook_service(database) as service:
        records = service.deliveries(subscription_id=subscription_id, failed=failed, limit=limit)
    show([render_delivery(record) for record in records], as_json, DELIVERY_COLUMNS)


@webhook.command("redeliver")
@click.argument("delivery_id")
@database_option
@json_option
def webhook_redeliver(delivery_id: str, database: str | None, as_json: bool) -> None:
    """Send a delivered or failed delivery again (same delivery id, a new set of tries)."""
    from ..server.webhooks.render import render_delivery

    with webhook_service(database) as service:
        record = service.redeliver(delivery_id)
    show(render_delivery(record), as_json)
