"""Concurrent writers over real HTTP, on both databases, one and two server processes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from support import HttpApi, RunningServer, TeamCredentials, shared_tls, unique_phone


def test_twenty_concurrent_creates_of_one_phone_make_one_contact(api: HttpApi) -> None:
    phone = unique_phone()
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(
            pool.map(lambda i: api.post("/v1/contact", json={"phone": phone, "first": f"n{i}"}),
                     range(20))
        )  # fmt: skip
    created = [a for a in answers if a.status_code == 200]
    conflicts = [a for a in answers if a.status_code == 409]
    assert len(created) == 1
    assert len(conflicts) == 19
    contact_id = created[0].json()["id"]
    assert {a.json()["existing_id"] for a in conflicts} == {contact_id}
    listed = api.post("/v1/contacts", json={"filter": phone}).json()
    assert [c["id"] for c in listed] == [contact_id]


def test_concurrent_creates_refuse_exactly_the_duplicate_phones(api: HttpApi) -> None:
    """Writes committed together: a 409 in one fails no neighbour and stores nothing."""
    phones = [unique_phone() for _ in range(30)]
    sent = [*phones, *phones[:10]]
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(
            pool.map(lambda i: api.post("/v1/contact", json={"phone": sent[i], "first": f"n{i}"}),
                     range(len(sent)))
        )  # fmt: skip
    assert sorted(a.status_code for a in answers) == [200] * 30 + [409] * 10
    winners = {sent[i]: i for i, a in enumerate(answers) if a.status_code == 200}
    assert sorted(winners) == sorted(phones)
    for i, answer in enumerate(answers):
        if answer.status_code == 409:
            assert answer.json()["existing_id"] == answers[winners[sent[i]]].json()["id"]
    for phone, i in winners.items():
        contact_id = answers[i].json()["id"]
        stored = api.get(f"/v1/contact/{contact_id}").json()
        assert (stored["phone"], stored["first"]) == (phone, f"n{i}")
        listed = api.post("/v1/contacts", json={"filter": phone}).json()
        assert [c["id"] for c in listed] == [contact_id]


def test_concurrent_writes_at_one_rev_let_exactly_one_through(api: HttpApi) -> None:
    phone = unique_phone()
    contact_id = api.create_contact(phone=phone)

    def write(i: int) -> httpx.Response:
        return api.put(
            f"/v1/contact/{contact_id}", json={"phone": phone, "first": f"w{i}"},
            headers={"If-Match": '"1"'},
        )  # fmt: skip

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(write, range(16)))
    assert sorted(a.status_code for a in answers) == [200] + [412] * 15
    (winner,) = [i for i, a in enumerate(answers) if a.status_code == 200]
    stored = api.get(f"/v1/contact/{contact_id}").json()
    assert (stored["rev"], stored["first"]) == (2, f"w{winner}")


def test_two_processes_on_one_database_agree(
    api: HttpApi, second_server: RunningServer, team: TeamCredentials
) -> None:
    with httpx.Client(
        base_url=second_server.base_url,
        headers={"Authorization": f"Bearer {team.token()}"},
        timeout=30,
        verify=shared_tls(),
    ) as other:
        contact_id = api.create_contact(first="Ada")
        assert (
            other.get(f"/v1/contact/{contact_id}").json()
            == api.get(f"/v1/contact/{contact_id}").json()
        )

        phone = api.get(f"/v1/contact/{contact_id}").json()["phone"]
        updated = other.put(f"/v1/contact/{contact_id}", json={"phone": phone, "last": "L"})
        assert updated.json()["rev"] == 2
        assert api.get(f"/v1/contact/{contact_id}").json()["last"] == "L"

        duplicate = other.post("/v1/contact", json={"phone": phone})
        assert duplicate.status_code == 409
        assert duplicate.json()["existing_id"] == contact_id

        assert (
            other.post("/v1/contacts", json={}).json() == api.post("/v1/contacts", json={}).json()
        )


def test_writers_on_two_processes_lose_no_update(
    api: HttpApi, second_server: RunningServer, team: TeamCredentials
) -> None:
    contact_id = api.create_contact()
    phone = api.get(f"/v1/contact/{contact_id}").json()["phone"]
    token = team.token()
    urls = [api.http.base_url, httpx.URL(second_server.base_url)]

    def write(i: int) -> int:
        answer = httpx.put(
            f"{urls[i % 2]}/v1/contact/{contact_id}",
            json={"phone": phone, "custom": {}, "external_ref": f"w{i}"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
            verify=shared_tls(),
        )
        assert answer.status_code == 200, answer.text
        return int(answer.json()["rev"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        revs = sorted(pool.map(write, range(24)))
    assert revs == list(range(2, 26))
    final = api.get(f"/v1/contact/{contact_id}").json()
    assert final["rev"] == 25
