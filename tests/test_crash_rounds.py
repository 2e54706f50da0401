"""``kill -9`` of a whole server (granian's main process and its workers) under concurrent
writes, round after round on one database, on both databases.

Each round starts ``serve`` on the database left by the last one, runs writers that create
contacts and update them, and kills the server's process group once a random number of
further writes were acknowledged, with requests in flight. After the restart every write
answered 200 is stored with the values it was answered for (a write whose answer never came
may or may not be), no contact appears that no write made, the restarted server answers the
stored values, and a SQLite file passes ``PRAGMA integrity_check``. Three rounds per database
in the suite; ``make chaos`` runs 25 and prints the figures.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from heymarket_contacts.server.secret_box import new_master_key
from load_support import (
    REQUEST_TIMEOUT,
    Ledger,
    Writer,
    kill_group,
    new_team,
    sqlite_integrity,
    start_server_group,
    stored_contacts,
)
from support import RunningServer, TeamCredentials, postgres_database, require_postgres, shared_tls

WRITERS = 6
WORKERS = 2
#: A round is killed once this many more writes were acknowledged (drawn anew each round, so
#: that the kill lands at different points of the load): few in the suite, more in chaos.
KILL_AFTER = (40, 160)
CHAOS_KILL_AFTER = (200, 1200)
#: A round that has not reached its count by then has hung.
ROUND_LIMIT_S = 120.0
#: Contacts a round reads back through the restarted server.
READ_BACK = 20


@dataclass(frozen=True)
class CrashDatabase:
    url: str
    environment: dict[str, str]
    master_key: str | None

    @property
    def sqlite_path(self) -> str | None:
        return None if self.url.startswith("postgresql://") else self.url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def crash_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CrashDatabase]:
    if request.param == "sqlite":
        yield CrashDatabase(str(tmp_path / "contacts.db"), {}, None)
        return
    require_postgres()
    key = new_master_key()
    with postgres_database("hm_crash") as url:
        yield CrashDatabase(url, {"HEYMARKET_MASTER_KEY": key}, key)


@dataclass
class Rounds:
    """The figures of the rounds so far."""

    database: CrashDatabase
    log_path: Path
    team: TeamCredentials | None = None
    ledger: Ledger = field(default_factory=Ledger)
    owned: dict[int, list[int]] = field(default_factory=dict)
    rounds: int = 0
    killed_processes: int = 0
    unanswered: int = 0
    landed: int = 0
    lost: int = 0
    integrity_ok: int = 0
    problems: list[str] = field(default_factory=list)

    def start(self) -> RunningServer:
        args = ("--workers", str(WORKERS), "--rate-limit", "0")
        return start_server_group(
            self.database.url, self.database.environment, self.log_path, *args
        )

    def crash(self, server: RunningServer, kill_after: int) -> None:
        """Writers on ``server`` until ``kill_after`` more writes were acknowledged, then
        ``kill -9`` of its process group with requests in flight."""
        assert self.team is not None
        stop, killing = threading.Event(), threading.Event()
        writers = [
            Writer(i, server.base_url, self.team, self.ledger, stop, killing=killing,
                   mine=self.owned.setdefault(i, []))
            for i in range(WRITERS)
        ]  # fmt: skip
        target = self.ledger.writes + kill_after
        deadline = time.monotonic() + ROUND_LIMIT_S
        for writer in writers:
            writer.start()
        while self.ledger.writes < target and not self.ledger.failures:
            assert time.monotonic() < deadline, f"{self.ledger.writes} writes of {target}"
            time.sleep(0.005)
        killing.set()
        self.killed_processes += kill_group(server)
        stop.set()
        for writer in writers:
            writer.join(REQUEST_TIMEOUT + 5)
        assert not any(writer.is_alive() for writer in writers)
        self.rounds += 1

    def verify(self, server: RunningServer) -> None:
        """After the restart: nothing acknowledged is lost, nothing is made up, the server
        answers what is stored, and the SQLite file is sound."""
        assert self.team is not None
        unanswered = len(self.ledger.pending_creates) + len(self.ledger.pending_updates)
        stored = stored_contacts(self.database.url, self.team.team_id)
        before = dict(self.ledger.acknowledged)
        problems = self.ledger.check(stored)
        self.problems += problems
        self.lost += len(problems)
        self.unanswered += unanswered
        self.landed += sum(1 for i, v in stored.items() if before.get(i) != v)
        self.read_back(server)
        if self.database.sqlite_path is not None:
            result = sqlite_integrity(self.database.sqlite_path)
            self.integrity_ok += result == "ok"
            assert result == "ok", result

    def read_back(self, server: RunningServer) -> None:
        assert self.team is not None
        sample = random.sample(
            sorted(self.ledger.acknowledged), min(READ_BACK, len(self.ledger.acknowledged))
        )
        headers = {"Authorization": f"Bearer {self.team.token()}"}
        with httpx.Client(
            base_url=server.base_url, headers=headers, timeout=30, verify=shared_tls()
        ) as http:
            for contact_id in sample:
                answer = http.get(f"/v1/contact/{contact_id}")
                assert answer.status_code == 200, answer.text
                body = answer.json()
                expected = self.ledger.acknowledged[contact_id]
                assert {k: body[k] for k in expected.body()} == expected.body()
                assert body["rev"] == expected.rev

    def report(self, name: str) -> str:
        ledger = self.ledger
        integrity = (
            f"integrity_check ok {self.integrity_ok}/{self.rounds}" if name == "sqlite" else ""
        )
        return (
            f"\nkill -9 rounds on {name}: {self.rounds} rounds, {self.killed_processes} processes"
            f" killed, {ledger.writes} acknowledged writes ({ledger.creates} creates,"
            f" {ledger.updates} updates), {self.unanswered} unanswered at the kills"
            f" ({self.landed} of them stored), lost {self.lost} {integrity}"
        )


@pytest.mark.parametrize(
    ("rounds", "kill_after"),
    [(3, KILL_AFTER), pytest.param(25, CHAOS_KILL_AFTER, marks=pytest.mark.chaos)],
    ids=["3-rounds", "25-rounds"],
)
def test_kill_9_under_concurrent_writes_loses_no_acknowledged_write(
    crash_database: CrashDatabase, rounds: int, kill_after: tuple[int, int], tmp_path: Path
) -> None:
    state = Rounds(crash_database, tmp_path / "serve.log")
    draw = random.Random(rounds)
    server = state.start()
    state.team = new_team(crash_database.url, crash_database.master_key)
    try:
        for _ in range(rounds):
            state.crash(server, draw.randint(*kill_after))
            assert not state.ledger.failures, state.ledger.failures[:5]
            server = state.start()
            state.verify(server)
            assert not state.problems, state.problems[:5]
    finally:
        server.stop()
    name = "postgres" if crash_database.sqlite_path is None else "sqlite"
    print(state.report(name))
    assert state.rounds == rounds
    assert state.lost == 0
