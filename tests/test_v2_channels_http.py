"""The channel routes of a v2 contact through the real server on both databases: add, replace
the primary, list, get and delete the primary of a type; the v1 fields follow."""

from __future__ import annotations

import json
from typing import Any

import pytest

from checks import Sql, assert_error, channel, create_v2, ok, read, read_v2
from support import HttpApi, unique_phone


@pytest.fixture
def db(backend: str, database_url: str) -> Sql:
    return Sql(backend, database_url)


def unique_email() -> str:
    return f"c{unique_phone()}@example.com"


def path(ref: dict[str, Any], rest: str = "") -> str:
    return f"/v2/contact/{ref['uuid']}{rest}"


def held(channels: list[dict[str, Any]]) -> list[tuple[str, str, bool]]:
    return [(c["channel_type"], c["channel_id"], c["is_primary"]) for c in channels]


def add(api: HttpApi, ref: dict[str, Any], kind: str, value: str, **extra: str) -> Any:
    return ok(api.post(path(ref, "/channel"), json=channel(kind, value, **extra)))


# --- add ------------------------------------------------------------------------------------


def test_adding_the_first_phone_makes_it_primary_and_the_v1_phone(api: HttpApi) -> None:
    email, phone = unique_email(), unique_phone()
    ref = create_v2(api, channel("email", email))
    answer = add(api, ref, "phone", f"+{phone}")
    assert held(answer) == [("email", email, True), ("phone", phone, True)]
    assert answer == ok(api.get(path(ref, "/channels")))
    v1 = read(api, ref["id"])
    assert (v1["phone"], v1["type"], v1["rev"], v1["op"]) == (phone, "phone", 2, "update")
    assert v1["updated"] != v1["created"]
    assert (answer[1]["created"], answer[1]["updated"]) == (v1["updated"], v1["updated"])
    assert answer[0]["updated"] == v1["created"]  # the email channel did not change


def test_adding_a_second_phone_leaves_the_primary_one(api: HttpApi) -> None:
    first, second = unique_phone(), unique_phone()
    ref = create_v2(api, channel("phone", first))
    answer = add(api, ref, "phone", second, channel_handle="work")
    assert held(answer) == [("phone", first, True), ("phone", second, False)]
    assert answer[1]["channel_handle"] == "work"
    assert read(api, ref["id"])["phone"] == first


def test_adding_a_value_the_contact_holds_writes_only_a_change(api: HttpApi) -> None:
    phone = unique_phone()
    ref = create_v2(api, channel("phone", phone, channel_handle="home"))
    before = read_v2(api, ref["uuid"])
    assert add(api, ref, "phone", f"+{phone}") == before["contact_channels"]
    assert read_v2(api, ref["uuid"]) == before
    answer = add(api, ref, "phone", phone, channel_handle="work", info_channel="desk")
    assert (answer[0]["channel_handle"], answer[0]["info_channel"]) == ("work", "desk")
    assert answer[0]["id"] == before["contact_channels"][0]["id"]
    assert read(api, ref["id"])["rev"] == 2


def test_other_channel_types_are_kept_as_sent_and_case_folded_in_type(api: HttpApi) -> None:
    ref = create_v2(api, channel("phone", unique_phone()))
    answer = add(api, ref, "Facebook_Messenger", "Ada.Lovelace-1")
    assert held(answer)[1] == ("facebook_messenger", "Ada.Lovelace-1", True)
    got = ok(api.get(path(ref, "/channel/FACEBOOK_MESSENGER")))
    assert got == answer[1]


def test_adding_a_value_another_contact_holds_is_a_409(api: HttpApi) -> None:
    email = unique_email()
    holder = create_v2(api, channel("email", email))
    ref = create_v2(api, channel("phone", unique_phone()))
    before = read_v2(api, ref["uuid"])
    for method in ("POST", "PUT"):
        response = api.request(method, path(ref, "/channel"), json=channel("email", email.upper()))
        assert_error(
            response, 409, "conflict", field="channel_id", existing_id=holder["id"],
            existing_uuid=holder["uuid"],
        )  # fmt: skip
    assert read_v2(api, ref["uuid"]) == before


def test_at_most_100_channels(api: HttpApi) -> None:
    ref = create_v2(api, *[channel("whatsapp", f"w{n}") for n in range(100)])
    response = api.post(path(ref, "/channel"), json=channel("whatsapp", "one-more"))
    assert_error(response, 400, "bad_data")
    assert len(read_v2(api, ref["uuid"])["contact_channels"]) == 100


# --- replace the primary channel of a type ---------------------------------------------------


def test_replace_gives_the_primary_channel_a_new_value(api: HttpApi) -> None:
    old, new = unique_phone(), unique_phone()
    ref = create_v2(api, channel("phone", old, channel_handle="home"))
    before = read_v2(api, ref["uuid"])["contact_channels"][0]
    answer = ok(api.put(path(ref, "/channel"), json=channel("phone", new)))
    assert held(answer) == [("phone", new, True)]
    assert (answer[0]["id"], answer[0]["created"]) == (before["id"], before["created"])
    assert answer[0]["channel_handle"] == ""  # it described the old value
    v1 = read(api, ref["id"])
    assert (v1["phone"], v1["rev"]) == (new, 2)
    assert answer[0]["updated"] == v1["updated"]
    assert ok(api.post("/v1/contact/get", json={"phone": new}))["id"] == ref["id"]
    assert_error(api.post("/v1/contact/get", json={"phone": old}), 404, "not_found")


def test_replace_with_a_value_the_contact_holds_promotes_it(api: HttpApi) -> None:
    first, second = unique_phone(), unique_phone()
    ref = create_v2(api, channel("phone", first), channel("phone", second))
    answer = ok(api.put(path(ref, "/channel"), json=channel("phone", second)))
    assert held(answer) == [("phone", second, True)]
    assert read(api, ref["id"])["phone"] == second


def test_replace_of_a_type_the_contact_lacks_adds_it(api: HttpApi) -> None:
    email = unique_email()
    ref = create_v2(api, channel("phone", unique_phone()))
    answer = ok(api.put(path(ref, "/channel"), json=channel("email", email)))
    assert held(answer)[1] == ("email", email, True)  # the phone is older
    assert read(api, ref["id"])["email"] == email


# --- get and delete the primary channel of a type --------------------------------------------


def test_get_answers_the_primary_channel_of_a_type(api: HttpApi) -> None:
    first, second = unique_phone(), unique_phone()
    ref = create_v2(api, channel("phone", first), channel("phone", second))
    channels = read_v2(api, ref["uuid"])["contact_channels"]
    assert ok(api.get(path(ref, "/channel/phone"))) == channels[0]
    assert_error(api.get(path(ref, "/channel/email")), 404, "not_found")
    for kind in ("id", "no%20spaces", "9lives", "x" * 40):
        assert_error(api.get(path(ref, f"/channel/{kind}")), 404, "not_found")


def test_delete_drops_the_primary_and_the_oldest_other_takes_over(api: HttpApi) -> None:
    first, second, third = unique_phone(), unique_phone(), unique_phone()
    ref = create_v2(api, channel("phone", first), channel("email", unique_email()))
    add(api, ref, "phone", second)
    add(api, ref, "phone", third)
    assert ok(api.delete(path(ref, "/channel/phone"))) == "ok"
    channels = ok(api.get(path(ref, "/channels")))
    assert [c for c in held(channels) if c[0] == "phone"] == [
        ("phone", second, True), ("phone", third, False),
    ]  # fmt: skip
    v1 = read(api, ref["id"])
    assert (v1["phone"], v1["rev"], v1["op"]) == (second, 4, "update")


def test_deleting_the_email_channel_clears_the_v1_email(api: HttpApi) -> None:
    ref = create_v2(api, channel("phone", unique_phone()), channel("email", unique_email()))
    ok(api.delete(path(ref, "/channel/email")))
    v1 = read(api, ref["id"])
    assert (v1["email"], v1["type"]) == ("", "phone")
    assert_error(api.delete(path(ref, "/channel/email")), 404, "not_found")


def test_deleting_the_phone_channel_makes_an_email_contact(api: HttpApi) -> None:
    ref = create_v2(api, channel("phone", unique_phone()), channel("email", unique_email()))
    ok(api.delete(path(ref, "/channel/phone")))
    v1 = read(api, ref["id"])
    assert (v1["phone"], v1["type"]) == ("", "email")


def test_deleting_the_last_channel_is_a_400(api: HttpApi) -> None:
    ref = create_v2(api, channel("whatsapp", "only-one"))
    before = read_v2(api, ref["uuid"])
    assert_error(api.delete(path(ref, "/channel/whatsapp")), 400, "bad_data")
    assert read_v2(api, ref["uuid"]) == before


def test_a_v1_contact_cannot_lose_its_last_channel_either(api: HttpApi) -> None:
    contact_id = api.create_contact()
    ref = {"uuid": read(api, contact_id)["uuid"]}
    assert_error(api.delete(path(ref, "/channel/phone")), 400, "bad_data")
    assert read(api, contact_id)["rev"] == 1


# --- v1 and v2 stay in step ---------------------------------------------------------------------


def test_a_v1_lookup_finds_a_contact_by_any_of_its_phones(api: HttpApi) -> None:
    primary, second = unique_phone(), unique_phone()
    ref = create_v2(api, channel("phone", primary), channel("phone", second))
    for phone in (primary, f"+{second}"):
        assert ok(api.post("/v1/contact/get", json={"phone": phone}))["id"] == ref["id"]
        assert ok(api.post("/v1/contact/status", json={"phone": phone}))["phone"] == primary


def test_a_v1_batch_matches_a_contact_by_a_second_phone(api: HttpApi) -> None:
    second = unique_phone()
    ref = create_v2(api, channel("phone", unique_phone()), channel("phone", second))
    answer = api.post(
        "/v1/batch/contacts", params={"overwrite": "true"},
        json=[{"phone": second, "first": "Matched"}],
    )  # fmt: skip
    assert ok(answer) == "ok"
    v1 = read(api, ref["id"])
    assert (v1["first"], v1["phone"]) == ("Matched", second)
    assert held(read_v2(api, ref["uuid"])["contact_channels"]) == [("phone", second, True)]


# --- hostile bodies and other teams ---------------------------------------------------------------


HOSTILE = [
    pytest.param(b"", None, id="empty-body"),
    pytest.param(b"{}", "channel_type", id="empty-object"),
    pytest.param(b"[]", None, id="array"),
    pytest.param({"channel_type": "phone"}, "channel_id", id="value-missing"),
    pytest.param({"channel_id": "15105550000"}, "channel_type", id="type-missing"),
    pytest.param({"channel_type": None, "channel_id": "x"}, "channel_type", id="type-null"),
    pytest.param({"channel_type": ["phone"], "channel_id": "x"}, "channel_type", id="type-list"),
    pytest.param(channel("id", "x"), "channel_type", id="type-id"),
    pytest.param(channel("a" * 33, "x"), "channel_type", id="type-33"),
    pytest.param(channel("phone", "+0151"), "channel_id", id="phone-bad"),
    pytest.param(channel("phone", "1" * 16), "channel_id", id="phone-16"),
    pytest.param(channel("email", "a@b@c"), "channel_id", id="email-bad"),
    pytest.param(channel("whatsapp", "a" * 256), "channel_id", id="value-256"),
    pytest.param(channel("whatsapp", "a\u0000"), "channel_id", id="value-nul"),
    pytest.param(channel("whatsapp", "\t"), "channel_id", id="value-tab"),
    pytest.param({"channel_type": "phone", "channel_id": 2**64}, "channel_id", id="value-huge-int"),
    pytest.param(channel("whatsapp", "a", channel_handle="x" * 256), "channel_handle",
                 id="handle-256"),
    pytest.param({**channel("whatsapp", "a"), "info_channel": None}, "info_channel",
                 id="info-null"),
]  # fmt: skip


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize(("body", "field"), HOSTILE)
def test_a_channel_write_refuses_a_hostile_body(
    api: HttpApi, method: str, body: Any, field: str | None
) -> None:
    ref = create_v2(api, channel("phone", unique_phone()))
    before = read_v2(api, ref["uuid"])
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = api.request(method, path(ref, "/channel"), content=content)
    assert_error(response, 400, "bad_data", field=field)
    assert read_v2(api, ref["uuid"]) == before


def test_another_teams_contact_has_no_channels_for_the_caller(
    api: HttpApi, other_api: HttpApi, db: Sql
) -> None:
    theirs = create_v2(
        other_api, channel("phone", unique_phone()), channel("email", unique_email())
    )
    before = read_v2(other_api, theirs["uuid"])
    calls = [
        ("GET", "/channels", None), ("GET", "/channel/phone", None),
        ("POST", "/channel", channel("phone", unique_phone())),
        ("PUT", "/channel", channel("phone", unique_phone())),
        ("DELETE", "/channel/email", None),
    ]  # fmt: skip
    for method, rest, body in calls:
        assert_error(api.request(method, path(theirs, rest), json=body), 404, "not_found")
    assert read_v2(other_api, theirs["uuid"]) == before
    assert db.channels(api.team.team_id) == 0
