"""What ``serve`` does with connections and workers, over real sockets: idle and silent
connections are closed, a thousand of them lock nobody out, and a worker killed with
``kill -9`` is replaced while the server goes on. These are the HTTP server's settings, the
same for either database, so they run on SQLite.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from heymarket_contacts.cli.serve import HEADER_READ_TIMEOUT_MS
from support import RunningServer, shared_tls

HEADER_TIMEOUT_S = HEADER_READ_TIMEOUT_MS / 1000
SILENT_CONNECTIONS = 1100  # past granian's default of 1,024 a worker


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    directory = tmp_path_factory.mktemp("connections")
    running = RunningServer.start(str(directory / "contacts.db"), {}, directory / "serve.log")
    yield running
    running.stop()


def address(server: RunningServer) -> tuple[str, int]:
    host, port = server.base_url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def seconds_until_closed(connection: socket.socket, limit: float) -> float | None:
    """How long until the server closes ``connection`` (reads nothing more), or None."""
    began = time.monotonic()
    connection.settimeout(limit)
    try:
        while connection.recv(4096):
            pass
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return time.monotonic() - began


#: What a connection sends before it goes quiet: each must be closed after the header timeout.
QUIET_AFTER = {
    "silent from the start": b"",
    "headers never finished": b"GET /healthz HTTP/1.1\r\nHost: x\r\n",
    "idle after an answer": b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
}


def test_a_connection_that_sends_no_request_is_closed(server: RunningServer) -> None:
    connections = {name: socket.create_connection(address(server)) for name in QUIET_AFTER}
    try:
        for name, sent in QUIET_AFTER.items():
            connections[name].sendall(sent)
        with ThreadPoolExecutor(len(connections)) as pool:
            waits = {
                name: pool.submit(seconds_until_closed, connection, HEADER_TIMEOUT_S + 10)
                for name, connection in connections.items()
            }
            took = {name: wait.result() for name, wait in waits.items()}
    finally:
        for connection in connections.values():
            connection.close()
    for name, seconds in took.items():
        assert seconds is not None, f"{name}: still open after {HEADER_TIMEOUT_S + 10:.0f} s"
        assert seconds >= HEADER_TIMEOUT_S - 1.5, (name, seconds)  # not before the timeout


def test_a_thousand_silent_connections_lock_nobody_out(server: RunningServer) -> None:
    connections = [socket.create_connection(address(server)) for _ in range(SILENT_CONNECTIONS)]
    try:
        time.sleep(0.5)  # every one accepted
        answer = httpx.get(f"{server.base_url}/healthz", timeout=5, verify=shared_tls())
        assert answer.status_code == 200
    finally:
        for connection in connections:
            connection.close()


def worker_pids(server_pid: int) -> list[int]:
    """The server's worker processes: its children (granian's workers are processes)."""
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    return [int(pid) for pid in children]


def test_a_worker_killed_with_kill_9_is_replaced_and_the_server_goes_on(
    tmp_path: Path,
) -> None:
    running = RunningServer.start(str(tmp_path / "contacts.db"), {}, tmp_path / "serve.log")
    try:
        (victim,) = worker_pids(running.process.pid)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        replaced: list[int] = []
        while time.monotonic() < deadline:
            replaced = [pid for pid in worker_pids(running.process.pid) if pid != victim]
            if replaced:
                try:
                    if (
                        httpx.get(
                            f"{running.base_url}/healthz", timeout=1, verify=shared_tls()
                        ).status_code
                        == 200
                    ):
                        break
                except httpx.TransportError:
                    pass
            time.sleep(0.2)
        else:
            pytest.fail(f"no new worker answered in 30 s:\n{running.log_path.read_text()}")
        assert running.process.poll() is None
        log = running.log_path.read_text()
        assert "Unexpected exit from worker-1" in log, log  # the line that says why
        assert log.count("Spawning worker-1") >= 2, log
    finally:
        running.stop()


def test_workers_stop_when_their_server_is_killed_with_kill_9(tmp_path: Path) -> None:
    database = str(tmp_path / "contacts.db")
    running = RunningServer.start(database, {}, tmp_path / "serve.log", "--workers", "2")
    deadline = time.monotonic() + 30
    while len(workers := worker_pids(running.process.pid)) < 2:
        assert time.monotonic() < deadline, running.log_path.read_text()
        time.sleep(0.05)
    try:
        os.kill(running.process.pid, signal.SIGKILL)
        running.process.wait()
        deadline = time.monotonic() + 15
        while left := [pid for pid in workers if _running(pid)]:
            assert time.monotonic() < deadline, f"workers {left} outlived their server"
            time.sleep(0.05)
    finally:
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    port = int(running.base_url.rsplit(":", 1)[1])  # free again: a new server starts there
    again = RunningServer.start(database, {}, tmp_path / "again.log", port=port)
    try:
        assert httpx.get(f"{again.base_url}/healthz", verify=shared_tls()).status_code == 200
    finally:
        again.stop()


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (not a zombie left for its parent to reap)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def test_readyz_says_a_worker_is_down_until_it_is_replaced(tmp_path: Path) -> None:
    running = RunningServer.start(
        str(tmp_path / "contacts.db"), {}, tmp_path / "serve.log", "--workers", "2"
    )
    try:
        deadline = time.monotonic() + 30
        while len(worker_pids(running.process.pid)) < 2 or readyz(running)[0] != 200:
            assert time.monotonic() < deadline, running.log_path.read_text()
            time.sleep(0.05)
        assert readyz(running) == (200, {"status": "ready", "database": "ok",
                                         "migrations": "current"})  # fmt: skip
        victim = worker_pids(running.process.pid)[0]
        # The main process is held still, so that it cannot replace the worker before the
        # survivor is asked: the window is the test's, not the machine's load's.
        os.kill(running.process.pid, signal.SIGSTOP)
        try:
            os.kill(victim, signal.SIGKILL)
            deadline = time.monotonic() + 30
            while _running(victim):  # a zombie until its parent, held still, reaps it
                assert time.monotonic() < deadline
                time.sleep(0.01)
            answer = readyz(running)
            while answer[0] == 0:  # a connection the dying worker's socket took, refused
                assert time.monotonic() < deadline
                answer = readyz(running)
            down = {"status": "unavailable", "database": "ok", "migrations": "current",
                    "workers": "1 of 2"}  # fmt: skip
            assert answer == (503, down)
        finally:
            os.kill(running.process.pid, signal.SIGCONT)
        seen = []
        deadline = time.monotonic() + 30
        while not seen or seen[-1][0] != 200:  # the survivor answers while the other respawns
            assert time.monotonic() < deadline, (seen[-3:], running.log_path.read_text())
            seen.append(readyz(running))
            time.sleep(0.01)
        assert victim not in worker_pids(running.process.pid)
    finally:
        running.stop()


def readyz(running: RunningServer) -> tuple[int, dict[str, str] | None]:
    try:
        answer = httpx.get(f"{running.base_url}/readyz", timeout=2, verify=shared_tls())
    except httpx.TransportError:
        return 0, None
    return answer.status_code, answer.json()
