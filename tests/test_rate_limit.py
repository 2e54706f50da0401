"""The per-team rate limit: a rolling 60 s window shared by every process (contract section 3)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from heymarket_contacts.server.rate_limit import (
    DatabaseRateLimiter,
    RateDecision,
    RedisRateLimiter,
)
from heymarket_contacts.server.service.admin import AdminService
from heymarket_contacts.server.store import Store
from support import RunningServer, TeamCredentials, TeamFactory, service_missing, shared_tls

REDIS_URL = os.environ.get("HEYMARKET_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
SECOND = 1_000_000


class ManualClock:
    def __init__(self, start_us: int) -> None:
        self.now_us = start_us

    def __call__(self) -> int:
        return self.now_us


def test_the_window_admits_the_limit_in_any_60_seconds(store: Store, admin: AdminService) -> None:
    team = admin.create_team(f"window {uuid.uuid4().hex[:6]}")
    clock = ManualClock(1_000 * SECOND)
    limiter = DatabaseRateLimiter(store, 3, clock)

    decisions = []
    for _ in range(3):
        decisions.append(limiter.check(team.id))
        clock.now_us += 10 * SECOND
    assert [d.admitted for d in decisions] == [True, True, True]
    assert [d.remaining for d in decisions] == [2, 1, 0]

    refused = limiter.check(team.id)  # at +30 s: the first request is 30 s old
    assert not refused.admitted
    assert refused.reset_seconds == 30

    clock.now_us = 1_000 * SECOND + 60 * SECOND - 1  # the first is still in the window
    assert not limiter.check(team.id).admitted
    clock.now_us += 1  # now it has left: exactly one place is free
    assert limiter.check(team.id).admitted
    assert not limiter.check(team.id).admitted


def test_refused_requests_do_not_count(store: Store, admin: AdminService) -> None:
    team = admin.create_team(f"refused {uuid.uuid4().hex[:6]}")
    clock = ManualClock(5_000 * SECOND)
    limiter = DatabaseRateLimiter(store, 1, clock)
    assert limiter.check(team.id).admitted
    for _ in range(5):
        clock.now_us += 10 * SECOND
        assert not limiter.check(team.id).admitted
    clock.now_us = 5_000 * SECOND + 60 * SECOND  # only the admitted request was counted
    assert limiter.check(team.id).admitted


def test_teams_have_separate_budgets(store: Store, admin: AdminService) -> None:
    first, second = (admin.create_team(f"budget {uuid.uuid4().hex[:6]}") for _ in range(2))
    limiter = DatabaseRateLimiter(store, 1, ManualClock(9_000 * SECOND))
    assert limiter.check(first.id).admitted
    assert limiter.check(second.id).admitted
    assert not limiter.check(first.id).admitted


@pytest.fixture
def limited_servers(
    database_url: str, server_environment: dict[str, str], store: Store, tmp_path: Path
) -> Iterator[list[RunningServer]]:
    """Two server processes on one database, each with a limit of 5 a minute."""
    servers = []
    try:
        for name in ("a", "b"):
            servers.append(
                RunningServer.start(
                    database_url, server_environment, tmp_path / f"{name}.log",
                    "--rate-limit", "5",
                )
            )  # fmt: skip
        yield servers
    finally:
        for running in servers:
            running.stop()


def _get_team(server: RunningServer, team: TeamCredentials) -> httpx.Response:
    headers = {"Authorization": f"Bearer {team.token()}"}
    return httpx.get(f"{server.base_url}/v1/team", headers=headers, timeout=10, verify=shared_tls())


def test_two_processes_share_one_budget_and_answer_429_past_it(
    limited_servers: list[RunningServer], make_team: TeamFactory
) -> None:
    team = make_team()
    answers = [_get_team(limited_servers[i % 2], team) for i in range(7)]
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 2
    assert [a.headers["X-RateLimit-Remaining"] for a in answers[:5]] == ["4", "3", "2", "1", "0"]
    assert {a.headers["X-RateLimit-Limit"] for a in answers} == {"5"}

    refused = answers[5]
    assert refused.json() == {
        "error": "rate_limited",
        "message": refused.json()["message"],
        "request_id": refused.headers["X-Request-Id"],
    }
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-RateLimit-Remaining"] == "0"


def test_another_team_is_not_limited_by_the_first(
    limited_servers: list[RunningServer], make_team: TeamFactory
) -> None:
    busy, quiet = make_team(), make_team()
    for _ in range(6):
        _get_team(limited_servers[0], busy)
    assert _get_team(limited_servers[1], quiet).status_code == 200


def test_rejected_credentials_are_not_counted(
    limited_servers: list[RunningServer], make_team: TeamFactory
) -> None:
    team = make_team()
    for _ in range(6):
        bad = httpx.get(
            f"{limited_servers[0].base_url}/v1/team",
            headers={"Authorization": "Bearer x.y.z"},
            timeout=10,
            verify=shared_tls(),
        )
        assert bad.status_code == 401
    assert _get_team(limited_servers[0], team).headers["X-RateLimit-Remaining"] == "4"


def test_zero_turns_limiting_off(
    database_url: str,
    server_environment: dict[str, str],
    make_team: TeamFactory,
    tmp_path: Path,
) -> None:
    unlimited = RunningServer.start(
        database_url, server_environment, tmp_path / "off.log", "--rate-limit", "0"
    )
    try:
        team = make_team()
        answers = [_get_team(unlimited, team) for _ in range(3)]
    finally:
        unlimited.stop()
    assert all(a.status_code == 200 for a in answers)
    assert "X-RateLimit-Limit" not in answers[0].headers


class _NoFallback:
    """A fallback window for a Redis that must stay up: using it fails the test."""

    inline = False

    def check(self, team_id: int) -> RateDecision:
        raise AssertionError("Redis went down during the test")


def _redis_or_skip() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as error:
        service_missing(f"Redis at {REDIS_URL}", str(error))


def test_redis_window_is_shared_between_limiters() -> None:
    _redis_or_skip()
    team_id = int(uuid.uuid4().int % 10**9)
    clock = ManualClock(0)
    first, second = (RedisRateLimiter(REDIS_URL, 3, clock, _NoFallback()) for _ in range(2))
    admitted = [limiter.check(team_id).admitted for limiter in (first, second, first, second)]
    assert admitted == [True, True, True, False]
