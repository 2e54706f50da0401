"""What every API client command shares: credentials, the SDK client, and how answers print.

Credentials and the base URL come from the same settings as the SDK (the options below, else
``HEYMARKET_SECRET_ID``, ``HEYMARKET_SECRET_KEY``, ``HEYMARKET_BASE_URL``). Answers print as
JSON when stdout is not a terminal (a pipe, a file) and as a table when it is; ``--json`` and
``--table`` choose.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from ..client import Client, RetryNotice, to_dict
from ..client.errors import HeymarketError
from .option_names import with_option_names
from .options import CREDENTIALS_NEEDED, check_http_url, secret_id_option, secret_key_option
from .tables import output_width, render

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["ApiSession", "api_command"]


@dataclass(frozen=True, slots=True)
class ApiSession:
    """One command's connection settings and output format."""

    secret_id: str | None
    secret_key: str | None
    base_url: str | None
    timeout: float
    max_retries: int
    output: str  # "json" or "table"

    @property
    def as_json(self) -> bool:
        return self.output == "json"

    @contextmanager
    def client(self, *, on_retry: Callable[[RetryNotice], None] | None = None) -> Iterator[Client]:
        """The SDK client; an SDK error inside the block becomes a one-line CLI error."""
        if not self.secret_id or not self.secret_key:
            raise click.UsageError(CREDENTIALS_NEEDED)
        try:
            with Client(
                secret_id=self.secret_id,
                secret_key=self.secret_key,
                base_url=self.base_url,
                timeout=self.timeout,
                max_retries=self.max_retries,
                on_retry=on_retry,
            ) as client:
                yield client
        except HeymarketError as error:
            raise click.ClickException(with_option_names(str(error))) from error

    def show(self, value: Any, *, columns: Sequence[str] | None = None) -> None:
        """A model (as fields and values) or a list of models (as rows), in this format."""
        data = to_dict(value)
        if self.as_json:
            click.echo(json.dumps(data, ensure_ascii=False))
        else:
            click.echo(render(data, columns, width=output_width()))

    def show_stream(self, items: Iterable[Any], *, columns: Sequence[str]) -> None:
        """Many models: a JSON array written as they come, or one table once all are in."""
        if not self.as_json:
            self.show(list(items), columns=columns)
            return
        click.echo("[")
        first = True
        for item in items:
            prefix = "" if first else ","
            click.echo(prefix + json.dumps(to_dict(item), ensure_ascii=False))
            first = False
        click.echo("]")

    def done(self, text: str) -> None:
        """A call that answers nothing: ``"ok"`` as JSON, else the sentence."""
        click.echo(json.dumps("ok") if self.as_json else text)


def api_command(function: F) -> F:
    """Adds the connection and output options; the command gets them as ``session``."""

    @secret_id_option
    @secret_key_option
    @click.option(
        "--base-url",
        envvar="HEYMARKET_BASE_URL",
        metavar="URL",
        callback=check_http_url,
        help="[env: HEYMARKET_BASE_URL; default: https://api.heymarket.com]",
    )
    @click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=30.0,
        show_default=True,
        help="Seconds per call.",
    )
    @click.option(
        "--max-retries",
        type=click.IntRange(min=0),
        default=2,
        show_default=True,
        help="Retries of a failed call (connection errors, 429, 5xx).",
    )
    @click.option(
        "--json",
        "display",
        flag_value="json",
        help="Print JSON (the default when stdout is not a terminal).",
    )
    @click.option(
        "--table", "display", flag_value="table", help="Print a table (the default on a terminal)."
    )
    @functools.wraps(function)
    def command(
        secret_id: str | None,
        secret_key: str | None,
        base_url: str | None,
        timeout: float,
        max_retries: int,
        display: str | None,
        **kwargs: Any,
    ) -> Any:
        chosen = display or ("table" if sys.stdout.isatty() else "json")
        session = ApiSession(secret_id, secret_key, base_url, timeout, max_retries, chosen)
        return function(session, **kwargs)

    return command  # type: ignore[return-value]
