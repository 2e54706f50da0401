"""Notes on a contact through the real server (an extension, contract section 5)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from checks import TIMESTAMP, Sql, assert_error, ok, read
from heymarket_contacts.server.service.admin import AdminService
from support import HttpApi, TeamCredentials


@pytest.fixture
def rows(backend: str, database_url: str) -> Sql:
    return Sql(backend, database_url)


@pytest.fixture
def owner_id(admin: AdminService, team: TeamCredentials) -> int:
    """The user the team's API secret acts as: the team's owner."""
    (secret,) = admin.list_secrets(team.team_id)
    return secret.user_id


def add_note(api: HttpApi, contact_id: int, text: str = "Called back", **extra: Any) -> Any:
    return ok(api.post(f"/v1/contact/{contact_id}/note", json={"text": text, **extra}))


def delete_note(api: HttpApi, contact_id: int, note_id: str) -> Any:
    return api.delete(f"/v1/contact/{contact_id}/note/{note_id}")


# --- adding -------------------------------------------------------------------------------------


def test_a_note_answers_itself_by_the_secrets_owner(api: HttpApi, owner_id: int) -> None:
    contact_id = api.create_contact()
    note = add_note(api, contact_id, "Called back")
    assert note == {
        "id": note["id"],
        "date": note["date"],
        "name": "Owner",
        "text": "Called back",
        "user_id": owner_id,
    }
    assert uuid.UUID(note["id"]).version == 7
    assert str(uuid.UUID(note["id"])) == note["id"]
    assert TIMESTAMP.fullmatch(note["date"])


def test_a_note_is_a_write_to_the_contact(api: HttpApi) -> None:
    contact_id = api.create_contact(first="Ada")
    before = read(api, contact_id)
    note = add_note(api, contact_id)
    after = read(api, contact_id)
    assert after == {**before, "note": [note], "rev": 2, "op": "note", "updated": note["date"]}
    assert after["updated"] > before["updated"]


def test_notes_read_oldest_first(api: HttpApi) -> None:
    contact_id = api.create_contact()
    notes = [add_note(api, contact_id, f"note {n}") for n in range(3)]
    contact = read(api, contact_id)
    assert contact["note"] == notes
    assert contact["rev"] == 4
    assert [note["date"] for note in notes] == sorted({note["date"] for note in notes})


def test_a_note_by_a_user_of_the_team_carries_their_name(api: HttpApi, admin: AdminService) -> None:
    grace = admin.create_user(api.team.team_id, first_name="Grace", last_name="Hopper")
    contact_id = api.create_contact()
    note = add_note(api, contact_id, user_id=grace.id)
    assert (note["name"], note["user_id"]) == ("Grace Hopper", grace.id)
    assert read(api, contact_id)["note"] == [note]


def test_user_id_zero_means_the_secrets_owner(api: HttpApi, owner_id: int) -> None:
    note = add_note(api, api.create_contact(), user_id=0)
    assert (note["name"], note["user_id"]) == ("Owner", owner_id)


def test_the_text_is_kept_as_sent(api: HttpApi) -> None:
    text = "  first line\n\tsecond line — ✓  "
    contact_id = api.create_contact()
    assert add_note(api, contact_id, text)["text"] == text
    assert read(api, contact_id)["note"][0]["text"] == text


def test_a_note_of_10000_characters_is_accepted(api: HttpApi) -> None:
    text = "n" * 10_000
    assert add_note(api, api.create_contact(), text)["text"] == text


def test_read_only_members_of_the_body_are_ignored(api: HttpApi, owner_id: int) -> None:
    body = {"text": "hi", "id": "mine", "date": "2000-01-01T00:00:00Z", "name": "Mallory"}
    note = ok(api.post(f"/v1/contact/{api.create_contact()}/note", json=body))
    assert (note["name"], note["user_id"]) == ("Owner", owner_id)
    assert note["id"] != "mine"
    assert note["date"] > "2001"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({}, "text", id="missing-text"),
        pytest.param({"text": ""}, "text", id="empty-text"),
        pytest.param({"text": " \n\t"}, "text", id="blank-text"),
        pytest.param({"text": "n" * 10_001}, "text", id="10001-chars"),
        pytest.param({"text": 5}, "text", id="number-text"),
        pytest.param({"text": None}, "text", id="null-text"),
        pytest.param({"text": ["hi"]}, "text", id="array-text"),
        pytest.param({"text": "h\x00i"}, "text", id="nul-text"),
        pytest.param({"text": "hi", "user_id": -1}, "user_id", id="negative-user"),
        pytest.param({"text": "hi", "user_id": 2**63}, "user_id", id="user-2**63"),
        pytest.param({"text": "hi", "user_id": 10**25}, "user_id", id="user-huge"),
        pytest.param({"text": "hi", "user_id": 999_999_999}, "user_id", id="unknown-user"),
        pytest.param({"text": "hi", "user_id": "1"}, "user_id", id="string-user"),
        pytest.param({"text": "hi", "user_id": 1.5}, "user_id", id="float-user"),
        pytest.param({"text": "hi", "user_id": True}, "user_id", id="boolean-user"),
        pytest.param({"text": "hi", "user_id": None}, "user_id", id="null-user"),
        pytest.param([{"text": "hi"}], None, id="array-body"),
        pytest.param("hi", None, id="string-body"),
    ],
)
def test_a_bad_note_is_refused_naming_the_field_and_writes_nothing(
    api: HttpApi, rows: Sql, body: Any, field: str | None
) -> None:
    contact_id = api.create_contact()
    before = read(api, contact_id)
    response = api.post(f"/v1/contact/{contact_id}/note", json=body)
    assert_error(response, 400, "bad_data", field=field)
    assert read(api, contact_id) == before
    assert rows.notes(api.team.team_id) == 0


@pytest.mark.parametrize("content", [b"", b"{", b"\xff"], ids=["empty", "not-json", "not-utf8"])
def test_a_body_that_is_no_json_is_refused(api: HttpApi, rows: Sql, content: bytes) -> None:
    contact_id = api.create_contact()
    response = api.post(f"/v1/contact/{contact_id}/note", content=content)
    assert_error(response, 400, "bad_data")
    assert rows.notes(api.team.team_id) == 0


def test_a_user_of_another_team_is_refused(
    api: HttpApi, other_api: HttpApi, admin: AdminService, rows: Sql
) -> None:
    mallory = admin.create_user(other_api.team.team_id, first_name="Mallory")
    contact_id = api.create_contact()
    before = read(api, contact_id)
    response = api.post(
        f"/v1/contact/{contact_id}/note", json={"text": "hi", "user_id": mallory.id}
    )
    assert_error(response, 400, "bad_data", field="user_id")
    assert read(api, contact_id) == before
    assert rows.notes(api.team.team_id) == 0


# --- deleting -----------------------------------------------------------------------------------


def test_delete_answers_ok_and_is_a_write_to_the_contact(api: HttpApi) -> None:
    contact_id = api.create_contact()
    first, second = add_note(api, contact_id, "first"), add_note(api, contact_id, "second")
    before = read(api, contact_id)
    assert ok(delete_note(api, contact_id, first["id"])) == "ok"
    after = read(api, contact_id)
    assert after == {
        **before,
        "note": [second],
        "rev": 4,
        "op": "note",
        "updated": after["updated"],
    }
    assert after["updated"] > before["updated"]
    assert_error(delete_note(api, contact_id, first["id"]), 404, "not_found")
    assert read(api, contact_id) == after


def test_a_note_of_another_contact_is_not_found_and_untouched(api: HttpApi) -> None:
    mine, other = api.create_contact(), api.create_contact()
    note = add_note(api, other)
    before, other_before = read(api, mine), read(api, other)
    assert_error(delete_note(api, mine, note["id"]), 404, "not_found")
    assert read(api, mine) == before
    assert read(api, other) == other_before


@pytest.mark.parametrize(
    "note_id",
    [str(uuid.uuid4()), "abc", "0", "%00", "x" * 300, "'; DROP TABLE notes; --"],
    ids=["fresh-uuid", "word", "zero", "nul", "long", "sql"],
)
def test_a_note_id_never_made_is_not_found(api: HttpApi, note_id: str) -> None:
    contact_id = api.create_contact()
    add_note(api, contact_id)
    before = read(api, contact_id)
    assert_error(delete_note(api, contact_id, note_id), 404, "not_found")
    assert read(api, contact_id) == before


def test_a_note_id_in_upper_case_is_not_found(api: HttpApi) -> None:
    contact_id = api.create_contact()
    note = add_note(api, contact_id)
    assert_error(delete_note(api, contact_id, note["id"].upper()), 404, "not_found")
    assert read(api, contact_id)["note"] == [note]


def test_deleting_the_contact_deletes_its_notes(api: HttpApi, rows: Sql) -> None:
    contact_id = api.create_contact()
    add_note(api, contact_id)
    assert ok(api.delete(f"/v1/contact/{contact_id}")) == "ok"
    assert rows.notes(api.team.team_id) == 0


# --- contacts that are not the caller's -----------------------------------------------------------


def test_another_teams_contact_is_not_found_and_untouched(api: HttpApi, other_api: HttpApi) -> None:
    contact_id = api.create_contact()
    note = add_note(api, contact_id)
    before = read(api, contact_id)
    response = other_api.post(f"/v1/contact/{contact_id}/note", json={"text": "Mallory was here"})
    assert_error(response, 404, "not_found")
    assert_error(delete_note(other_api, contact_id, note["id"]), 404, "not_found")
    assert read(api, contact_id) == before


@pytest.mark.parametrize(
    "contact_id", ["abc", "0", "-1", "1.5", str(2**63), str(2**64), "9" * 19, "9" * 25]
)
def test_an_id_that_names_no_contact_is_not_found(api: HttpApi, contact_id: str) -> None:
    response = api.post(f"/v1/contact/{contact_id}/note", json={"text": "hi"})
    assert_error(response, 404, "not_found")
    assert_error(delete_note(api, contact_id, str(uuid.uuid4())), 404, "not_found")


def test_a_deleted_contact_takes_no_note(api: HttpApi, rows: Sql) -> None:
    contact_id = api.create_contact()
    ok(api.delete(f"/v1/contact/{contact_id}"))
    response = api.post(f"/v1/contact/{contact_id}/note", json={"text": "hi"})
    assert_error(response, 404, "not_found")
    assert rows.notes(api.team.team_id) == 0
