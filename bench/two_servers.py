"""Two server processes on one database under the mixed write load, checked afterwards: every
acknowledged update is in its contact's ``rev`` (no update lost, none counted twice, so each
contact's revisions run without a gap) and every acknowledged create is stored once.

Threads of a client, half of them on each server, make 70 % GET, 20 % PUT and 10 % POST for
the configured seconds; the PUTs go to a few hot contacts, so that both processes write the
same rows at once. The revisions and the created phones are then read with SQL.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections import Counter
from typing import Any

import psycopg

from . import data
from .load import Client
from .report import Row
from .servers import Server

THREADS = 16
SETTLE_SECONDS = 2.0
HOT_CONTACTS = 200
#: Clear of the mixed load's phones (from 20,000,000,000, 10^8 a run).
PHONE_BASE = 29_000_000_000


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.updates: Counter[int] = Counter()
        self.created: list[str] = []
        self.requests = 0
        self.errors: Counter[str] = Counter()
        #: The first answer of each kind of error, as the client raised it.
        self.samples: dict[str, str] = {}


def mixed_writes(
    servers: tuple[Server, Server], dataset: data.Dataset, seconds: float, label: str
) -> Row:
    time.sleep(SETTLE_SECONDS)  # the writes of a load run before this one are answered
    before = revisions(dataset)
    tally = Tally()
    stop = time.monotonic() + seconds
    threads = [
        threading.Thread(target=_load, args=(servers[n % 2], dataset, n, stop, tally))
        for n in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = revisions(dataset)
    wrong = [
        f"{contact_id}: rev +{after[contact_id] - before[contact_id]},"
        f" {tally.updates[contact_id]} acknowledged"
        for contact_id in range(1, HOT_CONTACTS + 1)
        if after[contact_id] - before[contact_id] != tally.updates[contact_id]
    ]  # fmt: skip
    stored = created_phones(dataset, tally.created)
    missing = sum(1 for phone in tally.created if stored[phone] != 1)
    scenario = f"two server processes on one {label} database, mixed writes"
    return Row(
        scenario,
        extra={
            "requests": f"{tally.requests:,} in {seconds:g} s, {THREADS} client threads",
            "updates acknowledged": f"{sum(tally.updates.values()):,} on {HOT_CONTACTS} contacts",
            "creates acknowledged": f"{len(tally.created):,}",
            "contacts whose rev did not move by its acknowledged updates": (
                f"{len(wrong)}" + (f" ({'; '.join(wrong[:5])})" if wrong else "")
            ),
            "acknowledged creates not stored exactly once": f"{missing}",
            "errors": ", ".join(f"{k} x{v}" for k, v in tally.errors.items()) or "none",
            "first of each error": " | ".join(tally.samples.values()) or "none",
        },
    )


def _load(server: Server, dataset: data.Dataset, number: int, stop: float, tally: Tally) -> None:
    client = Client(server.port, dataset.token())
    draw = random.Random(number)  # noqa: S311 (a load, not a secret)
    made = 0
    try:
        while time.monotonic() < stop:
            choice = draw.random()
            try:
                if choice < 0.7:
                    client.call("GET", f"/v1/contact/{draw.randint(1, dataset.contacts)}")
                elif choice < 0.9:
                    contact_id = draw.randint(1, HOT_CONTACTS)
                    body = {"phone": data.phone_of(contact_id), "last": f"t{number}-{made}"}
                    client.call("PUT", f"/v1/contact/{contact_id}", body)
                    with tally.lock:
                        tally.updates[contact_id] += 1
                else:
                    made += 1
                    phone = str(PHONE_BASE + number * 10_000_000 + made)
                    client.call("POST", "/v1/contact", {"phone": phone, "first": "Two"})
                    with tally.lock:
                        tally.created.append(phone)
            except RuntimeError as error:  # an answer other than 200: counted, not acknowledged
                method, _, answer = str(error).partition(" ")
                status = answer.split(": ", 1)[-1][:3]
                with tally.lock:
                    tally.errors[f"{method} {status}"] += 1
                    tally.samples.setdefault(f"{method} {status}", str(error)[:300])
            with tally.lock:
                tally.requests += 1
    finally:
        client.close()


def _rows(dataset: data.Dataset, query: str, params: list[Any]) -> list[tuple[Any, ...]]:
    if dataset.database.startswith("postgresql"):
        with psycopg.connect(dataset.database) as connection:
            return list(connection.execute(query.replace("?", "%s"), params).fetchall())
    connection = sqlite3.connect(dataset.database)
    try:
        return list(connection.execute(query, params).fetchall())
    finally:
        connection.close()


def revisions(dataset: data.Dataset) -> dict[int, int]:
    rows = _rows(
        dataset, "SELECT id, rev FROM contacts WHERE team_id = ? AND id <= ?",
        [dataset.team_id, HOT_CONTACTS],
    )  # fmt: skip
    return {int(contact_id): int(rev) for contact_id, rev in rows}


def created_phones(dataset: data.Dataset, phones: list[str]) -> Counter[str]:
    found: Counter[str] = Counter()
    for start in range(0, len(phones), 500):
        chunk = phones[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        rows = _rows(
            dataset,
            f"SELECT phone FROM contacts WHERE team_id = ? AND phone IN ({marks})",  # noqa: S608
            [dataset.team_id, *chunk],
        )
        found.update(str(phone) for (phone,) in rows)
    return found
