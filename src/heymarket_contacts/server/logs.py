"""The server's log: one format for every line (ours and Granian's), text or JSON.

Text is ``<time> <LEVEL> <logger>: <message>``; JSON is one object a line with ``time``,
``level``, ``logger`` and ``message``, plus the request's fields on an access line
(``request_id``, ``method``, ``route``, ``status``, ``duration_ms``, ``team_id``, ``path``).
Neither ever holds a header, a token or a body: an access line is built from the method, the
route template, the path (control characters escaped, so a request cannot forge a line), the
status, the time taken and the team.
"""

from __future__ import annotations

import logging
import logging.config
import time
from typing import Any

import msgspec

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
ACCESS_LOGGER = "heymarket_contacts.access"
#: The fields an access line adds to a JSON line, in this order.
ACCESS_FIELDS = (
    "request_id", "method", "route", "status", "duration_ms", "team_id", "path",
    "client_request_id",
)  # fmt: skip

access_log = logging.getLogger(ACCESS_LOGGER)
#: What a log line must not carry raw: C0 controls, DEL, C1 controls, line separators.
_UNSAFE = {
    code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    for code in (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029)
}


def escape_for_log(text: str) -> str:
    """``text`` with control characters (CR, LF, ESC...) written as ``\\xNN`` escapes."""
    return text.translate(_UNSAFE) if not text.isprintable() else text


class JsonFormatter(logging.Formatter):
    """One JSON object a line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": utc_time(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": escape_for_log(record.getMessage()),
        }
        for name in ACCESS_FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return msgspec.json.encode(line).decode()


class TextFormatter(logging.Formatter):
    """``TEXT_FORMAT``, with control characters of the message escaped."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape_for_log(record.message)
        return super().formatMessage(record)


def utc_time(created: float) -> str:
    seconds = int(created)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + (
        f".{int((created - seconds) * 1e6):06d}Z"
    )


def logging_config(level: str, log_format: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the server and for Granian's own loggers, so that
    every line of the process has one format."""
    formatter = "json" if log_format == "json" else "text"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "text": {"()": TextFormatter},
            "json": {"()": JsonFormatter},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": formatter,
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": level.upper(), "handlers": ["console"]},
        "loggers": {
            **{
                name: {"level": level.upper(), "handlers": ["console"], "propagate": False}
                for name in ("_granian", "granian.access")
            },
            # The store logs a database outage once when it begins and once when it ends; the
            # pool's own line for each lost connection and failed attempt would bury those two.
            "psycopg.pool": {"level": "ERROR"},
            # httpx logs each webhook try with its URL, whose path may hold the receiver's
            # secret; the delivery worker logs its failures itself, without the URL.
            "httpx": {"level": "WARNING"},
            "httpcore": {"level": "WARNING"},
        },
    }


def configure_logging(level: str, log_format: str = "text") -> None:
    logging.config.dictConfig(logging_config(level, log_format))


def log_access(
    *, request_id: str, method: str, route: str, path: str, status: int, started: float,
    team_id: int | None, client_request_id: str | None,
) -> None:  # fmt: skip
    """The access line of a request that began at ``started`` (``time.perf_counter``)."""
    if not access_log.isEnabledFor(logging.INFO):
        return
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    method, path, route = escape_for_log(method), escape_for_log(path), escape_for_log(route)
    access_log.info(
        "%s %s %s %d %.1fms team=%s path=%s client_request_id=%s",
        request_id, method, route, status, duration_ms, team_id or "-", path,
        client_request_id or "-",
        extra={
            "request_id": request_id, "method": method, "route": route, "status": status,
            "duration_ms": duration_ms, "team_id": team_id, "path": path,
            "client_request_id": client_request_id,
        },
    )  # fmt: skip
