"""The ``heymarket-contacts`` command: serve, administer, mint tokens."""

from __future__ import annotations

import click

from .admin import migrate, secret, team
from .console_users import console_user
from .contacts import contacts
from .contacts_v2 import contacts_v2
from .emulator import emulator
from .members import inbox, key, user
from .resources import fields, inboxes, notes, tags, team_get, users
from .serve import serve
from .token import master_key, token
from .webhooks import webhook

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    None, "-V", "--version", package_name="heymarket-contacts", prog_name="heymarket-contacts"
)
def main() -> None:
    """A self-hostable Heymarket Contacts API server, its admin commands and an API client."""


for command in (
    serve,
    migrate,
    team,
    user,
    inbox,
    secret,
    key,
    console_user,
    token,
    master_key,
    webhook,
):
    main.add_command(command)

# API client commands (over the SDK); `team get` joins the admin `team` group.
for command in (contacts, contacts_v2, tags, fields, notes, inboxes, users, emulator):
    main.add_command(command)
team.add_command(team_get)
