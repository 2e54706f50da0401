"""``make bench``: every scenario of the benchmark, against baselines measured in the same run.

Settings (environment variables):

- ``BENCH_SCALE`` (default 1): multiplies every data size (100,000 contacts for the GET and
  write scenarios, 1,000,000 for the walk and the RSS, 100,000 per import); 0.1 for a quick run.
- ``BENCH_SECONDS`` (default 10) and ``BENCH_RUNS`` (default 3): each wrk run, how many runs.
- ``BENCH_CONNECTIONS`` (default 64): wrk connections.
- ``BENCH_ONLY``: a comma list of parts to run: ``get``, ``writes``, ``walk``, ``postgres``,
  ``emulator`` (the GET with the emulator off and on, and the reset of a team), ``webhooks``
  (the GET and the POST with and without 3 subscriptions to a receiver that answers in 1 s,
  the delay from a POST's answer to its event's arrival, the drain of the outbox).
- ``BENCH_POSTGRES_URL``: a database the bench may create databases through (default
  ``HEYMARKET_TEST_POSTGRES_URL``, else ``postgresql://127.0.0.1:5432/test``).
- ``BENCH_PROFILE=1``: also record py-spy profiles of the GET, the POST and the import, and
  with ``webhooks`` of a POST run with and without the subscriptions (needs root).
"""

# ruff: noqa: S603 (the bench starts local tools: wrk, nginx, taskset, py-spy)

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from .report import Row, machine, table
from .scenarios import Bench, Config

RESULTS = Path(__file__).resolve().parent.parent / "bench-results"
APT_PACKAGES = ("wrk", "nginx-light", "util-linux")


def ensure_tools() -> None:
    """wrk (and nginx, for the machine's ceiling) from Debian's packages, when missing."""
    missing = [tool for tool in ("wrk", "nginx", "taskset") if shutil.which(tool) is None]
    if not missing:
        return
    if os.geteuid() != 0:
        sys.exit(f"missing {', '.join(missing)}: run `apt-get install -y wrk nginx-light` as root")
    print(f"installing {', '.join(missing)} from Debian's packages", flush=True)
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", *APT_PACKAGES]):
        subprocess.run(command, check=False, stdout=subprocess.DEVNULL, env=environment)
    if shutil.which("wrk") is None or shutil.which("taskset") is None:
        sys.exit("could not install wrk and taskset from Debian's packages")


def main() -> None:
    ensure_tools()
    config = Config.from_environment(os.environ)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    out = RESULTS / stamp
    out.mkdir(parents=True)
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="heymarket-bench-") as scratch:
        bench = Bench(config, Path(scratch), out)
        try:
            bench.run()
        finally:
            bench.stop_all()
            report(bench.rows, config, out, f"{stamp} ({time.monotonic() - began:.0f} s)")


def report(rows: dict[str, Row], config: Config, out: Path, title: str) -> None:
    """The table of the run (of what finished, if it stopped early), printed and saved."""
    summary = (
        f"# Bench run {title}\n\n"
        + "\n".join(f"- {name}: {value}" for name, value in machine().items())
        + f"\n- settings: {config.describe()}\n\n"
        + table(rows)
        + "\n"
    )
    (out / "summary.md").write_text(summary)
    (out / "results.json").write_text(
        json.dumps({name: asdict(row) for name, row in rows.items()}, indent=2)
    )
    print("\n" + summary)
    print(f"results in {out}")


if __name__ == "__main__":
    main()
