"""Client commands for tags, custom fields, notes, inboxes, users and the team, over the SDK."""

from __future__ import annotations

from typing import Literal, cast

import click

from ..models import UserUpdate
from .api_session import ApiSession, api_command
from .options import non_empty

__all__ = ["fields", "inboxes", "notes", "tags", "team_get", "users"]

TAG_COLUMNS = ["id", "tag", "color", "updated"]
USER_COLUMNS = ["id", "name", "email", "phone", "role_id"]
INBOX_COLUMNS = ["id", "name", "phone", "members"]


@click.group()
def tags() -> None:
    """Tags, through the API."""


@tags.command("list")
@click.option("--all", "walk", is_flag=True, help="Every tag (default: one page of 30).")
@click.option("--date", metavar="RFC3339", help="Tags updated before this, newest first.")
@api_command
def tags_list(session: ApiSession, walk: bool, date: str | None) -> None:
    """List the team's tags, newest first."""
    with session.client() as client:
        if walk:
            session.show_stream(client.tags.list(date=date), columns=TAG_COLUMNS)
        else:
            session.show(client.tags.list_page(date=date), columns=TAG_COLUMNS)


@tags.command("get")
@click.argument("tag_id", type=int)
@api_command
def tags_get(session: ApiSession, tag_id: int) -> None:
    """Print a tag."""
    with session.client() as client:
        session.show(client.tags.get(tag_id))


@tags.command("create")
@click.argument("label")
@click.option("--color", default="", help="A hex color (#rrggbb) or a color name.")
@api_command
def tags_create(session: ApiSession, label: str, color: str) -> None:
    """Create a tag; a label the team has already is refused (409)."""
    with session.client() as client:
        session.show(client.tags.create(label, color=color))


@tags.command("delete")
@click.argument("tag_id", type=int)
@api_command
def tags_delete(session: ApiSession, tag_id: int) -> None:
    """Delete a tag; it leaves every contact that had it."""
    with session.client() as client:
        client.tags.delete(tag_id)
    session.done(f"deleted tag {tag_id}")


@click.group()
def fields() -> None:
    """Custom contact fields, through the API."""


@fields.command("list")
@api_command
def fields_list(session: ApiSession) -> None:
    """List the team's custom fields (their ids key a contact's custom values)."""
    with session.client() as client:
        session.show(client.contact_fields.list(), columns=["id", "title"])


@fields.command("create")
@click.argument("titles", nargs=-1, required=True)
@api_command
def fields_create(session: ApiSession, titles: tuple[str, ...]) -> None:
    """Make a custom field per title the team does not have yet."""
    with session.client() as client:
        made = client.contact_fields.create(titles)
    session.show(made, columns=["id", "title", "duplicate"])


@click.group()
def notes() -> None:
    """Notes on contacts, through the API."""


@notes.command("add")
@click.argument("contact_id", type=int)
@click.argument("text")
@click.option("--user", "user_id", type=int, help="The author (default: the secret's owner).")
@api_command
def notes_add(session: ApiSession, contact_id: int, text: str, user_id: int | None) -> None:
    """Add a note to a contact."""
    with session.client() as client:
        session.show(client.notes.create(contact_id, text, user_id=user_id))


@notes.command("delete")
@click.argument("contact_id", type=int)
@click.argument("note_id", callback=non_empty)
@api_command
def notes_delete(session: ApiSession, contact_id: int, note_id: str) -> None:
    """Delete a note of a contact."""
    with session.client() as client:
        client.notes.delete(contact_id, note_id)
    session.done(f"deleted note {note_id}")


@click.group()
def inboxes() -> None:
    """Inboxes, through the API."""


@inboxes.command("list")
@api_command
def inboxes_list(session: ApiSession) -> None:
    """List the team's inboxes."""
    with session.client() as client:
        session.show(client.inboxes.list(), columns=INBOX_COLUMNS)


@click.group()
def users() -> None:
    """The team's users, through the API (the operator makes them)."""


@users.command("list")
@click.option("--phone", multiple=True, help="Only users with this phone; repeat for more.")
@click.option("--email", multiple=True, help="Only users with this email; repeat for more.")
@api_command
def users_list(session: ApiSession, phone: tuple[str, ...], email: tuple[str, ...]) -> None:
    """List the team's users (all of them, or those with these phones or emails)."""
    with session.client() as client:
        session.show(client.users.get(phone=phone, email=email), columns=USER_COLUMNS)


@users.command("update")
@click.argument("user_id", type=int)
@click.option("--first-name")
@click.option("--last-name")
@click.option("--role-id", type=click.Choice(["1", "2", "3"]), help="1 owner, 2 admin, 3 member.")
@api_command
def users_update(
    session: ApiSession,
    user_id: int,
    first_name: str | None,
    last_name: str | None,
    role_id: str | None,
) -> None:
    """Change a user's name or role."""
    change = UserUpdate(id=user_id)
    if first_name is not None:
        change.first_name = first_name
    if last_name is not None:
        change.last_name = last_name
    if role_id is not None:
        change.role_id = cast("Literal[1, 2, 3]", int(role_id))
    with session.client() as client:
        updated = client.users.update([change])
    session.show([user for user in updated if user.id == user_id], columns=USER_COLUMNS)


@click.command("get")
@api_command
def team_get(session: ApiSession) -> None:
    """Print the team of the API secret, through the API."""
    with session.client() as client:
        session.show(client.team.get())
