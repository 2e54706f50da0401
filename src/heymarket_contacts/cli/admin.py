"""Admin commands: ``migrate``, ``team``, ``secret``. They act on the database directly.

``user``, ``inbox`` and ``key`` are in :mod:`.members`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .database_wait import database_wait_shown
from .option_names import with_option_names
from .options import database_option, json_option, non_empty, server_extra_missing

if TYPE_CHECKING:
    from ..server.service.admin import AdminService


@contextmanager
def admin_service(database: str | None, *, may_create: bool = False) -> Iterator[AdminService]:
    """The admin service on a migrated database; server errors become one-line CLI errors that
    name the database. A SQLite file that does not exist is refused (a command run in another
    directory would make a new, empty one there), unless ``may_create``: then it is made, and
    stderr says so."""
    try:
        from ..server.clock import system_clock
        from ..server.errors import ApiError, BadData
        from ..server.secret_box import MasterKeyError, SecretBox, load_master_key
        from ..server.service.admin import AdminService
        from ..server.settings import SettingsError, load_settings
        from ..server.store import StoreError, open_store
    except ImportError as error:
        raise server_extra_missing(error) from error
    try:
        settings = load_settings(os.environ, database=database)
        location = settings.database
        sqlite_path = location.path if location.kind == "sqlite" else None
        created = new_sqlite_file(sqlite_path, may_create=may_create)
        with database_wait_shown():
            store = open_store(settings.database, connect_wait=settings.database_wait)
    except SettingsError as error:
        raise click.UsageError(str(error)) from error
    except StoreError as error:
        raise click.ClickException(str(error)) from error
    try:
        store.migrate()
        if sqlite_path is not None and created:
            click.echo(f"made a new database: SQLite file {sqlite_path.resolve()}", err=True)
        box = SecretBox(load_master_key(settings.master_key, settings.database))
        yield AdminService(store, box, system_clock)
    except BadData as error:
        message = with_option_names(str(error), field=error.field)
        raise click.UsageError(f"{message} (in {store.description})") from error
    except ApiError as error:
        raise click.ClickException(f"{error} (in {store.description})") from error
    except (MasterKeyError, StoreError) as error:
        raise click.ClickException(str(error)) from error
    finally:
        store.close()


def new_sqlite_file(path: Path | None, *, may_create: bool) -> bool:
    """Whether ``path`` (a SQLite file, or None for PostgreSQL) is about to be made; a
    :class:`click.ClickException` when it is missing and may not be."""
    if path is None or path.exists():
        return False
    if not may_create:
        raise click.ClickException(
            f"no database at {path.resolve()}: give --database (or HEYMARKET_DATABASE_URL), or"
            " make one with `heymarket-contacts migrate` or `serve`"
        )
    return True


def echo(value: dict[str, Any], as_json: bool, text: str) -> None:
    click.echo(json.dumps(value) if as_json else text)


@click.command()
@database_option
def migrate(database: str | None) -> None:
    """Apply the database migrations that have not run yet."""
    try:
        from ..server.settings import SettingsError, load_settings
        from ..server.store import StoreError, open_store
    except ImportError as error:
        raise server_extra_missing(error) from error
    try:
        settings = load_settings(os.environ, database=database)
        location = settings.database
        sqlite_path = location.path if location.kind == "sqlite" else None
        created = new_sqlite_file(sqlite_path, may_create=True)
        with database_wait_shown():
            store = open_store(location, connect_wait=settings.database_wait)
        try:
            applied = store.migrate()
        finally:
            store.close()
        if sqlite_path is not None and created:
            click.echo(f"made a new database: SQLite file {sqlite_path.resolve()}", err=True)
    except SettingsError as error:
        raise click.UsageError(str(error)) from error
    except StoreError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"applied migrations {applied}" if applied else "the schema is up to date")


@click.group()
def team() -> None:
    """Teams."""


@team.command("create")
@click.option("--name", required=True, help="The team's name.")
@database_option
@json_option
def team_create(name: str, database: str | None, as_json: bool) -> None:
    """Create a team (with its owner user)."""
    with admin_service(database, may_create=True) as admin:
        made = admin.create_team(name)
    echo({"id": made.id, "name": made.name}, as_json, f"created team {made.id} {made.name!r}")


@click.group()
def secret() -> None:
    """API secrets (at most two active per team)."""


def team_or_default(admin: AdminService, team_id: int | None) -> int:
    return team_id if team_id is not None else admin.default_team_id()


team_option = click.option(
    "--team", "team_id", type=click.IntRange(max=2**63 - 1),
    help="The team (default: the only one).",
)  # fmt: skip


@secret.command("create")
@team_option
@database_option
@json_option
def secret_create(team_id: int | None, database: str | None, as_json: bool) -> None:
    """Create an API secret and print its key, this once."""
    with admin_service(database) as admin:
        made = admin.create_secret(team_or_default(admin, team_id))
    value = {"secret_id": made.secret_id, "secret_key": made.secret_key, "team_id": made.team_id}
    text = (
        f"Secret ID:  {made.secret_id}\nSecret Key: {made.secret_key}\nTeam:       {made.team_id}"
        "\nThe key is shown only now: store it safely."
    )
    echo(value, as_json, text)


@secret.command("list")
@team_option
@database_option
@json_option
def secret_list(team_id: int | None, database: str | None, as_json: bool) -> None:
    """List a team's secrets (never their keys)."""
    with admin_service(database) as admin:
        team = team_or_default(admin, team_id)
        rows = [
            {"secret_id": s.secret_id, "team_id": s.team_id, "active": s.active}
            for s in admin.list_secrets(team)
        ]
    if as_json:
        click.echo(json.dumps(rows))
        return
    for row in rows:
        click.echo(f"{row['secret_id']}  {'active' if row['active'] else 'revoked'}")


@secret.command("revoke")
@click.argument("secret_id", callback=non_empty)
@database_option
def secret_revoke(secret_id: str, database: str | None) -> None:
    """Revoke a secret; requests signed with it fail from the next one on."""
    with admin_service(database) as admin:
        admin.revoke_secret(secret_id)
    click.echo(f"revoked {secret_id}")
