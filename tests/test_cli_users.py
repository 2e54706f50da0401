"""``heymarket-contacts user``, ``inbox`` and ``key``, run as users run them: one subprocess each.

The commands of a module share one fresh database per backend; each test makes its own team.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from unittest.mock import ANY

import pytest

from checks import Sql
from support import postgres_database

TIMEOUT = 60


@dataclass(frozen=True)
class Cli:
    """The command line on one database, with the environment a server on it would get."""

    database: str
    environment: dict[str, str]
    sql: Sql

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("HEYMARKET_")}
        return subprocess.run(
            [sys.executable, "-m", "heymarket_contacts", *args, "--database", self.database],
            capture_output=True,
            text=True,
            env={**clean, **self.environment},
            timeout=TIMEOUT,
            check=False,
        )

    def ok(self, *args: str) -> str:
        result = self.run(*args)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stderr == ""
        return result.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json"))

    def new_team(self) -> int:
        return int(self.json("team", "create", "--name", f"Acme {uuid.uuid4().hex[:6]}")["id"])

    def count(self, table: str, team_id: int) -> int:
        return int(self.sql.value(f"SELECT count(*) FROM {table} WHERE team_id = ?", team_id))


@pytest.fixture(scope="module")
def cli(backend: str, master_key: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    if backend == "sqlite":
        database = str(tmp_path_factory.mktemp("cli-users") / "contacts.db")
        cli = Cli(database, {}, Sql(backend, database))
        made = cli.run("migrate")  # the one command that says it made the file
        assert "made a new database" in made.stderr, made.stderr
        yield cli
        return
    with postgres_database("hm_cli_users") as url:
        yield Cli(url, {"HEYMARKET_MASTER_KEY": master_key}, Sql(backend, url))


def assert_clean_failure(result: subprocess.CompletedProcess[str], *names: str) -> None:
    """A non-zero exit with a short story on stderr that names ``names``; no traceback."""
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Traceback" not in output
    assert result.stdout == ""
    for name in names:
        assert name in result.stderr, result.stderr


# --- user create ----------------------------------------------------------------------------


def test_user_create_prints_the_user(cli: Cli) -> None:
    team_id = cli.new_team()
    made = cli.json(
        "user", "create", "--team", str(team_id), "--name", "  Grace Brewster  Hopper ",
        "--email", "Grace@Example.com", "--phone", "+15105550001", "--role", "admin",
    )  # fmt: skip
    assert made == {
        "id": ANY, "name": "Grace Brewster Hopper", "email": "Grace@Example.com",
        "phone": "15105550001", "role_id": 2, "team_id": team_id,
    }  # fmt: skip
    row = cli.sql.rows("SELECT first_name, last_name FROM users WHERE id = ?", made["id"])
    assert row == [("Grace", "Brewster Hopper")]


def test_user_create_defaults_to_a_member_without_email_or_phone(cli: Cli) -> None:
    team_id = cli.new_team()
    made = cli.json("user", "create", "--team", str(team_id), "--name", "Ada")
    assert made == {
        "id": ANY,
        "name": "Ada",
        "email": "",
        "phone": "",
        "role_id": 3,
        "team_id": team_id,
    }


@pytest.mark.parametrize(("role", "role_id"), [("owner", 1), ("admin", 2), ("member", 3)])
def test_user_create_takes_each_role(cli: Cli, role: str, role_id: int) -> None:
    team_id = cli.new_team()
    made = cli.json("user", "create", "--team", str(team_id), "--name", "Ada", "--role", role)
    assert made["role_id"] == role_id


def test_user_create_says_what_it_made(cli: Cli) -> None:
    team_id = cli.new_team()
    text = cli.ok("user", "create", "--team", str(team_id), "--name", "Ada Lovelace")
    assert text.startswith("created user ")
    assert f"'Ada Lovelace' (member) in team {team_id}" in text


@pytest.mark.parametrize(
    ("options", "named"),
    [
        pytest.param(["--name", ""], "name", id="empty-name"),
        pytest.param(["--name", "   "], "name", id="blank-name"),
        pytest.param(["--name", "x" * 256], "name", id="name-256"),
        pytest.param(["--name", "Ada", "--email", "ada"], "email", id="email-shape"),
        pytest.param(["--name", "Ada", "--email", "a@b@c"], "email", id="email-two-ats"),
        pytest.param(["--name", "Ada", "--email", "a" * 250 + "@x.com"], "email", id="email-256"),
        pytest.param(["--name", "Ada", "--phone", "12345"], "phone", id="phone-short"),
        pytest.param(["--name", "Ada", "--phone", "0123456789"], "phone", id="phone-leading-0"),
        pytest.param(["--name", "Ada", "--phone", "1510-555"], "phone", id="phone-dash"),
        pytest.param(["--name", "Ada", "--role", "boss"], "--role", id="unknown-role"),
        pytest.param(["--email", "a@b.c"], "--name", id="no-name"),
    ],
)
def test_user_create_refuses_bad_values_and_writes_nothing(
    cli: Cli, options: list[str], named: str
) -> None:
    team_id = cli.new_team()
    result = cli.run("user", "create", "--team", str(team_id), *options)
    assert_clean_failure(result, named)
    assert cli.count("users", team_id) == 1  # the owner only


@pytest.mark.parametrize("team", [str(2**63), "abc", "1.5"])
def test_user_create_refuses_a_team_that_cannot_be(cli: Cli, team: str) -> None:
    assert_clean_failure(cli.run("user", "create", "--team", team, "--name", "Ada"), "--team")


@pytest.mark.parametrize("team", [str(2**62), "0", "-3"])
def test_user_create_for_a_missing_team_names_it(cli: Cli, team: str) -> None:
    result = cli.run("user", "create", "--team", team, "--name", "Ada")
    assert_clean_failure(result, f"no team {team}")


# --- inbox create ---------------------------------------------------------------------------


def new_user(cli: Cli, team_id: int, name: str = "Ada") -> int:
    return int(cli.json("user", "create", "--team", str(team_id), "--name", name)["id"])


def test_inbox_create_prints_the_inbox_as_the_api_lists_it(cli: Cli) -> None:
    team_id = cli.new_team()
    ada, grace = new_user(cli, team_id, "Ada"), new_user(cli, team_id, "Grace")
    made = cli.json(
        "inbox", "create", "--team", str(team_id), "--name", " Support ", "--phone",
        "+15105550002", "--member", str(grace), "--member", str(ada), "--member", str(grace),
    )  # fmt: skip
    assert made == {
        "id": ANY, "name": "Support", "team": team_id, "members": sorted([ada, grace]),
        "phones": ["15105550002"], "phone": "15105550002", "auto_assignable": False,
        "forward_number": "", "allowed_domains": [],
    }  # fmt: skip
    members = cli.sql.rows(
        "SELECT user_id FROM inbox_members WHERE inbox_id = ? ORDER BY user_id", made["id"]
    )
    assert members == [(min(ada, grace),), (max(ada, grace),)]


def test_inbox_create_without_phone_or_members(cli: Cli) -> None:
    team_id = cli.new_team()
    made = cli.json("inbox", "create", "--team", str(team_id), "--name", "Sales")
    assert (made["phones"], made["phone"], made["members"]) == ([], "", [])
    text = cli.ok("inbox", "create", "--team", str(team_id), "--name", "Night")
    assert text.startswith("created inbox ")
    assert f"'Night' in team {team_id}" in text


def test_inbox_create_refuses_a_member_of_another_team(cli: Cli) -> None:
    team_id, other_team = cli.new_team(), cli.new_team()
    stranger = new_user(cli, other_team, "Mallory")
    mine = new_user(cli, team_id)
    result = cli.run(
        "inbox", "create", "--team", str(team_id), "--name", "Leaky", "--member", str(mine),
        "--member", str(stranger),
    )  # fmt: skip
    assert_clean_failure(result, "member", str(stranger))
    assert cli.count("inboxes", team_id) == 0


@pytest.mark.parametrize(
    ("options", "named"),
    [
        pytest.param(["--name", ""], "name", id="empty-name"),
        pytest.param(["--name", "x" * 256], "name", id="name-256"),
        pytest.param(["--name", "Support", "--phone", "abc"], "phone", id="bad-phone"),
        pytest.param(["--name", "Support", "--member", str(2**62)], "member", id="no-such-user"),
        pytest.param(["--name", "Support", "--member", "0"], "--member", id="member-0"),
        pytest.param(["--name", "Support", "--member", str(2**63)], "--member", id="member-2-63"),
        pytest.param(["--name", "Support", "--member", "x"], "--member", id="member-text"),
    ],
)
def test_inbox_create_refuses_bad_values_and_writes_nothing(
    cli: Cli, options: list[str], named: str
) -> None:
    team_id = cli.new_team()
    assert_clean_failure(cli.run("inbox", "create", "--team", str(team_id), *options), named)
    assert cli.count("inboxes", team_id) == 0


# --- key rotate / revoke --------------------------------------------------------------------


def stored_hash(cli: Cli, team_id: int) -> str | None:
    value = cli.sql.value("SELECT api_key_hash FROM teams WHERE id = ?", team_id)
    return None if value is None else str(value)


def test_key_rotate_prints_a_new_key_and_stores_only_its_hash(cli: Cli) -> None:
    team_id = cli.new_team()
    first = cli.json("key", "rotate", "--team", str(team_id))
    assert first == {"team_id": team_id, "key": ANY}
    key = first["key"]
    assert len(base64.urlsafe_b64decode(key + "=")) == 32
    assert stored_hash(cli, team_id) == hashlib.sha256(key.encode()).hexdigest()
    second = cli.json("key", "rotate", "--team", str(team_id))["key"]
    assert second != key
    assert stored_hash(cli, team_id) == hashlib.sha256(second.encode()).hexdigest()


def test_key_rotate_in_text_says_the_key_is_shown_once(cli: Cli) -> None:
    team_id = cli.new_team()
    text = cli.ok("key", "rotate", "--team", str(team_id))
    key = text.splitlines()[0].removeprefix("Team API key:").strip()
    assert stored_hash(cli, team_id) == hashlib.sha256(key.encode()).hexdigest()
    assert "shown only now" in text


def test_key_revoke_removes_the_key_and_a_second_revoke_fails(cli: Cli) -> None:
    team_id, other_team = cli.new_team(), cli.new_team()
    cli.json("key", "rotate", "--team", str(team_id))
    cli.json("key", "rotate", "--team", str(other_team))
    kept = stored_hash(cli, other_team)
    assert cli.ok("key", "revoke", "--team", str(team_id)) == (
        f"revoked the API key of team {team_id}\n"
    )
    assert stored_hash(cli, team_id) is None
    assert stored_hash(cli, other_team) == kept
    assert_clean_failure(cli.run("key", "revoke", "--team", str(team_id)), "no API key")


@pytest.mark.parametrize("team", [str(2**62), "0"])
@pytest.mark.parametrize("command", ["rotate", "revoke"])
def test_key_commands_refuse_a_missing_team(cli: Cli, command: str, team: str) -> None:
    assert_clean_failure(cli.run("key", command, "--team", team), f"no team {team}")


@pytest.mark.parametrize("command", [["key", "rotate"], ["inbox", "create", "--name", "Support"]])
def test_a_team_id_past_64_bits_is_refused_by_name(cli: Cli, command: list[str]) -> None:
    assert_clean_failure(cli.run(*command, "--team", str(2**63)), "--team")


@pytest.mark.parametrize(
    "command", [["user", "create"], ["inbox", "create"], ["key", "rotate"], ["key", "revoke"]]
)
def test_each_command_has_help(command: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "heymarket_contacts", *command, "--help"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "--team" in result.stdout
    assert "--database" in result.stdout
