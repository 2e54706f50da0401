"""A server worker ends with the process that started it, also when that process died while
the worker was still loading the app (before it asked the kernel to be told, or after, while
the handler of ``SIGTERM`` it inherited from its parent would have swallowed the signal)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

# A parent that starts a child the way Granian starts its workers (multiprocessing, fork) and
# dies at once; the child asks to follow its parent only after that, then would sleep on.
_PARENT = """
import multiprocessing, os, sys, time

def child(pid_file):
    time.sleep(0.5)  # the parent is gone by now
    with open(pid_file, "w") as out:
        out.write(str(os.getpid()))
    from heymarket_contacts.server.parent_death import stop_with_parent
    stop_with_parent()
    time.sleep(60)

multiprocessing.set_start_method("fork")
multiprocessing.Process(target=child, args=(sys.argv[1],)).start()
os._exit(0)
"""


# A parent that, as Granian's main process does, handles SIGTERM itself (its forked child
# inherits the handler), starts the child, and dies once the child has asked to follow it;
# the child then goes on loading (it has not yet put in the handlers it serves with).
_HANDLING_PARENT = """
import multiprocessing, os, signal, sys, time

def child(pid_file, asked):
    from heymarket_contacts.server.parent_death import stop_with_parent
    stop_with_parent()
    with open(pid_file, "w") as out:
        out.write(str(os.getpid()))
    asked.set()
    time.sleep(60)

signal.signal(signal.SIGTERM, lambda *_: None)
multiprocessing.set_start_method("fork")
asked = multiprocessing.Event()
multiprocessing.Process(target=child, args=(sys.argv[1], asked)).start()
asked.wait(30)
os._exit(0)
"""


# As above, but the child then puts in a handler of SIGTERM that does nothing, as a worker
# whose handler hangs (Granian's can, when the signal comes while the app's lifespan starts).
_DEAF_PARENT = _HANDLING_PARENT.replace(
    "    asked.set()\n", "    signal.signal(signal.SIGTERM, lambda *_: None)\n    asked.set()\n"
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
@pytest.mark.parametrize(
    "parent", [_PARENT, _HANDLING_PARENT, _DEAF_PARENT], ids=["before", "after", "deaf"]
)
def test_a_worker_whose_parent_died_while_it_loaded_exits(tmp_path: Path, parent: str) -> None:
    pid_file = tmp_path / "child.pid"
    subprocess.run([sys.executable, "-c", parent, str(pid_file)], check=True, timeout=60)
    deadline = time.monotonic() + 30
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline, "the child never started"
        time.sleep(0.05)
    child = int(pid_file.read_text())
    while _alive(child):
        if time.monotonic() > deadline:
            os.kill(child, 9)
            pytest.fail(f"the child {child} outlived its parent")
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")
