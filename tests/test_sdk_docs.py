"""The SDK examples of README.md and docs/sdk.md run, so they cannot rot.

Every ```python block runs in a fresh interpreter against the real server (both databases), as
a new team, with ``HEYMARKET_SECRET_ID``, ``HEYMARKET_SECRET_KEY`` and ``HEYMARKET_BASE_URL``
set. The pytest example (the blocks that start ``# conftest.py`` and ``# test_...``) runs as a
pytest session of its own.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from support import Canary, RunningServer, TeamFactory

ROOT = Path(__file__).parent.parent
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
TIMEOUT = 120


def python_blocks(name: str) -> list[str]:
    return BLOCK.findall((ROOT / name).read_text())


def runnable(name: str) -> list[object]:
    blocks = [
        block for block in python_blocks(name) if not block.startswith(("# conftest", "# test_"))
    ]
    return [pytest.param(block, id=f"{name}-{index}") for index, block in enumerate(blocks)]


def pytest_files(name: str) -> dict[str, str]:
    found = {}
    for block in python_blocks(name):
        first, _, body = block.partition("\n")
        if first.startswith(("# conftest", "# test_")):
            found[first.removeprefix("# ").strip()] = body
    return found


def clean_environment(extra: dict[str, str]) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HEYMARKET_")}
    return {**environment, **extra}


def test_the_readme_and_the_sdk_page_have_examples() -> None:
    assert len(runnable("README.md")) == 1
    assert len(runnable("docs/sdk.md")) >= 7
    assert set(pytest_files("docs/sdk.md")) == {"conftest.py", "test_signup.py"}


@pytest.mark.parametrize("code", [*runnable("README.md"), *runnable("docs/sdk.md")])
def test_the_example_runs(
    code: str, server: RunningServer, make_team: TeamFactory, canary: Canary, tmp_path: Path
) -> None:
    team = make_team("Docs")
    environment = clean_environment(
        {
            "HEYMARKET_SECRET_ID": team.secret_id,
            "HEYMARKET_SECRET_KEY": team.secret_key,
            "HEYMARKET_BASE_URL": server.base_url,
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    canary.assert_absent_from(result.stdout + result.stderr, where="the example's output")


def test_the_pytest_example_passes_with_the_plugin(tmp_path: Path) -> None:
    for name, body in pytest_files("docs/sdk.md").items():
        (tmp_path / name).write_text(body)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        env=clean_environment({}),
        cwd=tmp_path,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
