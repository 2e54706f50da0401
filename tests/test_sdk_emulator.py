"""The SDK test kit (``LocalServer``'s control plane) and the pytest plugin's fixtures, on a
real loopback port, on both databases."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from heymarket_contacts import APIConnectionError, Client, InternalServerError
from heymarket_contacts.emulator_models import JournalEntry
from heymarket_contacts.testing import LocalServer
from heymarket_contacts.tokens import mint_token
from support import postgres_database, shared_tls, unique_phone


@pytest.fixture(scope="module")
def local(backend: str) -> Iterator[LocalServer]:
    """A ``LocalServer`` on a free port, on ``backend`` (a database of its own)."""
    if backend == "sqlite":
        with LocalServer(port=0, rate_limit=0) as server:
            yield server
        return
    with postgres_database("hm_kit") as url, LocalServer(port=0, rate_limit=0, database=url) as s:
        yield s


@pytest.fixture
def kit(local: LocalServer) -> LocalServer:
    local.control.remove_faults()
    local.control.clear_requests()
    local.clock.real()
    return local


def test_any_http_client_can_call_it_on_its_port(kit: LocalServer) -> None:
    assert kit.team is not None
    assert kit.base_url.startswith("http://127.0.0.1:")
    token = mint_token(kit.team.secret_id, kit.team.secret_key)
    answer = httpx.get(
        f"{kit.base_url}/v1/team", headers={"Authorization": f"Bearer {token}"}, verify=shared_tls()
    )
    assert answer.status_code == 200
    assert answer.json()["id"] == kit.team.team_id


def test_assert_called_finds_calls_and_says_what_was_called_instead(kit: LocalServer) -> None:
    phone = unique_phone()
    with kit.client() as client:
        client.contacts.create(phone=phone, first="Kit")
    (entry,) = kit.assert_called("POST", "/v1/contact", times=1, status=200)
    assert isinstance(entry, JournalEntry)
    assert entry.request_body == {"phone": phone, "first": "Kit"}
    with pytest.raises(
        AssertionError, match=r"found 0; the last calls: \['POST /v1/contact 200'\]"
    ):
        kit.assert_called("DELETE", "/v1/contact/*")
    with pytest.raises(AssertionError, match="found 1"):
        kit.assert_called("POST", "/v1/contact", times=2)


def test_a_fault_block_removes_its_rule_on_exit(kit: LocalServer) -> None:
    with kit.client(max_retries=0) as client:
        with kit.fault("/v1/contacts/count", status=500), pytest.raises(InternalServerError):
            client.contacts.count()
        assert kit.control.faults() == []
        assert client.contacts.count() >= 0


def test_a_dropped_create_is_retried_once_and_makes_one_contact(kit: LocalServer) -> None:
    phone = unique_phone()
    with kit.client() as client, kit.fault("/v1/contact", method="POST", drop=True, times=1):
        created = client.contacts.create(phone=phone, first="Dropped")
        found = client.contacts.find(phone=phone)
    assert found.id == created.id
    statuses = [entry.status for entry in kit.requests(method="POST", path="/v1/contact")]
    assert statuses == [0, 200]


def test_a_dropped_note_is_raised_not_retried_and_adds_nothing(kit: LocalServer) -> None:
    with kit.client() as client:
        contact = client.contacts.create(phone=unique_phone())
        with kit.fault("/v1/contact/*/note", drop=True), pytest.raises(APIConnectionError):
            client.notes.create(contact.id, "once only")
        assert client.contacts.get(contact.id).note == []
    assert len(kit.requests(path="/v1/contact/*/note")) == 1


def test_the_clock_moves_token_times(kit: LocalServer) -> None:
    assert kit.team is not None
    token = mint_token(kit.team.secret_id, kit.team.secret_key)
    headers = {"Authorization": f"Bearer {token}"}
    kit.clock.advance(400)
    answer = httpx.get(f"{kit.base_url}/v1/team", headers=headers, verify=shared_tls())
    assert answer.json()["message"] == "token expired"
    frozen = kit.clock.freeze("2030-01-01T00:00:00Z")
    assert frozen.now == "2030-01-01T00:00:00.000000Z"
    assert frozen.frozen
    assert kit.clock.now().now == frozen.now
    assert not kit.clock.real().frozen


def test_a_fault_needs_a_valid_rule(kit: LocalServer) -> None:
    from heymarket_contacts._emulator_control import ControlError

    with pytest.raises(ControlError, match="400"), kit.fault("/v1/*", probability=1.5):
        pass


def test_the_plugin_server_starts_each_test_with_an_empty_journal(
    heymarket_server: LocalServer, heymarket_client: Client,
    heymarket_journal: Callable[..., list[JournalEntry]],
) -> None:  # fmt: skip
    assert heymarket_journal() == []
    heymarket_client.contacts.create(phone="15105550160")
    assert heymarket_client.contacts.count() == 1
    assert [e.path for e in heymarket_journal()] == ["/v1/contact", "/v1/contacts/count"]


def test_the_plugin_server_is_the_same_between_tests(
    heymarket_server: LocalServer, heymarket_session_server: LocalServer
) -> None:
    assert heymarket_server is heymarket_session_server
    assert heymarket_server.control.faults() == []
