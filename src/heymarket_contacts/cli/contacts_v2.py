"""``heymarket-contacts contacts-v2 ...``: the v2 contact calls (contacts by uuid, with their
channels), over the SDK's ``client.v2``."""

from __future__ import annotations

from typing import Any

import click

from ..models import ChannelWrite
from .api_session import ApiSession, api_command
from .contacts import contact_fields, write_options
from .options import non_empty, page_options

__all__ = ["contacts_v2"]

CONTACT_COLUMNS = ["uuid", "display_name", "phone", "email", "contact_channels", "updated"]


@click.group("contacts-v2")
def contacts_v2() -> None:
    """v2 contacts (by uuid, with channels), through the API."""


def _channel(text: str) -> ChannelWrite:
    kind, separator, value = text.partition("=")
    if not separator or not kind.strip() or not value:
        raise click.BadParameter(f"{text!r} is not TYPE=VALUE", param_hint="--channel")
    return ChannelWrite(channel_type=kind.strip(), channel_id=value)


@contacts_v2.command("get")
@click.argument("uuid", callback=non_empty)
@api_command
def get(session: ApiSession, uuid: str) -> None:
    """Print a contact and its channels."""
    with session.client() as client:
        session.show(client.v2.contacts.get(uuid))


@contacts_v2.command("list")
@page_options
@click.option("--ascending", is_flag=True, help="Oldest first (default: newest first).")
@click.option("--date", metavar="RFC3339", help="Start after this `updated` cursor.")
@api_command
def list_(
    session: ApiSession,
    limit: int | None,
    page: int,
    ascending: bool,
    date: str | None,
    walk: bool,
) -> None:
    """List contacts with their channels: one page, or every one with --all."""
    with session.client() as client:
        if walk:
            if page:
                raise click.UsageError("--page applies to one page, not to --all")
            pager = client.v2.contacts.list(limit=limit or 100, ascending=ascending, date=date)
            session.show_stream(pager, columns=CONTACT_COLUMNS)
        else:
            found = client.v2.contacts.list_page(
                limit=limit, page=page, ascending=ascending, date=date
            )
            session.show(found, columns=CONTACT_COLUMNS)


@contacts_v2.command("search")
@click.argument("values", nargs=-1, required=True)
@click.option(
    "--type",
    "channel_type",
    metavar="TYPE",
    help="The values' channel type (default: an @ makes an email, digits a phone).",
)
@api_command
def search(session: ApiSession, values: tuple[str, ...], channel_type: str | None) -> None:
    """Find the contacts holding any of the VALUES (phones, emails, other channel ids)."""
    with session.client() as client:
        found = client.v2.contacts.search(values, channel_type=channel_type)
    session.show(found, columns=CONTACT_COLUMNS)


@contacts_v2.command("create")
@click.option(
    "--channel",
    "channels",
    multiple=True,
    metavar="TYPE=VALUE",
    help="A channel (phone=..., email=..., whatsapp=...); repeat for more.",
)
@write_options
@api_command
def create(session: ApiSession, channels: tuple[str, ...], **values: Any) -> None:
    """Create a contact with channels (or a --phone or --email); prints id, rev and uuid."""
    fields = contact_fields(values)
    listed = [_channel(text) for text in channels]
    if not listed and "phone" not in fields and "email" not in fields:
        raise click.UsageError("give a --channel, --phone or --email")
    with session.client() as client:
        session.show(client.v2.contacts.create(contact_channels=listed, **fields))


@contacts_v2.command("delete")
@click.argument("uuids", nargs=-1, required=True, callback=non_empty)
@api_command
def delete(session: ApiSession, uuids: tuple[str, ...]) -> None:
    """Delete contacts by uuid (one unknown uuid deletes none)."""
    with session.client() as client:
        client.v2.contacts.bulk_delete(uuids)
    session.done(f"deleted {len(uuids)} contact(s)")
