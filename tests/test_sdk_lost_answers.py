"""A retry never duplicates a record: requests reach the real server, their answers get lost.

``LosingTransport`` sends each request on to the server over a real socket and then, for the
first ``lose`` requests, throws the answer away and raises a read error, as a connection reset
after the server acted would. ``refuse`` fails the first requests before they are sent.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from heymarket_contacts import APIConnectionError, ConflictError, ContactRef, NotFoundError
from sdk_support import AnyClient, Sleeps, run, server_client
from support import RunningServer, TeamCredentials, unique_phone

pytestmark = pytest.mark.anyio


class LosingTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    def __init__(self, *, lose: int = 0, refuse: int = 0) -> None:
        self.lose = lose
        self.refuse = refuse
        self.sent: list[str] = []
        self._sync = httpx.HTTPTransport()
        self._async = httpx.AsyncHTTPTransport()

    def _before(self, request: httpx.Request) -> None:
        if self.refuse:
            self.refuse -= 1
            raise httpx.ConnectError("connection refused", request=request)
        self.sent.append(f"{request.method} {request.url.path}")

    def _after(self, request: httpx.Request) -> None:
        if self.lose:
            self.lose -= 1
            raise httpx.ReadError("connection reset by peer", request=request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._before(request)
        response = self._sync.handle_request(request)
        response.read()
        self._after(request)
        return response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._before(request)
        response = await self._async.handle_async_request(request)
        await response.aread()
        self._after(request)
        return response

    def close(self) -> None:
        self._sync.close()

    async def aclose(self) -> None:
        await self._async.aclose()


def losing(flavour: str, server: RunningServer, team: TeamCredentials, transport: Any) -> Any:
    return server_client(flavour, server, team, transport=transport, sleeps=Sleeps())


async def test_a_create_whose_answer_was_lost_answers_the_contact_it_made(
    flavour: str, server: RunningServer, team: TeamCredentials, client: AnyClient
) -> None:
    phone = unique_phone()
    transport = LosingTransport(lose=1)
    async with losing(flavour, server, team, transport) as api:
        ref = await run(api.contacts.create(phone=phone, first="Once"))
    assert transport.sent == ["POST /v1/contact", "POST /v1/contact", f"GET /v1/contact/{ref.id}"]
    contact = await run(client.contacts.find(phone=phone))
    assert ref == ContactRef(id=contact.id, rev=1, uuid=contact.uuid)
    assert await run(client.contacts.count(filter=phone)) == 1


async def test_a_create_that_never_left_is_retried_and_made_once(
    flavour: str, server: RunningServer, team: TeamCredentials, client: AnyClient
) -> None:
    phone = unique_phone()
    transport = LosingTransport(refuse=2)
    async with losing(flavour, server, team, transport) as api:
        ref = await run(api.contacts.create(phone=phone))
    assert transport.sent == ["POST /v1/contact"]
    assert (await run(client.contacts.find(phone=phone))).id == ref.id


async def test_a_create_that_meets_a_conflict_without_a_lost_answer_raises(
    flavour: str, server: RunningServer, team: TeamCredentials, client: AnyClient
) -> None:
    phone = unique_phone()
    await run(client.contacts.create(phone=phone))
    transport = LosingTransport(refuse=1)  # never sent: nothing of ours can exist
    async with losing(flavour, server, team, transport) as api:
        with pytest.raises(ConflictError):
            await run(api.contacts.create(phone=phone))


async def test_a_note_whose_answer_was_lost_is_not_sent_again(
    flavour: str, server: RunningServer, team: TeamCredentials, client: AnyClient
) -> None:
    ref = await run(client.contacts.create(phone=unique_phone()))
    transport = LosingTransport(lose=1)
    async with losing(flavour, server, team, transport) as api:
        with pytest.raises(APIConnectionError, match="after 1 attempt"):
            await run(api.notes.create(ref.id, "Only once"))
    assert [note.text for note in (await run(client.contacts.get(ref.id))).note] == ["Only once"]


async def test_a_note_that_never_left_is_retried_and_made_once(
    flavour: str, server: RunningServer, team: TeamCredentials, client: AnyClient
) -> None:
    ref = await run(client.contacts.create(phone=unique_phone()))
    async with losing(flavour, server, team, LosingTransport(refuse=1)) as api:
        note = await run(api.notes.create(ref.id, "Retried"))
    assert [n.id for n in (await run(client.contacts.get(ref.id))).note] == [note.id]


async def test_a_delete_whose_answer_was_lost_succeeds(
    flavour: str, server: RunningServer, team: TeamCredentials, client: AnyClient
) -> None:
    ref = await run(client.contacts.create(phone=unique_phone()))
    tag = await run(client.tags.create("Temporary"))
    for call, path in (
        (lambda api: api.contacts.delete(ref.id), f"/v1/contact/{ref.id}"),
        (lambda api: api.tags.delete(tag.id), f"/v1/tag/{tag.id}"),
    ):
        transport = LosingTransport(lose=1)
        async with losing(flavour, server, team, transport) as api:
            assert await run(call(api)) is None
        assert transport.sent == [f"DELETE {path}"] * 2
    with pytest.raises(NotFoundError):
        await run(client.contacts.get(ref.id))
    with pytest.raises(NotFoundError):
        await run(client.tags.get(tag.id))


async def test_a_batch_whose_answer_was_lost_writes_each_contact_once(
    flavour: str, server: RunningServer, team: TeamCredentials, client: AnyClient
) -> None:
    phones = [unique_phone() for _ in range(3)]
    async with losing(flavour, server, team, LosingTransport(lose=1)) as api:
        assert await run(api.contacts.batch([{"phone": phone} for phone in phones])) == []
    for phone in phones:
        assert await run(client.contacts.count(filter=phone)) == 1


async def test_fields_whose_answer_was_lost_are_made_once(
    flavour: str, server: RunningServer, team: TeamCredentials, client: AnyClient
) -> None:
    async with losing(flavour, server, team, LosingTransport(lose=1)) as api:
        answer = await run(api.contact_fields.create(["Plan"]))
    assert [(field.title, field.duplicate) for field in answer] == [("Plan", True)]
    assert [field.title for field in await run(client.contact_fields.list())] == ["Plan"]


async def test_a_tag_whose_answer_was_lost_is_made_once_and_named_by_the_conflict(
    flavour: str, server: RunningServer, team: TeamCredentials, client: AnyClient
) -> None:
    async with losing(flavour, server, team, LosingTransport(lose=1)) as api:
        with pytest.raises(ConflictError) as raised:
            await run(api.tags.create("Once"))
    assert [tag.id for tag in await run(client.tags.list_page())] == [raised.value.existing_id]
