"""The SDK's pure parts: answers with unknown fields, token reuse, settings, the error tree."""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import re
import ssl
import subprocess
import sys

import httpx
import msgspec
import pytest
from httpcore._synchronization import current_async_library

import heymarket_contacts
from heymarket_contacts import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    Client,
    ConflictError,
    Contact,
    HeymarketError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    RateLimitError,
    Tag,
    to_dict,
    unknown_fields,
)
from heymarket_contacts.client._auth import TOKEN_REUSE_SECONDS, TokenSource
from heymarket_contacts.client._tls import default_ssl_context
from heymarket_contacts.client.errors import error_for_status, parse_retry_after
from heymarket_contacts.tokens import parse_token
from sdk_support import BASE, CONTACT, CREDENTIALS, collect, open_client, run
from support import Canary, RunningServer, TeamCredentials

EXTRA_CONTACT = {
    **CONTACT,
    "channels": [{"channel_type": "phone", "channel_id": "1555"}],
    "score": 7,
    "tags": [{"id": 3, "tag": "VIP", "color": "", "position": 1}],
}


@pytest.mark.anyio
async def test_unknown_answer_fields_are_tolerated_and_kept(flavour: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=EXTRA_CONTACT)

    async with open_client(
        flavour, base_url=BASE, team=CREDENTIALS, transport=httpx.MockTransport(handler)
    ) as api:
        contact = await run(api.contacts.get(5))
    assert isinstance(contact, Contact)
    assert unknown_fields(contact) == {"channels": EXTRA_CONTACT["channels"], "score": 7}
    assert contact.score == 7  # type: ignore[attr-defined]
    assert unknown_fields(contact.tags[0]) == {"position": 1}
    assert to_dict(contact) == EXTRA_CONTACT
    assert contact == msgspec.convert(
        CONTACT | {"tags": [{"id": 3, "tag": "VIP", "color": ""}]}, Contact
    )
    assert msgspec.json.decode(msgspec.json.encode(contact))["tags"] == [
        {"id": 3, "tag": "VIP", "color": ""}
    ]


def test_a_model_without_unknown_fields_has_none() -> None:
    assert unknown_fields(Tag(id=1, tag="a", color="")) == {}
    assert to_dict([Tag(id=1, tag="a", color="")]) == [{"id": 1, "tag": "a", "color": ""}]


def test_a_token_is_reused_for_four_minutes_then_minted_anew() -> None:
    now = [1_000_000.0]
    source = TokenSource("sid", "key", clock=lambda: now[0])
    first = source.token()
    assert parse_token(first).issued_at == 1_000_000
    now[0] += TOKEN_REUSE_SECONDS - 1
    assert source.token() == first
    now[0] += 1
    second = source.token()
    assert second != first
    assert parse_token(second).issued_at == 1_000_000 + TOKEN_REUSE_SECONDS
    now[0] -= 3600  # the clock went back: a token "from the future" is not reused
    assert parse_token(source.token()).issued_at == 1_000_000 + TOKEN_REUSE_SECONDS - 3600


def test_no_repr_shows_the_key() -> None:
    client = Client(secret_id="sid", secret_key="very-secret", environ={})
    try:
        assert "very-secret" not in repr(client) + repr(client._tokens) + str(vars(client))
    finally:
        client.close()


@pytest.mark.parametrize(
    ("arguments", "environ", "message"),
    [
        pytest.param({}, {}, "HEYMARKET_SECRET_ID", id="no-credentials"),
        pytest.param({"secret_id": "a"}, {}, "HEYMARKET_SECRET_KEY", id="no-key"),
        pytest.param(
            {},
            {
                "HEYMARKET_SECRET_ID": "a",
                "HEYMARKET_SECRET_KEY": "b",
                "HEYMARKET_BASE_URL": "ftp://x",
            },
            "HEYMARKET_BASE_URL",
            id="env-url",
        ),
        pytest.param(
            {"secret_id": "a", "secret_key": "b", "base_url": "localhost:8080"},
            {},
            "base_url",
            id="argument-url",
        ),
        pytest.param(
            {"secret_id": "a", "secret_key": "b"},
            {"HEYMARKET_LOG": "loud"},
            "HEYMARKET_LOG",
            id="log-level",
        ),
    ],
)
def test_bad_settings_are_errors_naming_them(
    arguments: dict[str, str], environ: dict[str, str], message: str
) -> None:
    with pytest.raises(HeymarketError, match=message):
        Client(environ=environ, **arguments)


def test_arguments_win_over_the_environment() -> None:
    environ = {
        "HEYMARKET_SECRET_ID": "env-id",
        "HEYMARKET_SECRET_KEY": "env-key",
        "HEYMARKET_BASE_URL": "http://env.example/",
    }
    with Client(environ=environ) as client:
        assert client.base_url == "http://env.example"
    with Client(environ=environ, base_url="https://arg.example/api/") as client:
        assert client.base_url == "https://arg.example/api"
    with pytest.raises(ValueError, match="max_retries"):
        Client(environ=environ, max_retries=-1)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        pytest.param(400, BadRequestError, id="400"),
        pytest.param(401, AuthenticationError, id="401"),
        pytest.param(403, PermissionDeniedError, id="403"),
        pytest.param(404, NotFoundError, id="404"),
        pytest.param(405, APIStatusError, id="405"),
        pytest.param(409, ConflictError, id="409"),
        pytest.param(412, PreconditionFailedError, id="412"),
        pytest.param(413, APIStatusError, id="413"),
        pytest.param(429, RateLimitError, id="429"),
        pytest.param(500, InternalServerError, id="500"),
        pytest.param(503, InternalServerError, id="503"),
    ],
)
def test_each_status_maps_to_one_class_of_the_tree(status: int, kind: type[APIStatusError]) -> None:
    error = error_for_status(status, {"error": "c", "message": "m", "request_id": "r"}, "h")
    assert type(error) is kind
    assert isinstance(error, HeymarketError)
    assert (error.status, error.code, error.message, error.request_id) == (status, "c", "m", "r")


def test_the_tree() -> None:
    assert issubclass(APITimeoutError, APIConnectionError)
    assert issubclass(APIConnectionError, HeymarketError)
    assert issubclass(APIStatusError, HeymarketError)
    assert not issubclass(APIConnectionError, APIStatusError)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        pytest.param("3", 3.0, id="seconds"),
        pytest.param("1.5", 1.5, id="decimal"),
        pytest.param("-4", 0.0, id="negative"),
        pytest.param("Thu, 01 Jan 1970 00:01:40 GMT", 40.0, id="http-date"),
        pytest.param("soon", None, id="garbage"),
        pytest.param("nan", None, id="nan"),
        pytest.param("", None, id="empty"),
    ],
)
def test_retry_after_parsing(value: str, seconds: float | None) -> None:
    assert parse_retry_after(value, now=60.0) == seconds


def test_the_package_exports_what_it_names() -> None:
    for name in heymarket_contacts.__all__:
        assert getattr(heymarket_contacts, name) is not None


def test_debug_logging_shows_calls_and_never_a_key_or_token(
    server: RunningServer, team: TeamCredentials, canary: Canary, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    logger = logging.getLogger("heymarket_contacts.client")
    try:
        with Client(
            secret_id=team.secret_id,
            secret_key=team.secret_key,
            base_url=server.base_url,
            environ={"HEYMARKET_LOG": "debug"},
        ) as client:
            canary.add(client._tokens.token())
            client.contacts.create(phone="15105550123", first="Logged")
            client.team.get()
    finally:
        logger.setLevel(logging.NOTSET)
    messages = [r.getMessage() for r in caplog.records if r.name == "heymarket_contacts.client"]
    assert any(m.startswith("POST /v1/contact (attempt 1") for m in messages), messages
    assert any(m.startswith("GET /v1/team answered 200") for m in messages), messages
    canary.assert_absent_from(caplog.text, where="the SDK's debug log")
    assert team.secret_key not in caplog.text


def test_heymarket_log_sends_the_sdk_log_to_stderr(
    server: RunningServer, team: TeamCredentials, canary: Canary
) -> None:
    code = (
        "import sys\nfrom heymarket_contacts import Client\n"
        "with Client() as client:\n    client.team.get()\n"
    )
    environment = {
        "HEYMARKET_SECRET_ID": team.secret_id,
        "HEYMARKET_SECRET_KEY": team.secret_key,
        "HEYMARKET_BASE_URL": server.base_url,
        "HEYMARKET_LOG": "debug",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=True,
    )
    assert "DEBUG heymarket_contacts.client: GET /v1/team answered 200" in result.stderr
    canary.assert_absent_from(result.stderr, where="the SDK's stderr log")


@pytest.mark.anyio
async def test_what_a_call_sends(flavour: str) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[] if request.url.path.endswith("/v1/contacts") else 0)

    async with open_client(
        flavour, base_url=BASE + "/prefix", team=CREDENTIALS, transport=httpx.MockTransport(handler)
    ) as api:
        await collect(api.contacts.list())
        await run(api.contacts.list_page())
        await run(
            api.contacts.list_page(limit=5, filter="x", assigned=3, date="2026-01-01T00:00:00Z")
        )
        await run(api.contacts.count(order="created"))
    bodies = [msgspec.json.decode(request.content) for request in seen]
    base = {"ascending": False, "order": "updated", "filter": "", "page": 0}
    assert bodies == [
        {**base, "limit": 100},
        {**base, "limit": 30},
        {**base, "limit": 5, "filter": "x", "assigned": 3, "date": "2026-01-01T00:00:00Z"},
        {**base, "limit": 30, "order": "created"},
    ]
    assert [str(request.url) for request in seen][-1] == "http://api.test/prefix/v1/contacts/count"
    headers = seen[0].headers
    assert headers["content-type"] == "application/json"
    assert headers["accept"] == "application/json"
    assert headers["user-agent"].startswith("heymarket-contacts-python/")
    assert re.fullmatch(r"hm-[0-9a-f]{32}", headers["x-request-id"])
    scheme, token = headers["authorization"].split(" ")
    assert (scheme, parse_token(token).issuer) == ("Bearer", CREDENTIALS.secret_id)
    assert len({request.headers["x-request-id"] for request in seen}) == len(seen)


V2_ID = "00000000-0000-4000-8000-000000000000"


def test_every_route_the_server_answers_has_an_sdk_call() -> None:
    from heymarket_contacts import ContactWrite
    from heymarket_contacts.client.resources import (
        contact_calls,
        custom_fields,
        notes,
        tags,
        team,
        users,
        v2_calls,
    )
    from heymarket_contacts.models import (
        ChannelWrite,
        ContactListQuery,
        ContactLookup,
        ContactsV2Search,
        ContactV2ListQuery,
        ContactV2Write,
        NoteWrite,
    )
    from heymarket_contacts.server.routes import OPERATIONS

    calls = [
        contact_calls.create_call(ContactWrite(phone="1")),
        contact_calls.get_call(1),
        contact_calls.update_call(1, ContactWrite(), overwrite=False, rev=None),
        contact_calls.delete_call(1, rev=None),
        contact_calls.list_call(ContactListQuery()),
        contact_calls.count_call(ContactListQuery()),
        contact_calls.find_call(ContactLookup(id=1)),
        contact_calls.status_call(ContactLookup(id=1)),
        contact_calls.set_status_call(ContactLookup(id=1), "active", None),
        contact_calls.batch_call([], overwrite=False),
        notes.create_call(1, NoteWrite(text="t")),
        notes.delete_call(1, "note-x"),
        tags.create_call("t", ""),
        tags.get_call(1),
        tags.list_call(None),
        tags.delete_call(1),
        custom_fields.list_call(),
        custom_fields.create_call(["t"]),
        team.team_call(),
        team.inboxes_call(),
        users.get_call([], []),
        users.update_call([]),
        v2_calls.create_call(ContactV2Write()),
        v2_calls.get_call(V2_ID),
        v2_calls.update_call(V2_ID, ContactV2Write(), overwrite=False, rev=None),
        v2_calls.delete_call(V2_ID, rev=None),
        v2_calls.bulk_write_call([], overwrite=False),
        v2_calls.bulk_delete_call([V2_ID]),
        v2_calls.list_call(ContactV2ListQuery()),
        v2_calls.search_call(ContactsV2Search(contact_channels=[])),
        v2_calls.add_channel_call(V2_ID, ChannelWrite(channel_type="phone", channel_id="1")),
        v2_calls.replace_channel_call(V2_ID, ChannelWrite(channel_type="phone", channel_id="1")),
        v2_calls.list_channels_call(V2_ID),
        v2_calls.get_channel_call(V2_ID, "phone"),
        v2_calls.delete_channel_call(V2_ID, "phone"),
    ]
    ids = rf"/(\d+|note-x|{V2_ID}|phone)(?=/|$)"
    sdk = {(call.method, re.sub(ids, "/{}", call.path)) for call in calls}
    served = {(op.method, re.sub(r"\{[^}]+\}", "{}", op.path)) for op in OPERATIONS}
    # GET /v1/users/get carries a body; the SDK sends the same call as POST.
    assert served - sdk == {("GET", "/v1/users/get")}
    assert sdk <= served


def test_the_shared_tls_context_verifies_as_httpx_does_by_default() -> None:
    shared, httpx_default = default_ssl_context(), httpx.create_ssl_context()
    assert shared is default_ssl_context()
    assert (shared.verify_mode, shared.check_hostname) == (ssl.CERT_REQUIRED, True)
    assert shared.cert_store_stats() == httpx_default.cert_store_stats()
    assert shared.minimum_version == httpx_default.minimum_version


def test_clients_made_without_an_http_client_share_the_tls_context() -> None:
    clients = [
        Client(secret_id="id", secret_key="key", base_url="http://127.0.0.1:9") for _ in range(2)
    ]
    contexts = {id(client._http._transport._pool._ssl_context) for client in clients}
    for client in clients:
        client.close()
    assert contexts == {id(default_ssl_context())}


def test_async_connections_find_sniffio_instead_of_searching_for_it_each_time() -> None:
    """httpcore asks ``import sniffio`` on every lock of an async connection; a failed import
    searches the whole import path each time, so the SDK depends on it."""

    async def ask() -> str:
        return current_async_library()

    assert importlib.util.find_spec("sniffio") is not None
    assert asyncio.run(ask()) == "asyncio"
