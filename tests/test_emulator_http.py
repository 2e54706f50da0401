"""The emulator's control plane over real HTTP (spec section 9): faults, the clock and the
journal, on both databases, on a server of two worker processes (what one sets, the other
sees)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from checks import assert_error
from emulator_support import EmulatorServer, emulator_database, emulator_server
from heymarket_contacts.server.app import create_app
from heymarket_contacts.server.settings import load_settings
from support import Canary, RunningServer, shared_tls, unique_phone


@pytest.fixture(scope="module")
def emulated(
    backend: str, server_environment: dict[str, str], canary: Canary,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[EmulatorServer]:  # fmt: skip
    folder = tmp_path_factory.mktemp("emulator")
    with (
        emulator_database(backend, folder) as url,
        emulator_server(url, server_environment, folder, canary, "--workers", "2") as running,
    ):
        yield running


@pytest.fixture(autouse=True)
def clean(emulated: EmulatorServer) -> Iterator[None]:
    yield
    emulated.control.delete("/faults")
    emulated.control.post("/clock", json={"real": True})


def test_the_control_plane_is_a_404_when_the_emulator_is_off(server: RunningServer) -> None:
    answer = httpx.get(f"{server.base_url}/_emulator/clock", verify=shared_tls())
    assert_error(answer, 404, "not_found")
    assert "x-heymarket-emulator" not in answer.headers


def test_every_answer_says_it_comes_from_the_emulator(emulated: EmulatorServer) -> None:
    with emulated.api() as api:
        assert api.get("/v1/team").headers["x-heymarket-emulator"] == "1"
        assert api.get("/v1/nothing").headers["x-heymarket-emulator"] == "1"
    assert emulated.control.get("/clock").headers["x-heymarket-emulator"] == "1"


def add_fault(emulated: EmulatorServer, **rule: Any) -> int:
    answer = emulated.control.post("/faults", json=rule)
    assert answer.status_code == 200, answer.text
    return int(answer.json()["id"])


def test_a_fault_answers_its_status_the_given_times_then_retires(
    emulated: EmulatorServer,
) -> None:
    fault_id = add_fault(emulated, path="/v1/team", status=503, retry_after=7, times=2)
    with emulated.api() as api:
        first, second, third = (api.get("/v1/team") for _ in range(3))
    for answer in (first, second):
        assert_error(answer, 503, "unavailable")
        assert answer.headers["retry-after"] == "7"
    assert third.status_code == 200
    (listed,) = emulated.control.get("/faults").json()
    assert listed == {
        "id": fault_id, "path": "/v1/team", "status": 503, "retry_after": 7,
        "fired": 2, "remaining": 0,
    }  # fmt: skip


def test_a_faulted_request_writes_nothing(emulated: EmulatorServer) -> None:
    add_fault(emulated, method="POST", path="/v1/contact", status=500, error="server_error")
    phone = unique_phone()
    with emulated.api() as api:
        assert_error(api.post("/v1/contact", json={"phone": phone}), 500, "server_error")
        emulated.control.delete("/faults")
        assert api.post("/v1/contact/get", json={"phone": phone}).status_code == 404


def test_a_fault_never_lets_a_bad_token_in(emulated: EmulatorServer) -> None:
    add_fault(emulated, path="/v1/*", delay_ms=1)
    answer = httpx.get(
        f"{emulated.base_url}/v1/team",
        headers={"Authorization": "Bearer a.b.c"},
        verify=shared_tls(),
    )
    assert answer.status_code == 401


def test_a_fault_matches_its_method_path_glob_and_team_only(
    emulated: EmulatorServer, canary: Canary
) -> None:
    other = emulated.new_team(canary)
    add_fault(emulated, method="GET", path="/v1/contact/*", team_id=emulated.team.team_id,
              status=429)  # fmt: skip
    with emulated.api() as api, emulated.api(other) as other_api:
        assert api.get("/v1/contact/1").status_code == 429
        assert api.get("/v1/team").status_code == 200
        assert api.post("/v1/contact/get", json={"id": 1}).status_code != 429
        assert other_api.get("/v1/contact/1").status_code == 404


def test_a_delay_only_fault_delays_the_real_answer(emulated: EmulatorServer) -> None:
    add_fault(emulated, path="/v1/team", delay_ms=400, times=1)
    with emulated.api() as api:
        began = time.monotonic()
        answer = api.get("/v1/team")
        took = time.monotonic() - began
    assert answer.status_code == 200
    assert answer.json()["id"] == emulated.team.team_id
    assert took >= 0.4


def test_a_drop_closes_the_connection_without_an_answer(emulated: EmulatorServer) -> None:
    add_fault(emulated, path="/v1/inboxes", drop=True, times=1)
    with emulated.api() as api, pytest.raises(httpx.RemoteProtocolError):
        api.get("/v1/inboxes")
    entries = emulated.control.get("/requests", params={"path": "/v1/inboxes"}).json()
    assert entries[-1]["status"] == 0
    assert "drop" in entries[-1]["fault"]


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        pytest.param({"path": "/v1/*", "status": 503, "probability": 1.5}, "probability",
                     id="probability-over-1"),
        pytest.param({"path": "/v1/*", "delay_ms": 10**9}, "delay_ms", id="delay-too-long"),
        pytest.param({"path": "/v1/*"}, "status", id="no-action"),
        pytest.param({"path": "/v1/*", "status": 200}, "status", id="not-an-error-status"),
        pytest.param({"path": "/v1/*", "status": 500, "drop": True}, "drop", id="both"),
        pytest.param({"path": "", "status": 500}, "path", id="empty-glob"),
        pytest.param({"path": "/v1/*", "status": 500, "times": 0}, "times", id="times-0"),
        pytest.param({"status": 500}, "path", id="no-path"),
    ],
)  # fmt: skip
def test_a_bad_fault_rule_is_a_400_naming_its_field(
    emulated: EmulatorServer, rule: dict[str, Any], field: str
) -> None:
    assert_error(emulated.control.post("/faults", json=rule), 400, "bad_data", field=field)
    assert emulated.control.get("/faults").json() == []


def test_a_glob_that_matches_nothing_never_fires(emulated: EmulatorServer) -> None:
    add_fault(emulated, path="/v3/*", status=500)
    with emulated.api() as api:
        assert api.get("/v1/team").status_code == 200
    assert emulated.control.get("/faults").json()[0]["fired"] == 0


def test_a_probability_of_0_never_fires_and_of_1_always(emulated: EmulatorServer) -> None:
    add_fault(emulated, path="/v1/team", status=500, probability=0)
    add_fault(emulated, path="/v1/inboxes", status=500, probability=1)
    with emulated.api() as api:
        assert {api.get("/v1/team").status_code for _ in range(10)} == {200}
        assert {api.get("/v1/inboxes").status_code for _ in range(10)} == {500}


def test_a_fault_set_through_one_worker_is_seen_by_the_other(emulated: EmulatorServer) -> None:
    add_fault(emulated, path="/v1/team", status=418)
    headers = {"Authorization": f"Bearer {emulated.team.token()}", "Connection": "close"}
    statuses = {
        httpx.get(f"{emulated.base_url}/v1/team", headers=headers, verify=shared_tls()).status_code
        for _ in range(30)
    }
    assert statuses == {418}
    workers = _worker_pids(emulated)
    assert len(workers) == 2


def _worker_pids(emulated: EmulatorServer) -> set[str]:
    """The worker processes the server log says it started."""
    text = emulated.server.log_path.read_text()
    return {line.rsplit(" ", 1)[-1] for line in text.splitlines() if "Spawning worker" in line}


def test_the_clock_moves_and_stamps_follow_it(emulated: EmulatorServer) -> None:
    frozen = emulated.control.post("/clock", json={"freeze_at": "2031-05-01T12:00:00Z"}).json()
    assert frozen == {"now": "2031-05-01T12:00:00.000000Z", "frozen": True,
                      "offset_s": frozen["offset_s"]}  # fmt: skip
    advanced = emulated.control.post("/clock", json={"advance_s": 90}).json()
    assert advanced["now"] == "2031-05-01T12:01:30.000000Z"
    issued_at = int(datetime(2031, 5, 1, 12, 1, 30, tzinfo=UTC).timestamp())
    token = emulated.team.token(issued_at=issued_at)
    headers = {"Authorization": f"Bearer {token}"}
    created = httpx.post(
        f"{emulated.base_url}/v1/contact",
        headers=headers,
        json={"phone": unique_phone()},
        verify=shared_tls(),
    )
    assert created.status_code == 200, created.text
    contact = httpx.get(
        f"{emulated.base_url}/v1/contact/{created.json()['id']}",
        headers=headers,
        verify=shared_tls(),
    )
    assert contact.json()["created"].startswith("2031-05-01T12:01:30.")
    real = httpx.get(
        f"{emulated.base_url}/v1/team",
        headers={"Authorization": f"Bearer {emulated.team.token()}"},
        verify=shared_tls(),
    )
    assert real.status_code == 401
    assert real.json()["message"] == "token expired"


def test_a_token_of_real_time_is_refused_when_the_clock_is_an_hour_back(
    emulated: EmulatorServer,
) -> None:
    emulated.control.post("/clock", json={"offset_s": -3600})
    with emulated.api() as api:
        assert api.get("/v1/team").status_code == 401
    token = emulated.team.token(issued_at=int(time.time()) - 3600)
    answer = httpx.get(
        f"{emulated.base_url}/v1/team",
        headers={"Authorization": f"Bearer {token}"},
        verify=shared_tls(),
    )
    assert answer.status_code == 200


def test_a_clock_frozen_before_the_last_write_still_stamps_increasing(
    emulated: EmulatorServer,
) -> None:
    with emulated.api() as api:
        first = api.post("/v1/contact", json={"phone": unique_phone()}).json()["id"]
        emulated.control.post("/clock", json={"freeze_at": "2020-01-01T00:00:00Z"})
        token = emulated.team.token(issued_at=int(datetime(2020, 1, 1, tzinfo=UTC).timestamp()))
        headers = {"Authorization": f"Bearer {token}"}
        later = [
            api.post("/v1/contact", headers=headers, json={"phone": unique_phone()}).json()["id"]
            for _ in range(3)
        ]
        stamps = [
            api.get(f"/v1/contact/{contact_id}", headers=headers).json()["updated"]
            for contact_id in [first, *later]
        ]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == 4


@pytest.mark.parametrize(
    "change",
    [{}, {"offset_s": 1, "real": True}, {"freeze_at": "yesterday"}, {"real": False},
     {"advance_s": "10"}],
)  # fmt: skip
def test_a_bad_clock_change_is_a_400(emulated: EmulatorServer, change: dict[str, Any]) -> None:
    assert emulated.control.post("/clock", json=change).status_code == 400


def test_the_journal_keeps_what_was_called_and_filters_it(
    emulated: EmulatorServer, canary: Canary
) -> None:
    emulated.control.delete("/requests")
    phone = unique_phone()
    with emulated.api() as api:
        created = api.post("/v1/contact", json={"phone": phone, "first": "Journal"})
        api.get(f"/v1/contact/{created.json()['id']}")
        api.get("/v1/contact/999999999")
        api.post("/v1/contacts", params={"x": "1"}, json={"limit": 1})
    entries = emulated.control.get("/requests").json()
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("POST", "/v1/contact", 200), ("GET", f"/v1/contact/{created.json()['id']}", 200),
        ("GET", "/v1/contact/999999999", 404), ("POST", "/v1/contacts", 200),
    ]  # fmt: skip
    first = entries[0]
    assert first["request_body"] == {"phone": phone, "first": "Journal"}
    assert first["response_body"] == created.json()
    assert first["team_id"] == emulated.team.team_id
    assert first["request_id"] == created.headers["x-request-id"]
    assert entries[3]["query"] == "x=1"
    assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)
    control = emulated.control
    assert len(control.get("/requests", params={"method": "get"}).json()) == 2
    assert len(control.get("/requests", params={"path": "/v1/contact/*"}).json()) == 2
    assert len(control.get("/requests", params={"status": 404}).json()) == 1
    assert len(control.get("/requests", params={"since": entries[1]["seq"]}).json()) == 2
    assert len(control.get("/requests", params={"limit": 1}).json()) == 1
    assert control.get("/requests", params={"team_id": 999_999}).json() == []
    canary.assert_absent_from(control.get("/requests").text, where="the journal")


@pytest.mark.parametrize(
    "query", [{"limit": "0"}, {"limit": "1001"}, {"status": "abc"}, {"since": "-1"}, {"bad": "1"}]
)
def test_a_bad_journal_filter_is_a_400(emulated: EmulatorServer, query: dict[str, str]) -> None:
    assert emulated.control.get("/requests", params=query).status_code == 400


def test_control_calls_are_never_journaled_or_rate_limited(emulated: EmulatorServer) -> None:
    emulated.control.delete("/requests")
    for _ in range(5):
        emulated.control.get("/clock")
    assert emulated.control.get("/requests").json() == []


def test_a_body_over_64_kib_is_cut_in_the_journal(emulated: EmulatorServer) -> None:
    emulated.control.delete("/requests")
    with emulated.api() as api:
        api.post("/v1/batch/contacts", json=[{"phone": unique_phone(), "first": "x" * 200}
                                            for _ in range(400)])  # fmt: skip
    (entry,) = emulated.control.get("/requests").json()
    assert isinstance(entry["request_body"], str)
    assert entry["request_body"].endswith(" bytes in all]")
    assert len(entry["request_body"]) < 64 * 1024 + 100


# --- in-process: addresses and sizes a real socket on loopback cannot show ------------------


def _control_status(
    tmp_path: Path, client: str, *, token: str | None = None, sent: str | None = None,
    journal: int = 10_000, calls: int = 0,
) -> Any:  # fmt: skip
    settings = load_settings(
        {}, database=str(tmp_path / "inproc.db"), emulator=True, emulator_token=token,
        emulator_journal=journal, rate_limit=0,
    )  # fmt: skip
    app = create_app(settings)

    async def go() -> Any:
        transport = httpx.ASGITransport(app=app, client=(client, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            for _ in range(calls):
                await http.get("/v1/nothing")
            headers = {"Authorization": sent} if sent else {}
            return await http.get("/_emulator/requests", headers=headers)

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("client", "token", "sent", "status"),
    [
        pytest.param("127.0.0.1", None, None, 200, id="loopback"),
        pytest.param("::1", None, None, 200, id="loopback-v6"),
        pytest.param("203.0.113.9", None, None, 403, id="remote"),
        pytest.param("203.0.113.9", "t0ken", None, 403, id="remote-no-token"),
        pytest.param("203.0.113.9", "t0ken", "Bearer wrong", 403, id="remote-bad-token"),
        pytest.param("203.0.113.9", "t0ken", "Bearer t0ken", 200, id="remote-token"),
        pytest.param("127.0.0.1", "t0ken", None, 403, id="token-everywhere"),
    ],
)
def test_who_may_call_the_control_plane(
    tmp_path: Path, client: str, token: str | None, sent: str | None, status: int
) -> None:
    answer = _control_status(tmp_path, client, token=token, sent=sent)
    assert answer.status_code == status
    if status == 403:
        assert answer.json()["error"] == "denied"


def test_the_journal_keeps_only_its_size(tmp_path: Path) -> None:
    answer = _control_status(tmp_path, "127.0.0.1", journal=5, calls=12)
    entries = answer.json()
    assert len(entries) == 5
    assert [e["seq"] for e in entries] == list(range(8, 13))


def test_the_emulator_on_an_open_address_without_a_token_refuses_to_start(
    tmp_path: Path,
) -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "heymarket_contacts", "serve", "--emulator", "--host", "0.0.0.0",
         "--database", str(tmp_path / "open.db")],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert finished.returncode != 0
    assert "--emulator-token" in finished.stderr
    assert len(finished.stderr.strip().splitlines()) == 1
