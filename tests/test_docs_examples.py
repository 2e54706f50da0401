"""The examples of README.md, docs/sdk.md, docs/cli.md, docs/emulator.md and docs/webhooks.md
run, top to bottom, as a reader runs them: in that order, in one fresh database, in one
terminal.

The test starts ``heymarket-contacts serve`` (what ``make run`` starts) on a fresh SQLite file,
``heymarket-contacts.db``, in an empty directory. One bash session, in that directory with the
venv's ``bin`` first on ``PATH``, is the reader's terminal: it first runs the ``export`` lines
of the server's first-start banner (the README says to paste them), then every block in turn.

How a fenced block is treated depends on its info string:

``sh``
    Sourced by the session (``set -e -o pipefail``), so the variables and exports it sets stay
    for the blocks after it. ``curl`` runs with ``--fail-with-body``: an HTTP error fails it.
``python``
    Run by the venv's python in the directory, with the session's exported variables. A block
    whose first line is ``# conftest.py`` or ``# test_<name>.py`` is a file of a pytest example:
    it is written into the directory, and after a ``test_`` file pytest runs that file.
``sh serve``
    Starts a server that runs until stopped (a second terminal): run by a bash of its own in
    the background with ``HEYMARKET_PORT`` set to a free port; it passes when that server
    answers, and is stopped at the end.
``sh no-run``
    Shown, not run: only ``make`` targets (``make run`` never returns, ``make test`` is this
    suite, ``make bench`` takes minutes; the test starts the server ``make run`` starts).
``text``, or none
    Output, diagrams, shapes: never run.

Any other info string fails the test, so no block is left out by accident. The docs address
the local server as ``http://127.0.0.1:8080`` (where ``make run`` serves) and the PostgreSQL
example's database as ``postgresql://user@db-host:5432/contacts``; those two strings are
replaced by the test server's address and a new PostgreSQL database, and nothing else is.
A failure names the document and the line of the command that failed.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from support import (
    RunningServer,
    free_port,
    postgres_database,
    postgres_unavailable_reason,
    service_missing,
    shared_tls,
)

ROOT = Path(__file__).parent.parent
DOCUMENTS = ["README.md", "docs/sdk.md", "docs/cli.md", "docs/emulator.md", "docs/webhooks.md"]
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
KINDS = {"sh": "shell", "python": "python", "sh serve": "serve", "sh no-run": "no-run"}
SHOWN = {"", "text"}
LOCAL_SERVER = "http://127.0.0.1:8080"
POSTGRES_PLACEHOLDER = "postgresql://user@db-host:5432/contacts"
MAKE_LINE = re.compile(r"^(\w+=\S+ )*make \w+\b")
BLOCK_TIMEOUT = 120


@dataclass(frozen=True)
class Block:
    document: str
    line: int  # the document's line of the block's first line of code
    kind: str
    code: str

    def where(self, line_in_block: int = 1) -> str:
        return f"{self.document}:{self.line + line_in_block - 1}"


def blocks(document: str) -> list[Block]:
    """The fenced blocks of a document, in order; a fence with an unknown info string fails."""
    text = (ROOT / document).read_text()
    found = []
    for match in FENCE.finditer(text):
        info = " ".join(match.group(1).split())
        line = text.count("\n", 0, match.start()) + 2
        if info in SHOWN:
            continue
        assert info in KINDS, f"{document}:{line - 1}: unknown fence ```{info}"
        found.append(Block(document, line, KINDS[info], match.group(2)))
    return found


def all_blocks() -> list[Block]:
    return [block for document in DOCUMENTS for block in blocks(document)]


def test_every_document_has_runnable_examples() -> None:
    kinds = {document: [block.kind for block in blocks(document)] for document in DOCUMENTS}
    assert kinds["README.md"].count("shell") >= 1
    assert kinds["README.md"].count("python") == 1
    assert kinds["README.md"].count("serve") == 1
    assert kinds["docs/sdk.md"].count("python") >= 9
    assert kinds["docs/cli.md"].count("shell") >= 2
    assert kinds["docs/emulator.md"].count("python") >= 3
    assert kinds["docs/emulator.md"].count("shell") >= 2
    assert kinds["docs/webhooks.md"].count("python") >= 1
    assert kinds["docs/webhooks.md"].count("shell") >= 1


def test_only_make_targets_are_marked_not_to_run() -> None:
    for block in all_blocks():
        if block.kind == "no-run":
            for index, line in enumerate(block.code.splitlines(), 1):
                assert not line.strip() or MAKE_LINE.match(line), (
                    f"{block.where(index)}: only make targets may be marked no-run: {line}"
                )


class Session:
    """One bash, fed block after block: the reader's terminal."""

    def __init__(self, directory: Path, scratch: Path, environment: dict[str, str]) -> None:
        self.directory = directory
        self.scratch = scratch
        self.log_path = scratch / "session.log"
        self.env_path = scratch / "session.env"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            ["bash", "--noprofile", "--norc"],
            stdin=subprocess.PIPE,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=directory,
            env=environment,
            text=True,
            start_new_session=True,
        )
        self._send(
            "set -e -o pipefail\nshopt -s inherit_errexit\n"
            "trap 'echo \"__failed_at_line__ $LINENO\"' ERR\n"
            'curl() { command curl --fail-with-body "$@"; }\n'
        )
        self.environment = environment

    def _send(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text)
        self.process.stdin.flush()

    def run(self, block: Block, code: str) -> str:
        """Source ``code``; its output, or a failure naming the line that failed."""
        script = self.scratch / f"block-{uuid.uuid4().hex[:8]}.sh"
        script.write_text(code)
        done = f"__block_done_{uuid.uuid4().hex}__"
        start = self.log_path.stat().st_size
        self._send(f"source {script} < /dev/null\nenv -0 > {self.env_path}\necho {done}\n")
        deadline = time.monotonic() + BLOCK_TIMEOUT
        while True:
            output = self.log_path.read_bytes()[start:].decode(errors="replace")
            if done in output:
                self.environment = dict(
                    item.split("=", 1)
                    for item in self.env_path.read_text().split("\0")
                    if "=" in item
                )
                return output.replace(done, "").strip()
            if self.process.poll() is not None:
                failed = re.findall(r"__failed_at_line__ (\d+)", output)
                where = block.where(int(failed[-1])) if failed else block.where()
                output = re.sub(r"__failed_at_line__ \d+\n?", "", output)
                pytest.fail(f"{where}: the command failed:\n{output}", pytrace=False)
            if time.monotonic() > deadline:
                pytest.fail(f"{block.where()}: no end in {BLOCK_TIMEOUT}s:\n{output}")
            time.sleep(0.02)

    def close(self) -> None:
        assert self.process.stdin is not None
        with suppress(BrokenPipeError):  # bash may have exited already
            self.process.stdin.close()  # the end of its input: bash exits
        if self.process.poll() is None:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()


def run_python(block: Block, session: Session, scratch: Path) -> str:
    first, _, body = block.code.partition("\n")
    name = first.removeprefix("# ").strip()
    if re.fullmatch(r"(conftest|test_\w+)\.py", name):
        (session.directory / name).write_text(body)
        if not name.startswith("test_"):
            return ""
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", name]
        offset = 1
    else:
        script = scratch / f"block-{uuid.uuid4().hex[:8]}.py"
        script.write_text(block.code)
        command, name, offset = [sys.executable, str(script)], script.name, 0
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=session.directory,
        env=session.environment,
        timeout=BLOCK_TIMEOUT,
        check=False,
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        lines = re.findall(rf'File "[^"]*{re.escape(name)}", line (\d+)', output)
        lines += re.findall(rf"{re.escape(name)}:(\d+): ", output)
        where = block.where(int(lines[-1]) + offset) if lines else block.where()
        pytest.fail(f"{where}: the example failed:\n{output}", pytrace=False)
    return output


@dataclass
class Background:
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def start_server_block(block: Block, code: str, session: Session, scratch: Path) -> Background:
    port = free_port()
    script = scratch / f"serve-{port}.sh"
    script.write_text(code)
    log_path = scratch / f"serve-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["bash", "-e", "-o", "pipefail", str(script)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=session.directory,
            env={**session.environment, "HEYMARKET_PORT": str(port)},
            start_new_session=True,
        )
    background = Background(process, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{block.where()}: the server exited:\n{log_path.read_text()}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/v1/team", timeout=1, verify=shared_tls())
            return background
        except httpx.TransportError:
            time.sleep(0.1)
    background.stop()
    pytest.fail(f"{block.where()}: no server on port {port} in 60s:\n{log_path.read_text()}")


def banner_exports(log: str) -> str:
    """The ``export`` lines of the server's first-start banner, as the reader pastes them."""
    lines = [line.strip() for line in log.splitlines() if line.strip().startswith("export ")]
    assert any("HEYMARKET_SECRET_ID=" in line for line in lines), log
    return "\n".join(lines) + "\n"


@pytest.fixture
def postgres_url() -> Iterator[str | None]:
    """A new PostgreSQL database for the README's PostgreSQL example, or None without one."""
    reason = postgres_unavailable_reason()
    if reason:
        if os.environ.get("CI") == "true":
            service_missing("PostgreSQL", reason)
        warnings.warn(f"the PostgreSQL example is not run: {reason}", stacklevel=1)
        yield None
        return
    with postgres_database("docs") as url:
        yield url


def test_the_examples_run_top_to_bottom(tmp_path: Path, postgres_url: str | None) -> None:
    for tool in ("curl", "jq"):
        if shutil.which(tool) is None:
            service_missing(tool, "not on PATH")
    reader, scratch = tmp_path / "reader", tmp_path / "scratch"
    reader.mkdir()
    scratch.mkdir()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HEYMARKET_")},
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    with ExitStack() as stack:
        server = RunningServer.start(
            str(reader / "heymarket-contacts.db"), {}, scratch / "server.log", "--emulator"
        )
        stack.callback(server.stop)
        session = Session(reader, scratch, environment)
        stack.callback(session.close)
        banner = Block(
            "the server's banner", 1, "shell", banner_exports(server.log_path.read_text())
        )
        session.run(banner, banner.code)
        for block in all_blocks():
            code = block.code.replace(LOCAL_SERVER, server.base_url)
            if block.kind == "shell":
                session.run(block, code)
            elif block.kind == "python":
                run_python(block, session, scratch)
            elif block.kind == "serve":
                if POSTGRES_PLACEHOLDER in code:
                    if postgres_url is None:
                        continue
                    code = code.replace(POSTGRES_PLACEHOLDER, postgres_url)
                stack.callback(start_server_block(block, code, session, scratch).stop)
