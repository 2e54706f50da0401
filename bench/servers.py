"""The servers a bench run starts: the contacts server, the bare ASGI app and nginx.

Each runs in its own session (process group), so stopping it ends its worker processes too and
nothing else. ``cores`` pins a server (and the workers it forks) with ``taskset``.
"""

# ruff: noqa: S603 (the bench starts local tools: wrk, nginx, taskset, py-spy)

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    stopped: bool = field(default=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: see {self.log}\n{self.log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not listen on {self.port} within {timeout} s")

    def pids(self) -> list[int]:
        """The server's process and every process below it."""
        found, frontier = [], [self.process.pid]
        while frontier:
            pid = frontier.pop()
            found.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*"):
                children = (task / "children").read_text().split()
                frontier.extend(int(child) for child in children)
        return found

    def peak_rss_mb(self) -> dict[int, float]:
        """VmHWM (peak resident set) of each process of the server, in MB."""
        peaks = {}
        for pid in self.pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks[pid] = int(line.split()[1]) / 1024
        return peaks

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _start(
    name: str, command: list[str], port: int, log: Path, *, cores: str | None,
    environment: dict[str, str] | None = None,
) -> Server:  # fmt: skip
    pinned = ["taskset", "-c", cores, *command] if cores else command
    env = {**os.environ, **(environment or {}), "PYTHONPATH": str(REPO)}
    with log.open("wb") as output:
        process = subprocess.Popen(
            pinned, stdout=output, stderr=subprocess.STDOUT, env=env, cwd=REPO,
            start_new_session=True,
        )  # fmt: skip
    server = Server(name, port, process, log)
    try:
        server.wait_ready()
    except BaseException:
        server.stop()
        raise
    return server


def contacts_server(
    database: str, workdir: Path, *, workers: int, cores: str | None,
    environment: dict[str, str], extra_args: tuple[str, ...] = (),
) -> Server:  # fmt: skip
    port = free_port()
    command = [
        str(BIN / "heymarket-contacts"), "serve", "--database", database, "--port", str(port),
        "--workers", str(workers), "--rate-limit", "0", "--log-level", "warning", *extra_args,
    ]  # fmt: skip
    log = workdir / f"server-{port}.log"
    return _start(
        f"contacts server ({workers} worker)",
        command,
        port,
        log,
        cores=cores,
        environment=environment,
    )


def bare_asgi_server(body: Path, workdir: Path, *, workers: int, cores: str | None) -> Server:
    port = free_port()
    command = [sys.executable, "-m", "bench.bare_app", str(port), str(workers), str(body)]
    log = workdir / f"bare-{port}.log"
    return _start(f"bare ASGI ({workers} worker)", command, port, log, cores=cores)


NGINX_CONFIG = """\
{user}worker_processes {workers};
daemon off;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port};
        default_type application/json;
        location / {{ root {root}/static; }}
    }}
}}
"""


def nginx_server(body: Path, workdir: Path, *, workers: int, cores: str | None) -> Server:
    """nginx serving ``body`` as ``/contact.json``, from a config of its own in ``workdir``."""
    port = free_port()
    root = workdir / f"nginx-{port}"
    (root / "static").mkdir(parents=True)
    (root / "static" / "contact.json").write_bytes(body.read_bytes())
    config = root / "nginx.conf"
    # Started as root, nginx's workers would drop to a user that cannot enter the scratch folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    config.write_text(NGINX_CONFIG.format(user=user, workers=workers, root=root, port=port))
    command = ["nginx", "-p", str(root), "-c", str(config), "-e", str(root / "nginx-error.log")]
    return _start(f"nginx ({workers} worker)", command, port, root / "stdout.log", cores=cores)


def receiver_server(workdir: Path, *, cores: str | None) -> Server:
    """The bench's webhook receiver (``bench.receiver``)."""
    port = free_port()
    command = [sys.executable, "-m", "bench.receiver", str(port)]
    log = workdir / f"receiver-{port}.log"
    return _start("webhook receiver", command, port, log, cores=cores)
