"""``POST /v2/contacts/search`` through the real server on both databases: by phone, email or
other channel values, typed by the group or by their form, several values and groups a call."""

from __future__ import annotations

import json
from typing import Any

import pytest

from checks import assert_error, channel, create_v2, ok, read, read_v2
from support import HttpApi, unique_phone


def unique_email() -> str:
    return f"s{unique_phone()}@example.com"


def search(api: HttpApi, *groups: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = ok(
        api.post("/v2/contacts/search", json={"contact_channels": list(groups)})
    )
    return found


def values(*channel_ids: str, channel_type: str | None = None) -> dict[str, Any]:
    group: dict[str, Any] = {"channel_ids": list(channel_ids)}
    if channel_type is not None:
        group["channel_type"] = channel_type
    return group


def ids(found: list[dict[str, Any]]) -> list[int]:
    return [contact["id"] for contact in found]


def test_values_without_a_type_are_phones_or_emails_by_their_form(api: HttpApi) -> None:
    phone, email = unique_phone(), unique_email()
    by_phone = create_v2(api, channel("phone", phone))
    by_email = create_v2(api, channel("email", email))
    create_v2(api, channel("phone", unique_phone()))  # a contact no value names
    found = search(api, values(email.upper(), f"+{phone}", unique_phone(), unique_email()))
    assert ids(found) == [by_email["id"], by_phone["id"]]
    assert found == [read_v2(api, by_email["uuid"]), read_v2(api, by_phone["uuid"])]


def test_a_search_that_matches_nothing_answers_an_empty_array(api: HttpApi) -> None:
    create_v2(api, channel("phone", unique_phone()))
    assert search(api, values(unique_phone(), unique_email())) == []
    assert search(api) == []


def test_a_group_with_a_type_matches_that_type_only(api: HttpApi) -> None:
    handle = "ada-lovelace"
    ref = create_v2(api, channel("whatsapp", handle), channel("telegram", "Ada"))
    assert ids(search(api, values(handle, channel_type="whatsapp"))) == [ref["id"]]
    assert ids(search(api, values(handle.upper(), channel_type="whatsapp"))) == []
    assert ids(search(api, values(handle, channel_type="telegram"))) == []
    assert ids(search(api, values("Ada", channel_type="TELEGRAM"))) == [ref["id"]]


def test_each_contact_is_answered_once_in_the_order_of_its_first_value(api: HttpApi) -> None:
    phones = [unique_phone() for _ in range(3)]
    email = unique_email()
    first = create_v2(api, channel("phone", phones[0]), channel("email", email))
    second = create_v2(api, channel("phone", phones[1]), channel("phone", phones[2]))
    found = search(
        api, values(phones[2], phones[0], channel_type="phone"), values(email, phones[1], phones[2])
    )
    assert ids(found) == [second["id"], first["id"]]


def test_a_second_phone_finds_its_contact(api: HttpApi) -> None:
    second = unique_phone()
    ref = create_v2(api, channel("phone", unique_phone()), channel("phone", second))
    assert ids(search(api, values(second))) == [ref["id"]]


def test_a_v1_contact_is_found_by_its_phone_and_email(api: HttpApi) -> None:
    phone, email = unique_phone(), unique_email()
    contact_id = api.create_contact(phone=phone, email=email)
    found = search(api, values(phone), values(email, channel_type="email"))
    assert ids(found) == [contact_id]
    assert found[0]["uuid"] == read(api, contact_id)["uuid"]


def test_a_changed_value_is_found_by_its_new_value_only(api: HttpApi) -> None:
    old, new = unique_phone(), unique_phone()
    ref = create_v2(api, channel("phone", old))
    ok(api.put(f"/v2/contact/{ref['uuid']}/channel", json=channel("phone", new)))
    assert ids(search(api, values(new))) == [ref["id"]]
    assert search(api, values(old)) == []


def test_1000_values_in_one_call(api: HttpApi) -> None:
    wanted = [create_v2(api, channel("phone", unique_phone())) for _ in range(3)]
    phones = [read(api, ref["id"])["phone"] for ref in wanted]
    misses = [unique_phone() for _ in range(997)]
    found = search(api, values(*misses[:500], phones[1], *misses[500:], phones[0], phones[2]))
    assert ids(found) == [wanted[1]["id"], wanted[0]["id"], wanted[2]["id"]]


def test_only_the_callers_contacts_are_found(api: HttpApi, other_api: HttpApi) -> None:
    phone = unique_phone()
    theirs = create_v2(other_api, channel("phone", phone))
    assert search(api, values(phone)) == []
    mine = create_v2(api, channel("phone", phone))
    assert ids(search(api, values(phone))) == [mine["id"]]
    assert ids(search(other_api, values(phone))) == [theirs["id"]]


SEARCH_HOSTILE = [
    pytest.param(b"", None, id="empty-body"),
    pytest.param(b"{}", "contact_channels", id="no-groups"),
    pytest.param({"contact_channels": None}, "contact_channels", id="groups-null"),
    pytest.param({"contact_channels": [{}]}, "contact_channels[0].channel_ids", id="ids-missing"),
    pytest.param({"contact_channels": [{"channel_ids": "15105550000"}]},
                 "contact_channels[0].channel_ids", id="ids-string"),
    pytest.param({"contact_channels": [values("15105550000"), {"channel_ids": [15105550000]}]},
                 "contact_channels[1].channel_ids[0]", id="id-int"),
    pytest.param({"contact_channels": [values("15105550000", "ada")]},
                 "contact_channels[0].channel_ids[1]", id="neither-phone-nor-email"),
    pytest.param({"contact_channels": [values("15105550000", "")]},
                 "contact_channels[0].channel_ids[1]", id="empty-value"),
    pytest.param({"contact_channels": [values("12")]}, "contact_channels[0].channel_ids[0]",
                 id="phone-too-short"),
    pytest.param({"contact_channels": [values("a@b@c")]}, "contact_channels[0].channel_ids[0]",
                 id="email-bad"),
    pytest.param({"contact_channels": [values("ada@example.com", channel_type="phone")]},
                 "contact_channels[0].channel_ids[0]", id="email-as-phone"),
    pytest.param({"contact_channels": [values("x", channel_type="id")]},
                 "contact_channels[0].channel_type", id="type-id"),
    pytest.param({"contact_channels": [values("x", channel_type="what ever")]},
                 "contact_channels[0].channel_type", id="type-space"),
    pytest.param({"contact_channels": [{"channel_ids": ["x"], "channel_type": None}]},
                 "contact_channels[0].channel_type", id="type-null"),
    pytest.param({"contact_channels": [values("a\u0000@b.c")]},
                 "contact_channels[0].channel_ids[0]", id="value-nul"),
    pytest.param({"contact_channels": [values("a" * 256)]}, "contact_channels[0].channel_ids[0]",
                 id="value-256"),
    pytest.param({"contact_channels": [values(*["15105550000"] * 1001)]},
                 "contact_channels[0].channel_ids", id="1001-in-a-group"),
    pytest.param({"contact_channels": [values(*["15105550000"] * 600)] * 2}, "contact_channels",
                 id="1200-in-all"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "field"), SEARCH_HOSTILE)
def test_search_refuses_a_hostile_body(api: HttpApi, body: Any, field: str | None) -> None:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = api.post("/v2/contacts/search", content=content)
    assert_error(response, 400, "bad_data", field=field)
