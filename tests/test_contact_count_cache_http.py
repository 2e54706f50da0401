"""Counts of contacts (``POST /v1/contacts/count`` and the console's contacts page) are kept
until the next commit on SQLite, and never stale: after a create, an update that makes a contact
match a search, a batch import, a delete, a write by another server process or a program that
writes the file itself, the next count shows it. The same tests run on PostgreSQL, where no
count is kept."""

from __future__ import annotations

import httpx

from checks import ok
from console_support import Browser
from support import (
    HttpApi,
    RunningServer,
    TeamCredentials,
    shared_tls,
    unique_phone,
    write_outside_the_server,
)


def _count(api: HttpApi, **body: object) -> int:
    """The count, asked twice so that a cache holds it."""
    first = ok(api.post("/v1/contacts/count", json=body))
    assert ok(api.post("/v1/contacts/count", json=body)) == first
    assert isinstance(first, int)
    return first


def test_creates_batches_and_deletes_change_the_count_at_once(api: HttpApi) -> None:
    start = _count(api)
    contact_id = api.create_contact(first="Ada")
    assert _count(api) == start + 1
    phones = [unique_phone() for _ in range(3)]
    ok(api.post("/v1/batch/contacts", json=[{"phone": phone} for phone in phones]))
    assert _count(api) == start + 4
    ok(api.delete(f"/v1/contact/{contact_id}"))
    assert _count(api) == start + 3


def test_an_update_that_makes_a_contact_match_a_search_counts_at_once(api: HttpApi) -> None:
    marker = f"Cnt{unique_phone()}"
    contact_id = api.create_contact(first="Ada")
    assert _count(api, filter=marker) == 0
    phone = ok(api.get(f"/v1/contact/{contact_id}"))["phone"]
    ok(api.put(f"/v1/contact/{contact_id}", json={"phone": phone, "first": marker}))
    assert _count(api, filter=marker) == 1
    assert _count(api, filter=marker, limit=5, page=3) == 1  # paging does not change a count


def test_a_write_by_another_server_process_counts_at_once(
    api: HttpApi, second_server: RunningServer, team: TeamCredentials
) -> None:
    start = _count(api)
    with httpx.Client(
        base_url=second_server.base_url, verify=shared_tls(), timeout=30,
        headers={"Authorization": f"Bearer {team.token()}"},
    ) as other:  # fmt: skip
        ok(other.post("/v1/contact", json={"phone": unique_phone()}))
    assert _count(api) == start + 1


def test_a_program_writing_the_database_itself_counts_at_once(
    api: HttpApi, database_url: str
) -> None:
    contact_id = api.create_contact(first="Ada")
    start = _count(api)
    write_outside_the_server(database_url, "DELETE FROM contacts WHERE id = ?", (contact_id,))
    assert _count(api) == start - 1


def test_another_team_never_gets_a_kept_count(api: HttpApi, other_api: HttpApi) -> None:
    api.create_contact(first="Ada")
    mine, theirs = _count(api), _count(other_api)
    other_api.create_contact(first="Grace")
    assert _count(api) == mine
    assert _count(other_api) == theirs + 1


def test_the_console_page_shows_a_new_count_at_once(browser: Browser, api: HttpApi) -> None:
    marker = f"Cp{unique_phone()}"
    api.create_contact(first=marker)
    for _ in range(2):
        assert "1 match of" in browser.get(f"/console/contacts?q={marker}").text
    api.create_contact(first=marker)
    assert "2 matches of" in browser.get(f"/console/contacts?q={marker}").text
