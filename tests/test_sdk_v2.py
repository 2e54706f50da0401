"""``client.v2`` of both clients against the real server, on both databases; and its retries
after lost answers (the answers of a real server thrown away, as a reset connection would)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from heymarket_contacts import (
    APIConnectionError,
    BadRequestError,
    ChannelValues,
    ChannelWrite,
    ConflictError,
    ContactChannel,
    ContactRef,
    ContactsV2Written,
    ContactV2,
    ContactV2Item,
    ContactV2Write,
    NotFoundError,
    PreconditionFailedError,
)
from sdk_support import AnyClient, Sleeps, collect, collect_pages, run, server_client
from support import RunningServer, TeamCredentials, unique_phone
from test_sdk_lost_answers import LosingTransport

pytestmark = pytest.mark.anyio


def losing(flavour: str, server: RunningServer, team: TeamCredentials, transport: Any) -> Any:
    return server_client(flavour, server, team, transport=transport, sleeps=Sleeps())


def email() -> str:
    return f"sdk{unique_phone()}@example.com"


def held(contact: ContactV2) -> list[tuple[str, str, bool]]:
    return [(c.channel_type, c.channel_id, c.is_primary) for c in contact.contact_channels]


async def test_create_get_update_delete(client: AnyClient, team: TeamCredentials) -> None:
    address = email()
    ref = await run(
        client.v2.contacts.create(
            first="Ada",
            contact_channels=[ChannelWrite(channel_type="email", channel_id=address),
                              {"channel_type": "whatsapp", "channel_id": "ada",
                               "channel_handle": "@ada"}],
        )
    )  # fmt: skip
    assert isinstance(ref, ContactRef)
    contact = await run(client.v2.contacts.get(ref.uuid))
    assert isinstance(contact, ContactV2)
    assert all(isinstance(c, ContactChannel) for c in contact.contact_channels)
    v1 = await run(client.contacts.get(ref.id))
    as_v1 = msgspec.to_builtins(contact)
    del as_v1["contact_channels"]
    assert as_v1 == msgspec.to_builtins(v1)
    assert (contact.team_id, contact.phone, contact.type) == (team.team_id, "", "email")
    assert held(contact) == [("email", address, True), ("whatsapp", "ada", True)]
    assert contact.contact_channels[1].channel_handle == "@ada"

    phone = unique_phone()
    updated = await run(client.v2.contacts.update(ref.uuid, phone=f"+{phone}", last="L"))
    assert (updated.rev, updated.phone, updated.display_name) == (2, phone, "Ada L")
    assert updated == await run(client.v2.contacts.get(ref.uuid))
    with pytest.raises(PreconditionFailedError):
        await run(client.v2.contacts.update(ref.uuid, first="B", if_match=1))
    replaced = await run(
        client.v2.contacts.update(
            ref.uuid, ContactV2Write(contact_channels=[ChannelWrite(channel_type="phone",
                                                                    channel_id=phone)])
        )
    )  # fmt: skip
    assert held(replaced) == [("phone", phone, True)]

    assert await run(client.v2.contacts.delete(ref.uuid, if_match=3)) is None
    with pytest.raises(NotFoundError):
        await run(client.v2.contacts.get(ref.uuid))


async def test_channels(client: AnyClient) -> None:
    first, second, third = unique_phone(), unique_phone(), unique_phone()
    ref = await run(client.v2.contacts.create(phone=first))
    added = await run(client.v2.channels.add(ref.uuid, "phone", second, channel_handle="work"))
    assert [(c.channel_id, c.is_primary, c.channel_handle) for c in added] == [
        (first, True, ""), (second, False, "work"),
    ]  # fmt: skip
    replaced = await run(client.v2.channels.replace(ref.uuid, "phone", third))
    assert [(c.channel_id, c.is_primary) for c in replaced] == [(third, True), (second, False)]
    assert await run(client.v2.channels.list(ref.uuid)) == replaced
    assert await run(client.v2.channels.get(ref.uuid, "phone")) == replaced[0]
    assert await run(client.v2.channels.delete(ref.uuid, "phone")) is None
    assert (await run(client.contacts.get(ref.id))).phone == second
    with pytest.raises(BadRequestError):
        await run(client.v2.channels.delete(ref.uuid, "phone"))
    with pytest.raises(NotFoundError):
        await run(client.v2.channels.get(ref.uuid, "email"))


async def test_a_clash_names_the_contact_that_holds_the_value(client: AnyClient) -> None:
    phone = unique_phone()
    holder = await run(client.contacts.create(phone=phone))
    ref = await run(client.v2.contacts.create(email=email()))
    for call in (
        lambda: client.v2.contacts.create(phone=phone),
        lambda: client.v2.channels.add(ref.uuid, "phone", phone),
    ):
        with pytest.raises(ConflictError) as raised:
            await run(call())
        assert (raised.value.existing_id, raised.value.existing_uuid) == (holder.id, holder.uuid)
        assert raised.value.field in ("phone", "channel_id")


async def test_bulk_write_and_delete(client: AnyClient) -> None:
    existing = await run(client.v2.contacts.create(phone=unique_phone(), first="Old"))
    phone = unique_phone()
    written = await run(
        client.v2.contacts.bulk_write(
            [ContactV2Item(phone=phone), {"contact_id": existing.uuid, "first": "New"},
             {"phone": "1"}]
        )
    )  # fmt: skip
    assert isinstance(written, ContactsV2Written)
    assert [(c.uuid, c.first) for c in written.contacts] == [
        (written.contacts[0].uuid, ""), (existing.uuid, "New"),
    ]  # fmt: skip
    assert written.contacts[0].phone == phone
    assert [(f.index, f.contact, f.error.error) for f in written.failed_contacts] == [
        (2, {"phone": "1"}, "bad_data")
    ]
    uuids = [contact.uuid for contact in written.contacts]
    with pytest.raises(NotFoundError):
        await run(client.v2.contacts.bulk_delete([*uuids, "00000000-0000-4000-8000-000000000000"]))
    assert await run(client.v2.contacts.bulk_delete(uuids)) is None
    assert await run(client.contacts.count()) == 0


async def test_list_and_search(client: AnyClient) -> None:
    phones = [unique_phone() for _ in range(3)]
    refs = [await run(client.v2.contacts.create(phone=phone)) for phone in phones]
    walked = await collect(client.v2.contacts.list(limit=2, ascending=True))
    assert [c.id for c in walked] == [ref.id for ref in refs]
    assert [len(page) for page in await collect_pages(client.v2.contacts.list(limit=2))] == [2, 1]
    page = await run(client.v2.contacts.list_page(limit=1, page=1))
    assert [c.id for c in page] == [refs[1].id]

    found = await run(client.v2.contacts.search([f"+{phones[2]}", unique_phone(), phones[0]]))
    assert [c.id for c in found] == [refs[2].id, refs[0].id]
    group = ChannelValues(channel_type="phone", channel_ids=[phones[1]])
    assert [c.id for c in await run(client.v2.contacts.search(groups=[group]))] == [refs[1].id]
    assert await run(client.v2.contacts.search([phones[1]], channel_type="whatsapp")) == []
    with pytest.raises(BadRequestError) as raised:
        await run(client.v2.contacts.search(["neither"]))
    assert raised.value.field == "contact_channels[0].channel_ids[0]"


async def test_wrong_arguments_are_refused_before_sending(client: AnyClient) -> None:
    with pytest.raises(TypeError):
        await run(client.v2.contacts.search("15105550000"))
    with pytest.raises(TypeError):
        await run(client.v2.contacts.get(5))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not both"):
        await run(client.v2.contacts.create(ContactV2Write(phone="15105550000"), first="A"))
    with pytest.raises(TypeError):
        await run(client.v2.contacts.create(phone="15105550000", colour="blue"))  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        await run(client.v2.contacts.bulk_delete([5]))  # type: ignore[list-item]
    with pytest.raises(NotFoundError):
        await run(client.v2.contacts.get("1"))


# --- retries after lost answers -----------------------------------------------------------------


async def test_a_create_whose_answer_was_lost_answers_the_contact_it_made(
    flavour: str, server: RunningServer, team: TeamCredentials, client: AnyClient
) -> None:
    phone, address = unique_phone(), email()
    transport = LosingTransport(lose=1)
    async with losing(flavour, server, team, transport) as api:
        ref = await run(api.v2.contacts.create(
            phone=phone, contact_channels=[{"channel_type": "email", "channel_id": address.upper()}]
        ))  # fmt: skip
    assert transport.sent == ["POST /v2/contact"] * 2 + [f"GET /v2/contact/{ref.uuid}"]
    [found] = await run(client.v2.contacts.search([phone]))
    assert ref == ContactRef(id=found.id, rev=1, uuid=found.uuid)


async def test_a_lost_create_that_meets_another_contacts_value_raises(
    flavour: str, server: RunningServer, team: TeamCredentials, client: AnyClient
) -> None:
    """The retry meets a contact that does not hold every value sent: not the lost one's."""
    phone = unique_phone()
    other = await run(client.v2.contacts.create(phone=phone))
    transport = LosingTransport(lose=1)
    async with losing(flavour, server, team, transport) as api:
        with pytest.raises(ConflictError) as raised:
            await run(api.v2.contacts.create(phone=unique_phone(), contact_channels=[
                {"channel_type": "phone", "channel_id": phone}]))  # fmt: skip
    assert raised.value.existing_uuid == other.uuid
    assert transport.sent == ["POST /v2/contact"] * 2 + [f"GET /v2/contact/{other.uuid}"]


async def test_a_bulk_write_whose_answer_was_lost_is_not_sent_again(
    flavour: str, server: RunningServer, team: TeamCredentials, client: AnyClient
) -> None:
    transport = LosingTransport(lose=1)
    async with losing(flavour, server, team, transport) as api:
        with pytest.raises(APIConnectionError, match="after 1 attempt"):
            await run(api.v2.contacts.bulk_write([{"phone": unique_phone()}]))
    assert transport.sent == ["POST /v2/contacts"]
    assert await run(client.contacts.count()) == 1


async def test_a_channel_delete_whose_answer_was_lost_is_not_sent_again(
    flavour: str, server: RunningServer, team: TeamCredentials, client: AnyClient
) -> None:
    first, second = unique_phone(), unique_phone()
    ref = await run(client.v2.contacts.create(phone=first))
    await run(client.v2.channels.add(ref.uuid, "phone", second))
    transport = LosingTransport(lose=1)
    async with losing(flavour, server, team, transport) as api:
        with pytest.raises(APIConnectionError):
            await run(api.v2.channels.delete(ref.uuid, "phone"))
    assert [c.channel_id for c in await run(client.v2.channels.list(ref.uuid))] == [second]


async def test_deletes_whose_answers_were_lost_succeed(
    flavour: str, server: RunningServer, team: TeamCredentials, client: AnyClient
) -> None:
    one = await run(client.v2.contacts.create(phone=unique_phone()))
    two = await run(client.v2.contacts.create(phone=unique_phone()))
    for call in (
        lambda api: api.v2.contacts.delete(one.uuid),
        lambda api: api.v2.contacts.bulk_delete([two.uuid]),
    ):
        transport = LosingTransport(lose=1)
        async with losing(flavour, server, team, transport) as api:
            assert await run(call(api)) is None
        assert len(transport.sent) == 2
    assert await run(client.contacts.count()) == 0
