"""``heymarket-contacts emulator ...`` against a real emulator, as a shell runs it: JSON in a
pipe, tables on a terminal, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from heymarket_contacts.testing import LocalServer
from support import Canary
from test_cli_client import ClientCli, environment_for


@pytest.fixture
def emulator_cli(
    heymarket_server: LocalServer, canary: Canary, tmp_path: Path
) -> tuple[ClientCli, LocalServer]:
    environment = environment_for(None, None)
    environment["HEYMARKET_EMULATOR_URL"] = heymarket_server.base_url
    return ClientCli(environment, tmp_path, canary), heymarket_server


def test_faults_clock_and_requests_from_a_pipe(
    emulator_cli: tuple[ClientCli, LocalServer],
) -> None:
    cli, server = emulator_cli
    added = cli.json("emulator", "faults", "--path", "/v1/team", "--status", "503", "--times", "1")
    (listed,) = cli.json("emulator", "faults")
    assert listed == {"id": added["id"], "path": "/v1/team", "status": 503, "fired": 0,
                      "remaining": 1}  # fmt: skip
    with server.client(max_retries=0) as client:
        with pytest.raises(Exception, match="503"):
            client.team.get()
        client.team.get()
    entries = cli.json("emulator", "requests", "--path", "/v1/team")
    assert [e["status"] for e in entries] == [503, 200]
    assert cli.json("emulator", "faults", "--clear") == "ok"
    assert cli.json("emulator", "faults") == []
    frozen = cli.json("emulator", "clock", "--freeze", "2030-01-01T00:00:00Z")
    assert frozen["now"] == "2030-01-01T00:00:00.000000Z"
    assert cli.json("emulator", "clock", "--advance", "60")["now"] == "2030-01-01T00:01:00.000000Z"
    assert cli.json("emulator", "clock", "--real")["frozen"] is False
    assert cli.json("emulator", "requests", "--clear") == "ok"
    assert cli.json("emulator", "requests") == []
    assert server.team is not None
    assert server.team.team_id in cli.json("emulator", "reset")["teams"]


def test_a_terminal_gets_tables(emulator_cli: tuple[ClientCli, LocalServer]) -> None:
    cli, _ = emulator_cli
    cli.ok("emulator", "faults", "--path", "/v1/*", "--delay-ms", "1")
    shown = cli.terminal("emulator", "faults")
    assert shown.splitlines()[0].split() == [
        "id", "method", "path", "status", "drop", "delay_ms", "fired", "remaining"
    ]  # fmt: skip
    assert "/v1/*" in shown


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("emulator", "clock", "--advance", "1", "--real"), "give one of"),
        (("emulator", "seed", "0"), "0 is not in the range"),
        (("emulator", "faults", "--path", "/v1/*", "--probability", "1.5"), "1.5"),
        (("emulator", "restore", "nothing-here"), "404"),
    ],
)
def test_bad_usage_is_a_one_line_error(
    emulator_cli: tuple[ClientCli, LocalServer], args: tuple[str, ...], message: str
) -> None:
    cli, _ = emulator_cli
    result = cli.fails(*args)
    assert message in result.stderr


def test_no_emulator_there_is_a_clean_error(tmp_path: Path, canary: Canary) -> None:
    environment = environment_for(None, None)
    cli = ClientCli(environment, tmp_path, canary)
    result = cli.fails("emulator", "clock", "--url", "http://127.0.0.1:9")
    assert "cannot reach the emulator at http://127.0.0.1:9" in result.stderr
