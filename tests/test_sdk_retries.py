"""Retries, backoff, ``Retry-After``, timeouts and error mapping, against injected transports.

The transports are ``httpx.MockTransport`` handlers (the answers are scripted) and, for the
lost-answer cases, a transport that delivers a request to the real server and then loses its
answer. Sleeps are recorded, not slept.
"""

from __future__ import annotations

import email.utils
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from heymarket_contacts import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    HeymarketError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    RetryNotice,
    RetryPolicy,
)
from sdk_support import (
    BASE,
    CONTACT,
    CREDENTIALS,
    Sleeps,
    answers,
    collect,
    open_client,
    run,
)

pytestmark = pytest.mark.anyio

REF = {"id": 7, "rev": 1, "uuid": "u-7"}
TEAM = {"id": 1, "name": "T", "list_size": 0, "members": []}


def json_answer(status: int, body: Any, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def error_answer(status: int, code: str = "x", **headers: str) -> httpx.Response:
    return json_answer(status, {"error": code, "message": f"{code}!", "request_id": "r"}, **headers)


def scripted(flavour: str, *responses: httpx.Response | Exception, **options: Any) -> Any:
    handler, seen = answers(*responses)
    sleeps = Sleeps()
    transport = httpx.MockTransport(handler)
    client = open_client(
        flavour, base_url=BASE, team=CREDENTIALS, transport=transport, sleeps=sleeps, **options
    )
    return client, seen, sleeps


async def test_5xx_is_retried_with_exponential_backoff(flavour: str) -> None:
    client, seen, sleeps = scripted(
        flavour, error_answer(503), error_answer(500), json_answer(200, TEAM)
    )
    async with client as api:
        assert (await run(api.team.get())).id == 1
    assert sleeps.delays == [0.5, 1.0]
    assert len(seen) == 3
    assert len({request.headers["x-request-id"] for request in seen}) == 1
    assert all(request.headers["authorization"].startswith("Bearer ") for request in seen)


@pytest.mark.parametrize(
    ("policy", "delays"),
    [
        pytest.param(RetryPolicy(random=lambda: 0.0), [0.25, 0.5, 1.0], id="least-jitter"),
        pytest.param(RetryPolicy(random=lambda: 1.0), [0.5, 1.0, 2.0], id="most-jitter"),
        pytest.param(
            RetryPolicy(initial_delay=4, max_delay=5, random=lambda: 1.0), [4, 5, 5], id="capped"
        ),
    ],
)
async def test_backoff_has_jitter_and_a_ceiling(
    flavour: str, policy: RetryPolicy, delays: list[float]
) -> None:
    client, _, sleeps = scripted(
        flavour,
        *[error_answer(502)] * 3,
        json_answer(200, TEAM),
        max_retries=3,
        retry_policy=policy,
    )
    async with client as api:
        await run(api.team.get())
    assert sleeps.delays == delays


async def test_retries_run_out_and_raise_the_last_error(flavour: str) -> None:
    client, seen, sleeps = scripted(flavour, *[error_answer(503, "server_error")] * 3)
    async with client as api:
        with pytest.raises(InternalServerError) as raised:
            await run(api.team.get())
    assert (raised.value.status, raised.value.code) == (503, "server_error")
    assert (len(seen), len(sleeps.delays)) == (3, 2)


@pytest.mark.parametrize(
    ("client_retries", "call_retries", "attempts"),
    [
        pytest.param(2, {"max_retries": 0}, 1, id="call-none"),
        pytest.param(0, {}, 1, id="client-none"),
        pytest.param(0, {"max_retries": 1}, 2, id="call-wins"),
        pytest.param(4, {}, 5, id="client-four"),
    ],
)
async def test_max_retries_per_client_and_per_call(
    flavour: str, client_retries: int, call_retries: dict[str, int], attempts: int
) -> None:
    client, seen, _ = scripted(flavour, *[error_answer(500)] * 6, max_retries=client_retries)
    async with client as api:
        with pytest.raises(InternalServerError):
            await run(api.team.get(**call_retries))
    assert len(seen) == attempts


async def test_429_waits_what_retry_after_says(flavour: str) -> None:
    client, _, sleeps = scripted(
        flavour, error_answer(429, "rate_limited", **{"Retry-After": "3"}), json_answer(200, TEAM)
    )
    async with client as api:
        await run(api.team.get())
    assert sleeps.delays == [3.0]


async def test_on_retry_is_told_of_each_wait_before_it(flavour: str) -> None:
    notices: list[RetryNotice] = []
    client, _, sleeps = scripted(
        flavour,
        error_answer(429, "rate_limited", **{"Retry-After": "3"}),
        httpx.ConnectError("refused"),
        json_answer(200, TEAM),
        on_retry=notices.append,
    )
    async with client as api:
        await run(api.team.get())
    assert notices == [
        RetryNotice(call="GET /v1/team", retry=1, delay=3.0, status=429),
        RetryNotice(call="GET /v1/team", retry=2, delay=1.0, status=None),
    ]
    assert sleeps.delays == [3.0, 1.0]


async def test_retry_after_may_be_an_http_date(flavour: str) -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    client, _, sleeps = scripted(
        flavour, error_answer(429, **{"Retry-After": when}), json_answer(200, TEAM)
    )
    async with client as api:
        await run(api.team.get())
    assert len(sleeps.delays) == 1
    assert 25 <= sleeps.delays[0] <= 31


async def test_a_retry_after_past_the_limit_is_raised_at_once(flavour: str) -> None:
    client, seen, sleeps = scripted(
        flavour, error_answer(429, "rate_limited", **{"Retry-After": "120"})
    )
    async with client as api:
        with pytest.raises(RateLimitError) as raised:
            await run(api.team.get())
    assert raised.value.retry_after == 120
    assert (len(seen), sleeps.delays) == (1, [])


async def test_429_is_retried_even_for_a_call_that_is_not_retried_once_sent(flavour: str) -> None:
    note = {"id": "n", "date": "d", "name": "N", "text": "t", "user_id": 1}
    client, seen, _ = scripted(
        flavour, error_answer(429, **{"Retry-After": "0"}), json_answer(200, note)
    )
    async with client as api:
        assert (await run(api.notes.create(1, "t"))).id == "n"
    assert len(seen) == 2


async def test_5xx_on_a_note_create_is_not_retried(flavour: str) -> None:
    client, seen, _ = scripted(flavour, error_answer(500), error_answer(500))
    async with client as api:
        with pytest.raises(InternalServerError):
            await run(api.notes.create(1, "t"))
    assert len(seen) == 1


@pytest.mark.parametrize(
    ("status", "error"),
    [
        pytest.param(400, BadRequestError, id="400"),
        pytest.param(401, AuthenticationError, id="401"),
        pytest.param(404, NotFoundError, id="404"),
        pytest.param(409, ConflictError, id="409"),
    ],
)
async def test_client_errors_are_not_retried(
    flavour: str, status: int, error: type[Exception]
) -> None:
    client, seen, _ = scripted(flavour, error_answer(status), json_answer(200, TEAM))
    async with client as api:
        with pytest.raises(error):
            await run(api.team.get())
    assert len(seen) == 1


async def test_a_timeout_is_retried_then_raised_as_a_timeout_error(flavour: str) -> None:
    client, seen, _ = scripted(flavour, *[httpx.ReadTimeout("slow")] * 3)
    async with client as api:
        with pytest.raises(APITimeoutError, match="after 3 attempt") as raised:
            await run(api.team.get())
    assert isinstance(raised.value, APIConnectionError)
    assert isinstance(raised.value.__cause__, httpx.ReadTimeout)
    assert len(seen) == 3


async def test_a_connection_error_is_retried(flavour: str) -> None:
    client, seen, sleeps = scripted(flavour, httpx.ConnectError("refused"), json_answer(200, TEAM))
    async with client as api:
        assert (await run(api.team.get())).id == 1
    assert (len(seen), sleeps.delays) == (2, [0.5])


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(httpx.UnsupportedProtocol("ftp"), id="unsupported-protocol"),
        pytest.param(httpx.LocalProtocolError("bad header"), id="local-protocol"),
    ],
)
async def test_a_request_that_cannot_be_sent_is_not_retried(
    flavour: str, failure: Exception
) -> None:
    client, seen, _ = scripted(flavour, failure, json_answer(200, TEAM))
    async with client as api:
        with pytest.raises(APIConnectionError):
            await run(api.team.get())
    assert len(seen) == 1


@pytest.mark.parametrize(
    ("failure", "attempts"),
    [
        pytest.param(httpx.ConnectError("refused"), 2, id="never-sent-is-retried"),
        pytest.param(httpx.ReadError("reset"), 1, id="maybe-sent-is-not"),
        pytest.param(httpx.ReadTimeout("slow"), 1, id="timeout-after-sending-is-not"),
    ],
)
async def test_a_note_create_is_retried_only_if_never_sent(
    flavour: str, failure: Exception, attempts: int
) -> None:
    note = {"id": "n", "date": "d", "name": "N", "text": "t", "user_id": 1}
    client, seen, _ = scripted(flavour, failure, json_answer(200, note))
    async with client as api:
        if attempts == 1:
            with pytest.raises(APIConnectionError):
                await run(api.notes.create(1, "t"))
        else:
            assert (await run(api.notes.create(1, "t"))).id == "n"
    assert len(seen) == attempts


def timeout_of(request: httpx.Request) -> dict[str, float | None]:
    return dict(request.extensions["timeout"])


ALL_FIVE = dict.fromkeys(("connect", "read", "write", "pool"), 5.0)
NO_TIMEOUT = dict.fromkeys(("connect", "read", "write", "pool"))


@pytest.mark.parametrize(
    ("client_timeout", "call", "expected"),
    [
        pytest.param(
            {}, {}, {"connect": 10.0, "read": 30.0, "write": 30.0, "pool": 30.0}, id="default"
        ),
        pytest.param({"timeout": 5}, {}, ALL_FIVE, id="client"),
        pytest.param(
            {"timeout": 5},
            {"timeout": 1.5},
            {**ALL_FIVE, **dict.fromkeys(ALL_FIVE, 1.5)},
            id="call",
        ),
        pytest.param({"timeout": 5}, {"timeout": None}, NO_TIMEOUT, id="call-none"),
        pytest.param(
            {},
            {"timeout": httpx.Timeout(2, read=9)},
            {"connect": 2, "read": 9, "write": 2, "pool": 2},
            id="httpx-timeout",
        ),
    ],
)
async def test_timeouts_per_client_and_per_call_reach_the_transport(
    flavour: str, client_timeout: dict[str, Any], call: dict[str, Any], expected: dict[str, Any]
) -> None:
    client, seen, _ = scripted(flavour, json_answer(200, TEAM), **client_timeout)
    async with client as api:
        await run(api.team.get(**call))
    assert timeout_of(seen[0]) == expected


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A socket that accepts connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        for connection in held:
            connection.close()
        listener.close()


async def test_a_server_that_never_answers_times_out(flavour: str, silent_server: str) -> None:
    async with open_client(
        flavour,
        base_url=silent_server,
        team=CREDENTIALS,
        timeout=0.2,
        max_retries=1,
        sleeps=Sleeps(),
    ) as api:
        with pytest.raises(APITimeoutError, match="after 2 attempt"):
            await run(api.team.get())


async def test_a_success_answer_of_the_wrong_shape_is_a_validation_error(flavour: str) -> None:
    client, _, _ = scripted(
        flavour, json_answer(200, {"id": "seven"}), httpx.Response(200, text="<html>")
    )
    async with client as api:
        with pytest.raises(APIResponseValidationError, match="Team") as raised:
            await run(api.team.get())
        assert raised.value.status == 200
        with pytest.raises(APIResponseValidationError):
            await run(api.team.get())


async def test_an_error_body_that_is_not_json_keeps_its_text(flavour: str) -> None:
    client, _, _ = scripted(
        flavour, httpx.Response(502, text="<h1>Bad gateway</h1>"), max_retries=0
    )
    async with client as api:
        with pytest.raises(InternalServerError) as raised:
            await run(api.team.get())
    assert (raised.value.status, raised.value.message) == (502, "HTTP 502")
    assert raised.value.body == "<h1>Bad gateway</h1>"


async def test_a_walk_whose_cursor_does_not_move_stops_with_an_error(flavour: str) -> None:
    contact = {"updated": "2026-01-01T00:00:00.000000Z", "created": "2026-01-01T00:00:00.000000Z"}
    page = [{**CONTACT, **contact}]

    def handler(request: httpx.Request) -> httpx.Response:
        return json_answer(200, page)

    async with open_client(
        flavour, base_url=BASE, team=CREDENTIALS, transport=httpx.MockTransport(handler)
    ) as api:
        with pytest.raises(HeymarketError, match="did not move the date cursor"):
            await collect(api.contacts.list(date="2026-01-01T00:00:00.000000Z"))


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
async def test_each_retryable_status_is_retried(flavour: str, status: int) -> None:
    client, seen, _ = scripted(flavour, error_answer(status), json_answer(200, TEAM))
    async with client as api:
        await run(api.team.get())
    assert len(seen) == 2


@pytest.mark.parametrize("status", [403, 405, 412, 413, 501])
async def test_other_statuses_are_not_retried(flavour: str, status: int) -> None:
    client, seen, _ = scripted(flavour, error_answer(status), json_answer(200, TEAM))
    async with client as api:
        with pytest.raises(HeymarketError):
            await run(api.team.get())
    assert len(seen) == 1
