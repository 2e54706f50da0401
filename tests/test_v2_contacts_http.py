"""The v2 contact routes through the real server on both databases (contract section 6):
contacts by uuid with channels, one data model with v1, bulk writes and deletes, listing."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from checks import (
    Sql,
    assert_error,
    assert_same_json,
    channel,
    count_all,
    create_v2,
    ok,
    read,
    read_v2,
)
from support import HttpApi, unique_phone

NO_SUCH_UUID = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def db(backend: str, database_url: str) -> Sql:
    return Sql(backend, database_url)


def unique_email() -> str:
    return f"u{unique_phone()}@example.com"


def channel_types(body: dict[str, Any]) -> list[tuple[str, str, bool]]:
    return [(c["channel_type"], c["channel_id"], c["is_primary"]) for c in body["contact_channels"]]


def expected_channel(
    got: dict[str, Any], contact: dict[str, Any], channel_type: str, channel_id: str, *,
    primary: bool, stamp: str, handle: str = "", info: str = "",
) -> dict[str, Any]:  # fmt: skip
    """A channel's whole read shape; its id (a UUIDv7) is taken from ``got``."""
    assert uuid.UUID(got["id"]).version == 7
    return {
        "id": got["id"], "team_id": contact["team_id"], "contact_id": contact["uuid"],
        "channel_type": channel_type, "channel_id": channel_id, "channel_handle": handle,
        "info_channel": info, "is_primary": primary, "created": stamp, "updated": stamp,
    }  # fmt: skip


# --- the read shape and one data model under v1 and v2 --------------------------------------


def test_a_v2_contact_is_the_v1_contact_with_its_channels(api: HttpApi) -> None:
    ref = create_v2(
        api, channel("email", "Ada@Example.com"),
        channel("WhatsApp", "ada-1", channel_handle="@ada", info_channel="business"),
        first="Ada",
    )  # fmt: skip
    assert ref == {"id": ref["id"], "rev": 1, "uuid": ref["uuid"]}
    assert uuid.UUID(ref["uuid"]).version == 7
    response = api.get(f"/v2/contact/{ref['uuid']}")
    assert response.headers["etag"] == '"1"'
    body = ok(response)
    channels = body.pop("contact_channels")
    v1 = read(api, ref["id"])
    assert_same_json(body, v1)
    assert (v1["phone"], v1["type"], v1["email"], v1["op"]) == (
        "", "email", "Ada@Example.com", "create",
    )  # fmt: skip
    stamp = v1["created"]
    assert_same_json(
        channels,
        [
            expected_channel(channels[0], v1, "email", "Ada@Example.com", primary=True,
                             stamp=stamp),
            expected_channel(channels[1], v1, "whatsapp", "ada-1", primary=True, stamp=stamp,
                             handle="@ada", info="business"),
        ],
    )  # fmt: skip
    assert channels[0]["id"] != channels[1]["id"]


def test_a_v1_contact_reads_on_v2_with_its_phone_and_email_as_primary_channels(
    api: HttpApi,
) -> None:
    phone, email = unique_phone(), unique_email()
    contact_id = api.create_contact(phone=f"+{phone}", email=email, first="Grace")
    v1 = read(api, contact_id)
    body = read_v2(api, v1["uuid"])
    channels = body.pop("contact_channels")
    assert_same_json(body, v1)
    stamp = v1["created"]
    assert_same_json(
        channels,
        [
            expected_channel(channels[0], v1, "email", email, primary=True, stamp=stamp),
            expected_channel(channels[1], v1, "phone", phone, primary=True, stamp=stamp),
        ],
    )


def test_a_v1_update_moves_the_primary_phone_and_email_channels(api: HttpApi) -> None:
    phone = unique_phone()
    contact_id = api.create_contact(phone=phone, email=unique_email())
    uuid_ = read(api, contact_id)["uuid"]
    before = {c["channel_type"]: c for c in read_v2(api, uuid_)["contact_channels"]}
    new_phone, new_email = unique_phone(), unique_email()
    ok(api.put(f"/v1/contact/{contact_id}", json={"phone": new_phone, "email": new_email}))
    after = read_v2(api, uuid_)
    by_type = {c["channel_type"]: c for c in after["contact_channels"]}
    assert (by_type["phone"]["channel_id"], by_type["email"]["channel_id"]) == (
        new_phone,
        new_email,
    )
    assert by_type["phone"]["id"] == before["phone"]["id"]  # the same channel, a new value
    assert by_type["phone"]["created"] == before["phone"]["created"]
    assert by_type["phone"]["updated"] == after["updated"] != before["phone"]["updated"]
    ok(api.put(f"/v1/contact/{contact_id}", json={"phone": new_phone, "email": ""}))
    assert channel_types(read_v2(api, uuid_)) == [("phone", new_phone, True)]
    assert read(api, contact_id)["email"] == ""


def test_a_v1_write_that_leaves_phone_and_email_alone_leaves_the_channels(api: HttpApi) -> None:
    phone = unique_phone()
    contact_id = api.create_contact(phone=phone, email=unique_email())
    uuid_ = read(api, contact_id)["uuid"]
    before = read_v2(api, uuid_)["contact_channels"]
    ok(api.put(f"/v1/contact/{contact_id}", json={"phone": phone, "first": "Ada"}))
    assert read_v2(api, uuid_)["contact_channels"] == before


def test_the_phone_field_of_a_v2_create_is_the_primary_phone(api: HttpApi) -> None:
    listed, given = unique_phone(), unique_phone()
    ref = create_v2(api, channel("phone", listed), phone=f"+{given}")
    body = read_v2(api, ref["uuid"])
    assert channel_types(body) == [("phone", given, True), ("phone", listed, False)]
    assert read(api, ref["id"])["phone"] == given


def test_the_first_channel_of_a_type_is_its_primary_one(api: HttpApi) -> None:
    first, second = unique_phone(), unique_phone()
    ref = create_v2(api, channel("phone", first), channel("phone", second))
    assert channel_types(read_v2(api, ref["uuid"])) == [
        ("phone", first, True), ("phone", second, False),
    ]  # fmt: skip
    assert read(api, ref["id"])["phone"] == first


def test_a_value_listed_twice_counts_once(api: HttpApi) -> None:
    phone, email = unique_phone(), unique_email()
    ref = create_v2(
        api, channel("phone", f"+{phone}"), channel("phone", phone),
        channel("email", email.upper()), channel("email", email),
    )  # fmt: skip
    assert channel_types(read_v2(api, ref["uuid"])) == [
        ("email", email, True), ("phone", phone, True),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"first": "Ada"}, id="no-channels"),
        pytest.param({"first": "Ada", "contact_channels": []}, id="empty-channels"),
        pytest.param({"email": "", "contact_channels": []}, id="empty-email"),
    ],
)
def test_a_contact_without_any_channel_is_refused(
    api: HttpApi, db: Sql, body: dict[str, Any]
) -> None:
    assert_error(api.post("/v2/contact", json=body), 400, "bad_data", field="contact_channels")
    assert db.count_contacts(api.team.team_id) == 0


def test_a_v2_create_with_only_a_phone_field_is_a_phone_contact(api: HttpApi) -> None:
    phone = unique_phone()
    ref = ok(api.post("/v2/contact", json={"phone": phone}))
    assert channel_types(read_v2(api, ref["uuid"])) == [("phone", phone, True)]


# --- uniqueness: a channel value belongs to one contact of a team ---------------------------


def test_a_v2_create_with_a_value_another_contact_holds_is_a_409(api: HttpApi, db: Sql) -> None:
    email = unique_email()
    holder = create_v2(api, channel("email", email))
    response = api.post(
        "/v2/contact",
        json={"contact_channels": [channel("phone", unique_phone()),
                                   channel("email", email.upper())]},
    )  # fmt: skip
    assert_error(
        response, 409, "conflict", field="contact_channels[1].channel_id",
        existing_id=holder["id"], existing_uuid=holder["uuid"],
    )  # fmt: skip
    assert db.count_contacts(api.team.team_id) == 1
    assert db.channels(api.team.team_id) == 1


def test_a_v1_phone_held_as_another_contacts_second_phone_is_a_409(api: HttpApi) -> None:
    second = unique_phone()
    holder = create_v2(api, channel("phone", unique_phone()), channel("phone", second))
    response = api.post("/v1/contact", json={"phone": f"+{second}"})
    assert_error(response, 409, "conflict", field="phone", existing_id=holder["id"])
    assert count_all(api) == 1


def test_a_v1_email_held_by_another_contact_is_a_409(api: HttpApi) -> None:
    email = unique_email()
    holder = api.create_contact(email=email)
    other = api.create_contact()
    phone = read(api, other)["phone"]
    response = api.put(f"/v1/contact/{other}", json={"phone": phone, "email": email.title()})
    assert_error(response, 409, "conflict", field="email", existing_id=holder)
    assert read(api, other)["email"] == ""


def test_another_team_may_hold_the_same_values(api: HttpApi, other_api: HttpApi) -> None:
    phone, email = unique_phone(), unique_email()
    mine = create_v2(api, channel("phone", phone), channel("email", email))
    theirs = create_v2(other_api, channel("phone", phone), channel("email", email))
    assert mine["uuid"] != theirs["uuid"]
    assert read_v2(other_api, theirs["uuid"])["phone"] == phone


# --- update and delete ------------------------------------------------------------------------


def test_put_answers_the_whole_updated_contact(api: HttpApi) -> None:
    phone = unique_phone()
    ref = create_v2(api, channel("phone", phone), first="Ada")
    response = api.put(f"/v2/contact/{ref['uuid']}", json={"last": "Lovelace"})
    body = ok(response)
    assert response.headers["etag"] == '"2"'
    assert body == read_v2(api, ref["uuid"])
    assert (body["display_name"], body["rev"], body["op"]) == ("Ada Lovelace", 2, "update")
    assert channel_types(body) == [("phone", phone, True)]


def test_put_with_channels_replaces_the_set_and_keeps_the_ids_of_values_kept(
    api: HttpApi,
) -> None:
    phone, email, new_phone = unique_phone(), unique_email(), unique_phone()
    ref = create_v2(api, channel("phone", phone), channel("email", email))
    before = {c["channel_id"]: c["id"] for c in read_v2(api, ref["uuid"])["contact_channels"]}
    body = ok(
        api.put(
            f"/v2/contact/{ref['uuid']}",
            json={"contact_channels": [channel("phone", new_phone), channel("phone", phone)]},
        )
    )
    assert channel_types(body) == [("phone", phone, True), ("phone", new_phone, False)]
    assert body["contact_channels"][0]["id"] == before[phone]
    assert (body["phone"], body["email"], body["type"]) == (phone, "", "phone")
    assert read(api, ref["id"])["email"] == ""


def test_put_with_a_phone_makes_it_the_primary_phone(api: HttpApi) -> None:
    first, second = unique_phone(), unique_phone()
    ref = create_v2(api, channel("phone", first), channel("phone", second))
    body = ok(api.put(f"/v2/contact/{ref['uuid']}", json={"phone": second}))
    assert channel_types(body) == [("phone", second, True)]
    assert read(api, ref["id"])["phone"] == second


def test_put_that_removes_every_channel_is_a_400_and_changes_nothing(api: HttpApi) -> None:
    ref = create_v2(api, channel("email", unique_email()))
    before = read_v2(api, ref["uuid"])
    response = api.put(f"/v2/contact/{ref['uuid']}", json={"contact_channels": []})
    assert_error(response, 400, "bad_data", field="contact_channels")
    response = api.put(f"/v2/contact/{ref['uuid']}", json={"email": ""})
    assert_error(response, 400, "bad_data", field="contact_channels")
    assert read_v2(api, ref["uuid"]) == before


def test_put_to_a_value_another_contact_holds_is_a_409(api: HttpApi) -> None:
    phone = unique_phone()
    holder = create_v2(api, channel("phone", phone))
    ref = create_v2(api, channel("email", unique_email()))
    before = read_v2(api, ref["uuid"])
    response = api.put(f"/v2/contact/{ref['uuid']}", json={"phone": phone})
    assert_error(
        response, 409, "conflict", field="phone", existing_id=holder["id"],
        existing_uuid=holder["uuid"],
    )  # fmt: skip
    assert read_v2(api, ref["uuid"]) == before


def test_put_and_delete_honour_if_match(api: HttpApi) -> None:
    ref = create_v2(api, channel("email", unique_email()))
    path = f"/v2/contact/{ref['uuid']}"
    stale = {"If-Match": '"7"'}
    assert_error(api.put(path, json={"first": "A"}, headers=stale), 412, "precondition_failed")
    assert_error(api.delete(path, headers=stale), 412, "precondition_failed")
    assert ok(api.put(path, json={"first": "A"}, headers={"If-Match": '"1"'}))["rev"] == 2
    assert ok(api.delete(path, headers={"If-Match": '"2"'})) == "ok"


def test_delete_removes_the_contact_and_its_channels(api: HttpApi, db: Sql) -> None:
    ref = create_v2(api, channel("email", unique_email()), channel("phone", unique_phone()))
    keep = create_v2(api, channel("phone", unique_phone()))
    assert ok(api.delete(f"/v2/contact/{ref['uuid']}")) == "ok"
    assert_error(api.get(f"/v2/contact/{ref['uuid']}"), 404, "not_found")
    assert_error(api.get(f"/v1/contact/{ref['id']}"), 404, "not_found")
    assert_error(api.delete(f"/v2/contact/{ref['uuid']}"), 404, "not_found")
    assert db.channels(api.team.team_id) == 1
    assert read_v2(api, keep["uuid"])["id"] == keep["id"]


def test_a_v1_delete_removes_the_channels_too(api: HttpApi, db: Sql) -> None:
    contact_id = api.create_contact(email=unique_email())
    assert db.channels(api.team.team_id) == 2
    ok(api.delete(f"/v1/contact/{contact_id}"))
    assert db.channels(api.team.team_id) == 0


# --- paths: a v1 id, a malformed uuid or another team's uuid names nothing ---------------------


V2_PATHS = [
    pytest.param("GET", "/v2/contact/{}", id="get"),
    pytest.param("PUT", "/v2/contact/{}", id="put"),
    pytest.param("DELETE", "/v2/contact/{}", id="delete"),
    pytest.param("GET", "/v2/contact/{}/channels", id="channels"),
    pytest.param("POST", "/v2/contact/{}/channel", id="add-channel"),
    pytest.param("PUT", "/v2/contact/{}/channel", id="replace-channel"),
    pytest.param("GET", "/v2/contact/{}/channel/phone", id="get-channel"),
    pytest.param("DELETE", "/v2/contact/{}/channel/phone", id="delete-channel"),
]
CHANNEL_BODY = {"channel_type": "phone", "channel_id": "15105550000", "first": "X"}


def bad_path_ids(contact: dict[str, Any]) -> list[str]:
    text = contact["uuid"]
    return [
        str(contact["id"]), "1", "-1", str(2**64), "0", NO_SUCH_UUID, text.replace("-", ""),
        text + "0", text[:-1], f"{{{text}}}", text.replace("-", "_"), "%00", "x" * 300,
    ]  # fmt: skip


@pytest.mark.parametrize(("method", "template"), V2_PATHS)
def test_a_path_that_is_not_a_uuid_of_the_team_is_a_404(
    api: HttpApi, other_api: HttpApi, method: str, template: str
) -> None:
    ref = create_v2(api, channel("phone", unique_phone()), channel("email", unique_email()))
    before = read_v2(api, ref["uuid"])
    for text in bad_path_ids(ref):
        response = api.request(method, template.format(text), json=CHANNEL_BODY)
        assert_error(response, 404, "not_found")
    response = other_api.request(method, template.format(ref["uuid"]), json=CHANNEL_BODY)
    assert_error(response, 404, "not_found")
    assert read_v2(api, ref["uuid"]) == before


def test_a_uuid_in_capitals_names_the_contact(api: HttpApi) -> None:
    ref = create_v2(api, channel("phone", unique_phone()))
    assert read_v2(api, ref["uuid"].upper())["id"] == ref["id"]


# --- hostile bodies -------------------------------------------------------------------------


def channels_body(*channels: Any, **fields: Any) -> dict[str, Any]:
    return {**fields, "contact_channels": list(channels)}


HOSTILE = [
    pytest.param(b"", None, id="empty-body"),
    pytest.param(b"[]", None, id="array"),
    pytest.param(b'{"contact_channels": ', None, id="truncated"),
    pytest.param(channels_body(first=5), "first", id="first-int"),
    pytest.param({"contact_channels": None}, "contact_channels", id="channels-null"),
    pytest.param({"contact_channels": "phone"}, "contact_channels", id="channels-string"),
    pytest.param({"contact_channels": {"channel_type": "phone"}}, "contact_channels",
                 id="channels-object"),
    pytest.param(channels_body("15105550000"), "contact_channels[0]", id="channel-string"),
    pytest.param(channels_body({"channel_id": "15105550000"}), "contact_channels[0].channel_type",
                 id="type-missing"),
    pytest.param(channels_body({"channel_type": "phone"}), "contact_channels[0].channel_id",
                 id="value-missing"),
    pytest.param(channels_body(channel("phone", "15105550000"), {"channel_type": 1,
                 "channel_id": "x"}), "contact_channels[1].channel_type", id="type-int"),
    pytest.param(channels_body({"channel_type": "phone", "channel_id": 15105550000}),
                 "contact_channels[0].channel_id", id="value-int"),
    pytest.param(channels_body(channel("id", "x")), "contact_channels[0].channel_type",
                 id="type-id"),
    pytest.param(channels_body(channel("sms text", "x")), "contact_channels[0].channel_type",
                 id="type-space"),
    pytest.param(channels_body(channel("", "x")), "contact_channels[0].channel_type",
                 id="type-empty"),
    pytest.param(channels_body(channel("a" * 33, "x")), "contact_channels[0].channel_type",
                 id="type-33"),
    pytest.param(channels_body(channel("phone", "12")), "contact_channels[0].channel_id",
                 id="phone-short"),
    pytest.param(channels_body(channel("phone", "0123456789")), "contact_channels[0].channel_id",
                 id="phone-leading-0"),
    pytest.param(channels_body(channel("email", "ada")), "contact_channels[0].channel_id",
                 id="email-without-at"),
    pytest.param(channels_body(channel("email", "  ")), "contact_channels[0].channel_id",
                 id="email-blank"),
    pytest.param(channels_body(channel("email", "a" * 250 + "@x.com")),
                 "contact_channels[0].channel_id", id="value-256"),
    pytest.param(channels_body(channel("whatsapp", "   ")), "contact_channels[0].channel_id",
                 id="other-blank"),
    pytest.param(channels_body(channel("whatsapp", "a\nb")), "contact_channels[0].channel_id",
                 id="other-newline"),
    pytest.param(channels_body(channel("whatsapp", "a\u0000b")),
                 "contact_channels[0].channel_id", id="value-nul"),
    pytest.param(channels_body(channel("whatsapp", "a", channel_handle="h" * 256)),
                 "contact_channels[0].channel_handle", id="handle-256"),
    pytest.param(channels_body({**channel("whatsapp", "a"), "info_channel": 7}),
                 "contact_channels[0].info_channel", id="info-int"),
    pytest.param(channels_body(*[channel("whatsapp", f"w{n}") for n in range(101)]),
                 "contact_channels", id="101-channels"),
    pytest.param(channels_body(channel("email", "a@b.c"), assignee_id=2**63), "assignee_id",
                 id="assignee-2-63"),
    pytest.param(channels_body(channel("email", "a@b.c"), inbox_id=-1), "inbox_id",
                 id="inbox-negative"),
    pytest.param(channels_body(channel("email", "a@b.c"), tags=[{"tag_id": 10**30}]), "tags",
                 id="tag-huge"),
    pytest.param(channels_body(channel("email", "a@b.c"), phone="12"), "phone", id="phone-bad"),
]  # fmt: skip


def encoded(body: Any) -> bytes:
    return body if isinstance(body, bytes) else json.dumps(body).encode()


@pytest.mark.parametrize(("body", "field"), HOSTILE)
def test_create_refuses_a_hostile_body(api: HttpApi, db: Sql, body: Any, field: str | None) -> None:
    response = api.post("/v2/contact", content=encoded(body))
    assert_error(response, 400, "bad_data", field=field)
    assert db.count_contacts(api.team.team_id) == 0
    assert db.channels(api.team.team_id) == 0


@pytest.mark.parametrize(("body", "field"), HOSTILE)
def test_update_refuses_a_hostile_body(api: HttpApi, body: Any, field: str | None) -> None:
    ref = create_v2(api, channel("email", unique_email()))
    before = read_v2(api, ref["uuid"])
    response = api.put(f"/v2/contact/{ref['uuid']}", content=encoded(body))
    assert_error(response, 400, "bad_data", field=field)
    assert read_v2(api, ref["uuid"]) == before


def test_unknown_and_read_only_fields_are_ignored(api: HttpApi) -> None:
    phone = unique_phone()
    ref = ok(api.post("/v2/contact", json={
        "phone": phone, "id": 5, "uuid": NO_SUCH_UUID, "rev": 9, "team_id": 999,
        "contact_id": NO_SUCH_UUID, "favourite": "blue",
    }))  # fmt: skip
    body = read_v2(api, ref["uuid"])
    assert (body["uuid"], body["rev"], body["team_id"]) == (ref["uuid"], 1, api.team.team_id)


# --- POST /v2/contacts: bulk create or update ------------------------------------------------


def test_bulk_creates_updates_and_reports_failures(api: HttpApi, db: Sql) -> None:
    existing = create_v2(api, channel("email", unique_email()), first="Old")
    clash = unique_phone()
    items = [
        {"contact_channels": [channel("phone", clash)], "first": "New"},
        {"contact_id": existing["uuid"], "first": "Updated"},
        {"phone": "12"},
        {"contact_id": NO_SUCH_UUID, "first": "Nobody"},
        {"contact_id": "not-a-uuid"},
        {"phone": clash},
        {"contact_id": existing["uuid"].upper(), "last": "Twice"},
        "not an object",
    ]
    answer = ok(api.post("/v2/contacts", json={"contacts": items}))
    assert set(answer) == {"contacts", "failed_contacts"}
    made = answer["contacts"][0]
    assert answer["contacts"] == [read_v2(api, made["uuid"]), read_v2(api, existing["uuid"])]
    assert (made["first"], made["phone"], made["op"], made["rev"]) == ("New", clash, "create", 1)
    updated = answer["contacts"][1]
    assert (updated["first"], updated["last"], updated["rev"]) == ("Updated", "Twice", 3)
    failures = answer["failed_contacts"]
    assert [(f["index"], f["contact"], f["error"]["error"]) for f in failures] == [
        (2, items[2], "bad_data"),
        (3, items[3], "not_found"),
        (4, items[4], "bad_data"),
        (5, items[5], "conflict"),
        (7, items[7], "bad_data"),
    ]
    assert all(set(f["error"]) == {"error", "message"} and f["error"]["message"] for f in failures)
    assert db.count_contacts(api.team.team_id) == 2


def test_bulk_update_replaces_channels_when_given(api: HttpApi) -> None:
    ref = create_v2(api, channel("email", unique_email()))
    phone = unique_phone()
    item = {"contact_id": ref["uuid"], "contact_channels": [channel("phone", phone)]}
    answer = ok(api.post("/v2/contacts", json={"contacts": [item]}))
    assert answer["failed_contacts"] == []
    assert channel_types(answer["contacts"][0]) == [("phone", phone, True)]
    assert read(api, ref["id"])["email"] == ""


def test_bulk_of_nothing_writes_nothing(api: HttpApi) -> None:
    assert ok(api.post("/v2/contacts", json={"contacts": []})) == {
        "contacts": [], "failed_contacts": [],
    }  # fmt: skip


def test_bulk_of_1000_items_is_written(api: HttpApi, db: Sql) -> None:
    items = [{"contact_channels": [channel("whatsapp", f"w{n}")]} for n in range(1000)]
    answer = ok(api.post("/v2/contacts", json={"contacts": items}))
    assert answer["failed_contacts"] == []
    assert len({contact["uuid"] for contact in answer["contacts"]}) == 1000
    assert db.count_contacts(api.team.team_id) == 1000


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"contacts": [{"phone": unique_phone()}] * 1001}, "contacts", id="1001-items"),
        pytest.param({}, "contacts", id="contacts-missing"),
        pytest.param({"contacts": {"phone": "1"}}, "contacts", id="contacts-object"),
        pytest.param([{"phone": "15105550000"}], None, id="bare-array"),
    ],
)
def test_bulk_refuses_a_bad_call_and_writes_nothing(
    api: HttpApi, db: Sql, body: Any, field: str | None
) -> None:
    assert_error(api.post("/v2/contacts", json=body), 400, "bad_data", field=field)
    assert db.count_contacts(api.team.team_id) == 0


def test_bulk_cannot_update_another_teams_contact(api: HttpApi, other_api: HttpApi) -> None:
    theirs = create_v2(other_api, channel("email", unique_email()), first="Theirs")
    answer = ok(api.post("/v2/contacts", json={"contacts": [{"contact_id": theirs["uuid"],
                                                             "first": "Mine"}]}))  # fmt: skip
    assert answer["contacts"] == []
    assert answer["failed_contacts"][0]["error"]["error"] == "not_found"
    assert read_v2(other_api, theirs["uuid"])["first"] == "Theirs"


# --- DELETE /v2/contacts -----------------------------------------------------------------------


def delete_body(*uuids: str, channel_type: str = "id") -> dict[str, Any]:
    return {"contact_channels": [{"channel_type": channel_type, "channel_ids": list(uuids)}]}


def test_bulk_delete_deletes_every_contact_listed(api: HttpApi) -> None:
    refs = [create_v2(api, channel("phone", unique_phone())) for _ in range(3)]
    body = delete_body(refs[0]["uuid"], refs[2]["uuid"].upper(), refs[0]["uuid"])
    assert ok(api.request("DELETE", "/v2/contacts", json=body)) == "ok"
    assert [c["id"] for c in ok(api.post("/v2/contacts/list", json={}))] == [refs[1]["id"]]


def test_bulk_delete_with_an_unknown_uuid_deletes_none(
    api: HttpApi, other_api: HttpApi, db: Sql
) -> None:
    mine = create_v2(api, channel("phone", unique_phone()))
    theirs = create_v2(other_api, channel("phone", unique_phone()))
    for stranger in (NO_SUCH_UUID, theirs["uuid"]):
        response = api.request("DELETE", "/v2/contacts", json=delete_body(mine["uuid"], stranger))
        assert_error(response, 404, "not_found", field="contact_channels[0].channel_ids[1]")
    assert db.count_contacts(api.team.team_id) == 1
    assert read_v2(other_api, theirs["uuid"])["id"] == theirs["id"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        pytest.param(delete_body(str(1)), 400, "contact_channels[0].channel_ids[0]", id="v1-id"),
        pytest.param(delete_body(NO_SUCH_UUID[:-1]), 400, "contact_channels[0].channel_ids[0]",
                     id="short-uuid"),
        pytest.param(delete_body(NO_SUCH_UUID, channel_type="phone"), 400,
                     "contact_channels[0].channel_type", id="type-phone"),
        pytest.param({"contact_channels": [{"channel_ids": [NO_SUCH_UUID]}]}, 400,
                     "contact_channels[0].channel_type", id="type-missing"),
        pytest.param({"contact_channels": []}, 400, "contact_channels", id="no-entry"),
        pytest.param({"contact_channels": delete_body()["contact_channels"] * 2}, 400,
                     "contact_channels", id="two-entries"),
        pytest.param(delete_body(*[NO_SUCH_UUID] * 1001), 400,
                     "contact_channels[0].channel_ids", id="1001-uuids"),
        pytest.param({"contact_channels": [{"channel_type": "id", "channel_ids": [7]}]}, 400,
                     "contact_channels[0].channel_ids[0]", id="uuid-int"),
        pytest.param({}, 400, "contact_channels", id="empty-object"),
    ],
)  # fmt: skip
def test_bulk_delete_refuses_a_bad_body(
    api: HttpApi, db: Sql, body: Any, status: int, field: str
) -> None:
    create_v2(api, channel("phone", unique_phone()))
    assert_error(api.request("DELETE", "/v2/contacts", json=body), status, "bad_data", field=field)
    assert db.count_contacts(api.team.team_id) == 1


# --- POST /v2/contacts/list --------------------------------------------------------------------


def test_list_walks_the_updated_cursor_with_channels(api: HttpApi) -> None:
    refs = [create_v2(api, channel("phone", unique_phone())) for _ in range(3)]
    api.create_contact()
    v1 = ok(api.post("/v1/contacts", json={}))
    v2 = ok(api.post("/v2/contacts/list", json={}))
    assert [c["id"] for c in v2] == [c["id"] for c in v1]
    assert v2 == [read_v2(api, contact["uuid"]) for contact in v1]
    first = ok(api.post("/v2/contacts/list", json={"limit": 2, "ascending": True}))
    assert [c["id"] for c in first] == [refs[0]["id"], refs[1]["id"]]
    rest = ok(api.post("/v2/contacts/list", json={"ascending": True, "date": first[-1]["updated"]}))
    assert [c["id"] for c in rest] == [refs[2]["id"], v1[0]["id"]]
    assert ok(api.post("/v2/contacts/list", json={"limit": 1, "page": 1}))[0]["id"] == refs[2]["id"]


def test_list_shows_only_the_callers_contacts(api: HttpApi, other_api: HttpApi) -> None:
    create_v2(other_api, channel("phone", unique_phone()))
    assert ok(api.post("/v2/contacts/list", json={})) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"limit": 0}, "limit", id="limit-0"),
        pytest.param({"limit": 501}, "limit", id="limit-501"),
        pytest.param({"page": -1}, "page", id="page-negative"),
        pytest.param({"date": "yesterday"}, "date", id="date-bad"),
        pytest.param({"ascending": "yes"}, "ascending", id="ascending-string"),
    ],
)
def test_list_refuses_bad_options(api: HttpApi, body: dict[str, Any], field: str) -> None:
    assert_error(api.post("/v2/contacts/list", json=body), 400, "bad_data", field=field)


# --- every v2 route with a body refuses an empty or non-object one --------------------------------


BODY_ROUTES = [
    pytest.param("POST", "/v2/contact", id="create"),
    pytest.param("PUT", "/v2/contact/{}", id="update"),
    pytest.param("POST", "/v2/contacts", id="bulk-write"),
    pytest.param("DELETE", "/v2/contacts", id="bulk-delete"),
    pytest.param("POST", "/v2/contacts/list", id="list"),
    pytest.param("POST", "/v2/contacts/search", id="search"),
    pytest.param("POST", "/v2/contact/{}/channel", id="add-channel"),
    pytest.param("PUT", "/v2/contact/{}/channel", id="replace-channel"),
]


@pytest.mark.parametrize(("method", "template"), BODY_ROUTES)
@pytest.mark.parametrize("content", [b"", b"   ", b"null", b"[]", b'"text"', b"{", b"\xff\xfe"])
def test_an_empty_or_malformed_body_is_a_400_that_writes_nothing(
    api: HttpApi, db: Sql, method: str, template: str, content: bytes
) -> None:
    ref = create_v2(api, channel("phone", unique_phone()))
    before = read_v2(api, ref["uuid"])
    response = api.request(method, template.format(ref["uuid"]), content=content)
    assert_error(response, 400, "bad_data")
    assert read_v2(api, ref["uuid"]) == before
    assert db.count_contacts(api.team.team_id) == 1
