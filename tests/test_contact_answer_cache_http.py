"""``GET /v1/contact/{id}`` answers kept as ready bytes (SQLite) are never stale: after a write
through the API, the batch route, a tag delete, another server process on the same database, a
program that writes the file itself, or a delete, the next GET shows it. The same tests run on
PostgreSQL, where no answer is kept."""

from __future__ import annotations

import httpx

from checks import ok
from support import HttpApi, RunningServer, TeamCredentials, shared_tls, write_outside_the_server


def _get(api: HttpApi, contact_id: int) -> dict[str, object]:
    body: dict[str, object] = ok(api.get(f"/v1/contact/{contact_id}"))
    return body


def _read_twice(api: HttpApi, contact_id: int) -> dict[str, object]:
    """The contact as a GET answers it, asked twice so that a cache holds it."""
    first = _get(api, contact_id)
    assert _get(api, contact_id) == first
    return first


def test_an_update_through_the_api_shows_at_once(api: HttpApi) -> None:
    contact_id = api.create_contact(first="Ada")
    before = _read_twice(api, contact_id)
    ok(api.put(f"/v1/contact/{contact_id}", json={"phone": before["phone"], "first": "Grace"}))
    answer = api.get(f"/v1/contact/{contact_id}")
    assert answer.json()["first"] == "Grace"
    assert answer.headers["etag"] == '"2"'


def test_a_batch_update_shows_at_once(api: HttpApi) -> None:
    contact_id = api.create_contact(first="Ada")
    phone = _read_twice(api, contact_id)["phone"]
    ok(api.post("/v1/batch/contacts?overwrite=true", json=[{"phone": phone, "last": "Lovelace"}]))
    assert _get(api, contact_id)["last"] == "Lovelace"


def test_a_deleted_tag_leaves_the_contact_at_once(api: HttpApi) -> None:
    tag_id = int(ok(api.post("/v1/tag", json={"tag": "VIP", "color": "#ff0000"}))["id"])
    contact_id = api.create_contact(first="Ada", tags=[{"tag_id": tag_id}])
    assert [tag["id"] for tag in _read_twice(api, contact_id)["tags"]] == [tag_id]  # type: ignore[attr-defined]
    ok(api.delete(f"/v1/tag/{tag_id}"))
    assert _get(api, contact_id)["tags"] == []


def test_a_write_by_another_server_process_shows_at_once(
    api: HttpApi, second_server: RunningServer, team: TeamCredentials
) -> None:
    contact_id = api.create_contact(first="Ada")
    phone = _read_twice(api, contact_id)["phone"]
    with httpx.Client(
        base_url=second_server.base_url, verify=shared_tls(), timeout=30,
        headers={"Authorization": f"Bearer {team.token()}"},
    ) as other:  # fmt: skip
        ok(other.put(f"/v1/contact/{contact_id}", json={"phone": phone, "first": "Grace"}))
    assert _get(api, contact_id)["first"] == "Grace"


def test_a_program_writing_the_database_itself_is_seen_at_once(
    api: HttpApi, database_url: str
) -> None:
    contact_id = api.create_contact(first="Ada")
    _read_twice(api, contact_id)
    write_outside_the_server(
        database_url, "UPDATE contacts SET first = 'Written' WHERE id = ?", (contact_id,)
    )
    assert _get(api, contact_id)["first"] == "Written"


def test_a_deleted_contact_is_a_404_at_once(api: HttpApi) -> None:
    contact_id = api.create_contact(first="Ada")
    _read_twice(api, contact_id)
    ok(api.delete(f"/v1/contact/{contact_id}"))
    assert api.get(f"/v1/contact/{contact_id}").status_code == 404


def test_another_team_never_gets_a_kept_answer(api: HttpApi, other_api: HttpApi) -> None:
    contact_id = api.create_contact(first="Ada")
    _read_twice(api, contact_id)
    assert other_api.get(f"/v1/contact/{contact_id}").status_code == 404
    assert other_api.request("HEAD", f"/v1/contact/{contact_id}").status_code == 404
