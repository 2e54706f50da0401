"""The server's worker processes as ``/readyz`` sees them: each live worker is a file named by
its process id in a folder ``serve`` makes for the server (``HEYMARKET_WORKERS_DIR``).

A worker adds its file when it starts serving and removes it when it stops; one that dies
(``kill -9``) leaves its file behind, and the next ``/readyz`` of any worker finds that
process gone and removes it. So while a dead worker is being replaced, ``/readyz`` answers
503 with ``"workers": "1 of 2"``. A process id used again by an unrelated process before the
next ``/readyz`` would count as a worker: the window is the respawn, well under a second.
"""

from __future__ import annotations

import os
from pathlib import Path


class WorkerRoster:
    def __init__(self, folder: Path, expected: int) -> None:
        self.folder = folder
        self.expected = expected
        self._pid = os.getpid()

    async def start(self) -> None:
        (self.folder / str(self._pid)).touch()

    async def stop(self) -> None:
        (self.folder / str(self._pid)).unlink(missing_ok=True)

    def alive(self) -> int:
        """How many workers are serving; the files of dead ones are removed on the way."""
        count = 0
        for entry in self.folder.iterdir():
            if not entry.name.isdigit():
                continue
            if _running(int(entry.name)):
                count += 1
            else:
                entry.unlink(missing_ok=True)
        return count


def _running(pid: int) -> bool:
    """Whether ``pid`` is a process that has not exited (a zombie, dead but not yet reaped by
    the server's main process, counts as exited)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the process itself
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    # The state follows the command name, which is in parentheses and may hold any byte.
    return stat[stat.rindex(")") + 2 :][:1] not in ("Z", "X")
