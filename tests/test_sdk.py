"""The first SDK against the real server: typed models, the error tree, token reuse."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from heymarket_contacts import (
    AuthenticationError,
    BadRequestError,
    Client,
    ConflictError,
    Contact,
    ContactRef,
    HeymarketError,
    NotFoundError,
    Team,
)
from support import Canary, RunningServer, TeamCredentials, unique_phone


@pytest.fixture
def client(server: RunningServer, team: TeamCredentials) -> Iterator[Client]:
    with Client(
        secret_id=team.secret_id, secret_key=team.secret_key, base_url=server.base_url
    ) as client:
        yield client


def test_create_get_update_delete_return_typed_models(client: Client) -> None:
    phone = unique_phone()
    ref = client.contacts.create(phone=f"+{phone}", first="Grace", last="Hopper")
    assert isinstance(ref, ContactRef)
    assert ref.rev == 1

    contact = client.contacts.get(ref.id)
    assert isinstance(contact, Contact)
    assert (contact.id, contact.uuid, contact.phone) == (ref.id, ref.uuid, phone)
    assert contact.display_name == "Grace Hopper"

    updated = client.contacts.update(ref.id, phone=phone, custom={}, email="grace@example.com")
    assert (updated.id, updated.rev, updated.uuid) == (ref.id, 2, ref.uuid)
    assert client.contacts.get(ref.id).email == "grace@example.com"

    client.contacts.delete(ref.id)
    with pytest.raises(NotFoundError) as raised:
        client.contacts.get(ref.id)
    assert raised.value.status == 404
    assert raised.value.code == "not_found"
    assert raised.value.request_id


def test_duplicate_phone_is_a_conflict_naming_the_existing_contact(client: Client) -> None:
    phone = unique_phone()
    first = client.contacts.create(phone=phone)
    with pytest.raises(ConflictError) as raised:
        client.contacts.create(phone=phone)
    assert raised.value.existing_id == first.id


def test_bad_data_names_the_field(client: Client) -> None:
    with pytest.raises(BadRequestError) as raised:
        client.contacts.create(phone="12")
    assert raised.value.field == "phone"


def test_unknown_keyword_is_refused_before_sending(client: Client) -> None:
    with pytest.raises(TypeError):
        client.contacts.create(phone=unique_phone(), favourite_colour="blue")


def test_team_is_the_secrets_team(client: Client, team: TeamCredentials) -> None:
    answer = client.team.get()
    assert isinstance(answer, Team)
    assert answer.id == team.team_id


def test_wrong_key_is_an_authentication_error(
    server: RunningServer, team: TeamCredentials, canary: Canary
) -> None:
    wrong_key = team.secret_key[::-1]
    canary.add(wrong_key)
    with (
        Client(secret_id=team.secret_id, secret_key=wrong_key, base_url=server.base_url) as client,
        pytest.raises(AuthenticationError) as raised,
    ):
        client.team.get()
    assert raised.value.message == "bad signature"
    assert wrong_key not in str(raised.value)


def test_token_is_reused_between_calls(client: Client) -> None:
    first = client._tokens.token()
    assert client._tokens.token() == first


def test_credentials_come_from_the_environment(
    server: RunningServer, team: TeamCredentials
) -> None:
    environ = {
        "HEYMARKET_SECRET_ID": team.secret_id,
        "HEYMARKET_SECRET_KEY": team.secret_key,
        "HEYMARKET_BASE_URL": server.base_url,
    }
    with Client(environ=environ) as client:
        assert client.team.get().id == team.team_id


def test_missing_credentials_are_a_clear_error() -> None:
    with pytest.raises(HeymarketError, match="HEYMARKET_SECRET_ID"):
        Client(environ={})


def test_base_url_defaults_to_the_real_api() -> None:
    with Client(secret_id="a", secret_key="b", environ={}) as client:
        assert client.base_url == "https://api.heymarket.com"
