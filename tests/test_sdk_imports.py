"""Importing the SDK loads none of the server's dependencies."""

from __future__ import annotations

import subprocess
import sys

SERVER_MODULES = ["starlette", "granian", "psycopg", "cryptography", "heymarket_contacts.server"]


def test_sdk_import_pulls_in_no_server_dependency() -> None:
    code = (
        "import sys, heymarket_contacts\n"
        f"loaded = [m for m in {SERVER_MODULES!r} if m in sys.modules]\n"
        "print(','.join(loaded))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""
