"""py-spy profiles of a server under load, and a text summary of where its time goes.

``record`` samples the server's processes (``--subprocesses``) while ``load`` runs, keeps the
raw collapsed stacks and an SVG flame graph, and writes ``summary.txt``: the functions that hold
the most samples, by self time and inclusive of what they call. ``python -m bench.profile
STACKS`` prints the summary of a saved ``stacks.txt`` again.
"""

# ruff: noqa: S603 (the bench starts local tools: wrk, nginx, taskset, py-spy)

from __future__ import annotations

import collections
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .servers import BIN, Server

_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def py_spy() -> str:
    found = shutil.which("py-spy") or str(BIN / "py-spy")
    if not Path(found).exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "py-spy"], check=True)
    return found


def record(server: Server, out: Path, load: Callable[[], Any], *, rate: int = 500) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tool = py_spy()
    recorders = [
        subprocess.Popen(
            [
                tool,
                "record",
                "--pid",
                str(server.process.pid),
                "--subprocesses",
                "--rate",
                str(rate),
                "--format",
                kind,
                "--output",
                str(out / name),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for kind, name in (("raw", "stacks.txt"), ("flamegraph", "flamegraph.svg"))
    ]
    time.sleep(1)
    try:
        load()
    finally:
        for recorder in recorders:
            recorder.send_signal(2)  # SIGINT: py-spy writes its output and exits
        for recorder in recorders:
            recorder.wait(timeout=60)
    summary = summarize((out / "stacks.txt").read_text())
    (out / "summary.txt").write_text(summary)
    print(summary, flush=True)


def short(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    path = match["file"]
    for marker in ("site-packages/", "src/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{match['function']} ({path})"


def summarize(stacks: str, top: int = 30) -> str:
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in stacks.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [short(frame) for frame in stack.split(";")]
        frames = [frame for frame in frames if not frame.startswith(("process ", "thread "))]
        if not frames:
            continue
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    lines = [f"{total} samples of running Python code", "", "self time:"]
    lines += [f"  {100 * n / total:5.1f} %  {name}" for name, n in own.most_common(top)]
    lines += ["", "inclusive (the function and what it calls):"]
    lines += [f"  {100 * n / total:5.1f} %  {name}" for name, n in inclusive.most_common(top * 2)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(summarize(Path(sys.argv[1]).read_text()))
