"""The access log: one line a request, kept in memory and written in batches.

Through :mod:`logging`, an access line costs a record, a handler lock, a formatter and a
``write`` of its own: about half the time of the request it describes. While the server
serves, :class:`AccessLog` instead keeps each request's fields in a queue, and a thread of its
own formats what has gathered every ``FLUSH_SECONDS`` and writes it with one ``write``. The
lines are those of the log's formatters (``logs.TEXT_FORMAT`` or the JSON object), fields
escaped as :func:`~.logs.log_access` escapes them. They reach the log within
``FLUSH_SECONDS`` of the answer, and at shutdown the rest is written; a process killed with
``kill -9`` loses the lines of its last ``FLUSH_SECONDS``. Before :meth:`AccessLog.start` (an
app driven in-process, with no lifespan) each line goes through :mod:`logging` at once.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections import deque
from typing import NamedTuple, TextIO

import msgspec

from .logs import ACCESS_LOGGER, access_log, escape_for_log, log_access, utc_time

#: How long a line may wait in memory before it is written.
FLUSH_SECONDS = 0.05


class AccessLine(NamedTuple):
    created: float
    request_id: str
    method: str
    route: str
    path: str
    status: int
    duration_ms: float
    team_id: int | None
    client_request_id: str | None


class AccessLog:
    """Each answered request's line, written in batches by a thread of its own."""

    def __init__(self, *, json: bool, stream: TextIO | None = None) -> None:
        self._json = json
        self._stream = stream
        self._pending: deque[AccessLine] = deque()
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        #: The text format's time of the last second seen: ``strftime`` once a second.
        self._second = -1
        self._second_text = ""

    def add(
        self, *, request_id: str, method: str, route: str, path: str, status: int,
        started: float, team_id: int | None, client_request_id: str | None,
    ) -> None:  # fmt: skip
        """The line of a request that began at ``started`` (``time.perf_counter``)."""
        if self._thread is None:
            log_access(
                request_id=request_id, method=method, route=route, path=path, status=status,
                started=started, team_id=team_id, client_request_id=client_request_id,
            )  # fmt: skip
            return
        if not access_log.isEnabledFor(logging.INFO):
            return
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        line = AccessLine(
            time.time(), request_id, method, route, path, status, duration_ms, team_id,
            client_request_id,
        )  # fmt: skip
        self._pending.append(line)

    async def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="heymarket-access-log", daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping = True
        self._wake.set()
        thread.join()
        self._write_pending()

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait(FLUSH_SECONDS)
            self._write_pending()

    def _write_pending(self) -> None:
        pending = self._pending
        lines: list[str] = []
        while pending:
            lines.append(self._format(pending.popleft()))
        if not lines:
            return
        stream = self._stream or sys.stderr
        try:
            stream.write("".join(lines))
            stream.flush()
        except (OSError, ValueError):  # a closed or broken log stream: the lines are lost
            return

    def _format(self, line: AccessLine) -> str:
        method, route, path = (escape_for_log(x) for x in (line.method, line.route, line.path))
        message = (
            f"{line.request_id} {method} {route} {line.status} {line.duration_ms:.1f}ms"
            f" team={line.team_id or '-'} path={path}"
            f" client_request_id={line.client_request_id or '-'}"
        )
        if not self._json:
            return f"{self._text_time(line.created)} INFO {ACCESS_LOGGER}: {message}\n"
        record: dict[str, object] = {
            "time": utc_time(line.created), "level": "info", "logger": ACCESS_LOGGER,
            "message": message, "request_id": line.request_id, "method": method,
            "route": route, "status": line.status, "duration_ms": line.duration_ms,
        }  # fmt: skip
        if line.team_id is not None:
            record["team_id"] = line.team_id
        record["path"] = path
        if line.client_request_id is not None:
            record["client_request_id"] = line.client_request_id
        return msgspec.json.encode(record).decode() + "\n"

    def _text_time(self, created: float) -> str:
        """``logging``'s default ``asctime``: local time, then ``,`` and milliseconds."""
        second = int(created)
        if second != self._second:
            self._second = second
            self._second_text = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
        return f"{self._second_text},{int((created - second) * 1000):03d}"
