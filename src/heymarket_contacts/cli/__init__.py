"""The ``heymarket-contacts`` command: serve, administer, mint tokens."""

from __future__ import annotations

import click

from .admin import migrate, secret, team
from .serve import serve
from .token import master_key, token

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="heymarket-contacts")
def main() -> None:
    """A self-hostable Heymarket Contacts API server, its admin commands and an API client."""


for command in (serve, migrate, team, secret, token, master_key):
    main.add_command(command)
