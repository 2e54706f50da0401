"""``heymarket-contacts token`` and ``master-key``: credentials from the shell."""

from __future__ import annotations

import click

from ..tokens import mint_token
from .options import CREDENTIALS_NEEDED, secret_id_option, secret_key_option, server_extra_missing


@click.command()
@secret_id_option
@secret_key_option
def token(secret_id: str | None, secret_key: str | None) -> None:
    """Print a fresh JWT for an API secret (valid five minutes).

    curl -H "Authorization: Bearer $(heymarket-contacts token)" http://127.0.0.1:8080/v1/team
    """
    if not secret_id or not secret_key:
        raise click.UsageError(CREDENTIALS_NEEDED)
    click.echo(mint_token(secret_id, secret_key))


@click.command("master-key")
def master_key() -> None:
    """Print a new random master key for HEYMARKET_MASTER_KEY."""
    try:
        from ..server.secret_box import new_master_key
    except ImportError as error:
        raise server_extra_missing(error) from error
    click.echo(new_master_key())
