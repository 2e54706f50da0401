"""The authenticated GET in-process, without a server or a socket: microseconds per request.

``python -m bench.hotpath [N]`` builds a small SQLite dataset, calls the ASGI app directly
N times (default 20,000) with random ids, and prints the median of 5 batches (``--emulator``:
with the emulator on, so its journal and fault check are in the path); with
``--profile`` it prints the top of a cProfile of one batch instead, and with ``--pieces`` the
cost of each per-request saving before and after. It isolates the work the
app adds per request, which the load runs measure together with the server and the socket.
"""

from __future__ import annotations

import asyncio
import base64
import cProfile
import hmac
import json
import pstats
import random
import statistics
import sys
import tempfile
import time
import timeit
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from heymarket_contacts.server.app import create_app
from heymarket_contacts.server.clock import rfc3339
from heymarket_contacts.server.ids import RequestIds
from heymarket_contacts.server.settings import load_settings
from heymarket_contacts.tokens import signing_key

from . import data


def request_scope(path: str, token: str) -> dict[str, Any]:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 8080),
        "headers": [
            (b"host", b"127.0.0.1:8080"), (b"user-agent", b"wrk"),
            (b"authorization", f"Bearer {token}".encode()),
        ],
    }  # fmt: skip


async def batch(app: Any, token: str, contacts: int, count: int) -> float:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    statuses: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    scopes = [
        request_scope(f"/v1/contact/{random.randint(1, contacts)}", token)  # noqa: S311
        for _ in range(count)
    ]
    began = time.perf_counter()
    for scope in scopes:
        await app(scope, receive, send)
    elapsed = time.perf_counter() - began
    if set(statuses) != {200}:
        raise RuntimeError(f"statuses {sorted(set(statuses))}")
    return elapsed / count * 1e6


async def main(count: int, profile: bool, emulator: bool = False) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        dataset = data.sqlite_dataset(Path(scratch) / "hot.db", 100_000)
        settings = load_settings({}, database=dataset.database, rate_limit=0, emulator=emulator)
        app = create_app(settings)
        token = dataset.token()
        await batch(app, token, dataset.contacts, 2000)  # warm
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            await batch(app, token, dataset.contacts, count)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
            return
        runs = [await batch(app, token, dataset.contacts, count) for _ in range(5)]
        print(
            f"{statistics.median(runs):.1f} µs per GET (min {min(runs):.1f}, max {max(runs):.1f})"
        )


def mint_with_claim(secret_id: str, secret_key: str, serial: int) -> str:
    """A valid token with a ``jti`` claim (ignored by the server), so that each is new."""

    def encode(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    header = encode(b'{"alg":"HS256","typ":"JWT"}')
    claims = {"iss": secret_id, "iat": int(time.time()), "jti": serial}
    signing_input = f"{header}.{encode(json.dumps(claims).encode())}"
    signature = hmac.digest(signing_key(secret_id, secret_key), signing_input.encode(), "sha256")
    return f"{signing_input}.{encode(signature)}"


def strftime_text(microseconds: int) -> str:
    """A timestamp as ``clock.rfc3339`` first made it."""
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=microseconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def pieces(count: int = 20_000) -> None:
    """Each saving of the hot path, before and after, in microseconds per call (best of 5)."""
    with tempfile.TemporaryDirectory() as scratch:
        dataset = data.sqlite_dataset(Path(scratch) / "pieces.db", 1000)
        settings = load_settings({}, database=dataset.database, rate_limit=0)
        api = create_app(settings).api
        authenticator = api.authenticator
        token = f"Bearer {dataset.token()}"
        authenticator.authenticate(token)
        serial = iter(range(10**9))

        def fresh_token() -> str:  # a token never seen before: a claim of its own
            return mint_with_claim(dataset.secret_id, dataset.secret_key, next(serial))

        def first_use() -> None:  # parse, look up the secret, sign
            authenticator.authenticate(f"Bearer {fresh_token()}")

        request_ids = RequestIds()
        rows: list[tuple[str, Callable[[], object], Callable[[], object] | None]] = [
            ("token, first use (minus minting it)", first_use, fresh_token),
            ("token, reused", lambda: authenticator.authenticate(token), None),
            ("request id: str(uuid.uuid4())", lambda: str(uuid.uuid4()), None),
            ("request id: RequestIds()", request_ids, None),
            ("timestamp: strftime", lambda: strftime_text(1_795_600_000_123_456), None),
            ("timestamp: clock.rfc3339", lambda: rfc3339(1_795_600_000_123_456), None),
        ]
        for name, call, minus in rows:
            spent = min(timeit.repeat(call, number=count, repeat=5)) / count * 1e6
            if minus is not None:
                spent -= min(timeit.repeat(minus, number=count, repeat=5)) / count * 1e6
            print(f"{name:40s} {spent:6.2f} µs")


if __name__ == "__main__":
    arguments = [argument for argument in sys.argv[1:] if not argument.startswith("--")]
    if "--pieces" in sys.argv:
        pieces()
    else:
        count = int(arguments[0]) if arguments else 20_000
        asyncio.run(main(count, "--profile" in sys.argv, "--emulator" in sys.argv))
