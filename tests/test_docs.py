"""Documentation that cannot fall behind: every command, setting and route is documented."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from heymarket_contacts.cli import main
from heymarket_contacts.server.routes import OPERATIONS
from heymarket_contacts.server.routing import Operation
from heymarket_contacts.server.settings import ENVIRONMENT

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", ROOT / "BENCHMARKS.md", *sorted(DOCS.glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


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


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_the_docs_point_only_at_files_of_the_repository(page: Path) -> None:
    text = page.read_text()
    for target in LINK.findall(text):
        if target.startswith(("http://", "https://", "mailto:", "#")):
            continue
        path = (page.parent / target.partition("#")[0]).resolve()
        assert path.is_relative_to(ROOT.resolve()), f"{page.name} links outside: {target}"
        assert path.exists(), f"{page.name} links to a missing file: {target}"
    for outside in ("../shared", "/work/", "spec/contacts-api.md"):
        assert outside not in text, f"{page.name} names {outside}, outside the repository"


def test_the_readme_links_every_page_of_docs() -> None:
    readme = (ROOT / "README.md").read_text()
    for page in sorted(DOCS.glob("*.md")):
        assert f"](docs/{page.name})" in readme, page.name
