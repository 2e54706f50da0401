"""``/v1/users/get`` and ``/v1/users/update`` through the real server (contract section 7)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from checks import TIMESTAMP, assert_error, assert_same_json
from heymarket_contacts.server.service.admin import ROLE_ADMIN, AdminService
from support import HttpApi, unique_phone


@dataclass(frozen=True)
class People:
    """The ``api`` team's users, and a stranger of another team sharing Grace's phone and email."""

    owner: int
    grace: int
    ada: int
    stranger: int
    grace_phone: str
    ada_phone: str


@pytest.fixture
def people(api: HttpApi, other_api: HttpApi, admin: AdminService) -> People:
    team_id = api.team.team_id
    (secret,) = admin.list_secrets(team_id)
    grace_phone, ada_phone = unique_phone(), unique_phone()
    grace = admin.create_user(
        team_id, first_name="Grace", last_name="Hopper", email="Grace@Example.com",
        phone=grace_phone, role_id=ROLE_ADMIN,
    )  # fmt: skip
    ada = admin.create_user(team_id, first_name="Ada", email="ada@example.org", phone=ada_phone)
    stranger = admin.create_user(
        other_api.team.team_id, first_name="Mallory", email="grace@example.com", phone=grace_phone
    )
    return People(secret.user_id, grace.id, ada.id, stranger.id, grace_phone, ada_phone)


def memberships(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["memberships"]
    for member in body["memberships"]:
        assert TIMESTAMP.fullmatch(member["created_at"]), member
        assert TIMESTAMP.fullmatch(member["updated_at"]), member
    found: list[dict[str, Any]] = body["memberships"]
    return found


def ids(response: httpx.Response) -> list[int]:
    return [member["id"] for member in memberships(response)]


def everyone(api: HttpApi) -> list[dict[str, Any]]:
    return memberships(api.get("/v1/users/get"))


# --- /v1/users/get --------------------------------------------------------------------------


def test_get_without_a_body_answers_every_user_of_the_team(api: HttpApi, people: People) -> None:
    found = everyone(api)
    team_id = api.team.team_id
    stamps = {member["id"]: (member["created_at"], member["updated_at"]) for member in found}
    assert_same_json(
        found,
        [
            {
                "id": people.owner, "name": "Owner", "email": "", "phone": "", "role_id": 1,
                "team_id": team_id, "created_at": stamps[people.owner][0],
                "updated_at": stamps[people.owner][1],
            },
            {
                "id": people.grace, "name": "Grace Hopper", "email": "Grace@Example.com",
                "phone": people.grace_phone, "role_id": 2, "team_id": team_id,
                "created_at": stamps[people.grace][0], "updated_at": stamps[people.grace][1],
            },
            {
                "id": people.ada, "name": "Ada", "email": "ada@example.org",
                "phone": people.ada_phone, "role_id": 3, "team_id": team_id,
                "created_at": stamps[people.ada][0], "updated_at": stamps[people.ada][1],
            },
        ],
    )  # fmt: skip
    assert all(created == updated for created, updated in stamps.values())


Call = Callable[[HttpApi], httpx.Response]
EVERYONE_CALLS = [
    pytest.param(lambda api: api.get("/v1/users/get", content=b"{}"), id="GET-{}"),
    pytest.param(lambda api: api.get("/v1/users/get", content=b" \r\n"), id="GET-blank"),
    pytest.param(lambda api: api.post("/v1/users/get"), id="POST-no-body"),
    pytest.param(lambda api: api.post("/v1/users/get", json={}), id="POST-{}"),
    pytest.param(
        lambda api: api.post("/v1/users/get", json={"phone": [], "email": []}), id="empty-lists"
    ),
]


@pytest.mark.parametrize("call", EVERYONE_CALLS)
def test_no_item_to_look_for_answers_every_user(api: HttpApi, people: People, call: Call) -> None:
    assert memberships(call(api)) == everyone(api)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    ("lookup", "names"),
    [
        pytest.param(lambda p: {"phone": [p.grace_phone]}, ["grace"], id="phone"),
        pytest.param(lambda p: {"phone": [f"+{p.ada_phone}"]}, ["ada"], id="phone-with-plus"),
        pytest.param(lambda p: {"email": ["GRACE@example.COM"]}, ["grace"], id="email-any-case"),
        pytest.param(lambda p: {"email": [" ada@example.org "]}, ["ada"], id="email-spaces"),
        pytest.param(
            lambda p: {"phone": [p.ada_phone], "email": ["grace@example.com"]},
            ["grace", "ada"],
            id="phone-or-email",
        ),
        pytest.param(
            lambda p: {"phone": [p.grace_phone, p.grace_phone, p.ada_phone]},
            ["grace", "ada"],
            id="repeats-count-once",
        ),
        pytest.param(lambda p: {"phone": [unique_phone()]}, [], id="unknown-phone"),
        pytest.param(lambda p: {"email": ["nobody@example.com"]}, [], id="unknown-email"),
        pytest.param(lambda p: {"email": ["ada@example.org.evil"]}, [], id="no-partial-match"),
    ],
)
def test_users_are_found_by_phone_or_email(
    api: HttpApi,
    people: People,
    method: str,
    lookup: Callable[[People], dict[str, Any]],
    names: list[str],
) -> None:
    response = api.request(method, "/v1/users/get", json=lookup(people))
    assert ids(response) == [getattr(people, name) for name in names]


def test_another_teams_user_is_never_found(
    api: HttpApi, other_api: HttpApi, people: People
) -> None:
    lookup = {"phone": [people.grace_phone], "email": ["grace@example.com"]}
    assert ids(api.post("/v1/users/get", json=lookup)) == [people.grace]
    assert ids(other_api.post("/v1/users/get", json=lookup)) == [people.stranger]
    assert people.stranger not in ids(api.get("/v1/users/get"))


def body(value: Any) -> bytes:
    return json.dumps(value).encode()


HOSTILE_LOOKUPS = [
    pytest.param(b"{", None, id="malformed-json"),
    pytest.param(b"[]", None, id="json-array"),
    pytest.param(b"null", None, id="json-null"),
    pytest.param(body({"phone": "15105553344"}), "phone", id="phone-not-a-list"),
    pytest.param(body({"phone": [15105553344]}), "phone[0]", id="phone-int"),
    pytest.param(body({"phone": ["15105553344", None]}), "phone[1]", id="phone-null"),
    pytest.param(body({"phone": ["12345"]}), "phone[0]", id="phone-short"),
    pytest.param(body({"phone": ["0123456789"]}), "phone[0]", id="phone-leading-0"),
    pytest.param(body({"phone": [""]}), "phone[0]", id="phone-empty"),
    pytest.param(body({"phone": ["1" * 33]}), "phone[0]", id="phone-33"),
    pytest.param(body({"phone": ["1510555\u00003344"]}), "phone[0]", id="phone-nul"),
    pytest.param(body({"email": "a@example.com"}), "email", id="email-not-a-list"),
    pytest.param(body({"email": ["nope"]}), "email[0]", id="email-shape"),
    pytest.param(body({"email": ["a@example.com", ""]}), "email[1]", id="email-empty"),
    pytest.param(body({"email": ["a" * 250 + "@x.com"]}), "email[0]", id="email-256"),
    pytest.param(body({"email": ["a\u0000@example.com"]}), "email[0]", id="email-nul"),
    pytest.param(body({"email": ["a@example.com"] * 1001}), "email", id="1001-emails"),
]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(("content", "field"), HOSTILE_LOOKUPS)
def test_a_hostile_lookup_is_a_400_naming_the_field(
    api: HttpApi, people: People, method: str, content: bytes, field: str | None
) -> None:
    response = api.request(method, "/v1/users/get", content=content)
    assert_error(response, 400, "bad_data", field=field)


# --- /v1/users/update -----------------------------------------------------------------------


def update(api: HttpApi, *users: dict[str, Any]) -> httpx.Response:
    return api.post("/v1/users/update", json={"users": list(users)})


def by_id(api: HttpApi) -> dict[int, dict[str, Any]]:
    return {member["id"]: member for member in everyone(api)}


def test_update_changes_the_fields_sent_and_answers_the_users_in_order(
    api: HttpApi, people: People
) -> None:
    before = by_id(api)
    response = update(
        api,
        {"id": people.ada, "last_name": "Lovelace", "role_id": ROLE_ADMIN},
        {"id": people.grace, "first_name": "  Amazing Grace "},
    )
    answered = memberships(response)
    after = by_id(api)
    assert answered == [after[people.ada], after[people.grace]]
    assert after[people.ada] == {
        **before[people.ada], "name": "Ada Lovelace", "role_id": 2,
        "updated_at": after[people.ada]["updated_at"],
    }  # fmt: skip
    assert after[people.grace] == {
        **before[people.grace], "name": "Amazing Grace Hopper",
        "updated_at": after[people.grace]["updated_at"],
    }  # fmt: skip
    for user_id in (people.ada, people.grace):
        assert after[user_id]["updated_at"] > before[user_id]["updated_at"]
    assert after[people.owner] == before[people.owner]


def test_update_with_only_an_id_is_still_a_write(api: HttpApi, people: People) -> None:
    before = by_id(api)[people.ada]
    (answered,) = memberships(update(api, {"id": people.ada}))
    assert answered == {**before, "updated_at": answered["updated_at"]}
    assert answered["updated_at"] > before["updated_at"]


def test_an_empty_last_name_clears_it(api: HttpApi, people: People) -> None:
    (answered,) = memberships(update(api, {"id": people.grace, "last_name": ""}))
    assert answered["name"] == "Grace"


def test_an_empty_list_updates_nobody(api: HttpApi, people: People) -> None:
    before = everyone(api)
    assert memberships(update(api)) == []
    assert everyone(api) == before


def test_update_ignores_read_only_and_unknown_fields(
    api: HttpApi, other_api: HttpApi, people: People
) -> None:
    before = by_id(api)[people.ada]
    item = {
        "id": people.ada, "team_id": other_api.team.team_id, "email": "mallory@example.com",
        "phone": unique_phone(), "name": "Mallory", "created_at": "2001-01-01T00:00:00Z",
        "role": "owner", "favourite_colour": "blue",
    }  # fmt: skip
    (answered,) = memberships(update(api, item))
    assert answered == {**before, "updated_at": answered["updated_at"]}
    assert people.ada not in ids(other_api.get("/v1/users/get"))


def test_the_owner_may_hand_over_ownership_in_one_call(api: HttpApi, people: People) -> None:
    answered = memberships(
        update(api, {"id": people.owner, "role_id": 3}, {"id": people.grace, "role_id": 1})
    )
    assert [(member["id"], member["role_id"]) for member in answered] == [
        (people.owner, 3),
        (people.grace, 1),
    ]
    # the API secret still acts as its own user, now a member
    assert api.get("/v1/team").status_code == 200


def test_the_last_owner_cannot_step_down(api: HttpApi, people: People) -> None:
    before = everyone(api)
    response = update(
        api, {"id": people.ada, "first_name": "Augusta"}, {"id": people.owner, "role_id": 2}
    )
    assert_error(response, 400, "bad_data", field="users[1].role_id")
    assert everyone(api) == before


def test_a_user_of_another_team_is_not_found_and_nothing_changes(
    api: HttpApi, other_api: HttpApi, people: People
) -> None:
    before, theirs = everyone(api), everyone(other_api)
    response = update(
        api, {"id": people.ada, "first_name": "Changed"}, {"id": people.stranger, "role_id": 1}
    )
    assert_error(response, 404, "not_found", field="users[1].id")
    assert everyone(api) == before
    assert everyone(other_api) == theirs


def test_an_id_never_made_is_not_found(api: HttpApi, people: People) -> None:
    before = everyone(api)
    response = update(api, {"id": people.ada, "role_id": 1}, {"id": 2**62})
    assert_error(response, 404, "not_found", field="users[1].id")
    assert everyone(api) == before


def item(people: People, **fields: Any) -> dict[str, Any]:
    return {"id": people.ada, **fields}


HOSTILE_UPDATES: list[Any] = [
    pytest.param(lambda p: b"", None, id="empty-body"),
    pytest.param(lambda p: b"{", None, id="malformed-json"),
    pytest.param(lambda p: body([item(p)]), None, id="bare-array"),
    pytest.param(lambda p: body({}), "users", id="users-missing"),
    pytest.param(lambda p: body({"users": None}), "users", id="users-null"),
    pytest.param(lambda p: body({"users": item(p)}), "users", id="users-object"),
    pytest.param(lambda p: body({"users": [item(p)] * 1001}), "users", id="1001-users"),
    pytest.param(lambda p: body({"users": [{"role_id": 1}]}), "users[0].id", id="id-missing"),
    pytest.param(lambda p: body({"users": [{"id": str(p.ada)}]}), "users[0].id", id="id-string"),
    pytest.param(lambda p: body({"users": [{"id": 0}]}), "users[0].id", id="id-0"),
    pytest.param(lambda p: body({"users": [{"id": -1}]}), "users[0].id", id="id-negative"),
    pytest.param(lambda p: body({"users": [{"id": 2**63}]}), "users[0].id", id="id-2-63"),
    pytest.param(lambda p: body({"users": [{"id": 10**30}]}), "users[0].id", id="id-huge"),
    pytest.param(lambda p: body({"users": [{"id": 1.5}]}), "users[0].id", id="id-float"),
    pytest.param(lambda p: body({"users": [item(p, role_id=4)]}), "users[0].role_id", id="role-4"),
    pytest.param(lambda p: body({"users": [item(p, role_id=0)]}), "users[0].role_id", id="role-0"),
    pytest.param(
        lambda p: body({"users": [item(p, role_id="1")]}), "users[0].role_id", id="role-string"
    ),
    pytest.param(
        lambda p: body({"users": [item(p, role_id=True)]}), "users[0].role_id", id="role-bool"
    ),
    pytest.param(
        lambda p: body({"users": [item(p, first_name="")]}), "users[0].first_name", id="first-empty"
    ),
    pytest.param(
        lambda p: body({"users": [item(p, first_name="   ")]}),
        "users[0].first_name",
        id="first-blank",
    ),
    pytest.param(
        lambda p: body({"users": [item(p, first_name="a" * 256)]}),
        "users[0].first_name",
        id="first-256",
    ),
    pytest.param(
        lambda p: body({"users": [item(p, first_name=None)]}),
        "users[0].first_name",
        id="first-null",
    ),
    pytest.param(
        lambda p: body({"users": [item(p, last_name=7)]}), "users[0].last_name", id="last-int"
    ),
    pytest.param(
        lambda p: body({"users": [item(p, last_name="a" * 256)]}),
        "users[0].last_name",
        id="last-256",
    ),
    pytest.param(
        lambda p: body({"users": [item(p, first_name="Ad\u0000a")]}),
        "users[0].first_name",
        id="first-nul",
    ),
    pytest.param(
        lambda p: body({"users": [{"id": p.grace, "first_name": "G"}, item(p), {"id": p.grace}]}),
        "users[2].id",
        id="repeated-id",
    ),
    pytest.param(
        lambda p: body({"users": [{"id": p.grace, "first_name": "G"}, item(p, first_name="")]}),
        "users[1].first_name",
        id="second-item-fails",
    ),
]


@pytest.mark.parametrize(("make_body", "field"), HOSTILE_UPDATES)
def test_a_hostile_update_is_a_400_naming_the_field_and_changes_nothing(
    api: HttpApi, people: People, make_body: Callable[[People], bytes], field: str | None
) -> None:
    before = everyone(api)
    response = api.post("/v1/users/update", content=make_body(people))
    assert_error(response, 400, "bad_data", field=field)
    assert everyone(api) == before


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/users/update"), ("PUT", "/v1/users/get"), ("DELETE", "/v1/users/get")],
)
def test_wrong_methods_are_not_allowed(api: HttpApi, method: str, path: str) -> None:
    assert_error(api.request(method, path), 405, "method_not_allowed")
