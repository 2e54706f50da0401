"""``console-user``: the logins of the web console. They act on the database directly."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from .admin import admin_service, echo, team_option, team_or_default
from .options import database_option, json_option

if TYPE_CHECKING:
    from ..server.console.accounts import ConsoleAccounts, NewLogin
    from ..server.service.admin import AdminService


@contextmanager
def console_accounts(database: str | None) -> Iterator[tuple[AdminService, ConsoleAccounts]]:
    """The admin service and the console's accounts on the same migrated database."""
    from ..server.clock import system_clock
    from ..server.console.accounts import ConsoleAccounts
    from ..server.console.passwords import Passwords

    with admin_service(database) as admin:
        yield admin, ConsoleAccounts(admin.store, Passwords(), system_clock)


@click.group("console-user")
def console_user() -> None:
    """Logins of the web console (/console); each acts for one team."""


password_stdin_option = click.option(
    "--password-stdin", is_flag=True, default=False,
    help="Read the password from standard input (else one is made and printed once).",
)  # fmt: skip


def _read_password(from_stdin: bool) -> str | None:
    if not from_stdin:
        return None
    return sys.stdin.readline().rstrip("\r\n")


def _show_login(login: NewLogin, as_json: bool, made: bool, what: str) -> None:
    value = {"email": login.user.email, "team_id": login.user.team_id}
    if made:
        value["password"] = login.password
    text = f"{what} console user {login.user.email} of team {login.user.team_id}"
    if made:
        text += f"\nPassword: {login.password}\nThe password is shown only now."
    echo(value, as_json, text)


@console_user.command("add")
@team_option
@click.option("--email", required=True, help="The login (unique on the server).")
@password_stdin_option
@database_option
@json_option
def console_user_add(
    team_id: int | None, email: str, password_stdin: bool, database: str | None, as_json: bool
) -> None:
    """Add a console user to a team and print its password, this once."""
    password = _read_password(password_stdin)
    with console_accounts(database) as (admin, accounts):
        login = accounts.add_user(team_or_default(admin, team_id), email, password)
    _show_login(login, as_json, password is None, "added")


@console_user.command("list")
@team_option
@database_option
@json_option
def console_user_list(team_id: int | None, database: str | None, as_json: bool) -> None:
    """List console users (of one team with --team; never their passwords)."""
    with console_accounts(database) as (_, accounts):
        rows = [
            {"email": user.email, "team_id": user.team_id} for user in accounts.list_users(team_id)
        ]
    if as_json:
        click.echo(json.dumps(rows))
        return
    for row in rows:
        click.echo(f"{row['email']}  team {row['team_id']}")


@console_user.command("remove")
@click.option("--email", required=True, help="The login to remove.")
@database_option
def console_user_remove(email: str, database: str | None) -> None:
    """Remove a console user; its sessions end at once."""
    with console_accounts(database) as (_, accounts):
        user = accounts.remove_user(email)
    click.echo(f"removed console user {user.email}")


@console_user.command("reset-password")
@click.option("--email", required=True, help="The login whose password to replace.")
@password_stdin_option
@database_option
@json_option
def console_user_reset_password(
    email: str, password_stdin: bool, database: str | None, as_json: bool
) -> None:
    """Give a console user a new password (printed once unless read from stdin); its
    sessions end."""
    password = _read_password(password_stdin)
    with console_accounts(database) as (_, accounts):
        login = accounts.reset_password(email, password)
    _show_login(login, as_json, password is None, "new password for")
