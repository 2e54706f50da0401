"""The ``heymarket-contacts`` command line, run as users run it: one subprocess per command.

Admin commands get a fresh database per test (a SQLite file under ``tmp_path``, or a new
PostgreSQL database). The ``serve`` tests share one freshly bootstrapped server per backend
and module (``fresh_server``), so the suite starts few servers; commands that must refuse to
start exit before they bind a socket.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import httpx
import psycopg
import pytest

from cli_support import ClientCli
from heymarket_contacts.server.secret_box import SecretBox, parse_master_key
from heymarket_contacts.server.store import open_store, parse_database_url
from heymarket_contacts.tokens import mint_token
from support import (
    Canary,
    RunningServer,
    closed_port,
    free_port,
    postgres_database,
    require_postgres,
    shared_tls,
)

TIMEOUT = 60
REFUSAL_TIMEOUT = 20
COMMANDS = ("serve", "migrate", "team", "secret", "token", "master-key")


def clean_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without any ``HEYMARKET_*`` variable, plus ``extra``."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HEYMARKET_")}
    environment.update(extra or {})
    return environment


def run_command(
    *args: str, environment: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "heymarket_contacts", *args],
        capture_output=True,
        text=True,
        env=clean_environment(environment),
        cwd=cwd,
        timeout=TIMEOUT,
        check=False,
    )


def run_refused_serve(
    *args: str, environment: dict[str, str] | None = None, cwd: Path
) -> subprocess.CompletedProcess[str]:
    """``serve`` that must exit on its own; should it serve instead, its process group dies."""
    process = subprocess.Popen(
        [sys.executable, "-m", "heymarket_contacts", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_environment(environment),
        cwd=cwd,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=REFUSAL_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"serve {' '.join(args)} started instead of refusing")
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def assert_clean_failure(result: subprocess.CompletedProcess[str], *names: str) -> None:
    """A non-zero exit with a one-line story on stderr that names ``names``; no traceback."""
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Traceback" not in output
    for name in names:
        assert name in result.stderr, result.stderr


@dataclass(frozen=True)
class Cli:
    """The command line on one database, with the environment a server on it would get."""

    database: str
    environment: dict[str, str]
    cwd: Path

    def run(self, *args: str, **environment: str) -> subprocess.CompletedProcess[str]:
        return run_command(
            *args,
            "--database",
            self.database,
            environment={**self.environment, **environment},
            cwd=self.cwd,
        )

    def ok(self, *args: str, **environment: str) -> str:
        result = self.run(*args, **environment)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def json(self, *args: str, **environment: str) -> Any:
        return json.loads(self.ok(*args, "--json", **environment))

    def new_team(self, name: str = "Acme") -> int:
        return int(self.json("team", "create", "--name", name)["id"])

    def new_secret(self, team_id: int) -> dict[str, Any]:
        made: dict[str, Any] = self.json("secret", "create", "--team", str(team_id))
        return made


def get_team(base_url: str, token: str) -> httpx.Response:
    return httpx.get(
        f"{base_url}/v1/team",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
        verify=shared_tls(),
    )


def database_rows(database: str, sql: str) -> list[tuple[Any, ...]]:
    location = parse_database_url(database)
    if location.kind == "sqlite":
        with sqlite3.connect(location.path) as connection:
            return connection.execute(sql).fetchall()
    with psycopg.connect(location.url) as connection:
        return connection.execute(sql).fetchall()


@contextmanager
def new_database(backend: str, directory: Path) -> Iterator[str]:
    """An empty database of ``backend``: a file path under ``directory``, or a PostgreSQL URL."""
    if backend == "sqlite":
        yield str(directory / "contacts.db")
        return
    with postgres_database("hm_cli") as url:
        yield url


@pytest.fixture
def backend_environment(backend: str, master_key: str) -> dict[str, str]:
    """SQLite keeps its key file beside the database; PostgreSQL needs the master key."""
    return {"HEYMARKET_MASTER_KEY": master_key} if backend == "postgres" else {}


@pytest.fixture
def cli(backend: str, backend_environment: dict[str, str], tmp_path: Path) -> Iterator[Cli]:
    with new_database(backend, tmp_path) as database:
        yield Cli(database, backend_environment, tmp_path)


@pytest.fixture
def sqlite_cli(tmp_path: Path) -> Cli:
    return Cli(str(tmp_path / "contacts.db"), {}, tmp_path)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    require_postgres()
    with postgres_database("hm_cli") as url:
        yield url


# -- the entry points -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        pytest.param([str(Path(sys.executable).parent / "heymarket-contacts")], id="script"),
        pytest.param([sys.executable, "-m", "heymarket_contacts"], id="module"),
    ],
)
def test_entry_point_help_lists_every_command(command: list[str]) -> None:
    result = subprocess.run(
        [*command, "--help"],
        capture_output=True,
        text=True,
        env=clean_environment(),
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for name in COMMANDS:
        assert re.search(rf"^\s+{re.escape(name)}\s", result.stdout, re.MULTILINE), name


# -- migrate --------------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version_flag_prints_the_version(flag: str) -> None:
    result = run_command(flag)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"heymarket-contacts, version {version('heymarket-contacts')}\n"


def test_migrate_applies_migrations_then_says_up_to_date(cli: Cli) -> None:
    first = cli.ok("migrate")
    second = cli.ok("migrate")
    assert "up to date" not in first
    assert "up to date" in second
    assert database_rows(cli.database, "SELECT count(*) FROM teams") == [(0,)]


@pytest.mark.parametrize(
    ("database", "expected"),
    [
        pytest.param("plain.db", "plain.db", id="relative-path"),
        pytest.param("sqlite:///relative.db", "relative.db", id="three-slashes-relative"),
        pytest.param("sqlite:///{tmp}/absolute.db", "absolute.db", id="four-slashes-absolute"),
    ],
)
def test_sqlite_database_forms_name_the_expected_file(
    tmp_path: Path, database: str, expected: str
) -> None:
    workdir = tmp_path / "workdir"
    workdir.mkdir()
    target = database.format(tmp=tmp_path)
    result = run_command("migrate", "--database", target, cwd=workdir)
    assert result.returncode == 0, result.stderr
    where = tmp_path if "{tmp}" in database else workdir
    assert sorted(p.name for p in where.iterdir() if p.name.endswith(".db")) == [expected]


@pytest.mark.parametrize(
    "database",
    [
        pytest.param("sqlite://relative.db", id="two-slashes"),
        pytest.param("sqlite:///", id="no-path"),
        pytest.param("mysql://127.0.0.1/x", id="other-scheme"),
        pytest.param(":memory:", id="in-memory"),
    ],
)
def test_migrate_refuses_unusable_database_urls(tmp_path: Path, database: str) -> None:
    result = run_command("migrate", "--database", database, cwd=tmp_path)
    assert_clean_failure(result, "--database")


def closed_postgres_port() -> str:
    """A PostgreSQL URL on a port nobody listens on."""
    return f"postgresql://127.0.0.1:{closed_port()}/contacts"


def countdown_of(stderr: str) -> list[int]:
    """The seconds left of each countdown line in ``stderr``."""
    pattern = (
        r"PostgreSQL database contacts on 127\.0\.0\.1:\d+ not answering \(connection"
        r" refused\); trying again, (\d+) s left"
    )
    return [int(seconds) for seconds in re.findall(pattern, stderr)]


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("migrate",), id="migrate"),
        pytest.param(("secret", "list"), id="secret-list"),
        pytest.param(("team", "create", "--name", "Acme"), id="team-create"),
    ],
)
def test_admin_commands_count_down_while_postgres_does_not_answer(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    result = run_command(
        *args, "--database", closed_postgres_port(),
        environment={"HEYMARKET_DATABASE_WAIT": "3"}, cwd=tmp_path,
    )  # fmt: skip
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1, result.stderr
    assert countdown_of(result.stderr) == [3, 2, 1]
    assert len(lines) == 4
    assert re.fullmatch(
        r"Error: cannot reach PostgreSQL database contacts on 127\.0\.0\.1:\d+ after 3 s:"
        r" connection refused",
        lines[-1],
    )
    assert not list(tmp_path.iterdir())


def test_admin_commands_fail_at_once_on_what_waiting_will_not_fix(tmp_path: Path) -> None:
    result = run_command(
        "secret", "list", "--database", closed_postgres_port() + "?sslmode=sometimes",
        environment={"HEYMARKET_DATABASE_WAIT": "60"}, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert countdown_of(result.stderr) == []
    assert result.stderr.startswith("Error: cannot use PostgreSQL database contacts on 127.0.0.1:")
    assert "sslmode" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_countdown_on_a_terminal_is_one_line_that_counts_down(tmp_path: Path) -> None:
    environment = clean_environment({"HEYMARKET_DATABASE_WAIT": "3"})
    screen = ClientCli(environment, tmp_path, Canary()).terminal(
        "secret", "list", "--database", closed_postgres_port(), status=1, columns=200
    )
    lines = screen.rstrip("\n").split("\n")  # the countdown's carriage returns kept
    assert len(lines) == 2, screen
    assert lines[0].startswith("\rPostgreSQL database contacts on 127.0.0.1:")
    assert countdown_of(lines[0]) == [3, 2, 1], repr(screen)
    assert lines[1].startswith("Error: cannot reach PostgreSQL database contacts")


def test_a_bad_database_wait_is_a_usage_error(tmp_path: Path) -> None:
    result = run_command(
        "migrate", "--database", closed_postgres_port(),
        environment={"HEYMARKET_DATABASE_WAIT": "soon"}, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2
    assert "Error: HEYMARKET_DATABASE_WAIT: 'soon' is not a whole number" in result.stderr
    assert countdown_of(result.stderr) == []


def test_database_url_can_come_from_the_environment(cli: Cli) -> None:
    environment = {**cli.environment, "HEYMARKET_DATABASE_URL": cli.database}
    made = run_command("team", "create", "--name", "Env", "--json", environment=environment)
    assert made.returncode == 0, made.stderr
    team = json.loads(made.stdout)
    assert database_rows(cli.database, "SELECT id, name FROM teams") == [(team["id"], "Env")]


# -- team -----------------------------------------------------------------------------------


def test_team_create_prints_its_id_and_name(cli: Cli) -> None:
    first = cli.json("team", "create", "--name", "Acme")
    second = cli.json("team", "create", "--name", "  Globex  ")
    assert first == {"id": ANY, "name": "Acme"}
    assert second == {"id": ANY, "name": "Globex"}
    rows = database_rows(cli.database, "SELECT id, name FROM teams ORDER BY id")
    assert rows == [(first["id"], "Acme"), (second["id"], "Globex")]


def test_team_create_makes_an_owner_for_the_team(cli: Cli) -> None:
    team_id = cli.new_team()
    rows = database_rows(cli.database, "SELECT team_id, role_id FROM users")
    assert rows == [(team_id, 1)]


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("x" * 256, id="too-long"),
    ],
)
def test_team_create_refuses_bad_names(cli: Cli, name: str) -> None:
    assert_clean_failure(cli.run("team", "create", "--name", name), "name")
    assert database_rows(cli.database, "SELECT count(*) FROM teams") == [(0,)]


def test_team_create_needs_a_name(cli: Cli) -> None:
    assert_clean_failure(cli.run("team", "create"), "--name")


# -- secret ---------------------------------------------------------------------------------


def test_secret_create_prints_id_key_and_team(cli: Cli) -> None:
    team_id = cli.new_team()
    made = cli.new_secret(team_id)
    assert made == {"secret_id": ANY, "secret_key": ANY, "team_id": team_id}
    assert made["secret_id"] != made["secret_key"]
    assert len(made["secret_key"]) >= 32


def test_secret_create_defaults_to_the_only_team(cli: Cli) -> None:
    team_id = cli.new_team()
    made = cli.json("secret", "create")
    assert made["team_id"] == team_id


def test_secret_create_without_team_when_several_exist_asks_for_one(cli: Cli) -> None:
    cli.new_team("One")
    cli.new_team("Two")
    assert_clean_failure(cli.run("secret", "create"), "--team")


def test_third_active_secret_is_refused_until_one_is_revoked(cli: Cli) -> None:
    team_id = cli.new_team()
    first = cli.new_secret(team_id)
    cli.new_secret(team_id)
    refused = cli.run("secret", "create", "--team", str(team_id), "--json")
    assert_clean_failure(refused, "revoke")
    assert refused.stdout == ""

    cli.ok("secret", "revoke", first["secret_id"])
    third = cli.new_secret(team_id)
    assert third["team_id"] == team_id


@pytest.mark.parametrize(
    "team_id",
    [
        pytest.param("999", id="unknown"),
        pytest.param("0", id="zero"),
    ],
)
@pytest.mark.parametrize("command", ["create", "list"])
def test_secret_commands_on_a_missing_team_fail_clearly(
    cli: Cli, command: str, team_id: str
) -> None:
    cli.new_team()
    result = cli.run("secret", command, "--team", team_id, "--json")
    assert_clean_failure(result, f"team {team_id}")
    assert result.stdout == ""
    named = "SQLite file" if cli.database.endswith(".db") else "PostgreSQL database"
    assert named in result.stderr  # which database it looked in


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["secret", "list"], id="secret-list"),
        pytest.param(["secret", "create"], id="secret-create"),
        pytest.param(["secret", "revoke", "0" * 24], id="secret-revoke"),
        pytest.param(["user", "create", "--team", "1", "--name", "A"], id="user-create"),
    ],
)
def test_admin_commands_in_a_directory_with_no_database_make_none(
    tmp_path: Path, args: list[str]
) -> None:
    """Run elsewhere, they would act on a new, empty ./heymarket-contacts.db."""
    result = run_command(*args, cwd=tmp_path)
    assert_clean_failure(result, f"no database at {tmp_path / 'heymarket-contacts.db'}")
    assert "--database" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["migrate"], id="migrate"),
        pytest.param(["team", "create", "--name", "A"], id="team"),
    ],
)
def test_migrate_and_team_create_make_a_new_database_and_say_so(
    tmp_path: Path, args: list[str]
) -> None:
    result = run_command(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    made = tmp_path / "heymarket-contacts.db"
    assert made.exists()
    assert f"made a new database: SQLite file {made}" in result.stderr
    again = run_command(*args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "made a new database" not in again.stderr


def test_secret_list_shows_active_and_revoked_and_never_a_key(cli: Cli) -> None:
    team_id = cli.new_team()
    revoked = cli.new_secret(team_id)
    active = cli.new_secret(team_id)
    cli.ok("secret", "revoke", revoked["secret_id"])

    as_json = cli.run("secret", "list", "--team", str(team_id), "--json")
    as_text = cli.run("secret", "list", "--team", str(team_id))

    for result in (as_json, as_text):
        assert result.returncode == 0, result.stderr
        for key in (revoked["secret_key"], active["secret_key"]):
            assert key not in result.stdout + result.stderr
    listed = sorted(json.loads(as_json.stdout), key=lambda row: not row["active"])
    assert listed == [
        {"secret_id": active["secret_id"], "team_id": team_id, "active": True},
        {"secret_id": revoked["secret_id"], "team_id": team_id, "active": False},
    ]
    lines = as_text.stdout.splitlines()
    assert [line for line in lines if active["secret_id"] in line] == [ANY]
    assert "active" in next(line for line in lines if active["secret_id"] in line)
    assert "revoked" in next(line for line in lines if revoked["secret_id"] in line)


def test_secret_list_shows_only_the_named_team(cli: Cli) -> None:
    mine = cli.new_team("Mine")
    other = cli.new_team("Other")
    made = cli.new_secret(mine)
    cli.new_secret(other)
    assert cli.json("secret", "list", "--team", str(mine)) == [
        {"secret_id": made["secret_id"], "team_id": mine, "active": True}
    ]


@pytest.mark.parametrize(
    "secret_id",
    [
        pytest.param("0123456789abcdef01234567", id="well-formed-unknown"),
        pytest.param("nope", id="malformed"),
    ],
)
def test_secret_revoke_of_an_unknown_id_fails_clearly(cli: Cli, secret_id: str) -> None:
    team_id = cli.new_team()
    kept = cli.new_secret(team_id)
    assert_clean_failure(cli.run("secret", "revoke", secret_id), secret_id)
    assert cli.json("secret", "list", "--team", str(team_id)) == [
        {"secret_id": kept["secret_id"], "team_id": team_id, "active": True}
    ]


# -- token and master-key --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "environment"),
    [
        pytest.param([], {}, id="none"),
        pytest.param(["--secret-id", "abc"], {}, id="id-only"),
        pytest.param(["--secret-key", "xyz"], {}, id="key-only"),
        pytest.param([], {"HEYMARKET_SECRET_ID": "abc"}, id="env-id-only"),
        pytest.param([], {"HEYMARKET_SECRET_ID": "", "HEYMARKET_SECRET_KEY": ""}, id="env-empty"),
    ],
)
def test_token_without_credentials_is_a_usage_error(
    args: list[str], environment: dict[str, str]
) -> None:
    result = run_command("token", *args, environment=environment)
    assert_clean_failure(result, "--secret-id", "HEYMARKET_SECRET_KEY")
    assert result.returncode == 2
    assert result.stdout == ""


def test_master_key_prints_a_fresh_key_each_time() -> None:
    first = run_command("master-key")
    second = run_command("master-key")
    assert first.returncode == second.returncode == 0
    assert len(parse_master_key(first.stdout)) == 32
    assert first.stdout != second.stdout


def test_master_key_output_works_as_heymarket_master_key(cli: Cli) -> None:
    key = run_command("master-key").stdout.strip()
    team_id = int(cli.json("team", "create", "--name", "Keyed", HEYMARKET_MASTER_KEY=key)["id"])
    made = cli.json("secret", "create", "--team", str(team_id), HEYMARKET_MASTER_KEY=key)

    store = open_store(parse_database_url(cli.database))
    try:
        with store.read() as tx:
            record = tx.get_secret(made["secret_id"])
    finally:
        store.close()
    assert record is not None
    assert SecretBox(parse_master_key(key)).open(record) == made["secret_key"]
    assert not list(cli.cwd.glob("*.key"))


# -- serve: settings it refuses --------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "environment", "named"),
    [
        pytest.param(["--port", "abc"], {}, "--port", id="port-abc"),
        pytest.param(["--port", "70000"], {}, "--port", id="port-too-big"),
        pytest.param(["--workers", "0"], {}, "--workers", id="workers-0"),
        pytest.param([], {"HEYMARKET_WORKERS": "0"}, "HEYMARKET_WORKERS", id="env-workers-0"),
        pytest.param(["--clock-skew", "-1"], {}, "--clock-skew", id="clock-skew-negative"),
        pytest.param([], {"HEYMARKET_CLOCK_SKEW": "x"}, "HEYMARKET_CLOCK_SKEW", id="env-skew-x"),
        pytest.param(["--database", "ftp://x"], {}, "--database", id="database-ftp"),
        pytest.param(
            [], {"HEYMARKET_DATABASE_URL": "ftp://x"}, "HEYMARKET_DATABASE_URL", id="env-db-ftp"
        ),
        pytest.param(["--log-level", "loud"], {}, "--log-level", id="log-level-loud"),
        pytest.param(
            [], {"HEYMARKET_DATABASE_WAIT": "0"}, "HEYMARKET_DATABASE_WAIT", id="env-wait-0"
        ),
    ],
)
def test_serve_refuses_bad_settings_naming_them(
    tmp_path: Path, args: list[str], environment: dict[str, str], named: str
) -> None:
    defaults = []
    if "--port" not in args:
        defaults += ["--port", str(free_port())]
    if "--database" not in args and "HEYMARKET_DATABASE_URL" not in environment:
        defaults += ["--database", str(tmp_path / "contacts.db")]
    result = run_refused_serve(*defaults, *args, environment=environment, cwd=tmp_path)
    assert_clean_failure(result, named)
    assert "Secret Key" not in result.stdout


@pytest.mark.parametrize(
    "mode",
    [
        pytest.param(0o640, id="group-readable"),
        pytest.param(0o604, id="others-readable"),
        pytest.param(0o660, id="group-writable"),
    ],
)
def test_serve_refuses_a_key_file_others_can_read(tmp_path: Path, mode: int) -> None:
    database = tmp_path / "contacts.db"
    key_file = tmp_path / "contacts.db.key"
    key_file.write_text(run_command("master-key").stdout)
    key_file.chmod(mode)
    result = run_refused_serve(
        "--database", str(database), "--port", str(free_port()), cwd=tmp_path
    )
    assert_clean_failure(result, str(key_file))
    assert "Secret Key" not in result.stdout


@pytest.mark.postgres
def test_serve_on_postgres_without_master_key_refuses(postgres_url: str, tmp_path: Path) -> None:
    result = run_refused_serve("--database", postgres_url, "--port", str(free_port()), cwd=tmp_path)
    assert_clean_failure(result, "HEYMARKET_MASTER_KEY")
    assert "Secret Key" not in result.stdout


def test_serve_counts_down_while_postgres_does_not_answer(master_key: str, tmp_path: Path) -> None:
    environment = {"HEYMARKET_MASTER_KEY": master_key, "HEYMARKET_DATABASE_WAIT": "2"}
    result = run_refused_serve(
        "--database", closed_postgres_port(), "--port", str(free_port()),
        environment=environment, cwd=tmp_path,
    )  # fmt: skip
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert countdown_of(result.stderr) == [2, 1]
    assert all(" WARNING heymarket_contacts.store: " in line for line in lines[:-1])
    assert lines[-1].startswith("Error: cannot reach PostgreSQL database contacts on 127.0.0.1:")
    assert lines[-1].endswith(" after 2 s: connection refused")


def assert_one_line_refusal(result: subprocess.CompletedProcess[str], *names: str) -> None:
    """Exit status 2 and a single ``Error: ...`` line on stderr naming ``names``."""
    assert_clean_failure(result, *names)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_a_second_serve_on_a_port_in_use_exits_2_and_touches_no_database(
    tmp_path: Path,
) -> None:
    """granian binds with SO_REUSEPORT: without the check, two servers would share the port."""
    first = RunningServer.start(str(tmp_path / "first.db"), {}, tmp_path / "first.log")
    try:
        port = first.base_url.rsplit(":", 1)[1]
        second = tmp_path / "second.db"
        result = run_refused_serve("--database", str(second), "--port", port, cwd=tmp_path)
        assert_one_line_refusal(result, f"port {port}", "in use", "--port")
        assert not second.exists()
        assert "Secret Key" not in result.stdout
        assert (
            httpx.get(f"{first.base_url}/healthz", timeout=5, verify=shared_tls()).status_code
            == 200
        )
    finally:
        first.stop()


def test_serve_on_a_port_another_program_holds_exits_2(tmp_path: Path) -> None:
    port = free_port()
    other = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1, verify=shared_tls())
                break
            except httpx.TransportError:
                time.sleep(0.1)
        result = run_refused_serve(
            "--database", str(tmp_path / "contacts.db"), "--port", str(port), cwd=tmp_path
        )
        assert_one_line_refusal(result, f"port {port}", "in use")
    finally:
        other.kill()
        other.wait()


def test_serve_with_another_master_key_stops_at_start(
    backend: str, master_key: str, tmp_path: Path
) -> None:
    """Started so, the server would answer every JWT with 401 ``unknown or revoked secret``."""
    with new_database(backend, tmp_path) as database:
        made = run_command(
            "team", "create", "--name", "Keyed", "--database", database,
            environment={"HEYMARKET_MASTER_KEY": master_key}, cwd=tmp_path,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        created = run_command(
            "secret", "create", "--database", database,
            environment={"HEYMARKET_MASTER_KEY": master_key}, cwd=tmp_path,
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
        other_key = run_command("master-key").stdout.strip()
        result = run_refused_serve(
            "--database", database, "--port", str(free_port()),
            environment={"HEYMARKET_MASTER_KEY": other_key}, cwd=tmp_path,
        )  # fmt: skip
        assert_one_line_refusal(result, "master key does not decrypt", "HEYMARKET_MASTER_KEY")
        assert "Secret Key" not in result.stdout


# -- serve: a fresh server per backend -------------------------------------------------------


@dataclass
class FreshServer:
    running: RunningServer
    cli: Cli
    banner: str
    secret_id: str
    secret_key: str
    database_path: Path | None = None

    def token(self) -> str:
        return mint_token(self.secret_id, self.secret_key)


@pytest.fixture(scope="module")
def fresh_server(
    backend: str,
    master_key: str,
    canary: Canary,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[FreshServer]:
    """``serve`` started on an empty database; SQLite is named ``sqlite:////absolute``."""
    directory = tmp_path_factory.mktemp("fresh-server")
    # An empty HEYMARKET_MASTER_KEY counts as unset, so SQLite uses its key file whatever
    # this shell exports.
    environment = {"HEYMARKET_MASTER_KEY": master_key if backend == "postgres" else ""}
    with new_database(backend, directory) as database:
        url = database if backend == "postgres" else f"sqlite:///{database}"
        log_path = directory / "first-start.log"
        running = RunningServer.start(url, environment, log_path)
        try:
            banner = log_path.read_text()
            secret_id = re.search(r"Secret ID:\s+(\S+)", banner)
            secret_key = re.search(r"Secret Key:\s+(\S+)", banner)
            assert secret_id, banner
            assert secret_key, banner
            canary.add(secret_key[1])
            yield FreshServer(
                running=running,
                cli=Cli(url, {k: v for k, v in environment.items() if v}, directory),
                banner=banner,
                secret_id=secret_id[1],
                secret_key=secret_key[1],
                database_path=Path(database) if backend == "sqlite" else None,
            )
        finally:
            running.stop()
        after_banner = log_path.read_text().split("Serving ", 1)[-1]
        canary.assert_absent_from(after_banner, where="the fresh server's log")


def test_first_start_prints_the_secret_and_a_curl_example(fresh_server: FreshServer) -> None:
    banner = fresh_server.banner
    assert "Secret ID:" in banner
    assert "Secret Key:" in banner
    curl = [line for line in banner.splitlines() if line.strip().startswith("curl")]
    assert len(curl) == 1
    assert "$HEYMARKET_BASE_URL/v1/team" in curl[0]
    assert "Authorization: Bearer" in curl[0]
    exports = [line.strip() for line in banner.splitlines() if line.strip().startswith("export ")]
    assert f"export HEYMARKET_BASE_URL={fresh_server.running.base_url}" in exports


def test_first_start_credentials_reach_the_default_team(fresh_server: FreshServer) -> None:
    response = get_team(fresh_server.running.base_url, fresh_server.token())
    assert response.status_code == 200, response.text
    team = response.json()
    assert team == {"id": ANY, "name": ANY, "list_size": 0, "members": [ANY]}
    assert team["members"][0] == {"id": ANY, "name": ANY, "role": "owner"}


def test_first_start_makes_one_team_with_an_inbox(fresh_server: FreshServer) -> None:
    database = fresh_server.cli.database
    teams = database_rows(database, "SELECT id FROM teams")
    inboxes = database_rows(database, "SELECT team_id FROM inboxes")
    assert len(teams) == 1
    assert inboxes == teams


def test_first_start_keeps_the_master_key_where_it_belongs(fresh_server: FreshServer) -> None:
    """SQLite: a private key file beside the database. PostgreSQL: no file at all."""
    if fresh_server.database_path is None:
        assert not list(fresh_server.cli.cwd.glob("*.key"))
        return
    key_file = Path(f"{fresh_server.database_path}.key")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(parse_master_key(key_file.read_text())) == 32


def test_second_start_prints_no_key_and_serves_with_two_workers(
    fresh_server: FreshServer, tmp_path: Path
) -> None:
    log_path = tmp_path / "second-start.log"
    environment = {**fresh_server.cli.environment}
    environment.setdefault("HEYMARKET_MASTER_KEY", "")
    second = RunningServer.start(fresh_server.cli.database, environment, log_path, "--workers", "2")
    try:
        statuses = [get_team(second.base_url, fresh_server.token()).status_code for _ in range(6)]
    finally:
        second.stop()
    log = log_path.read_text()
    assert statuses == [200] * 6
    assert "Secret Key" not in log
    assert fresh_server.secret_key not in log


@pytest.mark.parametrize("how", ["flags", "environment"])
def test_token_command_prints_a_jwt_the_server_accepts(fresh_server: FreshServer, how: str) -> None:
    if how == "flags":
        args = ["--secret-id", fresh_server.secret_id, "--secret-key", fresh_server.secret_key]
        result = run_command("token", *args)
    else:
        environment = {
            "HEYMARKET_SECRET_ID": fresh_server.secret_id,
            "HEYMARKET_SECRET_KEY": fresh_server.secret_key,
        }
        result = run_command("token", environment=environment)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert result.stdout == f"{token}\n"
    assert fresh_server.secret_key not in token
    assert get_team(fresh_server.running.base_url, token).status_code == 200


def test_secret_made_while_serving_works_at_once(fresh_server: FreshServer, canary: Canary) -> None:
    team_id = fresh_server.cli.new_team("Live")
    made = fresh_server.cli.new_secret(team_id)
    canary.add(made["secret_key"])
    response = get_team(
        fresh_server.running.base_url, mint_token(made["secret_id"], made["secret_key"])
    )
    assert response.status_code == 200, response.text
    assert response.json()["id"] == team_id


def test_secret_revoked_while_serving_fails_on_the_next_request(
    fresh_server: FreshServer, canary: Canary
) -> None:
    team_id = fresh_server.cli.new_team("Revoked")
    made = fresh_server.cli.new_secret(team_id)
    canary.add(made["secret_key"])
    token = mint_token(made["secret_id"], made["secret_key"])
    assert get_team(fresh_server.running.base_url, token).status_code == 200

    fresh_server.cli.ok("secret", "revoke", made["secret_id"])
    response = get_team(fresh_server.running.base_url, token)

    assert response.status_code == 401
    assert response.json() == {
        "error": "unauthorized",
        "message": "unknown or revoked secret",
        "request_id": response.headers["X-Request-Id"],
    }
