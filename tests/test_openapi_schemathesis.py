"""schemathesis against a real server, on both databases: every operation of /openapi.json,
stateless (examples, coverage, fuzzing) and stateful (following the document's links), with
every check. No answer may be a 5xx or stray from the document, no schema-valid request may be
refused and no schema-violating one taken (as refined by schemathesis_hooks.py).

The short run is part of ``make test`` (seeded, a few examples an operation); the full run,
many more examples, is behind ``make chaos`` and prints its figures.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from support import Canary, RunningServer, TeamCredentials, TeamFactory, shared_tls

HOOKS = Path(__file__).with_name("schemathesis_hooks.py")
ST = Path(sys.executable).with_name("st")
PHASES = ("examples", "coverage", "fuzzing", "stateful")
OPERATIONS = 36
SEED = 20261204


@dataclass(frozen=True)
class Run:
    """What one ``st run`` found: its JSON report, and its output for a failure message."""

    report: dict[str, Any]
    output: str
    seconds: float
    #: CPU time of ``st`` itself (user and system): the part of ``seconds`` that is not
    #: waiting for the server or for a busy machine.
    cpu_seconds: float

    @property
    def figures(self) -> str:
        cases = self.report["test_cases"]
        return (
            f"{self.report['operations']['tested']} operations, {cases['generated']} cases,"
            f" {cases['with_failures']} with failures ({cases['unique_failures']} unique),"
            f" {cases['errored']} errored, {len(self.report['errors'])} errors,"
            f" in {self.seconds:.1f} s ({self.cpu_seconds:.1f} s of CPU for schemathesis)"
        )


@pytest.fixture
def fuzzed_server(
    database_url: str, server_environment: dict[str, str], canary: Canary, tmp_path: Path
) -> Iterator[RunningServer]:
    """A server on the session's database with the rate limit off: a run sends thousands of
    requests a minute for one team."""
    log_path = tmp_path / "server.log"
    running = RunningServer.start(database_url, server_environment, log_path, "--rate-limit", "0")
    try:
        yield running
    finally:
        running.stop()
        canary.assert_absent_from(log_path.read_text(errors="replace"), where="the server log")


def st_run(
    location: str, server: RunningServer, team: TeamCredentials, tmp_path: Path, *args: str
) -> Run:
    report = tmp_path / "schemathesis.json"
    command = [
        str(ST), "run", location, "--url", server.base_url, "--seed", str(SEED),
        "--exclude-checks", "positive_data_acceptance,negative_data_rejection",
        "--generation-allow-x00", "false", "--generation-database", "none", "--no-color",
        "--report", "json", "--report-json-path", str(report), *args,
    ]  # fmt: skip
    environment = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": str(HOOKS),
        "HM_TEST_SECRET_ID": team.secret_id,
        "HM_TEST_SECRET_KEY": team.secret_key,
    }
    started, cpu = time.monotonic(), _children_cpu()
    # In the test's own directory: st keeps a cache of failures there (.schemathesis/) and
    # replays them first, which would tie one run to the runs before it.
    completed = subprocess.run(
        command, env=environment, cwd=tmp_path, capture_output=True, text=True,
        timeout=3600, check=False,
    )  # fmt: skip
    seconds, cpu = time.monotonic() - started, _children_cpu() - cpu
    output = completed.stdout + completed.stderr
    assert report.exists(), output
    return Run(json.loads(report.read_text()), output, seconds, cpu)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def answered_ok(server: RunningServer, team: TeamCredentials) -> set[str]:
    """The operations the server answered 200 for the run's team, from its access log: a run
    that never got past authentication would have none."""
    done = set()
    for line in server.log_path.read_text(errors="replace").splitlines():
        words = line.split()
        if f"team={team.team_id}" in words and "heymarket_contacts.access:" in words:
            method, route, status = words[words.index("heymarket_contacts.access:") + 2 :][:3]
            if status == "200":
                done.add(f"{method} {route}")
    return done


def assert_clean(run: Run) -> None:
    report = run.report
    if report["exit_code"] != 0:
        print(run.output)  # the failures in full: an assertion's message is cut short
    assert report["operations"]["tested"] == OPERATIONS, run.output
    for phase in PHASES:
        assert report["phases"][phase]["status"] == "success", (phase, run.output)
    assert report["test_cases"]["generated"] > 0
    assert report["failures"] == [], run.output
    assert report["errors"] == [], run.output
    assert report["exit_code"] == 0, run.output


def test_a_short_run_finds_nothing(
    fuzzed_server: RunningServer, make_team: TeamFactory, tmp_path: Path
) -> None:
    team = make_team("Fuzz")
    run = st_run(
        f"{fuzzed_server.base_url}/openapi.json", fuzzed_server, team, tmp_path,
        "--max-examples", "5", "--workers", "1",
    )  # fmt: skip
    print(f"schemathesis, short run: {run.figures}")
    assert_clean(run)
    assert len(answered_ok(fuzzed_server, team)) >= OPERATIONS // 2


def test_the_checks_find_a_schema_that_admits_what_the_server_refuses(
    fuzzed_server: RunningServer, make_team: TeamFactory, tmp_path: Path
) -> None:
    """The harness can fail: a document that no longer says a cursor's form is caught."""
    document = httpx.get(
        f"{fuzzed_server.base_url}/openapi.json", timeout=10, verify=shared_tls()
    ).json()
    loosened = deepcopy(document)
    date = loosened["components"]["schemas"]["ContactListQuery"]["properties"]["date"]
    del date["format"], date["pattern"]
    path = tmp_path / "loosened.json"
    path.write_text(json.dumps(loosened))
    run = st_run(
        str(path), fuzzed_server, make_team("Loose"), tmp_path, "--phases", "coverage,fuzzing",
        "--max-examples", "10", "--include-operation-id", "list_contacts",
    )  # fmt: skip
    codes = {failure["code"] for failure in run.report["failures"]}
    assert codes == {"ST202"}, run.output
    assert "is not an RFC 3339 time" in run.output


@pytest.mark.chaos
def test_a_full_run_finds_nothing(
    fuzzed_server: RunningServer, make_team: TeamFactory, tmp_path: Path
) -> None:
    team = make_team("Fuzz")
    run = st_run(
        f"{fuzzed_server.base_url}/openapi.json", fuzzed_server, team, tmp_path,
        "--max-examples", "200", "--workers", "2",
    )  # fmt: skip
    print(f"\nschemathesis, full run: {run.figures}")
    assert_clean(run)
    assert len(answered_ok(fuzzed_server, team)) >= OPERATIONS // 2
