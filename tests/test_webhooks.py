"""The receiver's side (``heymarket_contacts.webhooks``) and the server's rules of what an
event is and where it may go: signatures, typed events, event names, target addresses."""

from __future__ import annotations

import email.message
import ipaddress
import subprocess
import sys
from dataclasses import replace

import httpx
import msgspec
import pytest

from heymarket_contacts import webhooks
from heymarket_contacts.server.store.records import ContactFields, ContactRecord
from heymarket_contacts.server.store.webhook_records import EventRecord, SubscriptionRecord
from heymarket_contacts.server.webhooks.events import deliveries_of, envelope, events_of, new_events
from heymarket_contacts.server.webhooks.targets import (
    TargetPolicy,
    TargetRefused,
    parse_target,
    refusal,
)

TOKEN = "verification-token-1"


def _contact(**fields: object) -> ContactRecord:
    return ContactRecord(
        id=7, uuid="01a24261-d42e-76ba-80dd-31e0016f305d", team_id=3, creator_id=1, parent_id=0,
        fields=ContactFields(phone="15105550001", **fields),  # type: ignore[arg-type]
        tags=[], notes=[], op="status", rev=2, created_us=1_000_000, updated_us=2_000_000,
    )  # fmt: skip


SUBSCRIPTION = SubscriptionRecord(5, 3, "https://example.com/hook", webhooks.EVENTS, TOKEN, 0)


def _delivery(event: str = "target_opt_out") -> tuple[bytes, dict[str, str]]:
    body = envelope(event, SUBSCRIPTION, _contact(is_opted_out=True)).encode()
    return body, {"X-Heymarket-Signature": webhooks.sign(body, TOKEN)}


# --- verify -----------------------------------------------------------------------------------


def test_verify_answers_the_typed_event_of_a_genuine_delivery() -> None:
    body, headers = _delivery()
    event = webhooks.verify(body, headers, TOKEN)
    assert event == webhooks.OptOutEvent(
        id=5, token=TOKEN,
        event_data=webhooks.OptEventData(
            contact_id=7, uuid="01a24261-d42e-76ba-80dd-31e0016f305d", phone="15105550001",
            team_id=3, inbox_id=0, date="1970-01-01T00:00:02.000000Z",
        ),
    )  # fmt: skip


def _message(headers: dict[str, str]) -> email.message.Message:
    message = email.message.Message()
    for name, value in headers.items():
        message[name] = value
    return message


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda h: {k.lower(): v for k, v in h.items()}, id="lower-case dict"),
        pytest.param(lambda h: list(h.items()), id="list of pairs"),
        pytest.param(httpx.Headers, id="httpx headers"),
        pytest.param(lambda h: [(k.encode(), v.encode()) for k, v in h.items()], id="bytes"),
        pytest.param(_message, id="http.server headers"),
    ],
)
def test_verify_takes_headers_in_any_common_form(headers: object) -> None:
    body, sent = _delivery()
    assert webhooks.verify(body, headers(sent), TOKEN).id == 5  # type: ignore[operator]


def test_verify_refuses_a_tampered_body() -> None:
    body, headers = _delivery()
    tampered = body.replace(b"15105550001", b"15105550002")
    with pytest.raises(webhooks.WebhookVerificationError, match="signature does not match"):
        webhooks.verify(tampered, headers, TOKEN)


def test_verify_refuses_another_token_and_a_missing_or_malformed_signature() -> None:
    body, headers = _delivery()
    with pytest.raises(webhooks.WebhookVerificationError, match="signature"):
        webhooks.verify(body, headers, "another-token")
    with pytest.raises(webhooks.WebhookVerificationError, match="no X-Heymarket-Signature"):
        webhooks.verify(body, {}, TOKEN)
    digest = headers["X-Heymarket-Signature"].removeprefix("sha256=")
    for wrong in (digest, f"sha1={digest}", "sha256=", "sha256=" + digest.upper(), "é"):
        with pytest.raises(webhooks.WebhookVerificationError):
            webhooks.verify(body, {"X-Heymarket-Signature": wrong}, TOKEN)


def test_verify_refuses_a_signed_body_whose_envelope_names_another_token() -> None:
    """A body signed with the token but carrying another one is no delivery of ours."""
    body = envelope("target_opt_in", replace(SUBSCRIPTION, token="other"), _contact()).encode()
    headers = {"X-Heymarket-Signature": webhooks.sign(body, TOKEN)}
    with pytest.raises(webhooks.WebhookVerificationError, match="envelope's token"):
        webhooks.verify(body, headers, TOKEN)


def test_a_signed_body_that_is_no_event_is_refused() -> None:
    for body in (b"{}", b"not json", b'{"type": "other", "id": 1, "token": "t"}'):
        with pytest.raises(webhooks.WebhookVerificationError, match="not a webhook event"):
            webhooks.verify(body, {"X-Heymarket-Signature": webhooks.sign(body, TOKEN)}, TOKEN)


@pytest.mark.parametrize("event", webhooks.CONTACT_EVENTS)
def test_contact_events_carry_the_v1_read_shape(event: str) -> None:
    body, headers = _delivery(event)
    parsed = webhooks.verify(body, headers, TOKEN)
    assert type(parsed).__name__.lower().replace("event", "") == event.replace("_", "")
    data = msgspec.json.decode(body)["event_data"]
    assert data["id"] == 7
    assert data["is_opted_out"] is True
    assert data["updated"] == "1970-01-01T00:00:02.000000Z"
    assert set(data) >= {"id", "uuid", "team_id", "phone", "tags", "note", "rev", "created"}


def test_the_signature_is_hmac_sha256_of_the_raw_body_under_the_token() -> None:
    # echo -n '{"a":1}' | openssl dgst -sha256 -hmac key
    digest = "88a67f24bbcdaed0e6c997404bb79a743baf44c6bab2f4c27328e3009d22e342"
    assert webhooks.sign(b'{"a":1}', "key") == f"sha256={digest}"


def test_importing_the_receiver_module_loads_nothing_of_the_server() -> None:
    code = (
        "import sys, heymarket_contacts.webhooks\n"
        "print(','.join(m for m in ('starlette', 'granian', 'psycopg', 'httpx',"
        " 'heymarket_contacts.server') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() in ("", "httpx")  # the SDK's own client may load httpx
    assert "heymarket_contacts.server" not in result.stdout


# --- which events a change makes --------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "events"),
    [
        pytest.param(None, {}, ["contact_created"], id="created"),
        pytest.param(
            None,
            {"is_opted_out": True},
            ["contact_created", "target_opt_out"],
            id="created opted out",
        ),
        pytest.param({}, {}, ["contact_updated"], id="updated"),
        pytest.param(
            {}, {"is_opted_out": True}, ["contact_updated", "target_opt_out"], id="opted out"
        ),
        pytest.param(
            {"is_opted_out": True}, {}, ["contact_updated", "target_opt_in"], id="opted in"
        ),
        pytest.param(
            {"is_opted_out": True}, {"is_opted_out": True}, ["contact_updated"], id="already out"
        ),
        pytest.param({}, {"is_blocked": True}, ["contact_updated"], id="blocked"),
        pytest.param({"is_opted_out": True}, None, ["contact_deleted"], id="deleted"),
        pytest.param(None, None, [], id="created and deleted"),
    ],
)
def test_events_of_a_change(
    before: dict[str, bool] | None, after: dict[str, bool] | None, events: list[str]
) -> None:
    old = None if before is None else _contact(**before)
    new = None if after is None else _contact(**after)
    assert events_of(old, new) == events


def test_each_subscription_of_a_change_gets_its_own_envelope_around_the_same_data() -> None:
    """A change's events are stored once each, with the contact rendered once; each
    subscription's body made from one is still exactly the typed event of that subscription,
    encoded whole."""
    subscriptions = [
        SUBSCRIPTION,
        replace(SUBSCRIPTION, id=6, token="other-token"),
        replace(SUBSCRIPTION, id=8, events=("contact_updated",)),
    ]
    before, after = _contact(), _contact(is_opted_out=True, first='Ada "<x>"')
    wanted = {event for subscription in subscriptions for event in subscription.events}
    stored = new_events([(before, after)], wanted, now_us=7, tries=8)
    assert [(e.event, e.contact_id, e.created_us) for e in stored] == [
        ("contact_updated", after.id, 7), ("target_opt_out", after.id, 7),
    ]  # fmt: skip
    ids = iter(str(n) for n in range(100))
    deliveries = [
        delivery
        for seq, event in enumerate(stored)
        for delivery in deliveries_of(
            EventRecord(event.team_id, event.contact_id, event.event, event.data, 8, 7, seq),
            subscriptions,
            make_id=lambda: next(ids),
        )
    ]
    sent = [(d.subscription_id, d.event) for d in deliveries]
    assert sent == [(5, "contact_updated"), (6, "contact_updated"), (8, "contact_updated"),
                    (5, "target_opt_out"), (6, "target_opt_out")]  # fmt: skip
    # due from the change, by the clock of the server that stored the event
    assert {(d.created_us, d.next_attempt_us, d.max_attempts) for d in deliveries} == {(7, 7, 8)}
    by_id = {s.id: s for s in subscriptions}
    for delivery in deliveries:
        subscription = by_id[delivery.subscription_id]
        parsed = webhooks.verify(
            delivery.body.encode(),
            {"X-Heymarket-Signature": webhooks.sign(delivery.body.encode(), subscription.token)},
            subscription.token,
        )
        assert parsed.id == subscription.id
        assert msgspec.json.encode(parsed).decode() == delivery.body


def test_only_events_a_subscription_asked_for_are_stored() -> None:
    before, after = _contact(), _contact(is_opted_out=True)
    assert [
        e.event for e in new_events([(before, after)], {"contact_updated"}, now_us=1, tries=8)
    ] == ["contact_updated"]
    assert new_events([(None, None)], {"contact_updated"}, now_us=1, tries=8) == []


# --- where webhooks may go --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param("file:///etc/passwd", "must use http or https, not file", id="file"),
        pytest.param("gopher://example.com/", "not gopher", id="gopher"),
        pytest.param("ftp://example.com/", "not ftp", id="ftp"),
        pytest.param("example.com/hook", "must use http or https", id="no scheme"),
        pytest.param("https://user:pass@example.com/", "user name or password", id="password"),
        pytest.param("https://user@example.com/", "user name or password", id="user"),
        pytest.param("https://example.com/#x", "fragment", id="fragment"),
        pytest.param("https:///path", "no host", id="no host"),
        pytest.param("https://example.com/" + "a" * 2100, "longer than 2048", id="too long"),
        pytest.param("", "must be an http or https URL", id="empty"),
        pytest.param("http://example.com:99999/", "port 99999 is not from 1 to 65535", id="port"),
        pytest.param("http://[::1", "not a valid URL", id="broken"),
    ],
)
def test_a_url_of_the_wrong_form_is_refused(url: str, message: str) -> None:
    with pytest.raises(TargetRefused, match=message) as caught:
        parse_target(url)
    assert caught.value.field == "url"
    assert caught.value.status == 400


@pytest.mark.parametrize(
    ("address", "default", "emulator"),
    [
        pytest.param("127.0.0.1", "a loopback address", None, id="loopback"),
        pytest.param("::1", "a loopback address", None, id="loopback v6"),
        pytest.param("::ffff:127.0.0.1", "a loopback address", None, id="mapped loopback"),
        pytest.param("10.0.0.1", "a private address", "a private address", id="10/8"),
        pytest.param("192.168.1.1", "a private address", "a private address", id="192.168/16"),
        pytest.param("172.16.0.1", "a private address", "a private address", id="172.16/12"),
        pytest.param("fd00::1", "a private address", "a private address", id="ula"),
        pytest.param(
            "169.254.169.254", "a link-local address", "a link-local address", id="metadata"
        ),
        pytest.param("fe80::1", "a link-local address", "a link-local address", id="fe80"),
        pytest.param("224.0.0.1", "a multicast address", "a multicast address", id="multicast"),
        pytest.param("0.0.0.0", "an unspecified address", "an unspecified address", id="any"),
        pytest.param("100.64.0.1", "a non-public address", "a non-public address", id="cgnat"),
        pytest.param("8.8.8.8", None, None, id="public"),
        pytest.param("2606:4700::1111", None, None, id="public v6"),
    ],
)
def test_which_addresses_are_refused(
    address: str, default: str | None, emulator: str | None
) -> None:
    ip = ipaddress.ip_address(address)
    assert refusal(ip, TargetPolicy()) == default
    assert refusal(ip, TargetPolicy(allow_loopback=True)) == emulator
    assert refusal(ip, TargetPolicy(allow_private=True)) is None


# --- the SDK's test kit -----------------------------------------------------------------------


def test_an_in_process_local_server_delivers_to_a_local_receiver() -> None:
    from heymarket_contacts.testing import LocalServer
    from webhook_support import receiver

    with receiver() as sink, LocalServer() as server, server.client() as client:
        made = server.control.add_webhook(sink.url, events=["contact_created", "target_opt_out"])
        ref = client.contacts.create(phone="15105550123")
        answer = server.control.inbound("15105550123", "STOP")
        assert (answer.contact_id, answer.opted_out, answer.event) == (
            ref.id, True, "target_opt_out"
        )  # fmt: skip
        got = sink.wait_for(2)
        events = [webhooks.verify(item.body, item.headers, made.token) for item in got]
        assert [type(event) for event in events] == [
            webhooks.ContactCreatedEvent, webhooks.OptOutEvent
        ]  # fmt: skip
        deliveries = server.control.webhook_deliveries(subscription_id=made.id)
        assert [d.event for d in deliveries] == ["contact_created", "target_opt_out"]
        assert [w.id for w in server.control.webhooks()] == [made.id]
        server.control.remove_webhook(made.id)
        assert server.control.webhooks() == []
