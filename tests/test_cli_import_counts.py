"""``contacts import`` counts what the batch did with each row: created, updated, skipped (and
whether ``--overwrite`` would change it) or failed, against the real server on both databases.
The waits of a rate-limited call are said, on a terminal and off one."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from cli_support import ClientCli, environment_for, team_client
from heymarket_contacts import Client
from support import Canary, RunningServer, TeamCredentials, shared_tls, unique_phone

COUNTS = ("items", "created", "updated", "skipped", "differ")


@pytest.fixture
def cli(server: RunningServer, team: TeamCredentials, canary: Canary, tmp_path: Path) -> ClientCli:
    return ClientCli(environment_for(server, team), tmp_path, canary)


@pytest.fixture
def sdk(server: RunningServer, team: TeamCredentials) -> Iterator[Client]:
    with team_client(server, team) as client:
        yield client


def summary(
    items: int, *, created: int = 0, updated: int = 0, skipped: int = 0, differ: int = 0
) -> dict[str, Any]:
    """An import's JSON summary with no failures."""
    counts = {"created": created, "updated": updated, "skipped": skipped, "differ": differ}
    return {"items": items, **counts, "failed": []}


def imported(cli: ClientCli, name: str, *options: str) -> Any:
    return json.loads(cli.ok("contacts", "import", name, *options))


def people(cli: ClientCli, rows: list[tuple[str, str]], name: str = "people.csv") -> str:
    (cli.cwd / name).write_text("phone,first\n" + "".join(f"{p},{f}\n" for p, f in rows))
    return name


def test_a_fresh_import_creates_every_row_and_a_second_skips_them(
    cli: ClientCli, sdk: Client
) -> None:
    rows = [(unique_phone(), name) for name in ("Ann", "Bo", "Cy")]
    file = people(cli, rows)
    assert imported(cli, file, "--batch-size", "2") == summary(3, created=3)
    assert [sdk.contacts.find(phone=phone).first for phone, _ in rows] == ["Ann", "Bo", "Cy"]

    assert imported(cli, file, "--batch-size", "2") == summary(3, skipped=3)
    text = cli.ok("contacts", "import", file, "--table")
    assert text == (
        "3 rows: 0 created, 0 updated, 3 skipped, 0 failed.\n"
        "No skipped row differs from the stored contact.\n"
    )


def test_a_changed_row_is_skipped_and_said_to_differ_until_overwrite_updates_it(
    cli: ClientCli, sdk: Client
) -> None:
    rows = [(unique_phone(), name) for name in ("Ann", "Bo", "Cy")]
    imported(cli, people(cli, rows))
    bo = sdk.contacts.find(phone=rows[1][0])
    changed = people(cli, [rows[0], (rows[1][0], "Bob"), rows[2]], "changed.csv")

    assert imported(cli, changed) == summary(3, skipped=3, differ=1)
    assert cli.ok("contacts", "import", changed, "--table").splitlines()[1] == (
        "1 skipped row differs from the stored contact; --overwrite would update it."
    )
    assert sdk.contacts.get(bo.id).first == "Bo"

    assert imported(cli, changed, "--overwrite") == summary(3, updated=3, differ=1)
    after = sdk.contacts.get(bo.id)
    assert (after.first, after.display_name, after.rev) == ("Bob", "Bob", bo.rev + 1)
    assert imported(cli, changed, "--overwrite") == summary(3, updated=3)
    assert cli.ok("contacts", "import", changed, "--overwrite", "--table").splitlines()[1] == (
        "0 of the updated rows changed the stored contact, 3 matched it already."
    )


@pytest.mark.parametrize("kind", ["csv", "json"])
def test_an_exported_team_imports_back_with_no_difference_and_an_edit_differs(
    cli: ClientCli, sdk: Client, kind: str
) -> None:
    plan = sdk.contact_fields.create(["Plan"])[0]
    vip, lead = sdk.tags.create("VIP"), sdk.tags.create("Lead")
    sdk.contacts.create(
        phone=unique_phone(), first="Ann", last="Lee", email="ann@example.com",
        custom={str(plan.id): "Gold"}, tags=[lead.id, vip.id], is_opted_out=True,
        external_id="ext-1",
    )  # fmt: skip
    sdk.contacts.create(phone=unique_phone(), display_name="Bo's shop", avatar="https://a/b.png")
    cli.ok("contacts", "export", "--format", kind, "--output", f"all.{kind}")
    assert imported(cli, f"all.{kind}") == summary(2, skipped=2)

    exported = (cli.cwd / f"all.{kind}").read_text()
    edited = exported.replace("Gold", "Silver") if kind == "csv" else exported.replace(
        '"Gold"', '"Silver"'
    )  # fmt: skip
    (cli.cwd / f"edited.{kind}").write_text(edited)
    assert imported(cli, f"edited.{kind}") == summary(2, skipped=2, differ=1)


def test_failed_rows_are_listed_by_line_and_the_others_counted(cli: ClientCli, sdk: Client) -> None:
    existing = unique_phone()
    sdk.contacts.create(phone=existing, first="Old")
    new, flagged = unique_phone(), unique_phone()
    (cli.cwd / "people.csv").write_text(
        "phone,first,is_opted_out\n"
        f"{new},Ann,\n"
        "12,Bad,\n"
        f'{existing},"Two\nlines",\n'
        f"{flagged},Flag,maybe\n"
        "+0123456789,Zero,\n"
    )
    result = cli.fails("contacts", "import", "people.csv", "--batch-size", "2")
    assert result.returncode == 1
    answer = json.loads(result.stdout)
    assert {key: answer[key] for key in COUNTS} == {
        "items": 5, "created": 1, "updated": 0, "skipped": 1, "differ": 1,
    }  # fmt: skip
    assert [(row["where"], row["phone"], row["error"]) for row in answer["failed"]] == [
        ("line 3", "12", "bad_data"),
        ("line 6", flagged, "bad_data"),
        ("line 7", "+0123456789", "bad_data"),
    ]
    assert "maybe" in answer["failed"][1]["message"]
    assert sdk.contacts.find(phone=new).first == "Ann"

    (cli.cwd / "people.json").write_text(json.dumps([{"phone": unique_phone()}, {"phone": "12"}]))
    result = cli.fails("contacts", "import", "people.json")
    answer = json.loads(result.stdout)
    assert [row["where"] for row in answer["failed"]] == ["item 1"]
    assert answer["created"] == 1


@pytest.mark.parametrize(
    "content", [pytest.param("", id="empty"), pytest.param("phone,first\n", id="header-only")]
)
def test_a_file_without_rows_imports_nothing(cli: ClientCli, sdk: Client, content: str) -> None:
    (cli.cwd / "people.csv").write_text(content)
    assert imported(cli, "people.csv") == summary(0)
    text = cli.ok("contacts", "import", "people.csv", "--table")
    assert text == "0 rows: 0 created, 0 updated, 0 skipped, 0 failed.\n"
    assert sdk.contacts.count() == 0


@pytest.mark.parametrize(
    "batch_size", [pytest.param("250", id="one-batch"), pytest.param("1", id="a-batch-each")]
)
def test_a_phone_twice_in_a_file_creates_once_then_skips_or_updates(
    cli: ClientCli, sdk: Client, batch_size: str
) -> None:
    phone = unique_phone()
    file = people(cli, [(phone, "First"), (f"+{phone}", "Second"), (phone, "First")])
    assert imported(cli, file, "--batch-size", batch_size) == summary(
        3, created=1, skipped=2, differ=1
    )
    assert sdk.contacts.find(phone=phone).first == "First"

    twice = people(cli, [(f"+{phone}", "Second"), (phone, "Third")], "twice.csv")
    assert imported(cli, twice, "--batch-size", batch_size, "--overwrite") == summary(
        2, updated=2, differ=2
    )
    assert sdk.contacts.find(phone=phone).first == "Third"
    assert sdk.contacts.count() == 1


@contextmanager
def rate_limiting_proxy(upstream: str, path: str) -> Iterator[str]:
    """A proxy in front of ``upstream`` that answers the first call of ``path`` with a 429
    (``Retry-After: 1``) and passes every other call on."""
    limited = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.forward()

        def do_POST(self) -> None:
            self.forward()

        def forward(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.startswith(path) and not limited.is_set():
                limited.set()
                error = {"error": "rate_limited", "message": "slow down", "request_id": "r"}
                self.answer(429, json.dumps(error).encode(), {"Retry-After": "1"})
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            response = httpx.request(self.command, upstream + self.path, headers=headers,
                                     content=body, timeout=30, verify=shared_tls())  # fmt: skip
            self.answer(response.status_code, response.content, {})

        def answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in {**headers, "Content-Type": "application/json"}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    proxy = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{proxy.server_address[1]}"
    finally:
        proxy.shutdown()
        proxy.server_close()
        thread.join()


@pytest.mark.parametrize(
    "terminal", [pytest.param(False, id="piped"), pytest.param(True, id="tty")]
)
def test_a_rate_limited_batch_is_waited_for_and_the_wait_said(
    cli: ClientCli, server: RunningServer, team: TeamCredentials, terminal: bool
) -> None:
    file = people(cli, [(unique_phone(), "Ann"), (unique_phone(), "Bo")])
    with rate_limiting_proxy(server.base_url, "/v1/batch/contacts") as url:
        limited = ClientCli({**cli.environment, "HEYMARKET_BASE_URL": url}, cli.cwd, cli.canary)
        if terminal:
            output = limited.terminal("contacts", "import", file)
            assert "2 rows: 2 created, 0 updated, 0 skipped, 0 failed." in output
        else:
            result = limited.run("contacts", "import", file)
            assert result.returncode == 0, result.stderr
            assert json.loads(result.stdout) == summary(2, created=2)
            output = result.stderr
    assert "rate limited: waiting 1 s" in output
