"""Tags, custom fields, the team, inboxes and users through both clients, on both databases."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from heymarket_contacts import (
    AsyncPager,
    BadRequestError,
    ConflictError,
    ContactField,
    FieldCreated,
    Inbox,
    Membership,
    NotFoundError,
    TagCreated,
    TagDetail,
    Team,
    UserUpdate,
)
from heymarket_contacts.server.service.admin import AdminService
from sdk_support import AnyClient, collect, collect_pages, run, server_client
from support import RunningServer, TeamCredentials, TeamFactory, unique_phone

pytestmark = pytest.mark.anyio


async def test_tags_create_get_list_delete(client: AnyClient, team: TeamCredentials) -> None:
    made = await run(client.tags.create("Gold", color="#ffcc00"))
    assert isinstance(made, TagCreated)
    tag = await run(client.tags.get(made.id))
    assert isinstance(tag, TagDetail)
    assert (tag.id, tag.tag, tag.color, tag.team_id, tag.rev) == (
        made.id,
        "Gold",
        "#ffcc00",
        team.team_id,
        1,
    )
    with pytest.raises(ConflictError) as raised:
        await run(client.tags.create("gold"))
    assert raised.value.existing_id == made.id
    with pytest.raises(BadRequestError) as bad:
        await run(client.tags.create("Red", color="not a color!"))
    assert bad.value.field == "color"

    ref = await run(client.contacts.create(phone=unique_phone(), tags=[made.id]))
    await run(client.tags.delete(made.id))
    assert (await run(client.contacts.get(ref.id))).tags == []
    with pytest.raises(NotFoundError):
        await run(client.tags.get(made.id))


async def test_tags_list_walks_past_the_thirty_a_call(client: AnyClient) -> None:
    made = [(await run(client.tags.create(f"T{index:02d}"))).id for index in range(33)]
    walked = await collect(client.tags.list())
    assert [tag.id for tag in walked] == made[::-1]
    pages = await collect_pages(client.tags.list())
    assert [len(page) for page in pages] == [30, 3]
    first_page = await run(client.tags.list_page())
    assert [tag.id for tag in first_page] == made[::-1][:30]
    assert [tag.id for tag in await run(client.tags.list_page(date=first_page[-1].updated))] == (
        made[::-1][30:]
    )
    assert [tag.id for tag in await collect(client.tags.list(date=walked[29].updated))] == (
        made[:3][::-1]
    )


async def test_custom_fields_are_made_once_per_title(client: AnyClient) -> None:
    assert await run(client.contact_fields.list()) == []
    made = await run(client.contact_fields.create(["Plan", "Region"]))
    assert all(isinstance(field, FieldCreated) for field in made)
    again = await run(client.contact_fields.create(["plan", "Source"]))
    assert [(f.title, f.duplicate) for f in again] == [("Plan", True), ("Source", False)]
    assert again[0].id == made[0].id
    listed = await run(client.contact_fields.list())
    assert listed == [
        ContactField(id=made[0].id, title="Plan"),
        ContactField(id=made[1].id, title="Region"),
        ContactField(id=again[1].id, title="Source"),
    ]
    with pytest.raises(BadRequestError) as raised:
        await run(client.contact_fields.create(["  "]))
    assert raised.value.field == "[0].title"


async def test_team_and_inboxes(
    client: AnyClient, team: TeamCredentials, admin: AdminService
) -> None:
    answer = await run(client.team.get())
    assert isinstance(answer, Team)
    assert answer.id == team.team_id
    assert [member.role for member in answer.members] == ["owner"]
    user = admin.create_user(team.team_id, first_name="Ines", email="ines@example.com")
    inbox = admin.create_inbox(team.team_id, name="Support", member_ids=[user.id])
    inboxes = await run(client.inboxes.list())
    assert all(isinstance(item, Inbox) for item in inboxes)
    assert [(i.id, i.name, i.team, i.members) for i in inboxes] == [
        (inbox.id, "Support", team.team_id, [user.id])
    ]


async def test_users_get_and_update(
    client: AnyClient, team: TeamCredentials, admin: AdminService
) -> None:
    phone = unique_phone()
    user = admin.create_user(team.team_id, first_name="Ines", last_name="Ruiz", phone=phone)
    admin.create_user(team.team_id, first_name="Jon", email="jon@example.com")
    everyone = await run(client.users.get())
    assert all(isinstance(member, Membership) for member in everyone)
    assert len(everyone) == 3
    found = await run(client.users.get(phone=[f"+{phone}"]))
    assert [(m.id, m.name, m.phone) for m in found] == [(user.id, "Ines Ruiz", phone)]
    assert [m.name for m in await run(client.users.get(email=["JON@example.com"]))] == ["Jon"]

    updated = await run(client.users.update([UserUpdate(id=user.id, last_name="Roe", role_id=2)]))
    assert [(m.name, m.role_id) for m in updated if m.id == user.id] == [("Ines Roe", 2)]
    with pytest.raises(NotFoundError):
        await run(client.users.update([UserUpdate(id=10**12)]))


async def test_another_teams_tag_is_not_found(
    flavour: str, server: RunningServer, make_team: TeamFactory, client: AnyClient
) -> None:
    made = await run(client.tags.create("Mine"))
    async with server_client(flavour, server, make_team("Other")) as other:
        with pytest.raises(NotFoundError):
            await run(other.tags.get(made.id))
        assert await collect(other.tags.list()) == []


async def test_list_fetches_a_page_only_when_the_iteration_reaches_it(
    flavour: str, server: RunningServer, team: TeamCredentials
) -> None:
    sent: list[str] = []

    def count(request: httpx.Request) -> None:
        sent.append(request.url.path)

    async with server_client(flavour, server, team, event_hooks={"request": [count]}) as client:
        for _ in range(5):
            await run(client.contacts.create(phone=unique_phone()))
        sent.clear()
        pager = client.contacts.list(limit=2)
        assert sent == []
        assert (await first_item(pager)).id > 0
        assert sent == ["/v1/contacts"]
        rest = await collect(client.contacts.list(limit=2))
        assert len(rest) == 5
        assert sent == ["/v1/contacts"] * 5  # the first call above, then 3 pages and the empty one


async def first_item(pager: Any) -> Any:
    """The first item of a walk, leaving the rest unfetched."""
    if isinstance(pager, AsyncPager):
        walk = pager.__aiter__()
        try:
            return await anext(walk)
        finally:
            await walk.aclose()
    return next(iter(pager))
