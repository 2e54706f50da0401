from __future__ import annotations

from support import HttpApi


def test_create_then_read(api: HttpApi) -> None:
    contact_id = api.create_contact(first="Ada", last="Lovelace")
    response = api.get(f"/v1/contact/{contact_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["display_name"] == "Ada Lovelace"
    assert body["team_id"] == api.team.team_id
