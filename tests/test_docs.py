"""Documentation that cannot fall behind: every command, setting and route is documented."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from heymarket_contacts.cli import main
from heymarket_contacts.server.routes import OPERATIONS
from heymarket_contacts.server.routing import Operation
from heymarket_contacts.server.settings import ENVIRONMENT

DOCS = Path(__file__).parent.parent / "docs"


def _commands(group: click.Group, prefix: str) -> list[str]:
    names = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            names.extend(_commands(command, path))
        else:
            names.append(path)
    return names


@pytest.mark.parametrize("command", _commands(main, "heymarket-contacts"))
def test_every_command_is_in_the_cli_docs(command: str) -> None:
    assert f"`{command}" in (DOCS / "cli.md").read_text()


@pytest.mark.parametrize(
    "name", [name for pair in ENVIRONMENT.values() for name in pair if name is not None]
)
def test_every_setting_is_in_the_server_docs(name: str) -> None:
    assert f"`{name}`" in (DOCS / "server.md").read_text()


@pytest.mark.parametrize(
    "operation", OPERATIONS, ids=lambda operation: f"{operation.method} {operation.path}"
)
def test_every_operation_is_in_the_api_docs(operation: Operation) -> None:
    assert f"| `{operation.method}` | `{operation.path}" in (DOCS / "api.md").read_text()
