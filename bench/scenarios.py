"""The scenarios of a bench run, in the order they run, each against same-run baselines."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from . import data
from .console import console_rows
from .load import Client, WrkRun, wrk
from .report import Row, Spread
from .servers import Server, bare_asgi_server, contacts_server, nginx_server
from .two_servers import mixed_writes

PARTS = ("get", "writes", "walk", "postgres", "emulator", "webhooks")
#: Contacts of the team whose reset the emulator part times (the per-test cost of the
#: pytest plugin's reset).
RESET_CONTACTS = 10_000
SERVER_CORE, LOAD_CORE = "0", "1"
BATCH_ITEMS = 1000
PAGE = 500
#: Phones of the import scenarios and of the wrk POST runs, clear of the dataset's.
IMPORT_PHONE_BASE = 16_000_000_000
POST_PHONE_BASE = 17_000_000_000
MIXED_PHONE_BASE = 20_000_000_000


@dataclass(frozen=True)
class Config:
    scale: float = 1.0
    seconds: int = 10
    runs: int = 3
    connections: int = 64
    parts: tuple[str, ...] = PARTS
    postgres_url: str = "postgresql://127.0.0.1:5432/test"
    profile: bool = False

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Config:
        only = environ.get("BENCH_ONLY")
        parts = tuple(part.strip() for part in only.split(",")) if only else PARTS
        unknown = set(parts) - set(PARTS)
        if unknown:
            raise SystemExit(f"BENCH_ONLY: unknown part(s) {sorted(unknown)}; known: {PARTS}")
        return cls(
            scale=float(environ.get("BENCH_SCALE", "1")),
            seconds=int(environ.get("BENCH_SECONDS", "10")),
            runs=int(environ.get("BENCH_RUNS", "3")),
            connections=int(environ.get("BENCH_CONNECTIONS", "64")),
            parts=parts,
            postgres_url=environ.get(
                "BENCH_POSTGRES_URL",
                environ.get("HEYMARKET_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test"),
            ),
            profile=environ.get("BENCH_PROFILE", "") not in ("", "0"),
        )

    def count(self, full: int) -> int:
        return max(1000, int(full * self.scale))

    def describe(self) -> str:
        return (
            f"scale {self.scale}, {self.runs} runs of {self.seconds} s, wrk -t1"
            f" -c{self.connections}, parts {','.join(self.parts)}"
        )


class Bench:
    def __init__(self, config: Config, scratch: Path, out: Path) -> None:
        self.config = config
        self.scratch = scratch
        self.out = out
        self.rows: dict[str, Row] = {}
        self._servers: list[Server] = []
        self.body = scratch / "contact.json"
        self.workers_all = len(os.sched_getaffinity(0))

    # --- plumbing -----------------------------------------------------------------------

    def log(self, message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)

    def start(self, server: Server) -> Server:
        self._servers.append(server)
        return server

    def stop(self, *servers: Server) -> None:
        for server in servers:
            server.stop()

    def stop_all(self) -> None:
        for server in self._servers:
            server.stop()

    def app(
        self, dataset: data.Dataset, *, workers: int = 1, pinned: bool = True,
        extra_args: tuple[str, ...] = (),
    ) -> Server:  # fmt: skip
        return self.start(
            contacts_server(
                dataset.database, self.scratch, workers=workers,
                cores=SERVER_CORE if pinned else None, environment=dataset.environment,
                extra_args=extra_args,
            )
        )  # fmt: skip

    def wrk(self, server: Server, script: str, args: list[str], *, pinned: bool) -> WrkRun:
        return wrk(
            server.url, script, args, self.scratch, seconds=self.config.seconds,
            connections=self.config.connections, cores=LOAD_CORE if pinned else None,
        )  # fmt: skip

    def warm(self, server: Server, script: str, args: list[str]) -> None:
        wrk(
            server.url, script, args, self.scratch, seconds=2,
            connections=self.config.connections, cores=None,
        )  # fmt: skip

    def rounds(
        self, contenders: dict[str, tuple[Server, str, list[str]]], *, pinned: bool
    ) -> dict[str, list[WrkRun]]:
        """``runs`` rounds, each running every contender once, in turn (so drift hits all)."""
        for server, script, args in contenders.values():
            self.warm(server, script, args)
        results: dict[str, list[WrkRun]] = {name: [] for name in contenders}
        for round_number in range(self.config.runs):
            for name, (server, script, args) in contenders.items():
                run = self.wrk(server, script, args, pinned=pinned)
                results[name].append(run)
                self.log(
                    f"  round {round_number + 1} {name}: {run.rps:,.0f} req/s,"
                    f" p50 {run.p50_ms:.2f} ms, p99 {run.p99_ms:.2f} ms"
                )
        return results

    def baselines(self, workers: int, pinned: bool) -> dict[str, tuple[Server, str, list[str]]]:
        cores = SERVER_CORE if pinned else None
        bare = self.start(bare_asgi_server(self.body, self.scratch, workers=workers, cores=cores))
        contenders = {f"bare ASGI, {workers} worker": (bare, "static", ["/", "x"])}
        try:
            nginx = self.start(nginx_server(self.body, self.scratch, workers=workers, cores=cores))
        except (OSError, RuntimeError) as error:
            self.log(f"nginx baseline skipped: {error}")
        else:
            contenders[f"nginx static file, {workers} worker"] = (
                nginx, "static", ["/contact.json", "x"],
            )  # fmt: skip
        return contenders

    # --- the scenarios ------------------------------------------------------------------

    def run(self) -> None:
        parts = self.config.parts
        if "get" in parts or "writes" in parts:
            dataset = self.dataset("get", self.config.count(100_000))
            if "get" in parts:
                self.get(dataset)
            if "writes" in parts:
                self.writes(dataset)
        if "walk" in parts:
            self.walk(self.dataset("walk", self.config.count(1_000_000)))
        if "postgres" in parts:
            self.postgres()
        if "emulator" in parts:
            self.emulator(self.dataset("emulator", self.config.count(100_000)))
        if "webhooks" in parts:
            from .webhooks import WebhooksPart  # noqa: PLC0415 (it imports this module)

            WebhooksPart(self, self.dataset("webhooks", self.config.count(100_000))).run()

    def dataset(self, name: str, contacts: int) -> data.Dataset:
        self.log(f"building {contacts:,} contacts in SQLite ({name})")
        began = time.perf_counter()
        dataset = data.sqlite_dataset(self.scratch / f"{name}.db", contacts)
        self.log(f"  built in {time.perf_counter() - began:.1f} s")
        return dataset

    def sample_body(self, server: Server, dataset: data.Dataset) -> None:
        """The baselines answer the same bytes the API answers for a contact."""
        client = Client(server.port, dataset.token())
        self.body.write_bytes(client.raw("/v1/contact/1"))
        client.close()

    def get(self, dataset: data.Dataset) -> None:
        for workers, pinned in ((1, True), (self.workers_all, False)):
            self.log(f"GET /v1/contact/{{id}}: {workers} worker(s), pinned={pinned}")
            app = self.app(dataset, workers=workers, pinned=pinned)
            self.sample_body(app, dataset)
            contenders = self.baselines(workers, pinned)
            name = f"GET contact, SQLite, {workers} worker"
            get_args = ["1", str(dataset.contacts), dataset.token()]
            contenders[name] = (app, "get", get_args)
            baselines = tuple(contenders)[:-1]
            if workers > 1:  # the scale-out: the 1-worker GET of the same run
                baselines += ("GET contact, SQLite, 1 worker",)
            logged = f"GET contact, SQLite, {workers} worker, access log on"
            if pinned:  # the same server with --log-level info: one access line a request
                logging_app = self.app(dataset, extra_args=("--log-level", "info"))
                contenders[logged] = (logging_app, "get", get_args)
            results = self.rounds(contenders, pinned=pinned)
            for contender, runs in results.items():
                compared = {name: baselines, logged: (*baselines, name)}.get(contender, ())
                self.rows[contender] = Row.of_runs(contender, runs, compared)
            if self.config.profile and workers == 1:
                self.profile(app, "get", ["1", str(dataset.contacts), dataset.token()])
            self.stop(*(server for server, _, _ in contenders.values()))

    def writes(self, dataset: data.Dataset) -> None:
        self.log("POST /v1/contact and PUT /v1/contact/{id}, synchronous=FULL, 1 worker")
        app = self.app(dataset)
        token = dataset.token()
        put_args = ["1", str(dataset.contacts), str(data.PHONE_BASE), token]
        self.warm(app, "put", put_args)
        runs: dict[str, list[WrkRun]] = {"POST contact": [], "PUT contact": []}
        for round_number in range(self.config.runs):
            base = POST_PHONE_BASE + round_number * 1_000_000_000
            for name, script, args in (
                ("POST contact", "post", [str(base), token]),
                ("PUT contact", "put", put_args),
            ):
                run = self.wrk(app, script, args, pinned=True)
                runs[name].append(run)
                self.log(f"  round {round_number + 1} {name}: {run.rps:,.0f} req/s,"
                         f" p50 {run.p50_ms:.2f} ms, p99 {run.p99_ms:.2f} ms")  # fmt: skip
        for name, found in runs.items():
            scenario = f"{name}, SQLite FULL, 1 worker"
            self.rows[scenario] = Row.of_runs(scenario, found, ("bare ASGI, 1 worker",))
        if self.config.profile:
            base = POST_PHONE_BASE + self.config.runs * 1_000_000_000
            self.profile(app, "post", [str(base), token])
        self.stop(app)
        self.mixed(dataset)

    def mixed(self, dataset: data.Dataset) -> None:
        """70 % GET, 20 % PUT, 10 % POST with 1 and with 2 workers (unpinned: both cores, as
        a deployment would run), alternating; the 2 workers' writers share one file."""
        self.log("mixed load (70 % GET, 20 % PUT, 10 % POST), 1 and 2 workers, unpinned")
        token = dataset.token()
        apps = {workers: self.app(dataset, workers=workers, pinned=False) for workers in (1, 2)}
        runs: dict[int, list[WrkRun]] = {1: [], 2: []}
        # A range of 10^8 phones a run (wrk -t1: its counter stays far below).
        bases = (MIXED_PHONE_BASE + n * 100_000_000 for n in range(2 * self.config.runs + 2))
        for app in apps.values():
            self.warm(app, "mixed", self.mixed_args(dataset, next(bases), token))
        for round_number in range(self.config.runs):
            for workers, app in apps.items():
                args = self.mixed_args(dataset, next(bases), token)
                run = self.wrk(app, "mixed", args, pinned=False)
                runs[workers].append(run)
                self.log(f"  round {round_number + 1} mixed, {workers} worker(s): {run.rps:,.0f}"
                         f" req/s, p50 {run.p50_ms:.2f} ms, p99 {run.p99_ms:.2f} ms")  # fmt: skip
        one = "mixed 70/20/10, SQLite FULL, 1 worker"
        two = "mixed 70/20/10, SQLite FULL, 2 workers"
        self.rows[one] = Row.of_runs(one, runs[1], ())
        self.rows[two] = Row.of_runs(two, runs[2], (one,))
        self.rows[two].extra["p99 target"] = "<= 50 ms"
        self.check_two_servers((apps[1], apps[2]), dataset, "SQLite")
        self.stop(*apps.values())

    def check_two_servers(
        self, servers: tuple[Server, Server], dataset: data.Dataset, label: str
    ) -> None:
        self.log(f"  two servers on one {label} database: every acknowledged write kept?")
        row = mixed_writes(servers, dataset, self.config.seconds, label)
        self.rows[row.scenario] = row
        self.log(f"  {row.extra}")

    @staticmethod
    def mixed_args(dataset: data.Dataset, post_base: int, token: str) -> list[str]:
        return ["1", str(dataset.contacts), str(data.PHONE_BASE), str(post_base), token]

    def walk(self, dataset: data.Dataset) -> None:
        self.log(f"walk of POST /v1/contacts over {dataset.contacts:,} contacts, 1 worker")
        app = self.app(dataset)
        client = Client(app.port, dataset.token())
        first = [client.call("POST", "/v1/contacts", {"limit": PAGE})[0] for _ in range(30)]
        latencies, deep_cursor, seen = self.walk_pages(client, dataset.contacts)
        deep = [
            client.call("POST", "/v1/contacts", {"limit": PAGE, "date": deep_cursor})[0]
            for _ in range(30)
        ]
        ratio = statistics.median(deep) / statistics.median(first)
        self.rows[f"walk of {dataset.contacts:,}, pages of {PAGE}"] = Row(
            f"walk of {dataset.contacts:,}, pages of {PAGE}",
            rps=Spread.of([len(latencies) / sum(latencies)]),
            p50_ms=Spread.of([1000 * statistics.median(latencies)]),
            p99_ms=Spread.of([1000 * quantile(latencies, 0.99)]),
            extra={
                "first page ms": Spread.of([1000 * s for s in first]).text(1),
                "page at 90 % ms": Spread.of([1000 * s for s in deep]).text(1),
                "deep/first": f"{ratio:.2f}x (target <= 1.5x)",
                "contacts walked": f"{seen:,}",
            },
        )
        self.log(f"  first page {1000 * statistics.median(first):.1f} ms, page at 90 %"
                 f" {1000 * statistics.median(deep):.1f} ms ({ratio:.2f}x)")  # fmt: skip
        self.log("  console contacts pages beside the API's list and count")
        for name, row in console_rows(app, dataset, deep_cursor).items():
            self.rows[name] = row
            self.log(f"  {name}: {row.p50_ms.text(1)} ms; {row.extra}")
        if self.config.profile:
            from .profile import record  # noqa: PLC0415

            self.log("  profiling the import with py-spy")
            record(app, self.out / "profile-batch", lambda: self.batch(app, dataset, "SQLite"))
        else:
            self.batch(app, dataset, "SQLite")
        self.log("  GET load over the whole table, for the RSS")
        self.wrk(app, "get", ["1", str(dataset.contacts), dataset.token()], pinned=True)
        peaks = app.peak_rss_mb()
        self.rows[f"peak RSS at {dataset.contacts:,} contacts"] = Row(
            f"peak RSS at {dataset.contacts:,} contacts",
            extra={
                "server total MB": f"{sum(peaks.values()):.0f} (target <= 150)",
                "per process MB": ", ".join(f"{mb:.0f}" for mb in peaks.values()),
            },
        )
        self.log(f"  peak RSS {peaks}")
        self.stop(app)

    def walk_pages(self, client: Client, contacts: int) -> tuple[list[float], str, int]:
        """Every page of the descending date cursor: latencies, the cursor at 90 %, count."""
        latencies: list[float] = []
        cursor: str | None = None
        deep_cursor = ""
        seen = 0
        while True:
            body = {"limit": PAGE} if cursor is None else {"limit": PAGE, "date": cursor}
            elapsed, page = client.call("POST", "/v1/contacts", body)
            if not page:
                break
            latencies.append(elapsed)
            seen += len(page)
            cursor = page[-1]["updated"]
            if not deep_cursor and seen >= 0.9 * contacts:
                deep_cursor = cursor
        if seen != contacts:
            raise RuntimeError(f"the walk saw {seen} contacts of {contacts}")
        return latencies, deep_cursor, seen

    def batch(self, app: Server, dataset: data.Dataset, database: str) -> None:
        count = self.config.count(100_000)
        self.log(f"  POST /v1/batch/contacts: {count:,} new contacts in calls of {BATCH_ITEMS}")
        client = Client(app.port, dataset.token())
        calls: list[float] = []
        base = IMPORT_PHONE_BASE + (0 if database == "SQLite" else 500_000_000)
        for start in range(0, count, BATCH_ITEMS):
            items = import_items(base, start, min(count, start + BATCH_ITEMS))
            elapsed, answer = client.call("POST", "/v1/batch/contacts", items)
            if answer != "ok":
                raise RuntimeError(f"the import failed: {str(answer)[:300]}")
            calls.append(elapsed)
        client.close()
        rate = count / sum(calls)
        scenario = f"batch import of {count:,}, {database}"
        self.rows[scenario] = Row(
            scenario,
            rps=Spread.of([len(calls) / sum(calls)]),
            p50_ms=Spread.of([1000 * statistics.median(calls)]),
            p99_ms=Spread.of([1000 * quantile(calls, 0.99)]),
            extra={
                "contacts/s": f"{rate:,.0f}"
                + (" (target >= 25,000)" if database == "SQLite" else " (target >= 15,000)")
            },
        )
        self.log(f"  {rate:,.0f} contacts/s")

    def postgres(self) -> None:
        name = f"heymarket_bench_{os.getpid()}"
        contacts = self.config.count(100_000)
        self.log(f"building {contacts:,} contacts in PostgreSQL")
        try:
            dataset = data.postgres_dataset(self.config.postgres_url, name, contacts)
        except Exception as error:  # any failure to reach it skips the part
            self.log(f"PostgreSQL scenarios skipped: {error}")
            self.rows["PostgreSQL"] = Row("PostgreSQL", extra={"skipped": str(error)[:200]})
            return
        try:
            app = self.app(dataset)
            if not self.body.exists():
                self.sample_body(app, dataset)
            bare = self.start(
                bare_asgi_server(self.body, self.scratch, workers=1, cores=SERVER_CORE)
            )
            get_args = ["1", str(contacts), dataset.token()]
            results = self.rounds(
                {"bare ASGI, 1 worker (PostgreSQL round)": (bare, "static", ["/", "x"]),
                 "GET contact, PostgreSQL, 1 worker": (app, "get", get_args)},
                pinned=True,
            )  # fmt: skip
            baseline, name_get = tuple(results)
            self.rows[baseline] = Row.of_runs(baseline, results[baseline])
            self.rows[name_get] = Row.of_runs(name_get, results[name_get], (baseline,))
            self.stop(bare)
            self.batch(app, dataset, "PostgreSQL")
            second = self.app(dataset, pinned=False)
            self.check_two_servers((app, second), dataset, "PostgreSQL")
            self.stop(app, second)
        finally:
            data.drop_postgres(self.config.postgres_url, name)

    def emulator(self, dataset: data.Dataset) -> None:
        """The GET with the emulator off and on (the journal and the fault check are its
        per-request cost), and the reset of a team of 10,000 contacts."""
        self.log("GET /v1/contact/{id} with the emulator off and on, 1 worker, pinned")
        off = self.app(dataset)
        self.sample_body(off, dataset)
        on = self.app(dataset, extra_args=("--emulator",))
        contenders = self.baselines(1, True)
        args = ["1", str(dataset.contacts), dataset.token()]
        contenders["GET, emulator off"] = (off, "get", args)
        contenders["GET, emulator on"] = (on, "get", args)
        results = self.rounds(contenders, pinned=True)
        for name, runs in results.items():
            baselines = ("bare ASGI, 1 worker",) if name.startswith("GET") else ()
            if name == "GET, emulator on":
                baselines = (*baselines, "GET, emulator off")
            self.rows[name] = Row.of_runs(name, runs, baselines)
        self.stop(*(server for server, _, _ in contenders.values()))
        alone = data.sqlite_dataset(self.scratch / "reset.db", 0)
        self.rows["emulator reset"] = self.reset_cost(
            alone, alone.team_id, {}, f"emulator reset of every team, one of {RESET_CONTACTS:,}"
            " contacts (the pytest plugin's reset), SQLite",
        )  # fmt: skip
        other = data.new_team(dataset)
        self.rows["emulator reset beside"] = self.reset_cost(
            dataset, other, {"team_id": other},
            f"emulator reset of a team of {RESET_CONTACTS:,} contacts beside one of"
            f" {dataset.contacts:,}, SQLite",
        )  # fmt: skip

    def reset_cost(
        self, dataset: data.Dataset, team_id: int, reset: dict[str, int], name: str
    ) -> Row:
        """``POST /_emulator/reset`` (with ``reset`` as its body) after a seed of 10,000
        contacts into ``team_id``, timed over HTTP."""
        server = self.app(dataset, extra_args=("--emulator",))
        control = httpx.Client(base_url=f"{server.url}/_emulator", timeout=120)
        times = []
        for _ in range(self.config.runs * 3):
            seeded = control.post("/seed", json={"team_id": team_id, "contacts": RESET_CONTACTS})
            seeded.raise_for_status()
            began = time.perf_counter()
            control.post("/reset", json=reset).raise_for_status()
            times.append((time.perf_counter() - began) * 1000)
        control.close()
        self.stop(server)
        self.log(f"  {name}: median {statistics.median(times):.1f} ms")
        return Row(
            name,
            extra={"median ms": round(statistics.median(times), 1),
                   "max ms": round(max(times), 1), "runs": len(times)},
        )  # fmt: skip

    def profile(self, app: Server, script: str, args: list[str]) -> None:
        from .profile import record  # noqa: PLC0415

        self.log(f"  profiling {script} with py-spy")
        record(
            app, self.out / f"profile-{script}", lambda: self.wrk(app, script, args, pinned=True)
        )


def import_items(base: int, start: int, stop: int) -> list[dict[str, str]]:
    """The new contacts ``start`` to ``stop`` of an import: a phone of their own, names, an
    email and an external id."""
    return [
        {"phone": str(base + n), "first": "Imported", "last": f"Contact {n}",
         "email": f"imported{n}@example.com", "external_id": f"import-{n}"}
        for n in range(start, stop)
    ]  # fmt: skip


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
