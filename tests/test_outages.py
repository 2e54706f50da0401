"""Outages of the database and of Redis under load, on private servers the tests stop and kill.

While PostgreSQL is down every request is a 503 ``unavailable`` with ``Retry-After``, answered
within 2 s; the server is back within 2 s of the database's return; every write it
acknowledged is in the database afterwards; the log holds one line when the database goes and
one when it returns. While Redis is down the rate limit counts in the database: requests keep
being answered and limited.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from heymarket_contacts.server.clock import system_clock
from heymarket_contacts.server.secret_box import SecretBox, load_master_key, new_master_key
from heymarket_contacts.server.service.admin import AdminService
from heymarket_contacts.server.store import Store, open_store, parse_database_url
from private_servers import PrivatePostgres, PrivateRedis
from support import RunningServer, TeamCredentials, shared_tls, unique_phone

#: A request of the load may take this long before it counts as hung (the old pool waited 30 s).
REQUEST_TIMEOUT = 35.0
#: The bounds the outage must keep, in seconds.
ANSWER_WITHIN = 2.0
BACK_WITHIN = 2.0
LOAD_THREADS = 4
DROPPED = "RemoteProtocolError('Server disconnected without sending a response.')"
#: At most this many requests per load thread, whatever happens.
MAX_REQUESTS_PER_THREAD = 20_000


@dataclass(frozen=True, slots=True)
class Outcome:
    sent: float
    answered: float
    status: int  # 0: no answer at all
    phone: str
    retry_after: str | None = None
    code: str | None = None
    rate_headers: bool = False

    @property
    def seconds(self) -> float:
        return self.answered - self.sent


@dataclass
class Load:
    """Threads that create contacts one after another until stopped, recording each answer."""

    base_url: str
    team: TeamCredentials
    outcomes: list[Outcome] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def __enter__(self) -> Load:
        for _ in range(LOAD_THREADS):
            thread = threading.Thread(target=self._run, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(REQUEST_TIMEOUT + 5)

    def _run(self) -> None:
        headers = {"Authorization": f"Bearer {self.team.token()}"}
        with httpx.Client(
            base_url=self.base_url, timeout=REQUEST_TIMEOUT, verify=shared_tls()
        ) as http:
            for _ in range(MAX_REQUESTS_PER_THREAD):
                if self._stop.is_set():
                    return
                self.outcomes.append(self._create(http, headers))

    def _create(self, http: httpx.Client, headers: dict[str, str]) -> Outcome:
        phone = unique_phone()
        sent = time.monotonic()
        try:
            answer = http.post("/v1/contact", json={"phone": phone}, headers=headers)
        except httpx.TransportError as error:
            return Outcome(sent, time.monotonic(), 0, phone, code=repr(error))
        code = answer.json().get("error") if answer.status_code != 200 else None
        return Outcome(
            sent, time.monotonic(), answer.status_code, phone,
            retry_after=answer.headers.get("Retry-After"), code=code,
            rate_headers="X-RateLimit-Remaining" in answer.headers,
        )  # fmt: skip

    def between(self, start: float, end: float) -> list[Outcome]:
        """The requests sent in ``[start, end)``."""
        return [o for o in self.outcomes if start <= o.sent < end]


def _admin(store: Store, master_key: str | None, url: str) -> AdminService:
    box = SecretBox(load_master_key(master_key, parse_database_url(url)))
    return AdminService(store, box, system_clock)


def _new_team(url: str, master_key: str | None) -> TeamCredentials:
    store = open_store(parse_database_url(url))
    try:
        admin = _admin(store, master_key, url)
        team = admin.create_team(f"Outage {uuid.uuid4().hex[:6]}")
        secret = admin.create_secret(team.id)
    finally:
        store.close()
    return TeamCredentials(team.id, secret.secret_id, secret.secret_key)


def _stored_phones(url: str, team_id: int, phones: list[str]) -> set[str]:
    store = open_store(parse_database_url(url))
    try:
        with store.read() as tx:
            return {p for p in phones if tx.contact_id_by_phone(team_id, p) is not None}
    finally:
        store.close()


def _log_lines(log_path: Path, text: str) -> list[str]:
    """The lines of the outage watch (``/readyz`` logs each refusal of its own)."""
    lines = log_path.read_text().splitlines()
    return [line for line in lines if "heymarket_contacts.availability" in line and text in line]


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    with PrivatePostgres.create() as postgres:
        yield postgres


@pytest.mark.postgres
@pytest.mark.parametrize(
    "outage_seconds", [10, pytest.param(40, marks=pytest.mark.chaos)], ids=lambda s: f"{s}s"
)
def test_postgres_stopped_under_load(
    private_postgres: PrivatePostgres, tmp_path: Path, outage_seconds: int
) -> None:
    url = private_postgres.create_database("outage")
    master_key = new_master_key()
    log_path = tmp_path / "server.log"
    server = RunningServer.start(
        url, {"HEYMARKET_MASTER_KEY": master_key}, log_path, "--rate-limit", "1000000"
    )
    try:
        team = _new_team(url, master_key)
        with Load(server.base_url, team) as load:
            time.sleep(1.5)
            stop_began = time.monotonic()
            private_postgres.stop()
            time.sleep(1)
            not_ready = _timed_get(f"{server.base_url}/readyz")
            time.sleep(max(0.0, stop_began + outage_seconds - time.monotonic()))
            start_began = time.monotonic()
            private_postgres.start()
            back = time.monotonic()
            time.sleep(BACK_WITHIN + 3)
            ready = _timed_get(f"{server.base_url}/readyz")
    finally:
        server.stop()

    outcomes = load.outcomes
    statuses = {o.status for o in outcomes}
    before = [o for o in outcomes if o.answered < stop_began]
    during = load.between(stop_began, start_began)
    unavailable = [o for o in outcomes if o.status == 503]
    dropped = [o for o in outcomes if o.status == 0]
    first_503 = min(o.answered for o in unavailable) - stop_began
    slowest_during = max(o.seconds for o in during)
    first_200_after = min(o.answered for o in outcomes if o.status == 200 and o.sent >= back)
    back_after = first_200_after - back
    late_failures = [o for o in load.between(back + BACK_WITHIN, float("inf")) if o.status != 200]
    acknowledged = [o.phone for o in outcomes if o.status == 200]
    found = _stored_phones(url, team.team_id, acknowledged)
    print(
        f"\nPostgreSQL down {outage_seconds} s: {len(outcomes)} requests, {len(unavailable)}"
        f" answered 503; first 503 {first_503:.2f} s after the stop began; slowest answer"
        f" during the outage {slowest_during:.2f} s; first 200 {back_after:.2f} s after the"
        f" database was back; {len(acknowledged)} acknowledged, {len(found)} found;"
        f" {len(dropped)} connection(s) dropped unanswered; /readyz 503 in {not_ready[1]:.3f} s"
    )

    assert not_ready[0].status_code == 503
    assert not_ready[0].json()["database"] == "unavailable"
    assert not_ready[1] <= ANSWER_WITHIN
    assert ready[0].status_code == 200
    assert statuses <= {0, 200, 503}, sorted(statuses)
    # An error answered before the request's body is read (a 401 as much as a 503) now and then
    # loses its keep-alive connection instead (about 1 in 20,000): never an acknowledged write.
    assert {o.code for o in dropped} <= {DROPPED}
    assert len(dropped) * 1000 <= len(outcomes)
    assert {o.status for o in before} == {200}
    assert first_503 <= ANSWER_WITHIN
    assert slowest_during <= ANSWER_WITHIN
    assert {(o.retry_after, o.code) for o in unavailable} == {("1", "unavailable")}
    assert back_after <= BACK_WITHIN
    assert not late_failures
    assert len(found) == len(acknowledged)
    log = log_path.read_text()
    assert "Traceback" not in log
    assert len(_log_lines(log_path, "is unavailable")) == 1, log[-3000:]
    assert len(_log_lines(log_path, "is back after")) == 1, log[-3000:]


def _timed_get(url: str) -> tuple[httpx.Response, float]:
    began = time.monotonic()
    answer = httpx.get(url, timeout=REQUEST_TIMEOUT, verify=shared_tls())
    return answer, time.monotonic() - began


def _sqlite_server(tmp_path: Path, redis_url: str, rate_limit: int) -> RunningServer:
    database = str(tmp_path / "contacts.db")
    return RunningServer.start(
        database, {}, tmp_path / "server.log",
        "--redis-url", redis_url, "--rate-limit", str(rate_limit),
    )  # fmt: skip


def test_redis_killed_under_load(tmp_path: Path) -> None:
    with PrivateRedis() as redis_server:
        server = _sqlite_server(tmp_path, redis_server.url, 1_000_000)
        try:
            team = _new_team(str(tmp_path / "contacts.db"), None)
            with Load(server.base_url, team) as load:
                time.sleep(1.5)
                killed = time.monotonic()
                redis_server.kill()
                time.sleep(5)
                restarted = time.monotonic()  # the bound below includes Redis's own start
                redis_server.start()
                back_after = _until(lambda: redis_server.client().dbsize() > 0) - restarted
                time.sleep(1)
        finally:
            server.stop()

    outcomes = load.outcomes
    during = load.between(killed, restarted)
    acknowledged = [o.phone for o in outcomes if o.status == 200]
    found = _stored_phones(str(tmp_path / "contacts.db"), team.team_id, acknowledged)
    print(
        f"\nRedis killed for 5 s: {len(outcomes)} requests ({len(during)} while it was down),"
        f" statuses {sorted({o.status for o in outcomes})}; slowest answer while down"
        f" {max(o.seconds for o in during):.2f} s; the window was in Redis again"
        f" {back_after:.2f} s after its restart; {len(acknowledged)} acknowledged,"
        f" {len(found)} found"
    )
    assert {o.status for o in outcomes} == {200}
    assert during
    assert all(o.rate_headers for o in outcomes)
    assert max(o.seconds for o in during) <= ANSWER_WITHIN
    assert back_after <= BACK_WITHIN
    assert len(found) == len(acknowledged)
    log_path = tmp_path / "server.log"
    assert "Traceback" not in log_path.read_text()
    assert len(_log_lines(log_path, "is unavailable")) == 1
    assert len(_log_lines(log_path, "is back after")) == 1


def test_the_rate_limit_holds_while_redis_is_down(tmp_path: Path) -> None:
    with PrivateRedis() as redis_server:
        server = _sqlite_server(tmp_path, redis_server.url, 3)
        redis_server.kill()
        try:
            team = _new_team(str(tmp_path / "contacts.db"), None)
            headers = {"Authorization": f"Bearer {team.token()}"}
            answers = [
                httpx.get(
                    f"{server.base_url}/v1/team", headers=headers, timeout=10, verify=shared_tls()
                )
                for _ in range(4)
            ]
        finally:
            server.stop()
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]


def _until(condition: Callable[[], bool], timeout: float = 10) -> float:
    """When ``condition()`` (polled every 20 ms) first held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return time.monotonic()
        except Exception:  # a server still starting up
            pass
        time.sleep(0.02)
    raise AssertionError(f"not within {timeout} s")
