"""``GET /v1/team`` and ``GET /v1/inboxes`` through the real server (contract section 7)."""

from __future__ import annotations

import json

import pytest

from checks import Sql, assert_error, assert_same_json, assert_unauthorized
from heymarket_contacts.server.errors import BadData
from heymarket_contacts.server.service.admin import ROLE_ADMIN, ROLE_OWNER, AdminService
from support import HttpApi, unique_phone


@pytest.fixture
def sql(backend: str, database_url: str) -> Sql:
    return Sql(backend, database_url)


def owner_id(admin: AdminService, api: HttpApi) -> int:
    (secret,) = admin.list_secrets(api.team.team_id)
    return secret.user_id


# --- GET /v1/team ---------------------------------------------------------------------------


def test_team_members_carry_their_role_names(api: HttpApi, admin: AdminService) -> None:
    team_id = api.team.team_id
    grace = admin.create_user(team_id, first_name="Grace", last_name="Hopper", role_id=ROLE_ADMIN)
    ada = admin.create_user(team_id, first_name="Ada", role_id=ROLE_OWNER)
    response = api.get("/v1/team")
    assert response.status_code == 200
    body = response.json()
    assert body["members"] == [
        {"id": owner_id(admin, api), "name": "Owner", "role": "owner"},
        {"id": grace.id, "name": "Grace Hopper", "role": "admin"},
        {"id": ada.id, "name": "Ada", "role": "owner"},
    ]


# --- GET /v1/inboxes ------------------------------------------------------------------------


def test_a_team_without_inboxes_lists_none(api: HttpApi) -> None:
    response = api.get("/v1/inboxes")
    assert response.status_code == 200
    assert response.json() == []


def test_inboxes_answer_every_field(api: HttpApi, admin: AdminService) -> None:
    team_id = api.team.team_id
    grace = admin.create_user(team_id, first_name="Grace")
    ada = admin.create_user(team_id, first_name="Ada")
    phone = unique_phone()
    support = admin.create_inbox(
        team_id, name="Support", phone=f"+{phone}", member_ids=[ada.id, grace.id, ada.id]
    )
    sales = admin.create_inbox(team_id, name="Sales")
    response = api.get("/v1/inboxes")
    assert response.status_code == 200
    assert_same_json(
        response.json(),
        [
            {
                "id": support.id, "name": "Support", "team": team_id,
                "members": [grace.id, ada.id], "phones": [phone], "phone": phone,
                "auto_assignable": False, "forward_number": "", "allowed_domains": [],
            },
            {
                "id": sales.id, "name": "Sales", "team": team_id, "members": [], "phones": [],
                "phone": "", "auto_assignable": False, "forward_number": "",
                "allowed_domains": [],
            },
        ],
    )  # fmt: skip


def test_inboxes_show_the_forwarding_and_assignment_settings(
    api: HttpApi, admin: AdminService, sql: Sql
) -> None:
    inbox = admin.create_inbox(api.team.team_id, name="Night shift")
    forward = unique_phone()
    sql.rows(
        "UPDATE inboxes SET auto_assignable = ?, forward_number = ?, allowed_domains = ?"
        " WHERE id = ?",
        True if sql.backend == "postgres" else 1,
        forward,
        json.dumps(["example.com", "example.org"]),
        inbox.id,
    )
    (listed,) = api.get("/v1/inboxes").json()
    assert_same_json(
        listed,
        {
            "id": inbox.id, "name": "Night shift", "team": api.team.team_id, "members": [],
            "phones": [], "phone": "", "auto_assignable": True, "forward_number": forward,
            "allowed_domains": ["example.com", "example.org"],
        },
    )  # fmt: skip


def test_inboxes_of_another_team_are_never_listed(
    api: HttpApi, other_api: HttpApi, admin: AdminService
) -> None:
    mine = admin.create_inbox(api.team.team_id, name="Mine")
    stranger = admin.create_user(other_api.team.team_id, first_name="Mallory")
    theirs = admin.create_inbox(other_api.team.team_id, name="Theirs", member_ids=[stranger.id])
    assert [inbox["id"] for inbox in api.get("/v1/inboxes").json()] == [mine.id]
    assert [inbox["id"] for inbox in other_api.get("/v1/inboxes").json()] == [theirs.id]


def test_an_inbox_member_must_be_a_user_of_the_inbox_team(
    api: HttpApi, other_api: HttpApi, admin: AdminService
) -> None:
    stranger = admin.create_user(other_api.team.team_id, first_name="Mallory")
    with pytest.raises(BadData, match="is not a user of team") as raised:
        admin.create_inbox(api.team.team_id, name="Leaky", member_ids=[stranger.id])
    assert raised.value.field == "member"
    assert api.get("/v1/inboxes").json() == []


def test_inboxes_need_credentials(api: HttpApi) -> None:
    assert_unauthorized(api.get("/v1/inboxes", authorization=""), "missing Authorization header")


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_inboxes_answer_get_only(api: HttpApi, method: str) -> None:
    assert_error(api.request(method, "/v1/inboxes"), 405, "method_not_allowed")
