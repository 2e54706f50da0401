"""Figures: medians with their min-max across runs, ratios, the table a run prints."""

# ruff: noqa: S603 (the bench starts local tools: wrk, nginx, taskset, py-spy)

from __future__ import annotations

import platform
import sqlite3
import statistics
import subprocess
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

from .load import WrkRun


@dataclass
class Spread:
    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        return cls(statistics.median(values), min(values), max(values))

    def text(self, digits: int = 0) -> str:
        if self.low == self.high:
            return f"{self.median:,.{digits}f}"
        return f"{self.median:,.{digits}f} ({self.low:,.{digits}f}–{self.high:,.{digits}f})"  # noqa: RUF001


@dataclass
class Row:
    """One scenario: its throughput and latency figures, and what it is compared with."""

    scenario: str
    rps: Spread | None = None
    p50_ms: Spread | None = None
    p99_ms: Spread | None = None
    #: Name of the baseline rows this one is divided by.
    baselines: tuple[str, ...] = ()
    #: Scenario-specific figures (contacts/s, page latencies, MB), shown as text.
    extra: dict[str, Any] = field(default_factory=dict)
    runs: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of_runs(cls, scenario: str, runs: list[WrkRun], baselines: tuple[str, ...] = ()) -> Row:
        return cls(
            scenario,
            rps=Spread.of([run.rps for run in runs]),
            p50_ms=Spread.of([run.p50_ms for run in runs]),
            p99_ms=Spread.of([run.p99_ms for run in runs]),
            baselines=baselines,
            runs=[{**asdict(run), "rps": run.rps} for run in runs],
        )


def ratio_text(row: Row, rows: dict[str, Row]) -> str:
    parts = []
    for name in row.baselines:
        baseline = rows.get(name)
        if row.rps and baseline and baseline.rps:
            parts.append(f"{100 * row.rps.median / baseline.rps.median:.0f} % of {name}")
    return "; ".join(parts)


def table(rows: dict[str, Row]) -> str:
    lines = [
        "| scenario | req/s median (min–max) | p50 ms | p99 ms | vs baselines | other |",  # noqa: RUF001
        "|---|---|---|---|---|---|",
    ]
    for row in rows.values():
        extra = "; ".join(f"{name} {value}" for name, value in row.extra.items())
        lines.append(
            f"| {row.scenario} | {row.rps.text() if row.rps else '—'} "
            f"| {row.p50_ms.text(2) if row.p50_ms else '—'} "
            f"| {row.p99_ms.text(2) if row.p99_ms else '—'} "
            f"| {ratio_text(row, rows) or '—'} | {extra or '—'} |"
        )
    return "\n".join(lines)


def machine() -> dict[str, str]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpu": model,
        "cores": str(len(__import__("os").sched_getaffinity(0))),
        "memory": f"{memory_kb / 1024 / 1024:.0f} GiB",
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "granian": version("granian"),
        "starlette": version("starlette"),
        "wrk": _tool_version(["wrk", "-v"]),
        "nginx": _tool_version(["nginx", "-v"]),
    }


def _tool_version(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        return "not installed"
    return (done.stdout + done.stderr).strip().splitlines()[0] if done.stdout + done.stderr else ""
