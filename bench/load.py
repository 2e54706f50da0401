"""Load generation: wrk for the throughput scenarios, a keep-alive client for the sequential ones.

wrk runs pinned to its own core (``cores``) with one Lua script per scenario; the script's
``done`` hook prints one ``BENCH {...}`` line that :func:`wrk` reads back.
"""

# ruff: noqa: S603 (the bench starts local tools: wrk, nginx, taskset, py-spy)

from __future__ import annotations

import http.client
import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LUA = Path(__file__).resolve().parent / "lua"


@dataclass(frozen=True)
class WrkRun:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    socket_errors: int
    non_2xx: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def wrk(
    url: str, script: str, args: list[str], workdir: Path, *, seconds: int, connections: int,
    threads: int = 1, cores: str | None,
) -> WrkRun:  # fmt: skip
    """One wrk run of ``lua/<script>.lua``; a run with socket errors or non-2xx answers fails."""
    source = workdir / f"{script}.lua"
    parts = ("threads", script, "report")
    source.write_text("\n".join((LUA / f"{part}.lua").read_text() for part in parts))
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
        "-s", str(source), url, "--", *args,
    ]  # fmt: skip
    if cores:
        command = ["taskset", "-c", cores, *command]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    found = json.loads(line.removeprefix("BENCH "))
    run = WrkRun(
        requests=found["requests"], seconds=found["duration_us"] / 1e6,
        p50_ms=found["p50_us"] / 1000, p99_ms=found["p99_us"] / 1000,
        socket_errors=found["socket_errors"], non_2xx=found["non_2xx"],
    )  # fmt: skip
    if run.non_2xx or run.socket_errors:
        raise RuntimeError(f"wrk {script} on {url}: {run}\n{output}")
    return run


class Client:
    """One keep-alive connection; each call answers ``(seconds, decoded JSON)``."""

    def __init__(self, port: int, token: str) -> None:
        self._connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self._headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: Any = None) -> tuple[float, Any]:
        payload = None if body is None else json.dumps(body).encode()
        began = time.perf_counter()
        self._connection.request(method, path, body=payload, headers=self._headers)
        response = self._connection.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - began
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:500]!r}")
        return elapsed, json.loads(data)

    def raw(self, path: str) -> bytes:
        self._connection.request("GET", path, headers=self._headers)
        response = self._connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status} {data[:500]!r}")
        return data

    def close(self) -> None:
        self._connection.close()
