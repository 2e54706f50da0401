"""Helpers of the client command tests: the CLI run as a user runs it, one process a command."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from heymarket_contacts import Client
from support import Canary, RunningServer, TeamCredentials

TIMEOUT = 60


def environment_for(server: RunningServer | None, team: TeamCredentials | None) -> dict[str, str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("HEYMARKET_") and k not in ("COLUMNS", "LINES")
    }
    if team is not None:
        environment["HEYMARKET_SECRET_ID"] = team.secret_id
        environment["HEYMARKET_SECRET_KEY"] = team.secret_key
    if server is not None:
        environment["HEYMARKET_BASE_URL"] = server.base_url
    return environment


@dataclass
class ClientCli:
    environment: dict[str, str]
    cwd: Path
    canary: Canary

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "heymarket_contacts", *args],
            capture_output=True,
            text=True,
            env=self.environment,
            cwd=self.cwd,
            input=stdin,
            timeout=TIMEOUT,
            check=False,
        )
        self.canary.assert_absent_from(result.stdout + result.stderr, where=f"`{' '.join(args)}`")
        return result

    def ok(self, *args: str, stdin: str | None = None) -> str:
        result = self.run(*args, stdin=stdin)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        return result.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args))

    def fails(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        result = self.run(*args, stdin=stdin)
        assert result.returncode != 0, result.stdout
        assert "Traceback" not in result.stdout + result.stderr
        return result

    def terminal(self, *args: str, status: int = 0, columns: int = 80) -> str:
        """The command with a terminal ``columns`` wide for stdin, stdout and stderr: what a
        person sees. It must exit with ``status``."""
        leader, follower = pty.openpty()
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
        # The terminal's own size, not a width inherited from the test runner's environment.
        environment = {k: v for k, v in self.environment.items() if k not in ("COLUMNS", "LINES")}
        process = subprocess.Popen(
            [sys.executable, "-m", "heymarket_contacts", *args],
            stdin=follower,
            stdout=follower,
            stderr=follower,
            env=environment,
            cwd=self.cwd,
        )
        os.close(follower)
        output = b""
        try:
            while chunk := _read(leader):
                output += chunk
        finally:
            os.close(leader)
            process.wait(TIMEOUT)
        assert process.returncode == status, output.decode(errors="replace")
        return output.decode().replace("\r\n", "\n")


def _read(descriptor: int) -> bytes:
    try:
        return os.read(descriptor, 65536)
    except OSError:  # EIO: the command exited and closed the terminal
        return b""


def team_client(server: RunningServer, team: TeamCredentials) -> Client:
    """An SDK client of ``team`` on ``server``, with nothing read from the environment."""
    return Client(
        secret_id=team.secret_id, secret_key=team.secret_key, base_url=server.base_url, environ={}
    )
