"""Admin commands for who and what a team has: ``user``, ``inbox`` and its legacy ``key``."""

from __future__ import annotations

import json

import click
import msgspec

from .admin import admin_service, echo, team_option, team_or_default
from .options import database_option, json_option

ROLES = ("owner", "admin", "member")
ID = click.IntRange(min=1, max=2**63 - 1)


@click.group()
def user() -> None:
    """Users of a team.

    Only this command makes users; the API finds them and changes their names and roles.
    """


@user.command("create")
@team_option
@click.option(
    "--name", required=True, help="The user's name: first word first name, the rest last."
)
@click.option("--email", default="", help="Email (name@domain).")
@click.option("--phone", default="", help="Phone, E.164 digits with an optional leading +.")
@click.option("--role", type=click.Choice(ROLES), default="member", show_default=True)
@database_option
@json_option
def user_create(
    team_id: int | None, name: str, email: str, phone: str, role: str, database: str | None,
    as_json: bool,
) -> None:  # fmt: skip
    """Create a user of a team."""
    with admin_service(database) as admin:
        from ..server.service.admin import ROLE_NAMES, split_name

        role_id = {text: number for number, text in ROLE_NAMES.items()}[role]
        first_name, last_name = split_name(name)
        made = admin.create_user(
            team_or_default(admin, team_id), first_name=first_name, last_name=last_name,
            email=email, phone=phone, role_id=role_id,
        )  # fmt: skip
    value = {
        "id": made.id, "name": made.name, "email": made.email, "phone": made.phone,
        "role_id": made.role_id, "team_id": made.team_id,
    }  # fmt: skip
    echo(value, as_json, f"created user {made.id} {made.name!r} ({role}) in team {made.team_id}")


@click.group()
def inbox() -> None:
    """Inboxes of a team."""


@inbox.command("create")
@team_option
@click.option("--name", required=True, help="The inbox's name.")
@click.option("--phone", default="", help="Its phone, E.164 digits with an optional leading +.")
@click.option(
    "--member", "member_ids", type=ID, multiple=True, metavar="USER_ID",
    help="A user of the team who works the inbox; repeat for several.",
)  # fmt: skip
@database_option
@json_option
def inbox_create(
    team_id: int | None, name: str, phone: str, member_ids: tuple[int, ...],
    database: str | None, as_json: bool,
) -> None:  # fmt: skip
    """Create an inbox; prints it as GET /v1/inboxes shows it."""
    with admin_service(database) as admin:
        from ..server.render import render_inbox

        made = admin.create_inbox(
            team_or_default(admin, team_id), name=name, phone=phone, member_ids=member_ids
        )
    value = msgspec.to_builtins(render_inbox(made))
    echo(value, as_json, f"created inbox {made.id} {made.name!r} in team {made.team_id}")


@click.group()
def key() -> None:
    """The legacy team API key (at most one per team).

    An API secret JWT is the recommended scheme; the key is for older integrations.
    """


@key.command("rotate")
@team_option
@database_option
@json_option
def key_rotate(team_id: int | None, database: str | None, as_json: bool) -> None:
    """Make a new team API key and print it, this once; the old key stops working at once."""
    with admin_service(database) as admin:
        made = admin.rotate_team_key(team_or_default(admin, team_id))
    if as_json:
        click.echo(json.dumps({"team_id": made.team_id, "key": made.key}))
        return
    click.echo(
        f"Team API key: {made.key}\nTeam:         {made.team_id}"
        "\nThe key is shown only now: store it safely. Any previous key no longer works."
    )


@key.command("revoke")
@team_option
@database_option
def key_revoke(team_id: int | None, database: str | None) -> None:
    """Remove the team's API key; requests that send it fail from the next one on."""
    with admin_service(database) as admin:
        team = team_or_default(admin, team_id)
        admin.revoke_team_key(team)
    click.echo(f"revoked the API key of team {team}")
