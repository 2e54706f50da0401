"""Custom contact fields through the real server: ``POST /v1/contact-fields`` and
``POST /v1/contacts/fields`` (contract section 5), and contacts holding their values."""

from __future__ import annotations

import json
from typing import Any

import pytest

from checks import Sql, assert_error, ok, read
from support import HttpApi, unique_phone


@pytest.fixture
def rows(backend: str, database_url: str) -> Sql:
    return Sql(backend, database_url)


def list_fields(api: HttpApi) -> list[dict[str, Any]]:
    answer: list[dict[str, Any]] = ok(api.post("/v1/contact-fields", json={}))
    return answer


def create_fields(api: HttpApi, *titles: str) -> list[dict[str, Any]]:
    answer: list[dict[str, Any]] = ok(
        api.post("/v1/contacts/fields", json=[{"title": title} for title in titles])
    )
    return answer


def make_field(api: HttpApi, title: str = "Plan") -> int:
    (created,) = create_fields(api, title)
    return int(created["id"])


# --- listing ---------------------------------------------------------------------------------


def test_a_new_team_has_no_fields(api: HttpApi) -> None:
    assert list_fields(api) == []


def test_create_answers_each_title_in_order_and_the_list_shows_them_oldest_first(
    api: HttpApi,
) -> None:
    first = create_fields(api, "Plan", "Region")
    plan_id, region_id = (item["id"] for item in first)
    assert first == [
        {"id": plan_id, "title": "Plan", "duplicate": False},
        {"id": region_id, "title": "Region", "duplicate": False},
    ]
    assert all(type(item["id"]) is int and item["id"] > 0 for item in first)
    (tier,) = create_fields(api, "Tier")
    assert list_fields(api) == [
        {"id": plan_id, "title": "Plan"},
        {"id": region_id, "title": "Region"},
        {"id": tier["id"], "title": "Tier"},
    ]


def test_the_list_shows_only_the_callers_fields(api: HttpApi, other_api: HttpApi) -> None:
    create_fields(api, "Plan")
    create_fields(other_api, "Theirs")
    assert [item["title"] for item in list_fields(api)] == ["Plan"]
    assert [item["title"] for item in list_fields(other_api)] == ["Theirs"]


def test_the_list_ignores_unknown_members(api: HttpApi) -> None:
    create_fields(api, "Plan")
    response = api.post("/v1/contact-fields", json={"limit": 1, "team_id": 999})
    assert [item["title"] for item in ok(response)] == ["Plan"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"[]", id="array"),
        pytest.param(b'"fields"', id="string"),
        pytest.param(b"{", id="not-json"),
    ],
)
def test_the_list_refuses_a_body_that_is_no_object(api: HttpApi, body: bytes) -> None:
    assert_error(api.post("/v1/contact-fields", content=body), 400, "bad_data")


# --- duplicates --------------------------------------------------------------------------------


def test_a_title_the_team_has_is_a_duplicate_and_makes_no_field(api: HttpApi, rows: Sql) -> None:
    plan_id = make_field(api, "Plan")
    answer = create_fields(api, "Tier", "Plan")
    assert answer == [
        {"id": answer[0]["id"], "title": "Tier", "duplicate": False},
        {"id": plan_id, "title": "Plan", "duplicate": True},
    ]
    assert rows.fields(api.team.team_id) == 2


def test_a_title_sent_twice_in_one_call_makes_one_field(api: HttpApi, rows: Sql) -> None:
    answer = create_fields(api, "Plan", "Tier", "Plan")
    plan_id = answer[0]["id"]
    assert answer == [
        {"id": plan_id, "title": "Plan", "duplicate": False},
        {"id": answer[1]["id"], "title": "Tier", "duplicate": False},
        {"id": plan_id, "title": "Plan", "duplicate": True},
    ]
    assert rows.fields(api.team.team_id) == 2


@pytest.mark.parametrize(
    ("stored", "sent"),
    [
        pytest.param("Plan", "plan", id="lower-case"),
        pytest.param("Plan", "  PLAN\t", id="upper-case-padded"),
        pytest.param("Straße", "STRASSE", id="case-folded"),
        pytest.param("Caf\u00e9", "Cafe\u0301", id="nfc-and-nfd"),
    ],
)
def test_the_same_title_ignores_case_spaces_around_and_unicode_form(
    api: HttpApi, rows: Sql, stored: str, sent: str
) -> None:
    field_id = make_field(api, stored)
    assert create_fields(api, sent) == [{"id": field_id, "title": stored, "duplicate": True}]
    assert list_fields(api) == [{"id": field_id, "title": stored}]


def test_another_team_may_have_the_same_title(api: HttpApi, other_api: HttpApi) -> None:
    mine = make_field(api, "Plan")
    (theirs,) = create_fields(other_api, "Plan")
    assert theirs == {"id": theirs["id"], "title": "Plan", "duplicate": False}
    assert theirs["id"] != mine


def test_an_empty_array_makes_nothing(api: HttpApi) -> None:
    assert ok(api.post("/v1/contacts/fields", json=[])) == []
    assert list_fields(api) == []


# --- titles ----------------------------------------------------------------------------------


def test_a_title_is_stored_trimmed(api: HttpApi) -> None:
    assert create_fields(api, "  Plan \n")[0]["title"] == "Plan"
    assert [item["title"] for item in list_fields(api)] == ["Plan"]


def test_a_title_of_255_characters_is_accepted_after_trimming(api: HttpApi) -> None:
    title = "t" * 255
    assert create_fields(api, f" {title} ")[0]["title"] == title


def test_unknown_item_members_are_ignored(api: HttpApi) -> None:
    body = [{"title": "Plan", "id": 5, "duplicate": True}]
    (answer,) = ok(api.post("/v1/contacts/fields", json=body))
    assert answer == {"id": answer["id"], "title": "Plan", "duplicate": False}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param([{"title": ""}], "[0].title", id="empty-title"),
        pytest.param([{"title": " \t\n"}], "[0].title", id="blank-title"),
        pytest.param([{"title": "Plan"}, {"title": "x" * 256}], "[1].title", id="256-chars"),
        pytest.param([{"title": 5}], "[0].title", id="number-title"),
        pytest.param([{"title": None}], "[0].title", id="null-title"),
        pytest.param([{"title": ["Plan"]}], "[0].title", id="array-title"),
        pytest.param([{"title": "Plan"}, {}], "[1].title", id="missing-title"),
        pytest.param([{"title": "Pl\x00an"}], "[0].title", id="nul"),
        pytest.param(["Plan"], "[0]", id="string-item"),
        pytest.param([None], "[0]", id="null-item"),
        pytest.param({"title": "Plan"}, None, id="object-body"),
        pytest.param("Plan", None, id="string-body"),
        pytest.param(None, None, id="null-body"),
    ],
)
def test_create_refuses_bad_input_naming_the_field_and_writes_nothing(
    api: HttpApi, rows: Sql, body: Any, field: str | None
) -> None:
    response = api.post("/v1/contacts/fields", json=body)
    assert_error(response, 400, "bad_data", field=field)
    assert rows.fields(api.team.team_id) == 0


@pytest.mark.parametrize("content", [b"", b"[", b'[{"title": "Plan"}'], ids=["empty", "[", "open"])
def test_create_refuses_a_body_that_is_no_json(api: HttpApi, rows: Sql, content: bytes) -> None:
    assert_error(api.post("/v1/contacts/fields", content=content), 400, "bad_data")
    assert rows.fields(api.team.team_id) == 0


def test_a_thousand_items_are_accepted(api: HttpApi, rows: Sql) -> None:
    answer = create_fields(api, *(f"field {n}" for n in range(1000)))
    assert [item["title"] for item in answer] == [f"field {n}" for n in range(1000)]
    assert not any(item["duplicate"] for item in answer)
    assert rows.fields(api.team.team_id) == 1000


def test_more_than_a_thousand_items_are_refused(api: HttpApi, rows: Sql) -> None:
    body = [{"title": f"field {n}"} for n in range(1001)]
    response = api.post("/v1/contacts/fields", json=body)
    assert_error(response, 400, "bad_data")
    assert "1000" in response.json()["message"]
    assert rows.fields(api.team.team_id) == 0


def test_a_thousand_long_escaped_titles_fit_the_bulk_body_limit(api: HttpApi) -> None:
    titles = [f"{n:04d}" + "\u00e9" * 251 for n in range(1000)]
    content = json.dumps([{"title": title} for title in titles]).encode()  # \u00e9 escapes
    assert len(content) > 1024 * 1024
    answer = ok(api.post("/v1/contacts/fields", content=content))
    assert [item["title"] for item in answer] == titles


# --- contacts hold values of fields made through the route ----------------------------------


def test_a_contact_holds_a_value_of_a_field_made_through_the_route(api: HttpApi) -> None:
    plan, region = (item["id"] for item in create_fields(api, "Plan", "Region"))
    phone = unique_phone()
    contact_id = api.create_contact(phone=phone, custom={str(plan): "Premium"})
    assert read(api, contact_id)["custom"] == {str(plan): "Premium"}
    response = api.put(
        f"/v1/contact/{contact_id}", json={"phone": phone, "custom": {str(region): "EU"}}
    )
    assert response.status_code == 200, response.text
    assert read(api, contact_id)["custom"] == {str(plan): "Premium", str(region): "EU"}


def test_a_duplicate_answers_the_id_contacts_use(api: HttpApi) -> None:
    make_field(api, "Plan")
    (duplicate,) = create_fields(api, "plan")
    contact_id = api.create_contact(custom={str(duplicate["id"]): "Premium"})
    assert read(api, contact_id)["custom"] == {str(duplicate["id"]): "Premium"}


def test_a_field_of_another_team_is_refused_on_a_contact(api: HttpApi, other_api: HttpApi) -> None:
    theirs = make_field(other_api, "Plan")
    response = api.post("/v1/contact", json={"phone": unique_phone(), "custom": {str(theirs): "x"}})
    assert_error(response, 400, "bad_data", field=f"custom.{theirs}")
