"""``POST /v1/batch/contacts`` through the real server (contract 3, 5; docs/api.md "Batch")."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from checks import (
    CLOSE,
    MIB,
    Sql,
    assert_error,
    channel,
    count_all,
    create_v2,
    ok,
    read,
    read_v2,
)
from heymarket_contacts.server.service.admin import AdminService
from support import HttpApi, TeamCredentials, unique_phone

Contact = dict[str, Any]
BATCH = "/v1/batch/contacts"
UUID7 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


@pytest.fixture
def db(backend: str, database_url: str) -> Sql:
    return Sql(backend, database_url)


def batch(api: HttpApi, items: Any, overwrite: str | None = None) -> httpx.Response:
    params = {} if overwrite is None else {"overwrite": overwrite}
    return api.post(BATCH, content=json.dumps(items).encode(), params=params)


def find(api: HttpApi, phone: str) -> Contact:
    """The contact with ``phone``, through ``POST /v1/contact/get``."""
    contact: Contact = ok(api.post("/v1/contact/get", json={"phone": phone}))
    return contact


def is_absent(api: HttpApi, phone: str) -> bool:
    response = api.post("/v1/contact/get", json={"phone": phone})
    assert response.status_code in (200, 404), response.text
    return response.status_code == 404


def failures_of(response: httpx.Response) -> list[dict[str, Any]]:
    """The failure list of a batch answer, each error checked for its exact shape."""
    failures = ok(response)
    assert isinstance(failures, list), failures
    for failure in failures:
        assert set(failure) == {"index", "contact", "error"}
        error = failure["error"]
        assert set(error) == {"error", "message"}
        assert isinstance(error["message"], str)
        assert error["message"]
    return failures


def bad_data(index: int, item: Any, failure: dict[str, Any]) -> dict[str, Any]:
    """The failure the contract describes for ``item``, its message taken from ``failure``."""
    message = failure["error"]["message"]
    return {"index": index, "contact": item, "error": {"error": "bad_data", "message": message}}


def assert_failed(response: httpx.Response, items: list[Any], indexes: list[int]) -> None:
    """Exactly the items at ``indexes`` failed, each echoed as sent, with ``bad_data``."""
    failures = failures_of(response)
    assert [failure["index"] for failure in failures] == indexes
    assert failures == [
        bad_data(index, items[index], failure)
        for index, failure in zip(indexes, failures, strict=True)
    ]


# --- valid items ----------------------------------------------------------------------------


def test_a_batch_of_valid_items_answers_ok_and_creates_them(api: HttpApi, db: Sql) -> None:
    field_id = str(db.make_field(api.team.team_id))
    items = [
        {"phone": unique_phone(), "first": "Ada", "last": "Lovelace"},
        {"phone": f"+{unique_phone()}", "email": "grace@example.com", "custom": {field_id: "x"}},
        {"phone": unique_phone(), "display_name": "Countess", "is_opted_out": True},
    ]
    assert ok(batch(api, items)) == "ok"
    found = [find(api, item["phone"]) for item in items]
    for item, contact in zip(items, found, strict=True):
        assert contact == read(api, contact["id"])
        written = {key: contact[key] for key in item if key != "phone"}
        assert written == {key: value for key, value in item.items() if key != "phone"}
        assert contact["phone"] == item["phone"].removeprefix("+")
        assert (contact["op"], contact["rev"]) == ("create", 1)
    assert found[0]["display_name"] == "Ada Lovelace"
    assert count_all(api) == 3


def test_an_empty_batch_answers_ok(api: HttpApi) -> None:
    assert ok(batch(api, [])) == "ok"
    assert count_all(api) == 0


def test_every_contact_of_a_batch_has_its_own_updated(api: HttpApi) -> None:
    before = api.create_contact()
    assert ok(batch(api, [{"phone": unique_phone()} for _ in range(50)])) == "ok"
    after = api.create_contact()
    contacts = ok(api.post("/v1/contacts", json={"limit": 500, "ascending": True}))
    assert len(contacts) == 52
    assert [contacts[0]["id"], contacts[-1]["id"]] == [before, after]
    assert len({contact["updated"] for contact in contacts}) == 52
    assert all(contact["created"] == contact["updated"] for contact in contacts)


# --- items that fail ------------------------------------------------------------------------


def test_invalid_items_fail_alone_and_valid_ones_are_written(api: HttpApi) -> None:
    good = [unique_phone() for _ in range(3)]
    taken_by_failures = [unique_phone() for _ in range(5)]
    items: list[Any] = [
        {"phone": good[0], "first": "Ada"},
        {"phone": "123", "first": "Short"},
        {"phone": f"+{good[1]}"},
        {"first": "No phone"},
        {"phone": taken_by_failures[0], "email": "not-an-email"},
        {"phone": taken_by_failures[1], "first": 5},
        {"phone": taken_by_failures[2], "first": "a" * 256},
        {"phone": good[2], "last": "Lovelace"},
        {"phone": taken_by_failures[3], "tags": "x"},
        {"phone": taken_by_failures[4], "custom": {"not-an-id": "x"}},
        {"phone": "+12", "first": "Ünïcode", "extra": {"a": [1, 2.5, None, True, "é"]}},
    ]
    assert_failed(batch(api, items), items, [1, 3, 4, 5, 6, 8, 9, 10])
    assert [find(api, phone)["phone"] for phone in good] == good
    assert all(is_absent(api, phone) for phone in taken_by_failures)
    assert count_all(api) == 3


@pytest.mark.parametrize(
    "item",
    [
        pytest.param("15105553344", id="string"),
        pytest.param(15105553344, id="number"),
        pytest.param(None, id="null"),
        pytest.param(True, id="true"),
        pytest.param([{"phone": "15105553344"}], id="array"),
        pytest.param(2**70, id="huge-number"),
    ],
)
def test_an_item_that_is_not_an_object_fails_alone(api: HttpApi, item: Any) -> None:
    phones = [unique_phone(), unique_phone()]
    items = [{"phone": phones[0]}, item, {"phone": phones[1]}]
    assert_failed(batch(api, items), items, [1])
    assert [find(api, phone)["phone"] for phone in phones] == phones
    assert count_all(api) == 2


def test_an_item_with_a_nul_character_fails_alone(api: HttpApi) -> None:
    phones = [unique_phone(), unique_phone(), unique_phone()]
    items = [{"phone": phones[0]}, {"phone": phones[1], "first": "a\u0000b"}, {"phone": phones[2]}]
    response = batch(api, items)
    assert response.status_code == 200, response.text
    assert_failed(response, items, [1])
    assert count_all(api) == 2


def foreign_references(admin: AdminService, other: TeamCredentials, db: Sql) -> list[Any]:
    """One write-shape fragment for each kind of id, each of the other team."""
    return [
        {"tags": [{"tag_id": db.make_tag(other.team_id)}]},
        {"custom": {str(db.make_field(other.team_id)): "x"}},
        {"assignee_id": admin.create_user(other.team_id, first_name="Mallory").id},
        {"inbox_id": admin.create_inbox(other.team_id, name="Theirs").id},
    ]


def test_items_naming_another_teams_ids_fail_alone(
    api: HttpApi, other_api: HttpApi, admin: AdminService, db: Sql
) -> None:
    references = foreign_references(admin, other_api.team, db)
    phones = [unique_phone() for _ in range(len(references) + 2)]
    items = [
        {"phone": phones[0]},
        *({"phone": phone, **ref} for phone, ref in zip(phones[1:], references, strict=False)),
        {"phone": phones[-1]},
    ]
    assert_failed(batch(api, items), items, [1, 2, 3, 4])
    assert [is_absent(api, phone) for phone in phones] == [False, True, True, True, True, False]
    assert count_all(api) == 2


def test_an_invalid_item_leaves_its_match_unchanged_with_overwrite(api: HttpApi) -> None:
    phone = unique_phone()
    contact_id = api.create_contact(phone=phone, first="Ada")
    before = read(api, contact_id)
    items = [{"phone": phone, "first": "Changed", "email": "not-an-email"}]
    assert_failed(batch(api, items, overwrite="true"), items, [0])
    assert read(api, contact_id) == before


# --- matching by phone ----------------------------------------------------------------------


@pytest.mark.parametrize("overwrite", [None, "false", "0"], ids=["absent", "false", "0"])
def test_an_existing_phone_is_skipped_without_overwrite(
    api: HttpApi, db: Sql, overwrite: str | None
) -> None:
    field_id = str(db.make_field(api.team.team_id))
    phone = unique_phone()
    contact_id = api.create_contact(phone=phone, first="Ada", custom={field_id: "kept"})
    before = read(api, contact_id)
    new_phone = unique_phone()
    items = [{"phone": f"+{phone}", "first": "Changed", "custom": {}}, {"phone": new_phone}]
    assert ok(batch(api, items, overwrite)) == "ok"
    assert read(api, contact_id) == before
    assert find(api, new_phone)["rev"] == 1
    assert count_all(api) == 2


@pytest.mark.parametrize("overwrite", ["true", "1", "TRUE"])
def test_an_existing_phone_is_updated_with_overwrite(api: HttpApi, db: Sql, overwrite: str) -> None:
    plan, tier = (str(db.make_field(api.team.team_id)) for _ in range(2))
    phone = unique_phone()
    contact_id = api.create_contact(
        phone=phone, first="Ada", email="ada@example.com", custom={plan: "Basic", tier: "Gold"}
    )
    before = read(api, contact_id)
    items = [{"phone": phone, "last": "Lovelace", "custom": {plan: "Premium"}}]
    assert ok(batch(api, items, overwrite)) == "ok"
    after = read(api, contact_id)
    assert after == {
        **before, "last": "Lovelace", "display_name": "Ada Lovelace",
        "custom": {plan: "Premium"}, "op": "update", "rev": 2, "updated": after["updated"],
    }  # fmt: skip
    assert after["updated"] > before["updated"]
    assert count_all(api) == 1


@pytest.mark.parametrize(
    ("overwrite", "first", "rev"),
    [pytest.param("false", "One", 1, id="skipped"), pytest.param("true", "Two", 2, id="updated")],
)
def test_two_items_with_one_phone_make_one_contact(
    api: HttpApi, overwrite: str, first: str, rev: int
) -> None:
    phone = unique_phone()
    items = [{"phone": phone, "first": "One"}, {"phone": f"+{phone}", "first": "Two"}]
    assert ok(batch(api, items, overwrite)) == "ok"
    contact = find(api, phone)
    assert (contact["first"], contact["rev"]) == (first, rev)
    assert count_all(api) == 1


def assert_conflicts(response: httpx.Response, items: list[Any], indexes: list[int]) -> None:
    """Exactly the items at ``indexes`` failed, each with ``conflict``."""
    failures = failures_of(response)
    assert [(f["index"], f["contact"], f["error"]["error"]) for f in failures] == [
        (index, items[index], "conflict") for index in indexes
    ]


def test_an_email_held_by_an_earlier_item_fails_alone(api: HttpApi) -> None:
    phones = [unique_phone() for _ in range(3)]
    items = [
        {"phone": phones[0], "email": "Shared@Example.com"},
        {"phone": phones[1], "email": "shared@example.COM"},
        {"phone": phones[2], "email": "other@example.com"},
    ]
    assert_conflicts(batch(api, items), items, [1])
    assert find(api, phones[0])["email"] == "Shared@Example.com"
    assert is_absent(api, phones[1])
    assert find(api, phones[2])["email"] == "other@example.com"
    assert count_all(api) == 2


def test_an_email_held_by_a_stored_contact_fails_alone(api: HttpApi) -> None:
    api.create_contact(phone=unique_phone(), email="taken@example.com")
    items = [{"phone": unique_phone(), "email": "TAKEN@example.com"}, {"phone": unique_phone()}]
    assert_conflicts(batch(api, items), items, [0])
    assert is_absent(api, items[0]["phone"])
    assert find(api, items[1]["phone"])["rev"] == 1


def test_an_overwrite_updates_a_contact_made_earlier_in_the_batch(api: HttpApi, db: Sql) -> None:
    tag = db.make_tag(api.team.team_id)
    phone, other = unique_phone(), unique_phone()
    items = [
        {"phone": phone, "first": "Ada", "email": "ada@example.com"},
        {"phone": other, "first": "Grace"},
        {"phone": phone, "last": "Lovelace", "email": "countess@example.com",
         "tags": [{"tag_id": tag}]},
        {"phone": unique_phone(), "email": "ada@example.com"},
    ]  # fmt: skip
    assert ok(batch(api, items, "true")) == "ok"
    contact = find(api, phone)
    assert (contact["first"], contact["last"], contact["email"], contact["rev"]) == (
        "Ada", "Lovelace", "countess@example.com", 2,
    )  # fmt: skip
    assert [t["id"] for t in contact["tags"]] == [tag]
    assert find(api, items[3]["phone"])["email"] == "ada@example.com"  # freed by item 2
    assert find(api, other)["first"] == "Grace"
    assert count_all(api) == 3


def test_an_email_an_overwrite_takes_is_taken_for_later_items(api: HttpApi) -> None:
    phone = unique_phone()
    api.create_contact(phone=phone, email="before@example.com")
    items = [
        {"phone": unique_phone(), "email": "before@example.com"},
        {"phone": phone, "email": "after@example.com"},
        {"phone": unique_phone(), "email": "after@example.com"},
        {"phone": unique_phone(), "email": "before@example.com"},
    ]
    assert_conflicts(batch(api, items, "true"), items, [0, 2])
    assert find(api, phone)["email"] == "after@example.com"
    assert is_absent(api, items[2]["phone"])
    assert find(api, items[3]["phone"])["email"] == "before@example.com"
    assert count_all(api) == 2


def test_a_batch_of_overwrites_updates_every_match(api: HttpApi) -> None:
    phones = [unique_phone() for _ in range(300)]
    assert ok(batch(api, [{"phone": phone} for phone in phones])) == "ok"
    items = [
        {"phone": phone, "first": f"Person {n}", "email": f"person{n}@example.com"}
        for n, phone in enumerate(phones)
    ]
    assert ok(batch(api, items, "true")) == "ok"
    for n in (0, 150, 299):
        contact = find(api, phones[n])
        assert (contact["first"], contact["email"], contact["rev"]) == (
            f"Person {n}", f"person{n}@example.com", 2,
        )  # fmt: skip
    assert count_all(api) == 300


def test_text_with_tabs_newlines_backslashes_and_quotes_is_stored_as_sent(
    api: HttpApi, db: Sql
) -> None:
    """The rows a batch inserts go in by COPY on PostgreSQL, whose text format escapes these."""
    field_id = str(db.make_field(api.team.team_id))
    awkward = "tab\there, new\nline, back\\slash \\N, \"quoted\", 'single', ünï ✓, \r end"
    items = [
        {"phone": unique_phone(), "first": awkward, "last": "\\.", "external_id": "\\N",
         "external_ref": awkward, "custom": {field_id: awkward}, "email": "o'brien@example.com"},
    ]  # fmt: skip
    assert ok(batch(api, items)) == "ok"
    contact = find(api, items[0]["phone"])
    assert (contact["first"], contact["last"], contact["external_id"], contact["external_ref"]) == (
        awkward, "\\.", "\\N", awkward,
    )  # fmt: skip
    assert (contact["custom"], contact["email"]) == ({field_id: awkward}, "o'brien@example.com")
    assert contact["display_name"] == f"{awkward} \\."


def test_a_phone_held_as_another_channel_matches_that_contact(api: HttpApi) -> None:
    primary, second = unique_phone(), unique_phone()
    made = create_v2(api, channel("phone", primary), channel("phone", second), first="Ada")
    items = [{"phone": second, "first": "Changed"}]
    assert ok(batch(api, items)) == "ok"
    assert read_v2(api, made["uuid"])["first"] == "Ada"
    assert ok(batch(api, items, "true")) == "ok"
    assert read_v2(api, made["uuid"])["first"] == "Changed"
    assert count_all(api) == 1


def test_tags_and_fields_are_checked_for_each_item(api: HttpApi, db: Sql) -> None:
    tag, field_id = db.make_tag(api.team.team_id), str(db.make_field(api.team.team_id))
    not_ours = tag + 10_000  # no tag of this team
    items = [
        {"phone": unique_phone(), "tags": [{"tag_id": tag}], "custom": {field_id: "a"}},
        {"phone": unique_phone(), "tags": [{"tag_id": not_ours}]},
        {"phone": unique_phone(), "tags": [{"tag_id": tag}], "custom": {field_id: "b"}},
        {"phone": unique_phone(), "custom": {str(int(field_id) + 10_000): "c"}},
        {"phone": unique_phone(), "tags": [{"tag_id": 2**63}, {"tag_id": tag}]},
        {"phone": unique_phone(), "tags": [{"tag_id": -tag}]},
        {"phone": unique_phone(), "custom": {"9" * 19: "d"}},
        {"phone": unique_phone(), "tags": [{"tag_id": tag}]},
    ]
    assert_failed(batch(api, items), items, [1, 3, 4, 5, 6])
    for item, value in ((items[0], "a"), (items[2], "b")):
        contact = find(api, item["phone"])
        assert ([t["id"] for t in contact["tags"]], contact["custom"]) == ([tag], {field_id: value})
    assert [t["id"] for t in find(api, items[7]["phone"])["tags"]] == [tag]
    assert count_all(api) == 3


def test_a_batch_of_new_contacts_gives_each_its_channels(api: HttpApi) -> None:
    items = [
        {"phone": unique_phone(), "email": f"person{n}@example.com"} if n % 2 else
        {"phone": unique_phone()}
        for n in range(20)
    ]  # fmt: skip
    assert ok(batch(api, items)) == "ok"
    for item in items:
        contact = read_v2(api, find(api, item["phone"])["uuid"])
        channels = {(ch["channel_type"], ch["channel_id"]) for ch in contact["contact_channels"]}
        expected = {("phone", item["phone"])} | (
            {("email", item["email"])} if "email" in item else set()
        )
        assert channels == expected


def test_a_batchs_contacts_and_channels_get_time_ordered_ids_in_item_order(api: HttpApi) -> None:
    before = read(api, api.create_contact())["uuid"]
    items = [{"phone": unique_phone(), "email": f"ordered{n}@example.com"} for n in range(30)]
    assert ok(batch(api, items)) == "ok"
    contacts = [read_v2(api, find(api, item["phone"])["uuid"]) for item in items]
    uuids = [contact["uuid"] for contact in contacts]
    channel_ids = [ch["id"] for contact in contacts for ch in contact["contact_channels"]]
    assert [before, *uuids] == sorted([before, *uuids])
    assert len(set(uuids + channel_ids)) == 90
    assert all(UUID7.fullmatch(text) for text in uuids + channel_ids)
    assert uuids[-1] < min(channel_ids)  # the contacts' ids are made first, then their channels'
    for contact in contacts:
        channels = contact["contact_channels"]
        assert {ch["contact_id"] for ch in channels} == {contact["uuid"]}
        assert {(ch["created"], ch["updated"]) for ch in channels} == {
            (contact["created"], contact["created"])
        }


def test_read_only_fields_of_an_item_are_ignored(api: HttpApi, other_api: HttpApi) -> None:
    phone = unique_phone()
    existing = api.create_contact(phone=phone, first="Ada")
    before = read(api, existing)
    new_phone = unique_phone()
    item = {
        "phone": new_phone, "id": existing, "uuid": before["uuid"], "rev": 9,
        "team_id": other_api.team.team_id, "op": "status", "created": "2001-01-01T00:00:00Z",
    }  # fmt: skip
    assert ok(batch(api, [item], "true")) == "ok"
    created = find(api, new_phone)
    assert created["id"] != existing
    assert created["uuid"] != before["uuid"]
    assert (created["team_id"], created["rev"], created["op"]) == (api.team.team_id, 1, "create")
    assert read(api, existing) == before


@pytest.mark.parametrize("overwrite", ["maybe", "yes", "2"])
def test_an_overwrite_that_is_no_boolean_is_a_400(api: HttpApi, overwrite: str) -> None:
    response = batch(api, [{"phone": unique_phone()}], overwrite)
    assert_error(response, 400, "bad_data", field="overwrite")
    assert count_all(api) == 0


# --- sizes ----------------------------------------------------------------------------------


def test_a_batch_of_1000_items_is_written(api: HttpApi) -> None:
    phones = [unique_phone() for _ in range(1000)]
    assert ok(batch(api, [{"phone": phone} for phone in phones])) == "ok"
    assert count_all(api) == 1000
    contacts: list[Contact] = []
    options: dict[str, Any] = {"limit": 500, "ascending": True}
    while page := ok(api.post("/v1/contacts", json=options)):
        contacts.extend(page)
        options["date"] = page[-1]["updated"]
    assert sorted(contact["phone"] for contact in contacts) == sorted(phones)
    assert len({contact["id"] for contact in contacts}) == 1000
    assert len({contact["updated"] for contact in contacts}) == 1000


def test_a_batch_of_1001_items_is_a_400_and_writes_nothing(api: HttpApi) -> None:
    response = batch(api, [{"phone": unique_phone()} for _ in range(1001)])
    assert_error(response, 400, "bad_data")
    assert count_all(api) == 0


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"{}", id="object"),
        pytest.param(b'{"contacts": [{"phone": "15105553344"}]}', id="v2-shape"),
        pytest.param(b'"15105553344"', id="string"),
        pytest.param(b"15105553344", id="number"),
        pytest.param(b"null", id="null"),
        pytest.param(b'[{"phone": "15105553344"}', id="invalid-json"),
        pytest.param(b'[{"phone": "15105553344"},]', id="trailing-comma"),
        pytest.param(b"[] []", id="two-documents"),
        pytest.param(b"", id="empty"),
        pytest.param(b'[{"first": "\xff"}]', id="not-utf8"),
    ],
)
def test_a_body_that_is_not_an_array_is_a_400(api: HttpApi, body: bytes) -> None:
    assert_error(api.post(BATCH, content=body), 400, "bad_data")
    assert count_all(api) == 0


def sized_batch(size: int, count: int) -> tuple[bytes, list[str]]:
    """A batch of ``count`` valid items, padded with an ignored field to exactly ``size`` bytes."""
    phones = [unique_phone() for _ in range(count)]
    items = [{"phone": phone, "padding": ""} for phone in phones]
    extra = size - len(json.dumps(items).encode())
    for index, item in enumerate(items):
        item["padding"] = "a" * (extra // count + (1 if index < extra % count else 0))
    body = json.dumps(items).encode()
    assert len(body) == size
    return body, phones


def chunks(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    """The body as a generator, so httpx sends it chunked, without a Content-Length."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_over_5_mib_is_a_413_and_writes_nothing(api: HttpApi, chunked: bool) -> None:
    body, _ = sized_batch(5 * MIB + 1, 900)
    response = api.post(BATCH, content=chunks(body) if chunked else body, headers=CLOSE)
    assert_error(response, 413, "payload_too_large")
    assert count_all(api) == 0


def test_a_body_of_exactly_5_mib_is_accepted(api: HttpApi) -> None:
    body, phones = sized_batch(5 * MIB, 900)
    assert ok(api.post(BATCH, content=body)) == "ok"
    assert count_all(api) == 900
    assert find(api, phones[-1])["phone"] == phones[-1]


def test_a_body_between_1_and_5_mib_is_accepted_here_only(api: HttpApi) -> None:
    body, phones = sized_batch(2 * MIB, 200)
    assert ok(api.post(BATCH, content=chunks(body))) == "ok"
    assert count_all(api) == 200
    assert find(api, phones[0])["phone"] == phones[0]
    single = json.dumps({"phone": unique_phone(), "padding": "a" * (2 * MIB)}).encode()
    response = api.post("/v1/contact", content=single, headers=CLOSE)
    assert_error(response, 413, "payload_too_large")
    assert count_all(api) == 200


# --- another team ---------------------------------------------------------------------------


def test_another_team_cannot_see_or_touch_a_batchs_contacts(
    api: HttpApi, other_api: HttpApi
) -> None:
    phones = [unique_phone() for _ in range(3)]
    assert ok(batch(api, [{"phone": phone, "first": "Ada"} for phone in phones])) == "ok"
    mine = [find(api, phone) for phone in phones]
    assert all(is_absent(other_api, phone) for phone in phones)
    assert ok(other_api.post("/v1/contacts", json={})) == []
    assert count_all(other_api) == 0
    overwrite = [{"phone": phone, "first": "Mallory"} for phone in phones]
    assert ok(batch(other_api, overwrite, "true")) == "ok"
    assert [find(api, phone) for phone in phones] == mine
    assert [find(other_api, phone)["first"] for phone in phones] == ["Mallory"] * 3
    assert count_all(api) == 3
