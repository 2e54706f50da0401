"""Private PostgreSQL and Redis servers that a test may stop, kill and start again.

The shared servers of the suite must never go down, so a test of an outage starts its own: a
PostgreSQL cluster made by ``initdb`` in a temporary directory (as the ``postgres`` user when the
tests run as root, which PostgreSQL refuses to be), on a free loopback port with trust
authentication; a ``redis-server`` subprocess without persistence. Both keep their port when
restarted, so a server under test finds them again where they were.

Use them as context managers::

    with PrivatePostgres.create() as postgres:
        url = postgres.create_database("outage")
        postgres.stop(); postgres.start()
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import redis

from support import free_port, service_missing

POSTGRES_BIN = Path(os.environ.get("HEYMARKET_TEST_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))


class PrivatePostgres:
    """A PostgreSQL cluster of one test: ``start``, ``stop`` (fast shutdown), ``kill``."""

    def __init__(self, directory: Path, port: int, user: str | None, password: str | None) -> None:
        self.directory = directory
        self.port = port
        self.password = password
        self._user = user

    @classmethod
    def create(cls, *, password: str | None = None) -> PrivatePostgres:
        """A new cluster in a new directory of the system's temporary one (which the
        ``postgres`` user can reach, unlike pytest's); not started yet. With ``password`` the
        ``postgres`` role has it and connections must give it; else any connection is trusted."""
        if not (POSTGRES_BIN / "initdb").exists():
            service_missing("PostgreSQL's initdb", f"no {POSTGRES_BIN / 'initdb'}")
        user = "postgres" if os.geteuid() == 0 else None
        if user and not shutil.which("runuser"):
            service_missing("runuser", "needed to run PostgreSQL as a non-root user")
        directory = Path(tempfile.mkdtemp(prefix="private-pg-"))
        if user:
            shutil.chown(directory, user)
        postgres = cls(directory, free_port(), user, password)
        authentication = ["-A", "trust"]
        if password is not None:
            password_file = directory / "password"
            password_file.write_text(password)
            if user:
                shutil.chown(password_file, user)
            authentication = ["-A", "scram-sha-256", f"--pwfile={password_file}"]
        postgres._run(
            "initdb", "-D", str(postgres.data), *authentication, "-U", "postgres", "-E", "UTF8",
            "--no-sync",
        )  # fmt: skip
        return postgres

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def log_path(self) -> Path:
        return self.directory / "postgres.log"

    def url(self, database: str = "postgres", *, password: str | None = None) -> str:
        """The URL of ``database`` as ``postgres``, with ``password`` or else the cluster's."""
        given = password if password is not None else self.password
        credentials = f"postgres:{given}" if given is not None else "postgres"
        return f"postgresql://{credentials}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        """Start the server; returns once it accepts connections."""
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
            " -c fsync=off -c max_connections=50"
        )
        self._pg_ctl("start", "-w", "-t", "30", "-o", options, "-l", str(self.log_path))

    def stop(self) -> None:
        """Shut down fast: sessions are ended, connections closed, then the server stops."""
        self._pg_ctl("stop", "-w", "-m", "fast")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def __enter__(self) -> PrivatePostgres:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.running():
            self._pg_ctl("stop", "-w", "-m", "immediate")
        shutil.rmtree(self.directory, ignore_errors=True)

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), *args)

    def _run(self, program: str, *args: str) -> None:
        command = [str(POSTGRES_BIN / program), *args]
        if self._user:
            command = ["runuser", "-u", self._user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)


class PrivateRedis:
    """A ``redis-server`` of one test: ``start``, ``kill`` (SIGKILL), ``start`` again."""

    def __init__(self) -> None:
        if not shutil.which("redis-server"):
            service_missing("redis-server", "not installed")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url, socket_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait()

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=1)

    def __enter__(self) -> PrivateRedis:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.kill()
