"""Lookup, status and conditional writes through the real server (contract 5, 8; docs/api.md)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from checks import assert_error, ok, read
from support import HttpApi, unique_phone

Contact = dict[str, Any]


def lookup(api: HttpApi, **body: Any) -> httpx.Response:
    return api.post("/v1/contact/get", json=body)


def status_of(api: HttpApi, **body: Any) -> dict[str, Any]:
    answer: dict[str, Any] = ok(api.post("/v1/contact/status", json=body))
    return answer


def set_status(
    api: HttpApi, status: str, headers: dict[str, str] | None = None, **body: Any
) -> httpx.Response:
    return api.post(
        "/v1/contact/set_status", json={**body, "status": status}, headers=headers or {}
    )


# --- POST /v1/contact/get -------------------------------------------------------------------


@pytest.mark.parametrize("plus", ["", "+"], ids=["digits", "plus"])
def test_get_by_phone_answers_the_contact_and_its_etag(api: HttpApi, plus: str) -> None:
    phone = unique_phone()
    api.create_contact(first="Decoy")
    contact_id = api.create_contact(phone=phone, first="Ada", email="ada@example.com")
    response = lookup(api, phone=f"{plus}{phone}")
    assert ok(response) == read(api, contact_id)
    assert response.headers["etag"] == '"1"'


@pytest.mark.parametrize(
    "make_id", [pytest.param(int, id="integer"), pytest.param(str, id="string")]
)
def test_get_by_id_answers_the_contact(api: HttpApi, make_id: Callable[[int], Any]) -> None:
    api.create_contact(first="Decoy")
    contact_id = api.create_contact(first="Ada")
    response = lookup(api, id=make_id(contact_id))
    assert ok(response) == read(api, contact_id)
    assert response.headers["etag"] == '"1"'


def test_the_phone_wins_when_both_are_given(api: HttpApi) -> None:
    phone = unique_phone()
    by_phone = api.create_contact(phone=phone, first="Phone")
    by_id = api.create_contact(first="Id")
    assert ok(lookup(api, phone=phone, id=by_id)) == read(api, by_phone)
    assert ok(lookup(api, id=str(by_id), phone=f"+{phone}"))["id"] == by_phone


def test_an_unknown_phone_is_not_found_even_with_a_known_id(api: HttpApi) -> None:
    contact_id = api.create_contact()
    assert_error(lookup(api, phone=unique_phone(), id=contact_id), 404, "not_found")


@pytest.mark.parametrize(
    "make_body",
    [
        pytest.param(lambda _: {"phone": "19999999999"}, id="unknown-phone"),
        pytest.param(lambda known: {"id": known + 10_000}, id="unknown-id"),
        pytest.param(lambda known: {"id": str(known + 10_000)}, id="unknown-id-string"),
        pytest.param(lambda _: {"id": 0}, id="id-0"),
        pytest.param(lambda _: {"id": "0"}, id="id-string-0"),
        pytest.param(lambda _: {"id": -5}, id="id-negative"),
        pytest.param(lambda _: {"id": 2**63 - 1}, id="id-2-63-minus-1"),
        pytest.param(lambda _: {"id": 2**63}, id="id-2-63"),
        pytest.param(lambda _: {"id": 2**64}, id="id-2-64"),
        pytest.param(lambda _: {"id": 10**30}, id="id-10-30"),
        pytest.param(lambda _: {"id": str(2**63)}, id="id-string-2-63"),
        pytest.param(lambda _: {"id": "9" * 20}, id="id-string-20-nines"),
    ],
)
def test_a_contact_that_does_not_exist_is_not_found(
    api: HttpApi, make_body: Callable[[int], dict[str, Any]]
) -> None:
    body = make_body(api.create_contact())
    assert_error(lookup(api, **body), 404, "not_found")
    assert_error(api.post("/v1/contact/status", json=body), 404, "not_found")


def test_another_teams_contact_is_not_found(api: HttpApi, other_api: HttpApi) -> None:
    phone = unique_phone()
    contact_id = api.create_contact(phone=phone)
    for body in ({"phone": phone}, {"id": contact_id}, {"id": str(contact_id)}):
        assert_error(lookup(other_api, **body), 404, "not_found")
        assert_error(other_api.post("/v1/contact/status", json=body), 404, "not_found")


def test_a_lookup_naming_nothing_is_a_400(api: HttpApi) -> None:
    api.create_contact()
    for path in ("/v1/contact/get", "/v1/contact/status"):
        response = api.post(path, json={"name": "Ada"})
        assert response.status_code == 400, response.text
        body = response.json()
        assert body["error"] == "bad_data"
        assert body["field"] in ("phone", "id")


def raw(text: str) -> bytes:
    return text.encode()


HOSTILE_LOOKUPS = [
    pytest.param(raw('{"id": "12a"}'), "id", id="id-12a"),
    pytest.param(raw('{"id": ""}'), "id", id="id-empty"),
    pytest.param(raw('{"id": " 12"}'), "id", id="id-space"),
    pytest.param(raw('{"id": "-5"}'), "id", id="id-string-negative"),
    pytest.param(raw('{"id": "1.5"}'), "id", id="id-string-float"),
    pytest.param(raw('{"id": "0x10"}'), "id", id="id-hex"),
    pytest.param(raw('{"id": "\\u0661\\u0662"}'), "id", id="id-arabic-indic-digits"),
    pytest.param(raw(f'{{"id": "{"9" * 21}"}}'), "id", id="id-string-21-digits"),
    pytest.param(raw('{"id": 1.5}'), "id", id="id-float"),
    pytest.param(raw('{"id": true}'), "id", id="id-true"),
    pytest.param(raw('{"id": null}'), "id", id="id-null"),
    pytest.param(raw('{"id": [1]}'), "id", id="id-array"),
    pytest.param(raw('{"id": "1\\u0000"}'), "id", id="id-nul"),
    pytest.param(raw('{"phone": "12"}'), "phone", id="phone-short"),
    pytest.param(raw('{"phone": "abc"}'), "phone", id="phone-letters"),
    pytest.param(raw('{"phone": ""}'), "phone", id="phone-empty"),
    pytest.param(raw('{"phone": 15105553344}'), "phone", id="phone-number"),
    pytest.param(raw('{"phone": null}'), "phone", id="phone-null"),
    pytest.param(raw(f'{{"phone": "{"1" * 40}"}}'), "phone", id="phone-40-digits"),
    pytest.param(raw('{"phone": "15105553344\\u0000"}'), "phone", id="phone-nul"),
    pytest.param(raw('{"phone": "bad", "id": 1}'), "phone", id="bad-phone-wins"),
    pytest.param(raw("[]"), None, id="json-array"),
    pytest.param(raw('"15105553344"'), None, id="json-string"),
    pytest.param(raw('{"phone": '), None, id="invalid-json"),
    pytest.param(raw(""), None, id="empty-body"),
]


@pytest.mark.parametrize("path", ["/v1/contact/get", "/v1/contact/status"])
@pytest.mark.parametrize(("body", "field"), HOSTILE_LOOKUPS)
def test_a_hostile_lookup_is_a_400_naming_the_field(
    api: HttpApi, path: str, body: bytes, field: str | None
) -> None:
    api.create_contact()
    assert_error(api.post(path, content=body), 400, "bad_data", field=field)


# --- POST /v1/contact/status ----------------------------------------------------------------


def test_status_answers_exactly_four_fields(api: HttpApi) -> None:
    phone = unique_phone()
    contact_id = api.create_contact(phone=phone, first="Ada", is_opted_out=True)
    expected = {"id": contact_id, "phone": phone, "unsubscribed": True, "blocked": False}
    for body in ({"phone": phone}, {"phone": f"+{phone}"}, {"id": contact_id}):
        answer = status_of(api, **body)
        assert answer == expected
        assert [type(value) for value in answer.values()] == [int, str, bool, bool]


def test_status_is_a_read(api: HttpApi) -> None:
    contact_id = api.create_contact()
    before = read(api, contact_id)
    status_of(api, id=contact_id)
    assert read(api, contact_id) == before


# --- POST /v1/contact/set_status ------------------------------------------------------------


def make_in_state(api: HttpApi, *, unsubscribed: bool, blocked: bool) -> tuple[int, str]:
    """A contact with that status, made through the API; its id and phone."""
    phone = unique_phone()
    contact_id = api.create_contact(phone=phone, is_opted_out=unsubscribed)
    if blocked:
        assert ok(set_status(api, "blocked", id=contact_id)) == "success"
    assert status_of(api, id=contact_id) == {
        "id": contact_id, "phone": phone, "unsubscribed": unsubscribed, "blocked": blocked,
    }  # fmt: skip
    return contact_id, phone


#: (unsubscribed, blocked) before, the verb, (unsubscribed, blocked) after.
STATUS_TABLE = [
    ((False, False), "unsubscribed", (True, False)),
    ((False, True), "unsubscribed", (True, True)),
    ((True, True), "unsubscribed", (True, True)),
    ((True, False), "subscribed", (False, False)),
    ((True, True), "subscribed", (False, True)),
    ((False, False), "subscribed", (False, False)),
    ((False, False), "blocked", (False, True)),
    ((True, False), "blocked", (True, True)),
    ((False, True), "blocked", (False, True)),
    ((True, True), "unblocked", (True, False)),
    ((False, True), "unblocked", (False, False)),
    ((True, False), "unblocked", (True, False)),
    ((True, True), "active", (False, False)),
    ((True, False), "active", (False, False)),
    ((False, True), "active", (False, False)),
    ((False, False), "active", (False, False)),
]


@pytest.mark.parametrize("by", ["id", "phone"])
@pytest.mark.parametrize(
    ("before", "verb", "after"),
    [
        pytest.param(before, verb, after, id=f"{verb}-from-{before[0]:d}{before[1]:d}")
        for before, verb, after in STATUS_TABLE
    ],
)
def test_set_status_changes_the_status_and_is_a_write(
    api: HttpApi, by: str, before: tuple[bool, bool], verb: str, after: tuple[bool, bool]
) -> None:
    contact_id, phone = make_in_state(api, unsubscribed=before[0], blocked=before[1])
    old = read(api, contact_id)
    name = {"id": contact_id} if by == "id" else {"phone": phone}
    assert ok(set_status(api, verb, **name)) == "success"
    new = read(api, contact_id)
    assert new == {
        **old, "is_opted_out": after[0], "op": "status", "rev": old["rev"] + 1,
        "updated": new["updated"],
    }  # fmt: skip
    assert new["updated"] > old["updated"]
    assert status_of(api, **name) == {
        "id": contact_id, "phone": phone, "unsubscribed": after[0], "blocked": after[1],
    }  # fmt: skip


def test_set_status_moves_the_contact_to_the_front_of_the_listing(api: HttpApi) -> None:
    contact_id = api.create_contact()
    newer = api.create_contact()
    assert ok(set_status(api, "active", id=str(contact_id))) == "success"
    listed = ok(api.post("/v1/contacts", json={}))
    assert [contact["id"] for contact in listed] == [contact_id, newer]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        pytest.param({"status": "deleted"}, "status", id="unknown"),
        pytest.param({"status": "ACTIVE"}, "status", id="upper-case"),
        pytest.param({"status": "active "}, "status", id="trailing-space"),
        pytest.param({"status": ""}, "status", id="empty"),
        pytest.param({"status": 1}, "status", id="number"),
        pytest.param({"status": None}, "status", id="null"),
        pytest.param({"status": ["active"]}, "status", id="array"),
        pytest.param({"status": "active\u0000"}, "status", id="nul"),
    ],
)
def test_set_status_refuses_an_unknown_status_and_writes_nothing(
    api: HttpApi, extra: dict[str, Any], field: str
) -> None:
    contact_id = api.create_contact(is_opted_out=True)
    before = read(api, contact_id)
    response = api.post("/v1/contact/set_status", content=json.dumps({"id": contact_id, **extra}))
    assert_error(response, 400, "bad_data", field=field)
    assert read(api, contact_id) == before


def test_set_status_without_a_status_is_a_400_naming_it(api: HttpApi) -> None:
    contact_id = api.create_contact(is_opted_out=True)
    before = read(api, contact_id)
    response = api.post("/v1/contact/set_status", json={"id": contact_id})
    assert read(api, contact_id) == before
    assert_error(response, 400, "bad_data", field="status")


def test_set_status_of_a_missing_or_foreign_contact_is_not_found(
    api: HttpApi, other_api: HttpApi
) -> None:
    phone = unique_phone()
    contact_id = api.create_contact(phone=phone)
    before = read(api, contact_id)
    for body in ({"phone": phone}, {"id": contact_id}, {"id": str(contact_id)}):
        assert_error(set_status(other_api, "unsubscribed", **body), 404, "not_found")
    assert_error(set_status(api, "blocked", id=contact_id + 10_000), 404, "not_found")
    assert_error(set_status(api, "blocked", phone=unique_phone()), 404, "not_found")
    assert_error(set_status(api, "blocked", id=2**64), 404, "not_found")
    assert read(api, contact_id) == before


def test_set_status_naming_nothing_is_a_400(api: HttpApi) -> None:
    response = set_status(api, "active")
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "bad_data"


# --- conditional writes ---------------------------------------------------------------------

Write = Callable[[HttpApi, int, str, dict[str, str]], httpx.Response]


def put_write(api: HttpApi, contact_id: int, phone: str, headers: dict[str, str]) -> httpx.Response:
    body = {"phone": phone, "first": "Changed"}
    return api.put(f"/v1/contact/{contact_id}", json=body, headers=headers)


def status_write(
    api: HttpApi, contact_id: int, phone: str, headers: dict[str, str]
) -> httpx.Response:
    return set_status(api, "unsubscribed", headers, id=contact_id)


def status_write_by_phone(
    api: HttpApi, contact_id: int, phone: str, headers: dict[str, str]
) -> httpx.Response:
    return set_status(api, "unsubscribed", headers, phone=phone)


def delete_write(
    api: HttpApi, contact_id: int, phone: str, headers: dict[str, str]
) -> httpx.Response:
    return api.delete(f"/v1/contact/{contact_id}", headers=headers)


WRITES = [
    pytest.param(put_write, "ok-ref", id="PUT"),
    pytest.param(status_write, "success", id="set_status"),
    pytest.param(status_write_by_phone, "success", id="set_status-by-phone"),
    pytest.param(delete_write, "ok", id="DELETE"),
]


def at_rev_2(api: HttpApi) -> tuple[int, str, Contact]:
    """A contact written twice (rev 2): its id, phone and body."""
    phone = unique_phone()
    contact_id = api.create_contact(phone=phone, first="Ada")
    response = api.put(f"/v1/contact/{contact_id}", json={"phone": phone, "last": "Lovelace"})
    assert ok(response)["rev"] == 2
    return contact_id, phone, read(api, contact_id)


def assert_written(api: HttpApi, response: httpx.Response, answer: str, before: Contact) -> None:
    """The write succeeded and is visible: the contact is gone or at the next rev."""
    body = ok(response)
    contact_id = before["id"]
    if answer == "ok":
        assert body == "ok"
        assert_error(api.get(f"/v1/contact/{contact_id}"), 404, "not_found")
        return
    after = read(api, contact_id)
    assert after["rev"] == before["rev"] + 1
    if answer == "ok-ref":
        assert body == {"id": contact_id, "rev": after["rev"], "uuid": before["uuid"]}
    else:
        assert body == answer


@pytest.mark.parametrize(("write", "answer"), WRITES)
@pytest.mark.parametrize("if_match", ['"2"', "*"], ids=["rev", "star"])
def test_if_match_at_the_current_rev_or_star_writes(
    api: HttpApi, write: Write, answer: str, if_match: str
) -> None:
    contact_id, phone, before = at_rev_2(api)
    response = write(api, contact_id, phone, {"If-Match": if_match})
    assert_written(api, response, answer, before)


@pytest.mark.parametrize(("write", "answer"), WRITES)
@pytest.mark.parametrize("stale", ['"1"', '"3"', '"0"', '"999999999999999999"'])
def test_if_match_at_another_rev_is_a_412_and_writes_nothing(
    api: HttpApi, write: Write, answer: str, stale: str
) -> None:
    contact_id, phone, before = at_rev_2(api)
    response = write(api, contact_id, phone, {"If-Match": stale})
    assert_error(response, 412, "precondition_failed")
    assert read(api, contact_id) == before


@pytest.mark.parametrize(("write", "answer"), WRITES)
@pytest.mark.parametrize(
    "if_match", ["abc", '"abc"', '"-1"', '"1.0"', '"99999999999999999999"', ""]
)
def test_a_malformed_if_match_is_a_400_and_writes_nothing(
    api: HttpApi, write: Write, answer: str, if_match: str
) -> None:
    contact_id, phone, before = at_rev_2(api)
    response = write(api, contact_id, phone, {"If-Match": if_match})
    assert_error(response, 400, "bad_data", field="If-Match")
    assert read(api, contact_id) == before


@pytest.mark.parametrize(("write", "answer"), WRITES)
def test_a_write_with_the_etag_of_a_read_succeeds_once(
    api: HttpApi, write: Write, answer: str
) -> None:
    contact_id, phone, before = at_rev_2(api)
    etag = api.get(f"/v1/contact/{contact_id}").headers["etag"]
    assert_written(api, write(api, contact_id, phone, {"If-Match": etag}), answer, before)
    second = write(api, contact_id, phone, {"If-Match": etag})
    if answer == "ok":
        assert_error(second, 404, "not_found")
    else:
        assert_error(second, 412, "precondition_failed")


def test_if_match_on_another_teams_contact_is_not_found(api: HttpApi, other_api: HttpApi) -> None:
    contact_id, phone, before = at_rev_2(api)
    for write in (put_write, status_write, delete_write):
        response = write(other_api, contact_id, phone, {"If-Match": '"2"'})
        assert_error(response, 404, "not_found")
    assert read(api, contact_id) == before


def test_get_answers_the_rev_of_its_body_as_etag(api: HttpApi) -> None:
    phone = unique_phone()
    contact_id = api.create_contact(phone=phone)
    writes = [
        lambda: api.put(f"/v1/contact/{contact_id}", json={"phone": phone, "first": "Ada"}),
        lambda: set_status(api, "blocked", id=contact_id),
        lambda: set_status(api, "active", phone=phone),
    ]
    for expected_rev, make_write in enumerate([None, *writes], start=1):
        if make_write is not None:
            assert make_write().status_code == 200
        for response in (api.get(f"/v1/contact/{contact_id}"), lookup(api, id=contact_id)):
            body = ok(response)
            assert body["rev"] == expected_rev
            assert response.headers["etag"] == f'"{expected_rev}"'
