"""``console-user add|list|remove|reset-password`` and the first start's owner login, run as
users run them (one subprocess a command), on both databases."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from console_support import Browser
from support import RunningServer
from test_cli import TIMEOUT, Cli, clean_environment, new_database


@pytest.fixture
def cli(backend: str, master_key: str, tmp_path: Path) -> Iterator[Cli]:
    environment = {"HEYMARKET_MASTER_KEY": master_key} if backend == "postgres" else {}
    with new_database(backend, tmp_path) as database:
        yield Cli(database, environment, tmp_path)


def run_with_stdin(cli: Cli, *args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "heymarket_contacts", *args, "--database", cli.database],
        capture_output=True, text=True, input=stdin, env=clean_environment(cli.environment),
        cwd=cli.cwd, timeout=TIMEOUT, check=False,
    )  # fmt: skip


def test_add_prints_a_password_once_and_list_never_does(cli: Cli) -> None:
    team_id = cli.new_team()
    made = cli.json("console-user", "add", "--team", str(team_id), "--email", "Ada@Example.com")
    assert made == {"email": "Ada@Example.com", "team_id": team_id, "password": made["password"]}
    assert len(made["password"]) >= 20
    text = cli.ok("console-user", "add", "--team", str(team_id), "--email", "bob@example.com")
    assert "Password: " in text
    assert "shown only now" in text
    listed = cli.json("console-user", "list")
    assert listed == [
        {"email": "Ada@Example.com", "team_id": team_id},
        {"email": "bob@example.com", "team_id": team_id},
    ]
    assert made["password"] not in cli.ok("console-user", "list")


def test_add_reads_the_password_from_stdin(cli: Cli) -> None:
    team_id = cli.new_team()
    result = run_with_stdin(
        cli, "console-user", "add", "--team", str(team_id), "--email", "c@example.com",
        "--password-stdin", "--json", stdin="a long chosen password\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "password" not in result.stdout  # it was not made here, so it is not printed
    short = run_with_stdin(
        cli, "console-user", "add", "--team", str(team_id), "--email", "d@example.com",
        "--password-stdin", stdin="short\n",
    )  # fmt: skip
    assert short.returncode == 2  # bad input, as a usage error
    assert "10 to 1024 characters" in short.stderr
    assert "Traceback" not in short.stderr


def test_bad_input_fails_in_one_line(cli: Cli) -> None:
    team_id = cli.new_team()
    cli.ok("console-user", "add", "--team", str(team_id), "--email", "e@example.com")
    for args, message, status in (  # bad input is a usage error (2), a missing record 1
        (("add", "--team", str(team_id), "--email", "E@EXAMPLE.COM"), "exists already", 2),
        (("add", "--team", str(team_id), "--email", "no address"), "name@domain", 2),
        (("add", "--team", "999", "--email", "f@example.com"), "no team 999", 1),
        (("remove", "--email", "nobody@example.com"), "no console user", 1),
        (("reset-password", "--email", "nobody@example.com"), "no console user", 1),
    ):
        result = cli.run("console-user", *args)
        assert result.returncode == status, (args, result.stderr)
        assert message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


def test_remove_and_reset_password(cli: Cli) -> None:
    team_id = cli.new_team()
    cli.ok("console-user", "add", "--team", str(team_id), "--email", "g@example.com")
    renewed = cli.json("console-user", "reset-password", "--email", "G@example.com")
    assert renewed["email"] == "g@example.com"
    assert renewed["password"]
    assert cli.ok("console-user", "remove", "--email", "g@example.com").startswith("removed")
    assert cli.json("console-user", "list") == []


def test_the_first_start_prints_the_owners_login_and_it_opens_the_console(
    backend: str, master_key: str, tmp_path: Path
) -> None:
    environment = {"HEYMARKET_MASTER_KEY": master_key} if backend == "postgres" else {}
    with new_database(backend, tmp_path) as database:
        server = RunningServer.start(database, environment, tmp_path / "serve.log")
        try:
            banner = (tmp_path / "serve.log").read_text()
            email = re.search(r"Email:\s+(\S+)", banner)
            password = re.search(r"Password:\s+(\S+)", banner)
            assert email, banner
            assert password, banner
            assert f"{server.base_url}/console" in banner
            with Browser(server.base_url) as browser:
                response = browser.log_in(email[1], password[1])
                assert response.status_code == 303
                assert "0 contacts in the team" in browser.get("/console/contacts").text
        finally:
            server.stop()
        again = RunningServer.start(database, environment, tmp_path / "again.log")
        again.stop()
        assert "Password:" not in (tmp_path / "again.log").read_text()
