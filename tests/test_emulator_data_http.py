"""The emulator's data calls over real HTTP on both databases: reset, seed, snapshots."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from checks import assert_error
from emulator_support import EmulatorServer, emulator_database, emulator_server
from support import Canary, TeamCredentials, shared_tls, unique_phone


@pytest.fixture(scope="module")
def emulated(
    backend: str, server_environment: dict[str, str], canary: Canary,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[EmulatorServer]:  # fmt: skip
    folder = tmp_path_factory.mktemp("emulator-data")
    with (
        emulator_database(backend, folder) as url,
        emulator_server(url, server_environment, folder, canary, "--rate-limit", "0") as running,
    ):
        yield running


def create(emulated: EmulatorServer, team: TeamCredentials, **fields: Any) -> int:
    fields.setdefault("phone", unique_phone())
    with emulated.api(team) as api:
        answer = api.post("/v1/contact", json=fields)
    assert answer.status_code == 200, answer.text
    return int(answer.json()["id"])


def count(emulated: EmulatorServer, team: TeamCredentials) -> int:
    with emulated.api(team) as api:
        return int(api.post("/v1/contacts/count", json={}).json())


def test_a_reset_of_one_team_leaves_the_others(emulated: EmulatorServer, canary: Canary) -> None:
    one, other = emulated.new_team(canary), emulated.new_team(canary)
    create(emulated, one)
    kept = create(emulated, other)
    with emulated.api(one) as api:
        tag = api.post("/v1/tag", json={"tag": "Gone"}).json()["id"]
        api.post("/v1/contacts/fields", json=[{"title": "Plan"}])
    answer = emulated.control.post("/reset", json={"team_id": one.team_id})
    assert answer.json() == {"teams": [one.team_id]}
    assert count(emulated, one) == 0
    assert count(emulated, other) == 1
    with emulated.api(one) as api:
        assert api.get(f"/v1/tag/{tag}").status_code == 404
        assert api.post("/v1/contact-fields", json={}).json() == []
        assert api.get("/v1/team").status_code == 200  # the team and its secret stay
    with emulated.api(other) as api:
        assert api.get(f"/v1/contact/{kept}").status_code == 200


def test_ids_after_a_reset_are_never_used_again(emulated: EmulatorServer, canary: Canary) -> None:
    team = emulated.new_team(canary)
    before = create(emulated, team)
    emulated.control.post("/reset", json={})
    assert count(emulated, team) == 0
    assert create(emulated, team) > before


def test_a_reset_of_an_unknown_team_is_a_404(emulated: EmulatorServer) -> None:
    assert_error(emulated.control.post("/reset", json={"team_id": 999_999}), 404, "not_found",
                 field="team_id")  # fmt: skip


def test_a_reset_resets_the_journal_faults_and_clock(emulated: EmulatorServer) -> None:
    emulated.control.post("/faults", json={"path": "/v3/*", "status": 500})
    emulated.control.post("/clock", json={"offset_s": 50})
    with emulated.api() as api:
        api.get("/v1/team")
    emulated.control.post("/reset", json={})
    assert emulated.control.get("/faults").json() == []
    assert emulated.control.get("/requests").json() == []
    assert emulated.control.get("/clock").json()["offset_s"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"contacts": 0}, "contacts"), ({"contacts": -1}, "contacts"),
        ({"contacts": 100_001}, "contacts"), ({"contacts": "ten"}, "contacts"),
        ({"contacts": 1.5}, "contacts"), ({"contacts": True}, "contacts"), ({}, "contacts"),
        ({"contacts": 1, "seed": -1}, "seed"), ({"contacts": 1, "tags": 1001}, "tags"),
    ],
)  # fmt: skip
def test_a_bad_seed_is_a_400(emulated: EmulatorServer, body: dict[str, Any], field: str) -> None:
    assert_error(emulated.control.post("/seed", json=body), 400, "bad_data", field=field)


def _contacts(emulated: EmulatorServer, team: TeamCredentials) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    with emulated.api(team) as api:
        date = None
        while True:
            body: dict[str, Any] = {"limit": 500, "ascending": True}
            if date:
                body["date"] = date
            page = api.post("/v1/contacts", json=body).json()
            if not page:
                return found
            found.extend(page)
            date = page[-1]["updated"]


VOLATILE = {"id", "uuid", "team_id", "creator_id", "created", "updated"}


def _comparable(contact: dict[str, Any], tag_names: bool = True) -> dict[str, Any]:
    kept = {k: v for k, v in contact.items() if k not in VOLATILE}
    kept["tags"] = sorted(tag["tag"] for tag in contact["tags"])
    kept["custom"] = sorted(contact["custom"].values())
    return kept


def test_the_same_seed_gives_the_same_contacts(emulated: EmulatorServer, canary: Canary) -> None:
    one, other = emulated.new_team(canary), emulated.new_team(canary)
    answers = [
        emulated.control.post("/seed", json={"team_id": team.team_id, "contacts": 300,
                                             "seed": 42, "tags": 4, "fields": 2}).json()
        for team in (one, other)
    ]  # fmt: skip
    assert [a["created"] for a in answers] == [300, 300]
    first = [_comparable(c) for c in _contacts(emulated, one)]
    second = [_comparable(c) for c in _contacts(emulated, other)]
    assert first == second
    assert len({c["phone"] for c in first}) == 300
    assert all(c["phone"][4:7] == "555" for c in first)
    assert any(c["tags"] for c in first)
    assert any(c["is_opted_out"] for c in first)
    low, high = answers[0]["contact_ids"]
    assert high - low + 1 >= 300


def test_a_seed_into_a_team_with_contacts_passes_over_its_phones(
    emulated: EmulatorServer, canary: Canary
) -> None:
    team = emulated.new_team(canary)
    emulated.control.post("/seed", json={"team_id": team.team_id, "contacts": 20, "seed": 1})
    answer = emulated.control.post("/seed", json={"team_id": team.team_id, "contacts": 20,
                                                  "seed": 1})  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert count(emulated, team) == 40


@pytest.mark.parametrize(
    "contacts",
    [10_000, pytest.param(100_000, marks=pytest.mark.chaos, id="100000-the-most-one-seed-makes")],
)
def test_a_large_seed_then_a_reset(emulated: EmulatorServer, canary: Canary, contacts: int) -> None:
    team = emulated.new_team(canary)
    began = time.monotonic()
    answer = emulated.control.post("/seed", json={"team_id": team.team_id, "contacts": contacts})
    took = time.monotonic() - began
    assert answer.status_code == 200, answer.text
    assert answer.json()["created"] == contacts
    assert count(emulated, team) == contacts
    print(f"seed of {contacts:,} contacts: {took:.1f} s")
    began = time.monotonic()
    emulated.control.post("/reset", json={"team_id": team.team_id}).raise_for_status()
    print(f"reset of {contacts:,} contacts: {(time.monotonic() - began) * 1000:.0f} ms")
    assert count(emulated, team) == 0


@pytest.mark.parametrize("name", ["a/b", "..", "x" * 65, "", "sp ace", "é"])
def test_a_bad_snapshot_name_is_a_400(emulated: EmulatorServer, name: str) -> None:
    answer = emulated.control.post("/snapshots", json={"name": name})
    assert_error(answer, 400, "bad_data", field="name")


def test_snapshots_restore_the_whole_data_set(emulated: EmulatorServer, canary: Canary) -> None:
    team = emulated.new_team(canary)
    kept = create(emulated, team, first="Before")
    with emulated.api(team) as api:
        api.post(f"/v1/contact/{kept}/note", json={"text": "kept note"})
    assert emulated.control.post("/snapshots", json={"name": "base-1"}).status_code == 200
    assert_error(emulated.control.post("/snapshots", json={"name": "base-1"}), 409, "conflict",
                 field="name")  # fmt: skip
    listed = {s["name"]: s for s in emulated.control.get("/snapshots").json()}
    assert listed["base-1"]["bytes"] > 0
    later = create(emulated, team, first="After")
    with emulated.api(team) as api:
        phone = api.get(f"/v1/contact/{kept}").json()["phone"]
        api.put(f"/v1/contact/{kept}", json={"phone": phone, "first": "Changed"})
        secret = emulated.admin.create_secret(team.team_id)  # made after: gone after
        canary.add(secret.secret_key)
    newer = emulated.new_team(canary)  # a team made after the snapshot: gone after
    assert emulated.control.post("/snapshots/base-1/restore").json() == "ok"
    with emulated.api(team) as api:
        restored = api.get(f"/v1/contact/{kept}").json()
        assert restored["first"] == "Before"
        assert [n["text"] for n in restored["note"]] == ["kept note"]
        assert api.get(f"/v1/contact/{later}").status_code == 404
    after_secret = TeamCredentials(team.team_id, secret.secret_id, secret.secret_key)
    for gone in (newer, after_secret):
        with emulated.api(gone) as api:
            assert api.get("/v1/team").json()["message"] == "unknown or revoked secret"
    assert create(emulated, team) > later  # ids never go back


def test_a_secret_revoked_after_a_snapshot_stays_revoked(
    emulated: EmulatorServer, canary: Canary
) -> None:
    team = emulated.new_team(canary)
    emulated.control.post("/snapshots", json={"name": "before-revoke"}).raise_for_status()
    emulated.admin.revoke_secret(team.secret_id)
    emulated.control.post("/snapshots/before-revoke/restore").raise_for_status()
    with emulated.api(team) as api:
        answer = api.get("/v1/team")
    assert answer.status_code == 401
    assert answer.json()["message"] == "unknown or revoked secret"


def test_a_missing_snapshot_is_a_404(emulated: EmulatorServer) -> None:
    assert_error(emulated.control.post("/snapshots/nothing/restore"), 404, "not_found",
                 field="name")  # fmt: skip
    assert_error(emulated.control.delete("/snapshots/nothing"), 404, "not_found", field="name")


def test_a_snapshot_can_be_deleted(emulated: EmulatorServer) -> None:
    emulated.control.post("/snapshots", json={"name": "to-delete"}).raise_for_status()
    assert emulated.control.delete("/snapshots/to-delete").json() == "ok"
    assert "to-delete" not in [s["name"] for s in emulated.control.get("/snapshots").json()]


def wait_until(condition: Callable[[], bool], seconds: float = 60) -> None:
    """Return once ``condition()`` holds (the writers' pace depends on the machine's load)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the writers made no progress"
        time.sleep(0.02)


def test_writes_during_a_restore_land_wholly_before_or_after(
    emulated: EmulatorServer, canary: Canary
) -> None:
    team = emulated.new_team(canary)
    emulated.control.post("/seed", json={"team_id": team.team_id, "contacts": 2000})
    emulated.control.post("/snapshots", json={"name": "under-writes"}).raise_for_status()
    acknowledged: list[tuple[int, str, float, float]] = []
    stop = threading.Event()

    def write() -> None:
        with emulated.api(team) as api:
            while not stop.is_set():
                phone = unique_phone()
                sent = time.monotonic()
                answer = api.post("/v1/contact", json={"phone": phone, "email": f"{phone}@x.org"})
                if answer.status_code == 200:
                    acknowledged.append((answer.json()["id"], phone, sent, time.monotonic()))

    writers = [threading.Thread(target=write) for _ in range(3)]
    for writer in writers:
        writer.start()
    wait_until(lambda: len(acknowledged) >= 3)  # some writes land before the restore
    restore_began = time.monotonic()
    restored = emulated.control.post("/snapshots/under-writes/restore")
    restore_ended = time.monotonic()
    wait_until(lambda: sum(sent > restore_ended for _, _, sent, _ in acknowledged) >= 3)
    stop.set()
    for writer in writers:
        writer.join()
    assert restored.status_code == 200
    assert acknowledged
    with emulated.api(team) as api:
        for contact_id, phone, sent, answered in acknowledged:
            answer = api.get(f"/v1/contact/{contact_id}")
            if answered < restore_began:
                assert answer.status_code == 404  # written after the snapshot, then undone
            if sent > restore_ended:
                assert answer.status_code == 200  # written after the restore
            if answer.status_code == 404:
                continue
            contact = answer.json()
            assert (contact["phone"], contact["email"]) == (phone, f"{phone}@x.org")
            uuid = contact["uuid"]
            channels = api.get(f"/v2/contact/{uuid}/channels").json()
            assert {c["channel_type"] for c in channels} == {"phone", "email"}
    assert any(answered < restore_began for _, _, _, answered in acknowledged)
    assert any(sent > restore_ended for _, _, sent, _ in acknowledged)
    httpx.get(f"{emulated.base_url}/healthz", verify=shared_tls()).raise_for_status()
