"""The contact calls of both clients against the real server, on both databases."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from checks import default_contact
from heymarket_contacts import (
    BadRequestError,
    BatchFailure,
    ConflictError,
    Contact,
    ContactRef,
    ContactStatus,
    ContactWrite,
    NotFoundError,
    PreconditionFailedError,
    TagRef,
)
from sdk_support import AnyClient, collect, collect_pages, run, server_client
from support import RunningServer, TeamCredentials, TeamFactory, unique_phone

pytestmark = pytest.mark.anyio


async def make_contacts(client: AnyClient, count: int, **fields: Any) -> list[int]:
    return [
        (await run(client.contacts.create(phone=unique_phone(), **fields))).id for _ in range(count)
    ]


async def test_create_get_update_delete(client: AnyClient, team: TeamCredentials) -> None:
    phone = unique_phone()
    ref = await run(client.contacts.create(phone=f"+{phone}", first="Grace", last="Hopper"))
    assert isinstance(ref, ContactRef)
    contact = await run(client.contacts.get(ref.id))
    assert isinstance(contact, Contact)
    assert msgspec.to_builtins(contact) == default_contact(
        {"id": ref.id, "uuid": ref.uuid, "phone": phone, "created": contact.created,
         "updated": contact.updated},
        team_id=team.team_id, creator_id=contact.creator_id, display_name="Grace Hopper",
        first="Grace", last="Hopper",
    )  # fmt: skip

    updated = await run(client.contacts.update(ref.id, phone=phone, email="grace@example.com"))
    assert (updated.id, updated.rev, updated.uuid) == (ref.id, 2, ref.uuid)
    assert (await run(client.contacts.get(ref.id))).email == "grace@example.com"

    assert await run(client.contacts.delete(ref.id)) is None
    with pytest.raises(NotFoundError) as raised:
        await run(client.contacts.get(ref.id))
    assert (raised.value.status, raised.value.code) == (404, "not_found")
    with pytest.raises(NotFoundError):
        await run(client.contacts.delete(ref.id))


async def test_a_write_model_or_keywords_not_both(client: AnyClient) -> None:
    write = ContactWrite(phone=unique_phone(), first="Ada", tags=[])
    ref = await run(client.contacts.create(write))
    assert (await run(client.contacts.get(ref.id))).first == "Ada"
    with pytest.raises(TypeError, match="not both"):
        await run(client.contacts.create(write, first="Bob"))
    with pytest.raises(TypeError):
        await run(client.contacts.create(phone=unique_phone(), favourite_colour="blue"))  # type: ignore[call-arg]


async def test_update_merges_or_replaces_custom_and_replaces_tags(client: AnyClient) -> None:
    plan, tier = await run(client.contact_fields.create(["Plan", "Tier"]))
    vip = await run(client.tags.create("VIP"))
    lead = await run(client.tags.create("Lead"))
    phone = unique_phone()
    ref = await run(
        client.contacts.create(phone=phone, custom={str(plan.id): "Gold"}, tags=[vip.id])
    )
    await run(
        client.contacts.update(
            ref.id, phone=phone, custom={str(tier.id): "2"}, tags=[TagRef(tag_id=lead.id)]
        )
    )
    contact = await run(client.contacts.get(ref.id))
    assert contact.custom == {str(plan.id): "Gold", str(tier.id): "2"}
    assert [tag.tag for tag in contact.tags] == ["Lead"]

    await run(client.contacts.update(ref.id, phone=phone, custom={str(plan.id): None}))
    assert (await run(client.contacts.get(ref.id))).custom == {str(tier.id): "2"}
    await run(
        client.contacts.update(ref.id, phone=phone, overwrite=True, custom={str(plan.id): "Silver"})
    )
    assert (await run(client.contacts.get(ref.id))).custom == {str(plan.id): "Silver"}


async def test_if_match_writes_only_at_that_revision(client: AnyClient) -> None:
    phone = unique_phone()
    ref = await run(client.contacts.create(phone=phone))
    with pytest.raises(PreconditionFailedError) as raised:
        await run(client.contacts.update(ref.id, phone=phone, first="X", if_match=7))
    assert raised.value.status == 412
    done = await run(client.contacts.update(ref.id, phone=phone, first="Y", if_match=ref.rev))
    assert done.rev == 2
    with pytest.raises(PreconditionFailedError):
        await run(client.contacts.set_status("blocked", id=ref.id, if_match=1))
    with pytest.raises(PreconditionFailedError):
        await run(client.contacts.delete(ref.id, if_match=1))
    await run(client.contacts.delete(ref.id, if_match=2))


async def test_duplicate_phone_is_a_conflict_naming_the_contact(client: AnyClient) -> None:
    phone = unique_phone()
    first = await run(client.contacts.create(phone=phone))
    with pytest.raises(ConflictError) as raised:
        await run(client.contacts.create(phone=phone))
    assert raised.value.existing_id == first.id


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        pytest.param({"phone": "12"}, "phone", id="short-phone"),
        pytest.param({"first": "x" * 256}, "first", id="long-name"),
        pytest.param({"tags": [1, 2, 3, 4, 5, 6]}, "tags", id="six-tags"),
        pytest.param({"custom": {"999999": "v"}}, "custom", id="unknown-field"),
    ],
)
async def test_bad_data_is_a_bad_request_naming_the_field(
    client: AnyClient, fields: dict[str, Any], field: str
) -> None:
    fields.setdefault("phone", unique_phone())
    with pytest.raises(BadRequestError) as raised:
        await run(client.contacts.create(**fields))
    assert raised.value.field is not None
    assert raised.value.field.startswith(field)


@pytest.mark.parametrize(
    "contact_id",
    [pytest.param("12", id="str"), pytest.param(True, id="bool"), pytest.param(1.0, id="float")],
)
async def test_a_non_integer_id_is_refused_before_sending(
    client: AnyClient, contact_id: Any
) -> None:
    with pytest.raises(TypeError, match="contact_id"):
        await run(client.contacts.get(contact_id))


async def test_another_teams_contact_is_not_found(
    flavour: str, server: RunningServer, make_team: TeamFactory, client: AnyClient
) -> None:
    ref = await run(client.contacts.create(phone=unique_phone()))
    async with server_client(flavour, server, make_team("Other")) as other:
        with pytest.raises(NotFoundError):
            await run(other.contacts.get(ref.id))
        with pytest.raises(NotFoundError):
            await run(other.contacts.delete(ref.id))
    assert (await run(client.contacts.get(ref.id))).id == ref.id


async def test_find_status_and_set_status(client: AnyClient) -> None:
    phone = unique_phone()
    ref = await run(client.contacts.create(phone=phone))
    assert (await run(client.contacts.find(phone=f"+{phone}"))).id == ref.id
    assert (await run(client.contacts.find(id=ref.id))).phone == phone
    with pytest.raises(TypeError):
        await run(client.contacts.find(id=ref.id, phone=phone))
    with pytest.raises(TypeError):
        await run(client.contacts.find())
    assert await run(client.contacts.status(id=ref.id)) == ContactStatus(
        id=ref.id, phone=phone, unsubscribed=False, blocked=False
    )
    await run(client.contacts.set_status("unsubscribed", phone=phone))
    await run(client.contacts.set_status("blocked", id=ref.id))
    assert await run(client.contacts.status(phone=phone)) == ContactStatus(
        id=ref.id, phone=phone, unsubscribed=True, blocked=True
    )
    contact = await run(client.contacts.get(ref.id))
    assert (contact.rev, contact.op, contact.is_opted_out) == (3, "status", True)
    await run(client.contacts.set_status("active", id=ref.id))
    assert await run(client.contacts.status(id=ref.id)) == ContactStatus(
        id=ref.id, phone=phone, unsubscribed=False, blocked=False
    )


async def test_list_walks_every_contact_lazily_in_each_order(client: AnyClient) -> None:
    ids = await make_contacts(client, 7, first="Walker")
    newest_first = await collect(client.contacts.list(limit=3, filter="walker"))
    assert [contact.id for contact in newest_first] == ids[::-1]
    oldest_first = await collect(client.contacts.list(limit=3, ascending=True, filter="walker"))
    assert [contact.id for contact in oldest_first] == ids
    # A write moves a contact to the front of the "updated" order, not of the "created" one.
    first = await run(client.contacts.get(ids[0]))
    await run(client.contacts.update(ids[0], phone=first.phone, last="Moved"))
    by_updated = await collect(client.contacts.list(limit=2, filter="walker"))
    assert [contact.id for contact in by_updated] == [ids[0], *ids[:0:-1]]
    by_created = await collect(client.contacts.list(limit=2, order="created", filter="walker"))
    assert [contact.id for contact in by_created] == ids[::-1]
    pages = await collect_pages(
        client.contacts.list(limit=3, ascending=True, order="created", filter="walker")
    )
    assert [[contact.id for contact in page] for page in pages] == [ids[:3], ids[3:6], ids[6:]]


async def test_list_starts_after_a_date_cursor(client: AnyClient) -> None:
    ids = await make_contacts(client, 4, first="Cursor")
    start = (await run(client.contacts.get(ids[1]))).updated
    after = await collect(
        client.contacts.list(limit=2, ascending=True, date=start, filter="cursor")
    )
    assert [contact.id for contact in after] == ids[2:]


async def test_list_page_and_count_take_the_same_filters(client: AnyClient) -> None:
    ids = await make_contacts(client, 5, first="Paged")
    assert await run(client.contacts.count(filter="paged")) == 5
    page = await run(client.contacts.list_page(limit=2, page=1, filter="paged"))
    assert [contact.id for contact in page] == ids[::-1][2:4]
    assert len(await run(client.contacts.list_page(filter="paged"))) == 5
    oldest = await run(client.contacts.get(ids[0]))
    assert (
        await run(client.contacts.count(filter="paged", ascending=True, date=oldest.updated)) == 4
    )
    assert await run(client.contacts.count(filter="nobody-is-called-this")) == 0


async def test_batch_writes_valid_items_and_answers_the_failures(client: AnyClient) -> None:
    good, existing = unique_phone(), unique_phone()
    await run(client.contacts.create(phone=existing, first="Kept"))
    assert await run(client.contacts.batch([{"phone": good, "first": "New"}])) == []
    failures = await run(
        client.contacts.batch(
            [
                ContactWrite(phone=existing, first="Changed"),
                {"phone": "12"},
                {"first": "no phone"},
            ]
        )
    )
    assert [type(failure) for failure in failures] == [BatchFailure, BatchFailure]
    assert [(f.index, f.contact, f.error.error) for f in failures] == [
        (1, {"phone": "12"}, "bad_data"),
        (2, {"first": "no phone"}, "bad_data"),
    ]
    assert (await run(client.contacts.find(phone=existing))).first == "Kept"
    assert (
        await run(client.contacts.batch([{"phone": existing, "first": "Changed"}], overwrite=True))
        == []
    )
    assert (await run(client.contacts.find(phone=existing))).first == "Changed"
    assert (await run(client.contacts.find(phone=good))).first == "New"


async def test_notes_are_added_and_deleted(client: AnyClient) -> None:
    ref = await run(client.contacts.create(phone=unique_phone()))
    note = await run(client.notes.create(ref.id, "Called back"))
    assert (note.text, note.user_id > 0) == ("Called back", True)
    contact = await run(client.contacts.get(ref.id))
    assert [(n.id, n.text) for n in contact.note] == [(note.id, "Called back")]
    assert (contact.rev, contact.op) == (2, "note")
    await run(client.notes.delete(ref.id, note.id))
    assert (await run(client.contacts.get(ref.id))).note == []
    with pytest.raises(NotFoundError):
        await run(client.notes.delete(ref.id, note.id))
    with pytest.raises(NotFoundError):
        await run(client.notes.delete(ref.id, "../../contact/1"))
