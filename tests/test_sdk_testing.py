"""``heymarket_contacts.testing.LocalServer``: the in-process server users test against."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from heymarket_contacts import (
    APIConnectionError,
    AsyncClient,
    Client,
    NotFoundError,
    RateLimitError,
)
from heymarket_contacts.testing import LocalServer
from sdk_support import collect, run


@pytest.fixture
def local() -> Iterator[LocalServer]:
    with LocalServer() as server:
        yield server


def test_a_sync_client_talks_to_the_real_app(local: LocalServer) -> None:
    with local.client() as client:
        ref = client.contacts.create(phone="+15105550100", first="Ada")
        contact = client.contacts.get(ref.id)
        assert (contact.phone, contact.display_name) == ("15105550100", "Ada")
        assert client.team.get().id == local.team.team_id
        with pytest.raises(NotFoundError):
            client.contacts.get(ref.id + 1)


@pytest.mark.anyio
async def test_an_async_client_talks_to_the_same_server(local: LocalServer) -> None:
    with local.client() as client:
        made = client.contacts.create(phone="15105550101")
    async with local.async_client() as async_client:
        assert isinstance(async_client, AsyncClient)
        assert [c.id for c in await collect(async_client.contacts.list())] == [made.id]
        ref = await async_client.contacts.create(phone="15105550102")
        assert (await async_client.contacts.get(ref.id)).phone == "15105550102"


def test_each_server_has_a_fresh_database() -> None:
    with LocalServer() as first, first.client() as client:
        client.contacts.create(phone="15105550103")
        assert client.contacts.count() == 1
    with LocalServer() as second, second.client() as client:
        assert client.contacts.count() == 0


def test_teams_users_and_inboxes_can_be_added(local: LocalServer) -> None:
    other = local.new_team("Rivals")
    assert other.team_id != local.team.team_id
    with local.client() as mine, local.client(team=other) as theirs:
        ref = mine.contacts.create(phone="15105550104")
        with pytest.raises(NotFoundError):
            theirs.contacts.get(ref.id)
        user_id = local.add_user("Ines", last_name="Ruiz", phone="15105550199", role_id=2)
        inbox_id = local.add_inbox("Support", member_ids=[user_id])
        assert [(u.name, u.role_id) for u in mine.users.get(phone=["15105550199"])] == [
            ("Ines Ruiz", 2)
        ]
        assert [(i.id, i.members) for i in mine.inboxes.list() if i.name == "Support"] == [
            (inbox_id, [user_id])
        ]
        assert [i.name for i in theirs.inboxes.list()] == ["Main inbox"]


def test_the_rate_limit_can_be_set() -> None:
    with LocalServer(rate_limit=2) as server, server.client(max_retries=0) as client:
        client.team.get()
        client.team.get()
        with pytest.raises(RateLimitError) as raised:
            client.team.get()
        assert raised.value.retry_after is not None


def test_a_closed_server_refuses_connections() -> None:
    server = LocalServer().start()
    client = server.client(max_retries=0)
    assert client.team.get().id == server.team.team_id
    server.close()
    with pytest.raises(APIConnectionError, match="closed"):
        client.team.get()
    client.close()


def test_a_server_that_was_never_started_says_so() -> None:
    with pytest.raises(RuntimeError, match="not started"):
        LocalServer().client()


@pytest.mark.anyio
async def test_it_runs_on_a_given_database(database_url: str) -> None:
    with LocalServer(database=database_url) as server:
        with server.client() as client:
            ref = client.contacts.create(phone="15105550105")
        async with server.async_client() as async_client:
            assert (await run(async_client.contacts.get(ref.id))).id == ref.id
        assert isinstance(client, Client)
