"""The batch import in-process, without a server or a socket: contacts per second.

``python -m bench.imports [--contacts N] [--calls N] [--runs N] [--profile]
[--postgres ADMIN_URL]`` builds a SQLite (or, with ``--postgres``, a PostgreSQL) dataset of N
contacts (default 100,000), then sends ``POST /v1/batch/contacts`` calls of 1,000 new contacts
(the load run's items) straight to the ASGI app and prints contacts per second; ``--runs``
repeats that on the same dataset, each run with new contacts of its own, and prints the
median and the spread; ``--profile`` times and profiles the batch service alone instead. It
isolates the app's own work per imported contact, which the load run measures together with
the server and the socket.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from heymarket_contacts.server.app import create_app
from heymarket_contacts.server.settings import load_settings

from . import data
from .hotpath import request_scope
from .scenarios import BATCH_ITEMS, IMPORT_PHONE_BASE, import_items


def import_scope(token: str, length: int) -> dict[str, Any]:
    """The scope of one import call: the GET's, as a POST of JSON."""
    scope = request_scope("/v1/batch/contacts", token)
    scope["method"] = "POST"
    scope["headers"] += [
        (b"content-type", b"application/json"), (b"content-length", str(length).encode()),
    ]  # fmt: skip
    return scope


async def call(app: Any, token: str, body: bytes) -> None:
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    answer: list[bytes] = []
    status: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])
        elif message["type"] == "http.response.body":
            answer.append(message.get("body", b""))

    await app(import_scope(token, len(body)), receive, send)
    if status != [200] or b"".join(answer) != b'"ok"':
        raise RuntimeError(f"the import failed: {status} {b''.join(answer)[:300]!r}")


async def run(contacts: int, calls: int, runs: int, profile: bool, postgres: str | None) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        if postgres is None:
            dataset = data.sqlite_dataset(Path(scratch) / "import.db", contacts)
            await measure(dataset, calls, runs, profile)
            return
        name = f"heymarket_bench_import_{os.getpid()}"
        try:
            await measure(data.postgres_dataset(postgres, name, contacts), calls, runs, profile)
        finally:
            data.drop_postgres(postgres, name)


async def measure(dataset: data.Dataset, calls: int, runs: int, profile: bool) -> None:
    settings = load_settings(dataset.environment, database=dataset.database, rate_limit=0)
    app = create_app(settings)
    token = dataset.token()
    if profile:
        profile_service(app.api, token, bodies_of(calls, first=0))
        return
    rates = []
    for number in range(runs):
        bodies = bodies_of(calls, first=number * calls * BATCH_ITEMS)
        began = time.perf_counter()
        for body in bodies:
            await call(app, token, body)
        elapsed = time.perf_counter() - began
        imported = calls * BATCH_ITEMS
        rates.append(imported / elapsed)
        print(
            f"{imported:,} contacts into {dataset.contacts + number * imported:,} in"
            f" {elapsed:.2f} s: {rates[-1]:,.0f} contacts/s ({elapsed / imported * 1e6:.0f} µs"
            " each)"
        )
    if runs > 1:
        print(
            f"median of {runs} runs: {statistics.median(rates):,.0f} contacts/s"
            f" ({min(rates):,.0f}–{max(rates):,.0f})"  # noqa: RUF001
        )


def bodies_of(calls: int, *, first: int) -> list[bytes]:
    """The bodies of ``calls`` import calls, from the load run's item ``first`` on."""
    return [
        json.dumps(import_items(IMPORT_PHONE_BASE, start, start + BATCH_ITEMS)).encode()
        for start in range(first, first + calls * BATCH_ITEMS, BATCH_ITEMS)
    ]


def profile_service(api: Any, token: str, bodies: list[bytes]) -> None:
    """The batch service itself, timed over half the calls and profiled over the others: the
    app runs writes in a worker thread, which the profiler would not see."""
    principal = api.authenticator.authenticate(f"Bearer {token}")
    items = [json.loads(body) for body in bodies]
    profiler = cProfile.Profile()
    half = len(items) // 2
    began = time.perf_counter()
    for batch in items[:half]:
        if api.batch.import_contacts(principal, batch, overwrite=False):
            raise RuntimeError("the import failed")
    elapsed = time.perf_counter() - began
    print(f"the service alone: {elapsed / half / len(items[0]) * 1e6:.0f} µs per contact")
    profiler.enable()
    for batch in items[half:]:
        if api.batch.import_contacts(principal, batch, overwrite=False):
            raise RuntimeError("the import failed")
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--runs", type=int, default=1, help="runs on the same dataset")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--postgres", metavar="ADMIN_URL", help="import into a PostgreSQL database made there"
    )
    options = parser.parse_args()
    asyncio.run(
        run(options.contacts, options.calls, options.runs, options.profile, options.postgres)
    )


if __name__ == "__main__":
    main()
