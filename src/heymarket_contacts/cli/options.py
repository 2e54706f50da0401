"""Options several commands share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import click
from click.core import ParameterSource

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

#: An API secret, for the commands that call the API or mint its tokens.
secret_id_option = click.option(
    "--secret-id", envvar="HEYMARKET_SECRET_ID", metavar="ID", help="[env: HEYMARKET_SECRET_ID]"
)
secret_key_option = click.option(
    "--secret-key", envvar="HEYMARKET_SECRET_KEY", metavar="KEY", help="[env: HEYMARKET_SECRET_KEY]"
)


#: What a command that needs an API secret says when it has none.
CREDENTIALS_NEEDED = (
    "give --secret-id and --secret-key, or set HEYMARKET_SECRET_ID and HEYMARKET_SECRET_KEY"
)


def non_empty(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """A callback for an id of a path (one value, or several): blank is a usage error there,
    not a call the SDK refuses."""
    values = value if isinstance(value, tuple) else (value,)
    if any(isinstance(item, str) and not item.strip() for item in values):
        raise click.BadParameter("must not be empty", ctx, param)
    return value


def check_http_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A callback for a server's base URL: anything but an http:// or https:// URL is a usage
    error naming where it came from, the option or its variable."""
    if value is None or _is_http_url(value.strip()):
        return value
    from_variable = ctx.get_parameter_source(param.name or "") is ParameterSource.ENVIRONMENT
    where = param.envvar if from_variable and isinstance(param.envvar, str) else None
    raise click.BadParameter(
        f"{value!r} is not an http:// or https:// URL (like http://127.0.0.1:8080)",
        ctx,
        param,
        param_hint=where or param.opts[0],
    )


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not parts.query


def with_options(*options: Callable[[F], F]) -> Callable[[F], F]:
    """One decorator for several click options, shown in ``--help`` in the order given."""

    def decorate(function: F) -> F:
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


#: ``--limit``, ``--page`` and ``--all``: how a listing command walks pages of contacts.
page_options = with_options(
    click.option(
        "--limit",
        type=click.IntRange(1, 500),
        default=None,
        help="Contacts per call (default: 30 for one page, 100 with --all).",
    ),
    click.option(
        "--page",
        type=click.IntRange(min=0),
        default=0,
        help="Skip PAGE times --limit contacts first.",
    ),
    click.option(
        "--all", "walk", is_flag=True, help="Every page: walk the date cursor to the end."
    ),
)


def server_extra_missing(error: ImportError) -> click.ClickException:
    return click.ClickException(
        f"the server is not installed ({error.name} is missing):"
        " pip install 'heymarket-contacts[server]'"
    )
