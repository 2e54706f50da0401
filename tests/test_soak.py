"""A soak of one server under a mixed load (70 % reads, 20 % updates, 10 % creates) for
``CHAOS_SOAK_SECONDS`` (default 300), behind ``make chaos``.

Every few seconds the resident memory (``VmRSS``) and the open file descriptors of the
server's processes (granian's main process and its workers, summed) are read from /proc. The
soak fails on any answer but a 200, on a worker that dies, or on a leak: at the end, memory
more than :data:`RSS_GROWTH` times (plus :data:`RSS_SLACK_KIB`) what it was once warmed up, or
more than :data:`FD_SLACK` descriptors beyond it. Warmed up is the first sample after the first
fifth of the run, when the caches (tokens, SQLite's pages, the allocator's arenas) have filled:
a leak of 100 bytes a request, over 300,000 requests, is 30 MB past that.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from load_support import (
    REQUEST_TIMEOUT,
    FreshToken,
    log_problems,
    new_team,
    start_server_group,
    tree_pids,
)
from support import TeamCredentials, shared_tls, unique_phone

SOAK_SECONDS = float(os.environ.get("CHAOS_SOAK_SECONDS", "300"))
SAMPLE_EVERY_S = 5.0
CLIENTS = 8
SEED_CONTACTS = 200
WORKERS = 2
#: The leak thresholds, against the sample at the end of the warm-up (see the docstring).
RSS_GROWTH = 1.2
RSS_SLACK_KIB = 16 * 1024
FD_SLACK = 16
MIX = (("GET", 0.7), ("PUT", 0.2), ("POST", 0.1))


@dataclass(frozen=True)
class Sample:
    at: float
    rss_kib: int
    fds: int


def sample(pids: list[int], at: float) -> Sample:
    """The memory and descriptors of ``pids`` (summed) from /proc; a process that is gone
    meanwhile counts nothing (the soak fails on a replaced worker anyway)."""
    rss = fds = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            fds += len(os.listdir(f"/proc/{pid}/fd"))
        except FileNotFoundError:
            continue
        rss += int(
            next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1]
        )
    return Sample(at, rss, fds)


@dataclass
class Soak:
    """The mixed load's clients and what they met; contacts are shared by all clients."""

    base_url: str
    team: TeamCredentials
    phones: dict[int, str] = field(default_factory=dict)
    ids: list[int] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            auth=FreshToken(self.team),
            timeout=REQUEST_TIMEOUT,
            verify=shared_tls(),
        )

    def seed(self, count: int) -> None:
        with self.client() as http:
            for _ in range(count):
                self.create(http)

    def run(self, index: int) -> None:
        draw = random.Random(index)
        kinds, weights = zip(*MIX, strict=True)
        with self.client() as http:
            while not self.stop.is_set():
                kind = draw.choices(kinds, weights)[0]
                if kind == "POST":
                    self.create(http)
                    continue
                contact_id = draw.choice(self.ids)
                if kind == "GET":
                    self.send(http, "GET", f"/v1/contact/{contact_id}")
                else:
                    body = {
                        "phone": self.phones[contact_id],
                        "first": f"c{index}",
                        "last": f"{draw.random()}",
                    }
                    self.send(http, "PUT", f"/v1/contact/{contact_id}", json=body)

    def create(self, http: httpx.Client) -> None:
        phone = unique_phone()
        answer = self.send(http, "POST", "/v1/contact", json={"phone": phone, "first": "soak"})
        if answer is not None:
            with self._lock:
                contact_id = int(answer.json()["id"])
                self.phones[contact_id] = phone
                self.ids.append(contact_id)

    def send(
        self, http: httpx.Client, method: str, path: str, **kwargs: Any
    ) -> httpx.Response | None:
        try:
            answer = http.request(method, path, **kwargs)
        except httpx.TransportError as error:
            self.errors.append(f"{method} {path}: {error!r}")
            return None
        self.requests[method] += 1
        if answer.status_code != 200:
            self.errors.append(f"{method} {path}: {answer.status_code} {answer.text[:200]}")
            return None
        return answer


def _figures(samples: list[Sample], value: str) -> str:
    values = [getattr(s, value) for s in samples]
    return f"first {values[0]}, last {values[-1]}, max {max(values)}"


@pytest.mark.chaos
def test_a_soak_under_mixed_load_has_no_errors_and_no_leak(tmp_path: Path) -> None:
    path = str(tmp_path / "contacts.db")
    log_path = tmp_path / "serve.log"
    server = start_server_group(path, {}, log_path, "--workers", str(WORKERS), "--rate-limit", "0")
    samples: list[Sample] = []
    try:
        pids = tree_pids(server.process.pid)
        soak = Soak(server.base_url, new_team(path, None))
        soak.seed(SEED_CONTACTS)
        clients = [
            threading.Thread(target=soak.run, args=(i,), daemon=True) for i in range(CLIENTS)
        ]
        began = time.monotonic()
        for client in clients:
            client.start()
        while (now := time.monotonic()) < began + SOAK_SECONDS and not soak.errors:
            samples.append(sample(tree_pids(server.process.pid), now - began))
            time.sleep(SAMPLE_EVERY_S)
        samples.append(sample(tree_pids(server.process.pid), time.monotonic() - began))
        soak.stop.set()
        for client in clients:
            client.join(REQUEST_TIMEOUT + 5)
        replaced = tree_pids(server.process.pid) != pids
    finally:
        server.stop()

    warm = next(s for s in samples if s.at >= SOAK_SECONDS / 5)
    total = sum(soak.requests.values())
    mib = [Sample(s.at, s.rss_kib // 1024, s.fds) for s in samples]
    print(
        f"\nsoak of {samples[-1].at:.0f} s, {WORKERS} workers: {total} requests"
        f" ({', '.join(f'{k} {v}' for k, v in sorted(soak.requests.items()))}),"
        f" {len(soak.errors)} errors; {len(samples)} samples; RSS MiB {_figures(mib, 'rss_kib')},"
        f" {warm.rss_kib // 1024} once warm; FDs {_figures(samples, 'fds')}, {warm.fds} once warm"
    )
    assert not soak.errors, soak.errors[:5]
    assert not replaced
    assert not log_problems(log_path)
    assert samples[-1].rss_kib <= warm.rss_kib * RSS_GROWTH + RSS_SLACK_KIB, samples
    assert samples[-1].fds <= warm.fds + FD_SLACK, samples
