"""The emulator's webhook calls over real HTTP (spec section 10): subscriptions, deliveries,
inbound STOP/START texts, and retries timed by the emulator's clock, on both databases. The
emulator allows loopback receivers; retries wait 30 s of the emulator's clock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from checks import assert_error
from emulator_support import EmulatorServer, emulator_database, emulator_server
from heymarket_contacts import webhooks
from support import Canary, shared_tls, unique_phone
from webhook_support import Answer, Receiver, receiver


@pytest.fixture(scope="module")
def emulated(
    backend: str, server_environment: dict[str, str], canary: Canary,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[EmulatorServer]:  # fmt: skip
    folder = tmp_path_factory.mktemp("emulator-hooks")
    with (
        emulator_database(backend, folder) as url,
        emulator_server(url, server_environment, folder, canary, "--webhook-backoff", "30")
        as running,
    ):  # fmt: skip
        yield running


@pytest.fixture
def sink(emulated: EmulatorServer) -> Iterator[Receiver]:
    with receiver() as running:
        yield running
    for subscription in emulated.control.get("/webhooks").json():
        emulated.control.delete(f"/webhooks/{subscription['id']}")
    emulated.control.post("/clock", json={"real": True})


def add(emulated: EmulatorServer, **body: object) -> dict[str, object]:
    body.setdefault("team_id", emulated.team.team_id)
    answer = emulated.control.post("/webhooks", json=body)
    assert answer.status_code == 200, answer.text
    value = answer.json()
    assert isinstance(value, dict)
    return value


def inbound(emulated: EmulatorServer, phone: str, text: str) -> dict[str, object]:
    answer = emulated.control.post(
        "/inbound", json={"team_id": emulated.team.team_id, "phone": phone, "text": text}
    )
    assert answer.status_code == 200, answer.text
    value = answer.json()
    assert isinstance(value, dict)
    return value


def test_a_subscription_is_added_listed_and_removed(
    emulated: EmulatorServer, sink: Receiver
) -> None:
    made = add(emulated, url=sink.url, events=["contact_created", "target_opt_in"], token="t" * 12)
    assert made == {
        "id": made["id"], "team_id": emulated.team.team_id, "url": sink.url,
        "events": ["contact_created", "target_opt_in"], "token": "t" * 12,
        "created": made["created"],
    }  # fmt: skip
    default = add(emulated, url=sink.url)
    assert default["events"] == ["target_opt_out", "target_opt_in"]
    assert len(str(default["token"])) >= 32
    listed = emulated.control.get("/webhooks").json()
    assert [s["id"] for s in listed] == [made["id"], default["id"]]
    assert emulated.control.delete(f"/webhooks/{made['id']}").json() == "ok"
    assert_error(emulated.control.delete(f"/webhooks/{made['id']}"), 404, "not_found", field="id")
    assert_error(emulated.control.delete("/webhooks/abc"), 404, "not_found", field="id")


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        pytest.param({"url": "file:///etc/passwd"}, 400, "bad_data", "url", id="file"),
        pytest.param({"url": "gopher://example.com/"}, 400, "bad_data", "url", id="gopher"),
        pytest.param(
            {"url": "http://user:pw@127.0.0.1/"}, 400, "bad_data", "url", id="credentials"
        ),
        pytest.param({"url": "http://10.1.2.3/hook"}, 400, "bad_data", "url", id="private"),
        pytest.param({"url": "http://169.254.169.254/"}, 400, "bad_data", "url", id="link-local"),
        pytest.param({"url": "http://[ff02::1]/"}, 400, "bad_data", "url", id="multicast"),
        pytest.param({"url": "not a url"}, 400, "bad_data", "url", id="no scheme"),
        pytest.param(
            {"url": "http://127.0.0.1/", "events": ["nope"]},
            400,
            "bad_data",
            "events",
            id="unknown event",
        ),
        pytest.param(
            {"url": "http://127.0.0.1/", "token": "short"},
            400,
            "bad_data",
            "token",
            id="short token",
        ),
        pytest.param(
            {"url": "http://127.0.0.1/", "team_id": 999_999},
            404,
            "not_found",
            "team_id",
            id="unknown team",
        ),
        pytest.param({"events": []}, 400, "bad_data", "url", id="no url"),
        pytest.param({"url": 5}, 400, "bad_data", "url", id="url not a string"),
    ],
)
def test_a_bad_subscription_is_a_clear_4xx(
    emulated: EmulatorServer, body: dict[str, object], status: int, code: str, field: str
) -> None:
    answer = emulated.control.post("/webhooks", json=body)
    assert_error(answer, status, code, field=field)


def test_a_body_that_is_not_json_is_a_400(emulated: EmulatorServer) -> None:
    assert emulated.control.post("/webhooks", content=b"{nope").status_code == 400
    assert emulated.control.post("/inbound", content=b"[]").status_code == 400


def test_stop_from_an_unknown_phone_makes_an_opted_out_contact_and_fires_the_event(
    emulated: EmulatorServer, sink: Receiver
) -> None:
    made = add(emulated, url=sink.url)
    phone = unique_phone()
    answer = inbound(emulated, f"+{phone}", "  stop \n")
    assert answer == {"contact_id": answer["contact_id"], "opted_out": True,
                      "event": "target_opt_out"}  # fmt: skip
    (got,) = sink.wait_for(1)
    event = webhooks.verify(got.body, got.headers, str(made["token"]))
    assert isinstance(event, webhooks.OptOutEvent)
    assert (event.event_data.contact_id, event.event_data.phone) == (answer["contact_id"], phone)
    with emulated.api() as api:
        contact = api.get(f"/v1/contact/{answer['contact_id']}").json()
    assert (contact["phone"], contact["is_opted_out"]) == (phone, True)


@pytest.mark.parametrize(
    ("first", "second", "events"),
    [
        pytest.param("STOPALL", "UNSTOP", ["target_opt_out", "target_opt_in"], id="stopall"),
        pytest.param("Unsubscribe", "yes", ["target_opt_out", "target_opt_in"], id="unsub"),
        pytest.param("cancel", "Start", ["target_opt_out", "target_opt_in"], id="cancel"),
        pytest.param("END", "start", ["target_opt_out", "target_opt_in"], id="end"),
        pytest.param("quit", "START", ["target_opt_out", "target_opt_in"], id="quit"),
    ],
)
def test_each_keyword_opts_out_or_back_in(
    emulated: EmulatorServer, sink: Receiver, first: str, second: str, events: list[str]
) -> None:
    add(emulated, url=sink.url)
    phone = unique_phone()
    assert inbound(emulated, phone, "hello")["event"] is None  # a new contact, still opted in
    assert inbound(emulated, phone, first)["event"] == "target_opt_out"
    again = inbound(emulated, phone, first)
    assert (again["opted_out"], again["event"]) == (True, None)  # already out: nothing fires
    assert inbound(emulated, phone, "STOP please")["event"] is None  # not a whole-message word
    assert inbound(emulated, phone, second) == {
        "contact_id": again["contact_id"], "opted_out": False, "event": "target_opt_in"
    }  # fmt: skip
    assert sink.events(2) == events
    time.sleep(0.3)
    assert len(sink.received) == 2


def test_a_bad_inbound_text_is_a_clear_4xx(emulated: EmulatorServer) -> None:
    answer = emulated.control.post("/inbound", json={"phone": "12", "text": "STOP"})
    assert_error(answer, 400, "bad_data", field="phone")
    answer = emulated.control.post("/inbound", json={"phone": unique_phone()})
    assert_error(answer, 400, "bad_data", field="text")
    answer = emulated.control.post(
        "/inbound", json={"phone": unique_phone(), "text": "STOP", "team_id": 999_999}
    )
    assert_error(answer, 404, "not_found", field="team_id")
    answer = emulated.control.post(
        "/inbound", json={"phone": unique_phone(), "text": "STOP", "inbox_id": 999_999,
                          "team_id": emulated.team.team_id},
    )  # fmt: skip
    assert_error(answer, 400, "bad_data", field="inbox_id")


def test_retries_wait_for_the_emulator_clock(emulated: EmulatorServer, sink: Receiver) -> None:
    made = add(emulated, url=sink.url)
    sink.answer(Answer(500))
    emulated.control.post("/clock", json={"freeze_at": "2030-01-01T00:00:00Z"})
    phone = unique_phone()
    inbound(emulated, phone, "STOP")
    (first,) = sink.wait_for(1)
    time.sleep(2.0)  # 30 s of a frozen clock never pass
    assert len(sink.received) == 1
    (pending,) = emulated.control.get("/webhooks/deliveries", params={"id": made["id"]}).json()
    assert (pending["state"], pending["attempts"], pending["last_status"]) == ("pending", 1, 500)
    assert pending["next_attempt"] > "2030-01-01T00:00:23"  # 30 s, 80 % at least
    emulated.control.post("/clock", json={"advance_s": 60})
    second = sink.wait_for(2)[1]
    assert second.delivery == first.delivery


def test_deliveries_are_listed_and_a_reset_clears_them_but_keeps_subscriptions(
    emulated: EmulatorServer, sink: Receiver
) -> None:
    made = add(emulated, url=sink.url)
    phone = unique_phone()
    inbound(emulated, phone, "STOP")
    sink.wait_for(1)
    deadline = time.monotonic() + 10
    while True:
        listed = emulated.control.get("/webhooks/deliveries", params={"id": made["id"]}).json()
        if (listed and listed[0]["state"] == "delivered") or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    (delivery,) = listed
    assert delivery == {
        "id": sink.received[0].delivery, "subscription_id": made["id"],
        "team_id": emulated.team.team_id, "contact_id": delivery["contact_id"],
        "event": "target_opt_out", "state": "delivered", "attempts": 1, "max_attempts": 8,
        "next_attempt": delivery["next_attempt"], "last_status": 200, "last_error": "",
        "last_attempt": delivery["last_attempt"], "created": delivery["created"],
    }  # fmt: skip
    failed = emulated.control.get("/webhooks/deliveries", params={"failed": "true"}).json()
    assert failed == []
    assert_error(
        emulated.control.get("/webhooks/deliveries", params={"state": "x"}), 400, "bad_data",
        field="state",
    )  # fmt: skip
    assert_error(
        emulated.control.get("/webhooks/deliveries", params={"limit": "x"}), 400, "bad_data",
        field="limit",
    )  # fmt: skip
    emulated.control.post("/reset", json={"team_id": emulated.team.team_id})
    assert emulated.control.get("/webhooks/deliveries", params={"id": made["id"]}).json() == []
    assert [s["id"] for s in emulated.control.get("/webhooks").json()] == [made["id"]]


def test_the_webhook_calls_are_a_404_when_the_emulator_is_off(hooks_off_url: str) -> None:
    for method, path in (("GET", "/_emulator/webhooks"), ("POST", "/_emulator/inbound")):
        assert (
            httpx.request(method, f"{hooks_off_url}{path}", verify=shared_tls()).status_code == 404
        )


@pytest.fixture
def hooks_off_url(server: object) -> str:
    return str(server.base_url)  # type: ignore[attr-defined]


def test_the_emulator_commands_add_list_send_inbound_and_remove(
    emulated: EmulatorServer, sink: Receiver
) -> None:
    def run(*args: str) -> object:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("HEYMARKET_")}
        result = subprocess.run(
            [sys.executable, "-m", "heymarket_contacts", "emulator", *args,
             "--url", emulated.base_url, "--json"],
            capture_output=True, text=True, env=environment, timeout=60, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        return json.loads(result.stdout)

    made = run("webhooks", "--add", sink.url, "--team", str(emulated.team.team_id),
               "--event", "contact_created", "--event", "target_opt_out")  # fmt: skip
    assert isinstance(made, dict)
    assert made["events"] == ["contact_created", "target_opt_out"]
    listed = run("webhooks")
    assert isinstance(listed, list)
    assert [s["id"] for s in listed] == [made["id"]]
    phone = unique_phone()
    answer = run("inbound", phone, "STOP", "--team", str(emulated.team.team_id))
    assert isinstance(answer, dict)
    assert (answer["opted_out"], answer["event"]) == (True, "target_opt_out")
    assert sink.events(2) == ["contact_created", "target_opt_out"]
    deliveries = run("webhooks", "--deliveries")
    assert isinstance(deliveries, list)
    assert {d["event"] for d in deliveries} == {"contact_created", "target_opt_out"}
    assert run("webhooks", "--remove", str(made["id"])) == "ok"
    assert run("webhooks") == []
