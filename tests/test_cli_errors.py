"""Mistakes on the command line are told in its words: the options and variables a user types,
never the SDK's keyword arguments or a Python exception; a usage error exits 2, as click's own.

No server is needed: each mistake is caught before a call, or the call finds a closed port.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from cli_support import ClientCli, environment_for
from support import Canary, closed_port

#: What the SDK says in Python's words: ``base_url=``, a parameter's name, an exception.
PYTHON_WORDS = re.compile(
    r"\b[a-z][a-z_]*=(\s|,|\)|$)|\b(secret_id|secret_key|base_url|max_retries|note_id|uuid)\b"
    r"|TypeError|ValueError|Traceback"
)
SECRET = ("--secret-id", "an-id", "--secret-key", "a-key")


@pytest.fixture
def cli(tmp_path: Path, canary: Canary) -> ClientCli:
    return ClientCli(environment_for(None, None), tmp_path, canary)


def assert_in_cli_words(result: subprocess.CompletedProcess[str], status: int, *says: str) -> None:
    assert result.returncode == status, result.stdout + result.stderr
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("Error: "), result.stderr
    for text in says:
        assert text in error
    assert not PYTHON_WORDS.search(result.stderr), result.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        pytest.param(
            ("contacts", "list"),
            "give --secret-id and --secret-key, or set HEYMARKET_SECRET_ID and"
            " HEYMARKET_SECRET_KEY",
            id="no-secret",
        ),
        pytest.param(("team", "get", "--secret-id", "an-id"), "--secret-key", id="no-key"),
        pytest.param(
            ("contacts", "get", "1", *SECRET, "--base-url", "ftp://h"),
            "Invalid value for --base-url: 'ftp://h' is not an http:// or https:// URL",
            id="base-url-scheme",
        ),
        pytest.param(
            ("tags", "list", *SECRET, "--base-url", "http://[::1"),
            "Invalid value for --base-url: 'http://[::1'",
            id="base-url-malformed",
        ),
        pytest.param(
            ("emulator", "clock", "--url", "127.0.0.1:8080"),
            "Invalid value for --url: '127.0.0.1:8080' is not an http:// or https:// URL",
            id="emulator-url",
        ),
        pytest.param(
            ("contacts-v2", "get", "", *SECRET), "Invalid value for 'UUID': must not be empty",
            id="empty-uuid",
        ),
        pytest.param(
            ("contacts-v2", "delete", "a-uuid", " ", *SECRET), "'UUIDS...': must not be empty",
            id="blank-uuid",
        ),
        pytest.param(
            ("notes", "delete", "1", "", *SECRET), "'NOTE_ID': must not be empty",
            id="empty-note-id",
        ),
    ],
)  # fmt: skip
def test_a_client_command_used_wrongly_says_which_option(
    cli: ClientCli, args: tuple[str, ...], says: str
) -> None:
    assert_in_cli_words(cli.run(*args), 2, says)


def test_a_bad_base_url_from_the_environment_names_the_variable(cli: ClientCli) -> None:
    with_variable = ClientCli(
        {**cli.environment, "HEYMARKET_BASE_URL": "api.example.com"}, cli.cwd, cli.canary
    )
    result = with_variable.run("contacts", "list", *SECRET)
    assert_in_cli_words(result, 2, "Invalid value for HEYMARKET_BASE_URL: 'api.example.com'")


def test_a_closed_port_says_which_option_and_variable_pick_the_server(cli: ClientCli) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    result = cli.run("team", "get", *SECRET, "--base-url", url, "--max-retries", "0")
    assert_in_cli_words(
        result, 1, f"cannot connect to {url}", "(give --base-url or set HEYMARKET_BASE_URL"
    )


@pytest.fixture
def team_id(cli: ClientCli) -> str:
    return str(cli.json("team", "create", "--name", "Acme", "--database", "c.db", "--json")["id"])


@pytest.mark.parametrize(
    ("args", "says"),
    [
        pytest.param(("team", "create", "--name", ""), "--name must be 1 to 255", id="team-name"),
        pytest.param(
            ("user", "create", "--team", "{team}", "--name", "Ada", "--email", "ada"),
            "--email must look like name@domain", id="user-email",
        ),
        pytest.param(
            ("user", "create", "--team", "{team}", "--name", " "), "--name must be", id="user-name",
        ),
        pytest.param(("secret", "revoke", ""), "'SECRET_ID': must not be empty", id="secret-id"),
    ],
)  # fmt: skip
def test_an_admin_command_given_a_bad_value_says_which_option(
    cli: ClientCli, team_id: str, args: tuple[str, ...], says: str
) -> None:
    filled = [arg.replace("{team}", team_id) for arg in args]
    assert_in_cli_words(cli.run(*filled, "--database", "c.db"), 2, says)
