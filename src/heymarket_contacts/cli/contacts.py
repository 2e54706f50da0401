"""``heymarket-contacts contacts ...``: the v1 contact calls, over the SDK."""

from __future__ import annotations

from typing import Any

import click

from ..client.resources.contact_calls import Order, Status
from .api_session import ApiSession, api_command
from .contacts_io import TEXT_COLUMNS, export_contacts, import_contacts
from .options import page_options, with_options

__all__ = ["contacts"]

CONTACT_COLUMNS = ["id", "display_name", "phone", "email", "tags", "is_opted_out", "updated"]
STATUSES = ["subscribed", "unsubscribed", "blocked", "unblocked", "active"]


@click.group()
def contacts() -> None:
    """Contacts, through the API (credentials: HEYMARKET_SECRET_ID, HEYMARKET_SECRET_KEY)."""


#: The write shape as options; an option left out leaves that field out of the call.
write_options = with_options(
    click.option("--phone", help="E.164 digits; a leading + is accepted."),
    click.option("--first", help="First name."),
    click.option("--last", help="Last name."),
    click.option("--display-name", help="Display name (default: first and last)."),
    click.option("--email"),
    click.option("--avatar", metavar="URL"),
    click.option("--external-id"),
    click.option("--external-ref"),
    click.option(
        "--custom",
        multiple=True,
        metavar="FIELD_ID=VALUE",
        help="A custom field value; repeat for more.",
    ),
    click.option(
        "--tag",
        "tags",
        multiple=True,
        type=int,
        metavar="TAG_ID",
        help="A tag id (at most 5); repeat for more. Replaces the contact's tags.",
    ),
    click.option("--assignee", type=int, metavar="USER_ID", help="Assign (-1 unassigns)."),
    click.option("--inbox", type=int, metavar="INBOX_ID"),
    click.option(
        "--opted-out/--opted-in",
        "opted_out",
        default=None,
        help="Opt the contact out of messages, or back in.",
    ),
)


def contact_fields(values: dict[str, Any]) -> dict[str, Any]:
    """The options given, as the SDK's write keywords."""
    fields: dict[str, Any] = {
        name: values[name] for name in TEXT_COLUMNS if values.get(name) is not None
    }
    custom = dict(_pair(item) for item in values.get("custom") or ())
    custom.update(dict.fromkeys(values.get("remove_custom") or ()))
    if custom:
        fields["custom"] = custom
    if values.get("tags") or values.get("clear_tags"):
        fields["tags"] = list(values.get("tags") or ())
    for option, name in (
        ("assignee", "assignee_id"),
        ("inbox", "inbox_id"),
        ("opted_out", "is_opted_out"),
    ):
        if values.get(option) is not None:
            fields[name] = values[option]
    return fields


def _pair(text: str) -> tuple[str, str]:
    key, separator, value = text.partition("=")
    if not separator or not key.strip():
        raise click.BadParameter(f"{text!r} is not FIELD_ID=VALUE", param_hint="--custom")
    return key.strip(), value


@contacts.command("get")
@click.argument("contact_id", type=int, required=False)
@click.option("--phone", help="Find the contact by phone instead of id.")
@api_command
def get(session: ApiSession, contact_id: int | None, phone: str | None) -> None:
    """Print a contact, by id or by --phone."""
    with session.client() as client:
        if phone is not None and contact_id is None:
            session.show(client.contacts.find(phone=phone))
        elif contact_id is not None and phone is None:
            session.show(client.contacts.get(contact_id))
        else:
            raise click.UsageError("give a CONTACT_ID or --phone, one of them")


#: How a listing is filtered, ordered and where it starts.
listing_options = with_options(
    click.option(
        "--filter",
        "filter_text",
        default="",
        help="Case-insensitive substring of names, phone and email.",
    ),
    click.option("--assigned", type=int, metavar="USER_ID", help="Only this user's."),
    click.option("--ascending", is_flag=True, help="Oldest first (default: newest first)."),
    click.option(
        "--order",
        type=click.Choice(["updated", "created"]),
        default="updated",
        show_default=True,
    ),
    click.option("--date", metavar="RFC3339", help="Start after this cursor."),
)


@contacts.command("list")
@listing_options
@page_options
@api_command
def list_(
    session: ApiSession,
    filter_text: str,
    assigned: int | None,
    ascending: bool,
    order: Order,
    date: str | None,
    limit: int | None,
    page: int,
    walk: bool,
) -> None:
    """List contacts: one page, or every one with --all."""
    options: Any = {
        "filter": filter_text,
        "assigned": assigned,
        "ascending": ascending,
        "order": order,
        "date": date,
    }
    with session.client() as client:
        if walk:
            if page:
                raise click.UsageError("--page applies to one page, not to --all")
            pager = client.contacts.list(limit=limit or 100, **options)
            session.show_stream(pager, columns=CONTACT_COLUMNS)
        else:
            found = client.contacts.list_page(limit=limit, page=page, **options)
            session.show(found, columns=CONTACT_COLUMNS)


@contacts.command("count")
@listing_options
@api_command
def count(
    session: ApiSession,
    filter_text: str,
    assigned: int | None,
    ascending: bool,
    order: Order,
    date: str | None,
) -> None:
    """Count the contacts the same options as `contacts list` select."""
    with session.client() as client:
        total = client.contacts.count(
            filter=filter_text, assigned=assigned, ascending=ascending, order=order, date=date
        )
    session.show(total)


@contacts.command("create")
@write_options
@api_command
def create(session: ApiSession, **values: Any) -> None:
    """Create a contact (--phone is required); prints its id, rev and uuid."""
    fields = contact_fields(values)
    if "phone" not in fields:
        raise click.UsageError("--phone is required")
    with session.client() as client:
        session.show(client.contacts.create(**fields))


@contacts.command("update")
@click.argument("contact_id", type=int)
@write_options
@click.option(
    "--remove-custom",
    multiple=True,
    metavar="FIELD_ID",
    help="Remove a custom value; repeat for more.",
)
@click.option("--clear-tags", is_flag=True, help="Take every tag off the contact.")
@click.option("--overwrite", is_flag=True, help="--custom replaces all custom values.")
@click.option("--if-match", type=int, metavar="REV", help="Write only at this revision.")
@api_command
def update(
    session: ApiSession, contact_id: int, overwrite: bool, if_match: int | None, **values: Any
) -> None:
    """Change the fields given; the others stay. Without --phone the current phone is kept."""
    fields = contact_fields(values)
    with session.client() as client:
        if "phone" not in fields:
            fields["phone"] = client.contacts.get(contact_id).phone
        ref = client.contacts.update(contact_id, overwrite=overwrite, if_match=if_match, **fields)
        session.show(ref)


@contacts.command("delete")
@click.argument("contact_id", type=int)
@click.option("--if-match", type=int, metavar="REV", help="Delete only at this revision.")
@api_command
def delete(session: ApiSession, contact_id: int, if_match: int | None) -> None:
    """Delete a contact, its channels and notes."""
    with session.client() as client:
        client.contacts.delete(contact_id, if_match=if_match)
    session.done(f"deleted contact {contact_id}")


@contacts.command("status")
@click.argument("contact_id", type=int, required=False)
@click.option("--phone", help="Name the contact by phone instead of id.")
@click.option("--set", "new_status", type=click.Choice(STATUSES), help="Change the status first.")
@click.option("--if-match", type=int, metavar="REV", help="With --set: only at this revision.")
@api_command
def status(
    session: ApiSession,
    contact_id: int | None,
    phone: str | None,
    new_status: Status | None,
    if_match: int | None,
) -> None:
    """Print a contact's opt-out and block status; --set changes it first."""
    if (contact_id is None) == (phone is None):
        raise click.UsageError("give a CONTACT_ID or --phone, one of them")
    with session.client() as client:
        if new_status is not None:
            client.contacts.set_status(new_status, id=contact_id, phone=phone, if_match=if_match)
        session.show(client.contacts.status(id=contact_id, phone=phone))


contacts.add_command(import_contacts)
contacts.add_command(export_contacts)
