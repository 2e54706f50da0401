"""Options every server-side command shares."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

database_option = click.option(
    "--database",
    envvar="HEYMARKET_DATABASE_URL",
    default=None,
    metavar="URL",
    help="A SQLite file path (or sqlite:///path) or a postgresql:// URL."
    "  [env: HEYMARKET_DATABASE_URL; default: ./heymarket-contacts.db]",
)

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def server_extra_missing(error: ImportError) -> click.ClickException:
    return click.ClickException(
        f"the server is not installed ({error.name} is missing):"
        " pip install 'heymarket-contacts[server]'"
    )
