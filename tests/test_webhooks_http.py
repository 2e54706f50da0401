"""Webhooks end to end (spec section 10): a real server process sends events to a real receiver
on a loopback port, on both databases. The server allows private addresses (the receiver is
on 127.0.0.1) and retries fast (0.2 s, then twice as long each time)."""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from heymarket_contacts import webhooks
from heymarket_contacts.server.clock import system_clock
from heymarket_contacts.server.store.records import ContactFields
from heymarket_contacts.server.webhooks.outbox import Doorbell, Outbox
from support import Canary, TeamCredentials, shared_tls, unique_phone
from webhook_support import (
    FAST_WEBHOOKS,
    Answer,
    HookServer,
    Receiver,
    hook_database,
    hook_server,
    receiver,
)


@pytest.fixture(scope="module")
def hooks(
    backend: str, server_environment: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HookServer]:
    folder = tmp_path_factory.mktemp(f"hooks-{backend}")
    with (
        hook_database(backend, folder) as url,
        hook_server(url, server_environment, folder, "--webhooks-allow-private", *FAST_WEBHOOKS)
        as running,
    ):  # fmt: skip
        yield running


@pytest.fixture
def sink() -> Iterator[Receiver]:
    with receiver() as running:
        yield running


@pytest.fixture
def team(hooks: HookServer, canary: Canary) -> TeamCredentials:
    return hooks.new_team(canary)


@pytest.fixture
def api(hooks: HookServer, team: TeamCredentials) -> Iterator[httpx.Client]:
    with hooks.api(team) as client:
        yield client


def subscribe(
    hooks: HookServer, team: TeamCredentials, sink: Receiver, *events: str, token: str = ""
) -> tuple[int, str]:
    record = hooks.webhooks().add(team.team_id, sink.url, list(events), token or None)
    return record.id, record.token


def ok(response: httpx.Response) -> object:
    assert response.status_code == 200, response.text
    return response.json()


def new_contact(api: httpx.Client, **fields: object) -> dict[str, object]:
    fields.setdefault("phone", unique_phone())
    answer = ok(api.post("/v1/contact", json=fields))
    assert isinstance(answer, dict)
    return {**answer, "phone": fields["phone"]}


def set_status(api: httpx.Client, phone: object, status: str) -> None:
    assert ok(api.post("/v1/contact/set_status", json={"phone": phone, "status": status}))


def deliveries(hooks: HookServer, subscription_id: int) -> list[object]:
    return list(hooks.webhooks().deliveries(subscription_id=subscription_id))


# --- what is sent ------------------------------------------------------------------------------


def test_an_opt_out_arrives_signed_in_the_documented_envelope(
    hooks: HookServer, team: TeamCredentials, api: httpx.Client, sink: Receiver
) -> None:
    subscription_id, token = subscribe(hooks, team, sink)
    contact = new_contact(api)
    set_status(api, contact["phone"], "unsubscribed")
    (got,) = sink.wait_for(1)
    assert got.path == "/hook"
    assert got.headers["content-type"] == "application/json"
    assert got.headers["user-agent"].startswith("heymarket-contacts/")
    assert uuid.UUID(got.delivery)
    assert got.headers["x-heymarket-signature"] == webhooks.sign(got.body, token)
    body = got.json()
    assert list(body) == ["type", "id", "token", "event_data"]
    data = body["event_data"]
    assert body == {
        "type": "target_opt_out", "id": subscription_id, "token": token,
        "event_data": {
            "contact_id": contact["id"], "uuid": contact["uuid"], "phone": contact["phone"],
            "team_id": team.team_id, "inbox_id": 0, "date": data["date"],
        },
    }  # fmt: skip
    with hooks.api(team) as again:
        assert data["date"] == ok(again.get(f"/v1/contact/{contact['id']}"))["updated"]  # type: ignore[index]
    event = webhooks.verify(got.body, got.headers, token)
    assert isinstance(event, webhooks.OptOutEvent)
    assert event.event_data.contact_id == contact["id"]


def test_an_opt_out_of_an_opted_out_contact_fires_nothing(
    hooks: HookServer, team: TeamCredentials, api: httpx.Client, sink: Receiver
) -> None:
    subscribe(hooks, team, sink)
    contact = new_contact(api)
    set_status(api, contact["phone"], "unsubscribed")
    set_status(api, contact["phone"], "unsubscribed")  # no change
    set_status(api, contact["phone"], "blocked")  # not an opt change
    set_status(api, contact["phone"], "subscribed")
    set_status(api, contact["phone"], "subscribed")  # no change
    set_status(api, contact["phone"], "unsubscribed")
    # Events of one contact arrive in order: the last one proves none came between.
    assert sink.events(3) == ["target_opt_out", "target_opt_in", "target_opt_out"]
    time.sleep(0.5)
    assert len(sink.received) == 3


def test_a_subscription_without_events_gets_the_documented_ones_only(
    hooks: HookServer, team: TeamCredentials, api: httpx.Client, sink: Receiver
) -> None:
    subscribe(hooks, team, sink)
    contact = new_contact(api, first="Ada")
    ok(api.put(f"/v1/contact/{contact['id']}", json={"phone": contact["phone"], "last": "L"}))
    ok(api.post(f"/v1/contact/{contact['id']}/note", json={"text": "hello"}))
    ok(api.put(f"/v1/contact/{contact['id']}", json={"phone": contact["phone"],
                                                     "is_opted_out": True}))  # fmt: skip
    ok(api.delete(f"/v1/contact/{contact['id']}"))
    assert sink.events(1) == ["target_opt_out"]
    time.sleep(0.5)
    assert len(sink.received) == 1


def test_a_contact_created_opted_out_fires_an_opt_out(
    hooks: HookServer, team: TeamCredentials, api: httpx.Client, sink: Receiver
) -> None:
    subscribe(hooks, team, sink, "contact_created", "target_opt_out", "target_opt_in")
    contact = new_contact(api, is_opted_out=True)
    assert sink.events(2) == ["contact_created", "target_opt_out"]
    assert sink.received[0].json()["event_data"]["id"] == contact["id"]


def test_contact_events_come_from_every_route_that_writes_a_contact(
    hooks: HookServer, team: TeamCredentials, api: httpx.Client, sink: Receiver
) -> None:
    subscribe(hooks, team, sink, *webhooks.EVENTS)
    expected: list[tuple[str, object]] = []

    one = new_contact(api)
    expected.append(("contact_created", one["id"]))
    ok(api.put(f"/v1/contact/{one['id']}", json={"phone": one["phone"], "first": "Ada"}))
    expected.append(("contact_updated", one["id"]))
    set_status(api, one["phone"], "unsubscribed")
    expected += [("contact_updated", one["id"]), ("target_opt_out", one["id"])]
    tag = ok(api.post("/v1/tag", json={"tag": f"vip-{uuid.uuid4().hex[:6]}"}))
    assert isinstance(tag, dict)
    ok(api.put(f"/v1/contact/{one['id']}", json={"phone": one["phone"],
                                                 "tags": [{"tag_id": tag["id"]}]}))  # fmt: skip
    expected.append(("contact_updated", one["id"]))
    note = ok(api.post(f"/v1/contact/{one['id']}/note", json={"text": "called"}))
    assert isinstance(note, dict)
    expected.append(("contact_updated", one["id"]))
    ok(api.delete(f"/v1/contact/{one['id']}/note/{note['id']}"))
    expected.append(("contact_updated", one["id"]))
    ok(api.delete(f"/v1/tag/{tag['id']}"))  # the tag leaves the contact: a write
    expected.append(("contact_updated", one["id"]))

    phone, other_phone = unique_phone(), unique_phone()
    assert ok(api.post("/v1/batch/contacts", json=[{"phone": phone}, {"phone": other_phone}]))
    batch_ids = [
        ok(api.post("/v1/contact/get", json={"phone": p}))["id"]  # type: ignore[index]
        for p in (phone, other_phone)
    ]
    expected += [("contact_created", batch_ids[0]), ("contact_created", batch_ids[1])]
    ok(api.post("/v1/batch/contacts?overwrite=true", json=[{"phone": phone,
                                                            "is_opted_out": True}]))  # fmt: skip
    expected += [("contact_updated", batch_ids[0]), ("target_opt_out", batch_ids[0])]

    email = f"{uuid.uuid4().hex[:8]}@example.com"
    v2 = ok(api.post("/v2/contact", json={"contact_channels": [
        {"channel_type": "email", "channel_id": email}]}))  # fmt: skip
    assert isinstance(v2, dict)
    expected.append(("contact_created", v2["id"]))
    ok(api.put(f"/v2/contact/{v2['uuid']}", json={"first": "Grace"}))
    expected.append(("contact_updated", v2["id"]))
    ok(api.post(f"/v2/contact/{v2['uuid']}/channel",
                json={"channel_type": "phone", "channel_id": unique_phone()}))  # fmt: skip
    expected.append(("contact_updated", v2["id"]))
    bulk = ok(api.post("/v2/contacts?overwrite=true", json={"contacts": [
        {"contact_id": v2["uuid"], "is_opted_out": True},
        {"contact_channels": [{"channel_type": "phone", "channel_id": unique_phone()}]},
    ]}))  # fmt: skip
    assert isinstance(bulk, dict)
    assert not bulk["failed_contacts"], bulk
    bulk_new = bulk["contacts"][1]["id"]
    expected += [("contact_updated", v2["id"]), ("target_opt_out", v2["id"]),
                 ("contact_created", bulk_new)]  # fmt: skip

    ok(api.delete(f"/v1/contact/{batch_ids[1]}"))
    expected.append(("contact_deleted", batch_ids[1]))
    ok(api.delete(f"/v2/contact/{v2['uuid']}"))
    expected.append(("contact_deleted", v2["id"]))
    ok(api.request("DELETE", "/v2/contacts", json={"contact_channels": [
        {"channel_type": "id", "channel_ids": [bulk["contacts"][1]["uuid"]]}]}))  # fmt: skip
    expected.append(("contact_deleted", bulk_new))

    got = sink.wait_for(len(expected))
    seen = [(item.json()["type"], _contact_id(item.json())) for item in got]
    # Each contact's events in the order they happened (contacts may interleave).
    for contact_id in {contact_id for _, contact_id in expected}:
        assert [e for e in seen if e[1] == contact_id] == [
            e for e in expected if e[1] == contact_id
        ], contact_id
    assert sorted(seen, key=str) == sorted(expected, key=str)
    (deleted,) = [
        item.json()["event_data"] for item in got
        if item.json()["type"] == "contact_deleted" and _contact_id(item.json()) == v2["id"]
    ]  # fmt: skip
    assert deleted["uuid"] == v2["uuid"]
    assert deleted["is_opted_out"] is True  # the contact as it was before the delete


def _contact_id(body: dict[str, object]) -> object:
    data = body["event_data"]
    assert isinstance(data, dict)
    return data["contact_id"] if "contact_id" in data else data["id"]


# --- retries -----------------------------------------------------------------------------------


def test_a_receiver_that_fails_three_times_gets_the_event_once_with_one_delivery_id(
    hooks: HookServer, team: TeamCredentials, api: httpx.Client, sink: Receiver
) -> None:
    subscription_id, token = subscribe(hooks, team, sink)
    sink.answer(Answer(500), Answer(503), Answer(500))
    contact = new_contact(api)
    set_status(api, contact["phone"], "unsubscribed")
    got = sink.wait_for(4)
    assert len({item.delivery for item in got}) == 1
    assert len({item.body for item in got}) == 1
    assert all(item.headers["x-heymarket-signature"] == webhooks.sign(item.body, token)
               for item in got)  # fmt: skip
    waits = [later.at - earlier.at for earlier, later in itertools.pairwise(got)]
    assert waits[0] >= 0.15
    assert waits[2] > waits[0]
    (delivery,) = _settled(hooks, subscription_id)
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("delivered", 4, 200)
    assert delivery.id == got[0].delivery
    time.sleep(0.5)
    assert len(sink.received) == 4


def _settled(hooks: HookServer, subscription_id: int, timeout: float = 20) -> list:  # type: ignore[type-arg]
    """The subscription's deliveries once none is pending."""
    deadline = time.monotonic() + timeout
    while True:
        found = hooks.webhooks().deliveries(subscription_id=subscription_id)
        if all(d.state != "pending" for d in found) or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_a_receiver_that_never_answers_is_timed_out_and_the_api_stays_fast(
    hooks: HookServer, team: TeamCredentials, api: httpx.Client, sink: Receiver
) -> None:
    subscription_id, _ = subscribe(hooks, team, sink)
    sink.answer(Answer(hang=10), Answer(hang=10))
    contact = new_contact(api)
    set_status(api, contact["phone"], "unsubscribed")
    sink.wait_for(1)
    began = time.monotonic()
    for status in ("subscribed", "unsubscribed", "subscribed"):
        set_status(api, contact["phone"], status)
    assert time.monotonic() - began < 1.0  # not held by the receiver, which hangs 10 s
    got = sink.wait_for(3, timeout=30)
    assert got[1].delivery == got[0].delivery  # retried after the 1 s limit
    assert got[1].at - got[0].at >= 1.0
    assert sink.events(6, timeout=30) == [
        "target_opt_out", "target_opt_out", "target_opt_out", "target_opt_in",
        "target_opt_out", "target_opt_in",
    ]  # fmt: skip
    first = _settled(hooks, subscription_id)[0]
    assert first.attempts == 3
    assert first.state == "delivered"


def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    hooks: HookServer, team: TeamCredentials, api: httpx.Client, sink: Receiver
) -> None:
    subscription_id, _ = subscribe(hooks, team, sink)
    sink.answer(Answer(302, location="/elsewhere"), Answer(307, location="http://127.0.0.1:9/"))
    contact = new_contact(api)
    set_status(api, contact["phone"], "unsubscribed")
    got = sink.wait_for(3)
    assert [item.path for item in got] == ["/hook", "/hook", "/hook"]
    (delivery,) = _settled(hooks, subscription_id)
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("delivered", 3, 200)


def test_a_huge_answer_is_read_no_further_than_64_kib(
    hooks: HookServer, team: TeamCredentials, api: httpx.Client, sink: Receiver
) -> None:
    subscription_id, _ = subscribe(hooks, team, sink)
    sink.answer(Answer(200, body_bytes=1 << 30))  # 1 GiB
    contact = new_contact(api)
    set_status(api, contact["phone"], "unsubscribed")
    sink.wait_for(1)
    (delivery,) = _settled(hooks, subscription_id)
    assert (delivery.state, delivery.attempts) == ("delivered", 1)
    deadline = time.monotonic() + 10
    while not sink.sent_bytes and time.monotonic() < deadline:
        time.sleep(0.05)
    # What the receiver could push before the sender hung up: 64 KiB and socket buffers.
    assert sink.sent_bytes[0] < 64 << 20


def test_a_failed_500_answer_keeps_the_start_of_its_body(
    hooks: HookServer, team: TeamCredentials, api: httpx.Client, sink: Receiver
) -> None:
    subscription_id, _ = subscribe(hooks, team, sink)
    sink.answer(Answer(500, body_bytes=10))  # ten NUL bytes
    contact = new_contact(api)
    set_status(api, contact["phone"], "unsubscribed")
    sink.wait_for(2)
    assert sink.wait_for(2)[1].delivery == sink.received[0].delivery
    (delivery,) = _settled(hooks, subscription_id)
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("delivered", 2, 200)
    errors = [line for line in hooks.server.log_path.read_text().splitlines()
              if delivery.id in line and "failed" in line]  # fmt: skip
    assert len(errors) == 1
    assert errors[0].endswith("answered 500 (not a 2xx): ??????????")


def test_a_removed_subscription_stops_its_pending_deliveries(
    hooks: HookServer, team: TeamCredentials, api: httpx.Client, sink: Receiver
) -> None:
    subscription_id, _ = subscribe(hooks, team, sink)
    sink.answer(*[Answer(500)] * 100)
    contact = new_contact(api)
    set_status(api, contact["phone"], "unsubscribed")
    sink.wait_for(2)
    hooks.webhooks().remove(subscription_id)
    time.sleep(0.3)  # a try in flight may still land
    count = len(sink.received)
    time.sleep(2.0)  # 0.2 s backoff: several retries would have come by now
    assert len(sink.received) == count
    assert hooks.webhooks().deliveries(subscription_id=subscription_id) == []


def test_a_slow_receivers_backlog_does_not_hold_back_another_teams_events(
    hooks: HookServer, team: TeamCredentials, api: httpx.Client, sink: Receiver,
    canary: Canary,
) -> None:  # fmt: skip
    """300 events queued for a receiver that takes 0.9 s an answer, then 20 of another team:
    those 20 are not sent after the 300 (at most 16 tries of one subscription at a time; a
    claim once sorted by age alone, and the other team waited ~8 s for the backlog)."""
    slow_id, _ = subscribe(hooks, team, sink, "contact_created")
    sink.answer(*[Answer(hang=0.9)] * 300)
    other = hooks.new_team(canary)
    try:
        with receiver() as fast, hooks.api(other) as other_api:
            subscribe(hooks, other, fast, "contact_created")
            for _ in range(300):
                new_contact(api)
            for _ in range(20):
                new_contact(other_api)
            fast.wait_for(20, timeout=30)
            slow_done = len(sink.received)
        assert slow_done < 150, f"the slow receiver had {slow_done} of 300 first"
    finally:
        hooks.webhooks().remove(slow_id)


def test_events_of_one_contact_wait_for_the_one_before(
    hooks: HookServer, team: TeamCredentials, api: httpx.Client, sink: Receiver
) -> None:
    subscribe(hooks, team, sink, "contact_updated")
    sink.answer(Answer(500), Answer(500))
    contact = new_contact(api)
    for number in range(5):
        ok(api.put(f"/v1/contact/{contact['id']}",
                   json={"phone": contact["phone"], "first": f"n{number}"}))  # fmt: skip
    got = sink.wait_for(7)
    firsts = [item.json()["event_data"]["first"] for item in got]
    assert firsts == ["n0", "n0", "n0", "n1", "n2", "n3", "n4"]


def test_a_failed_delivery_is_listed_and_redelivered_with_the_same_id(
    backend: str, server_environment: dict[str, str], tmp_path_factory: pytest.TempPathFactory,
    canary: Canary, sink: Receiver,
) -> None:  # fmt: skip
    folder = tmp_path_factory.mktemp("redeliver")
    with (
        hook_database(backend, folder) as url,
        hook_server(url, server_environment, folder, "--webhooks-allow-private",
                    "--webhook-tries", "2", *FAST_WEBHOOKS) as hooks,
    ):  # fmt: skip
        team = hooks.new_team(canary)
        subscription_id, _ = subscribe(hooks, team, sink)
        sink.answer(Answer(500), Answer(500))
        with hooks.api(team) as api:
            contact = new_contact(api)
            set_status(api, contact["phone"], "unsubscribed")
        first = sink.wait_for(2)
        (failed,) = _settled(hooks, subscription_id)
        assert (failed.state, failed.attempts, failed.last_status) == ("failed", 2, 500)
        assert failed.last_error.startswith("answered 500")
        service = hooks.webhooks()
        assert [d.id for d in service.deliveries(failed=True)] == [failed.id]
        again = service.redeliver(failed.id)
        assert again.state == "pending"
        got = sink.wait_for(3)
        assert got[2].delivery == first[0].delivery == failed.id
        (done,) = _settled(hooks, subscription_id)
        assert (done.state, done.attempts) == ("delivered", 3)
        assert service.deliveries(failed=True) == []


# --- where it may send -------------------------------------------------------------------------


def test_a_url_that_resolves_to_loopback_is_refused_at_each_send_without_the_flag(
    backend: str, server_environment: dict[str, str], tmp_path_factory: pytest.TempPathFactory,
    canary: Canary, sink: Receiver,
) -> None:  # fmt: skip
    folder = tmp_path_factory.mktemp("refused")
    with (
        hook_database(backend, folder) as url,
        hook_server(url, server_environment, folder, "--webhook-tries", "2",
                    *FAST_WEBHOOKS) as hooks,
    ):  # fmt: skip
        team = hooks.new_team(canary)
        # Added while allowed (as if the name pointed elsewhere then): each send checks again.
        localhost = sink.url.replace("127.0.0.1", "localhost")
        record = hooks.webhooks().add(team.team_id, localhost)
        with hooks.api(team) as api:
            contact = new_contact(api)
            set_status(api, contact["phone"], "unsubscribed")
        (failed,) = _settled(hooks, record.id)
        assert failed.state == "failed"
        assert "loopback address" in failed.last_error, failed.last_error
        assert sink.received == []


# --- crashes and several processes -------------------------------------------------------------


def test_a_server_killed_before_the_delivery_delivers_it_after_restart(
    backend: str, server_environment: dict[str, str], tmp_path_factory: pytest.TempPathFactory,
    canary: Canary, sink: Receiver,
) -> None:  # fmt: skip
    folder = tmp_path_factory.mktemp("killed")
    with (
        hook_database(backend, folder) as url,
        hook_server(url, server_environment, folder, "--webhooks-allow-private",
                    *FAST_WEBHOOKS) as hooks,
    ):  # fmt: skip
        team = hooks.new_team(canary)
        subscription_id, _ = subscribe(hooks, team, sink)
        sink.answer(Answer(hang=60))  # the first try never gets an answer
        with hooks.api(team) as api:
            contact = new_contact(api)
            set_status(api, contact["phone"], "unsubscribed")
        (first,) = sink.wait_for(1)
        hooks.restart(kill=True)  # kill -9 while the try waits
        got = sink.wait_for(2, timeout=40)  # once the dead process's claim has lapsed
        assert got[1].delivery == first.delivery
        assert got[1].body == first.body
        (done,) = _settled(hooks, subscription_id)
        assert done.state == "delivered"


def test_a_change_committed_by_another_process_is_delivered_by_the_server(
    hooks: HookServer, team: TeamCredentials, sink: Receiver
) -> None:
    """The server is not told of this write (it happens in the test's process): it finds the
    event in the outbox on its own and makes its delivery."""
    subscription_id, _ = subscribe(hooks, team, sink)
    phone = unique_phone()
    outbox = Outbox(hooks.store, system_clock, tries=8, doorbell=Doorbell())
    with outbox.write() as tx:
        stamp = tx.advance_team_clock(team.team_id, system_clock())
        tx.insert_contact(
            team.team_id, uuid=str(uuid.uuid4()), creator_id=0,
            fields=ContactFields(phone=phone, is_opted_out=True), tag_ids=[], stamp_us=stamp,
        )  # fmt: skip
    (got,) = sink.wait_for(1)
    assert got.json()["event_data"]["phone"] == phone
    assert _settled(hooks, subscription_id)[0].state == "delivered"


#: Events two server processes deliver from one outbox: enough for both to claim many tries
#: at the same moments (each process claims up to 16 of one subscription at once).
EXACTLY_ONCE_EVENTS = 200


def test_two_server_processes_on_one_database_deliver_each_event_exactly_once(
    hooks: HookServer, team: TeamCredentials, sink: Receiver
) -> None:
    subscription_id, _ = subscribe(hooks, team, sink)
    phones = [unique_phone() for _ in range(EXACTLY_ONCE_EVENTS)]
    with hooks.api(team) as api:
        assert ok(api.post("/v1/batch/contacts", json=[{"phone": phone} for phone in phones]))
    second = hooks.another_process()
    try:
        urls = [hooks.base_url, second.base_url]

        def opt_out(index: int) -> None:
            with httpx.Client(base_url=urls[index % 2], timeout=30, verify=shared_tls()) as http:
                answer = http.post(
                    "/v1/contact/set_status",
                    json={"phone": phones[index], "status": "unsubscribed"},
                    headers={"Authorization": f"Bearer {team.token()}"},
                )  # fmt: skip
                assert answer.status_code == 200, answer.text

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(opt_out, range(len(phones))))
        got = sink.wait_for(EXACTLY_ONCE_EVENTS, timeout=60)
        time.sleep(1.5)  # a poll of each process: a duplicate would have come by now
    finally:
        second.stop()
    assert len(sink.received) == EXACTLY_ONCE_EVENTS
    assert len({item.delivery for item in got}) == EXACTLY_ONCE_EVENTS
    assert sorted(item.json()["event_data"]["phone"] for item in got) == sorted(phones)
    settled = _settled(hooks, subscription_id)
    assert {(d.state, d.attempts) for d in settled} == {("delivered", 1)}


def test_metrics_count_tries_by_outcome_and_the_queue(
    backend: str, server_environment: dict[str, str], tmp_path_factory: pytest.TempPathFactory,
    canary: Canary, sink: Receiver,
) -> None:  # fmt: skip
    folder = tmp_path_factory.mktemp("metrics")
    with (
        hook_database(backend, folder) as url,
        hook_server(url, server_environment, folder, "--webhooks-allow-private", "--metrics",
                    "--webhook-tries", "2", *FAST_WEBHOOKS) as hooks,
    ):  # fmt: skip
        team = hooks.new_team(canary)
        subscription_id, _ = subscribe(hooks, team, sink)
        sink.answer(Answer(500), Answer(200), Answer(500), Answer(500))
        with hooks.api(team) as api:
            one, two = new_contact(api), new_contact(api)
            set_status(api, one["phone"], "unsubscribed")
            sink.wait_for(2)
            set_status(api, two["phone"], "unsubscribed")
            sink.wait_for(4)
            assert len(_settled(hooks, subscription_id)) == 2
            text = httpx.get(f"{hooks.base_url}/metrics", verify=shared_tls()).text
    for outcome, count in (("delivered", 1), ("retried", 2), ("failed", 1)):
        assert f'heymarket_webhook_tries_total{{outcome="{outcome}"}} {count}.0' in text, text
    assert "heymarket_webhook_queue 0\n" in text
