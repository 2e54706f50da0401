"""``heymarket-contacts emulator ...``: the emulator's control plane (spec section 9) from a
shell, against a server started with ``serve --emulator``. Tables on a terminal, JSON in a
pipe (``--json`` / ``--table`` choose)."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click
import httpx
import msgspec

from .._emulator_control import ControlError, EmulatorControl
from ..client._tls import default_ssl_context
from .options import check_http_url, with_options
from .tables import output_width, render

F = TypeVar("F", bound=Callable[..., Any])


class Emulator:
    """One command's connection and output format."""

    def __init__(self, url: str, token: str | None, output: str) -> None:
        self.url = url
        self.token = token
        self.output = output

    @contextmanager
    def control(self) -> Iterator[EmulatorControl]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            with httpx.Client(
                base_url=self.url, headers=headers, verify=default_ssl_context()
            ) as http:
                yield EmulatorControl(http)
        except ControlError as error:
            raise click.ClickException(str(error)) from error
        except httpx.TransportError as error:
            raise click.ClickException(
                f"cannot reach the emulator at {self.url}: {error}; start it with"
                " `heymarket-contacts serve --emulator` or give --url"
            ) from error

    def show(self, value: Any, columns: list[str] | None = None) -> None:
        data = msgspec.to_builtins(value)
        if self.output == "json":
            click.echo(json.dumps(data, ensure_ascii=False))
        else:
            click.echo(render(data, columns, width=output_width()))


def emulator_command(function: F) -> F:
    """Adds ``--url``, ``--token``, ``--json`` and ``--table``; the command gets ``emu``."""

    @with_options(
        click.option(
            "--url",
            envvar="HEYMARKET_EMULATOR_URL",
            default="http://127.0.0.1:8080",
            show_default=True,
            callback=check_http_url,
            help="The emulator's base URL.  [env: HEYMARKET_EMULATOR_URL]",
        ),
        click.option(
            "--token",
            envvar="HEYMARKET_EMULATOR_TOKEN",
            default=None,
            help="Its --emulator-token, if it has one.  [env: HEYMARKET_EMULATOR_TOKEN]",
        ),
        click.option("--json", "display", flag_value="json", help="Print JSON."),
        click.option("--table", "display", flag_value="table", help="Print a table."),
    )
    @functools.wraps(function)
    def command(url: str, token: str | None, display: str | None, **kwargs: Any) -> Any:
        output = display or ("table" if sys.stdout.isatty() else "json")
        return function(Emulator(url, token, output), **kwargs)

    return command  # type: ignore[return-value]


@click.group()
def emulator() -> None:
    """Drive a server started with `serve --emulator`: reset, seed, snapshots, the request
    journal, fault rules, the clock, webhooks and inbound texts."""


@emulator.command()
@click.option("--team", "team_id", type=click.IntRange(min=1), help="Only this team.")
@emulator_command
def reset(emu: Emulator, team_id: int | None) -> None:
    """Every team's (or one team's) data, the journal, fault rules and clock reset."""
    with emu.control() as control:
        emu.show({"teams": control.reset(team_id)})


@emulator.command()
@click.argument("contacts", type=click.IntRange(1, 100_000))
@click.option("--team", "team_id", type=click.IntRange(min=1), help="Default: the first team.")
@click.option("--seed", type=click.IntRange(min=0), help="The same seed gives the same data.")
@click.option("--tags", type=click.IntRange(0, 1000), default=0, show_default=True)
@click.option("--fields", type=click.IntRange(0, 100), default=0, show_default=True)
@emulator_command
def seed(
    emu: Emulator, contacts: int, team_id: int | None, seed: int | None, tags: int, fields: int
) -> None:
    """Make CONTACTS fake contacts (1 to 100,000)."""
    with emu.control() as control:
        result = control.seed(contacts, team_id=team_id, seed=seed, tags=tags, fields=fields)
        emu.show(result)


@emulator.command()
@click.argument("name", required=False)
@click.option("--delete", "delete", is_flag=True, help="Delete the snapshot NAME.")
@emulator_command
def snapshot(emu: Emulator, name: str | None, delete: bool) -> None:
    """Take a snapshot NAME of the whole data set; without NAME, list the snapshots."""
    with emu.control() as control:
        if name is None:
            emu.show(control.snapshots(), ["name", "created", "bytes"])
        elif delete:
            control.delete_snapshot(name)
            emu.show("ok")
        else:
            emu.show(control.snapshot(name))


@emulator.command()
@click.argument("name")
@emulator_command
def restore(emu: Emulator, name: str) -> None:
    """Make the data set as it was at the snapshot NAME."""
    with emu.control() as control:
        control.restore(name)
        emu.show("ok")


@emulator.command()
@click.option("--method")
@click.option("--path", help="Exact, or a * glob.")
@click.option("--status", type=int)
@click.option("--team", "team_id", type=click.IntRange(min=1))
@click.option("--since", type=click.IntRange(min=0), help="Only entries after this seq.")
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True)
@click.option("--clear", is_flag=True, help="Empty the journal instead.")
@emulator_command
def requests(emu: Emulator, clear: bool, **filters: Any) -> None:
    """The request journal, oldest first."""
    with emu.control() as control:
        if clear:
            control.clear_requests()
            emu.show("ok")
            return
        columns = ["seq", "time", "method", "path", "status", "team_id", "duration_ms", "fault"]
        emu.show(control.requests(**filters), columns)


@emulator.command()
@click.option("--path", help="Add a rule for requests whose path matches this glob.")
@click.option("--method")
@click.option("--team", "team_id", type=click.IntRange(min=1))
@click.option("--status", type=click.IntRange(400, 599))
@click.option("--error", help="The error code (default: the status's).")
@click.option("--message")
@click.option("--retry-after", type=click.IntRange(min=0))
@click.option("--delay-ms", type=click.IntRange(0, 60_000))
@click.option("--drop", is_flag=True, default=None, help="Close the connection, no answer.")
@click.option("--times", type=click.IntRange(min=1))
@click.option("--probability", type=click.FloatRange(0, 1))
@click.option("--remove", "remove", type=int, help="Remove the rule with this id.")
@click.option("--clear", is_flag=True, help="Remove every rule.")
@emulator_command
def faults(emu: Emulator, path: str | None, remove: int | None, clear: bool, **rule: Any) -> None:
    """List the fault rules; --path ... adds one; --remove ID or --clear removes."""
    with emu.control() as control:
        if clear:
            control.remove_faults()
            emu.show("ok")
        elif remove is not None:
            control.remove_fault(remove)
            emu.show("ok")
        elif path is not None:
            given = {name: value for name, value in rule.items() if value is not None}
            emu.show({"id": control.add_fault(path, **given)})
        else:
            emu.show(control.faults(), ["id", "method", "path", "status", "drop", "delay_ms",
                                        "fired", "remaining"])  # fmt: skip


@emulator.command()
@click.option("--freeze", "freeze_at", metavar="TIME", help="Stop at this RFC 3339 time.")
@click.option("--advance", "advance_s", type=float, metavar="SECONDS")
@click.option("--offset", "offset_s", type=float, metavar="SECONDS")
@click.option("--real", is_flag=True, help="Back to real time.")
@emulator_command
def clock(
    emu: Emulator, freeze_at: str | None, advance_s: float | None, offset_s: float | None,
    real: bool,
) -> None:  # fmt: skip
    """Show the emulator's clock, or move it (one of the options)."""
    chosen = [value for value in (freeze_at, advance_s, offset_s) if value is not None]
    if len(chosen) + real > 1:
        raise click.UsageError("give one of --freeze, --advance, --offset or --real")
    with emu.control() as control:
        if freeze_at is not None:
            emu.show(control.clock.freeze(freeze_at))
        elif advance_s is not None:
            emu.show(control.clock.advance(advance_s))
        elif offset_s is not None:
            emu.show(control.clock.offset(offset_s))
        elif real:
            emu.show(control.clock.real())
        else:
            emu.show(control.clock.now())


@emulator.command()
@click.option("--add", "add_url", metavar="URL", help="Subscribe URL (loopback allowed).")
@click.option("--team", "team_id", type=click.IntRange(min=1), help="Default: the first team.")
@click.option("--event", "events", multiple=True, help="With --add: an event (repeatable).")
@click.option("--webhook-token", "webhook_token", help="With --add: its verification token.")
@click.option("--remove", "remove", type=int, help="Remove the subscription with this id.")
@click.option("--deliveries", is_flag=True, help="List deliveries instead.")
@click.option("--failed", is_flag=True, help="With --deliveries: only failed ones.")
@emulator_command
def webhooks(
    emu: Emulator, add_url: str | None, team_id: int | None, events: tuple[str, ...],
    webhook_token: str | None, remove: int | None, deliveries: bool, failed: bool,
) -> None:  # fmt: skip
    """List webhook subscriptions; --add URL, --remove ID, or --deliveries."""
    with emu.control() as control:
        if add_url is not None:
            emu.show(control.add_webhook(add_url, team_id=team_id, events=list(events) or None,
                                         token=webhook_token))  # fmt: skip
        elif remove is not None:
            control.remove_webhook(remove)
            emu.show("ok")
        elif deliveries:
            emu.show(control.webhook_deliveries(failed=failed),
                     ["id", "subscription_id", "event", "contact_id", "state", "attempts",
                      "last_status", "last_error"])  # fmt: skip
        else:
            emu.show(control.webhooks(), ["id", "team_id", "url", "events", "created"])


@emulator.command()
@click.argument("phone")
@click.argument("text")
@click.option("--team", "team_id", type=click.IntRange(min=1), help="Default: the first team.")
@click.option("--inbox", "inbox_id", type=click.IntRange(min=1))
@emulator_command
def inbound(
    emu: Emulator, phone: str, text: str, team_id: int | None, inbox_id: int | None
) -> None:
    """A text from PHONE: STOP (and the like) opts it out, START back in."""
    with emu.control() as control:
        emu.show(control.inbound(phone, text, team_id=team_id, inbox_id=inbox_id))
