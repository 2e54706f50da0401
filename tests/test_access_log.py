"""The batched access log: the same lines as the log's formatters make, in order, all of
them written by shutdown; through ``logging`` at once before it is started."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import time
from collections.abc import Iterator

import pytest

from heymarket_contacts.server.access_log import AccessLog
from heymarket_contacts.server.logs import ACCESS_LOGGER, JsonFormatter, TextFormatter, log_access

REQUEST = {
    "request_id": "0123456789abcdef", "method": "GET", "route": "/v1/contact/{id}",
    "path": "/v1/contact/7\r\nFORGED \x1b[31m", "status": 404, "team_id": 12,
    "client_request_id": "abc-1",
}  # fmt: skip
TEXT_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ")


@pytest.fixture
def access_level() -> Iterator[None]:
    logger = logging.getLogger(ACCESS_LOGGER)
    level = logger.level
    logger.setLevel(logging.INFO)
    yield
    logger.setLevel(level)


def _through_logging(formatter: logging.Formatter, **changes: object) -> str:
    """The line ``logging`` writes for ``REQUEST`` with ``formatter``."""
    logger = logging.getLogger(ACCESS_LOGGER)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        log_access(**{**REQUEST, **changes}, started=time.perf_counter())  # type: ignore[arg-type]
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
    return stream.getvalue()


def _batched(json_lines: bool, count: int = 1, **changes: object) -> str:
    stream = io.StringIO()
    access = AccessLog(json=json_lines, stream=stream)

    async def serve() -> None:
        await access.start()
        for _ in range(count):
            access.add(**{**REQUEST, **changes}, started=time.perf_counter())  # type: ignore[arg-type]
        await access.stop()

    asyncio.run(serve())
    return stream.getvalue()


def _without_duration(line: str) -> str:
    return re.sub(r" \d+\.\dms ", " 0.0ms ", line)


@pytest.mark.usefixtures("access_level")
@pytest.mark.parametrize("team_id", [12, None])
def test_a_text_line_is_the_one_the_text_formatter_makes(team_id: int | None) -> None:
    batched = _batched(False, team_id=team_id)
    through_logging = _through_logging(TextFormatter(), team_id=team_id)
    assert TEXT_TIME.match(batched)
    assert TEXT_TIME.match(through_logging)
    assert _without_duration(TEXT_TIME.sub("", batched)) == _without_duration(
        TEXT_TIME.sub("", through_logging)
    )
    assert "\r" not in batched
    assert "\x1b" not in batched
    assert batched.count("\n") == 1


@pytest.mark.usefixtures("access_level")
@pytest.mark.parametrize("changes", [{}, {"team_id": None, "client_request_id": None}])
def test_a_json_line_is_the_one_the_json_formatter_makes(changes: dict[str, object]) -> None:
    batched = json.loads(_batched(True, **changes))
    through_logging = json.loads(_through_logging(JsonFormatter(), **changes))
    for line in (batched, through_logging):
        line["time"], line["duration_ms"] = "", 0
        line["message"] = _without_duration(line["message"])
    assert list(batched) == list(through_logging)
    assert batched == through_logging


@pytest.mark.usefixtures("access_level")
def test_every_line_is_written_in_order_by_the_time_it_stops() -> None:
    written = _batched(False, count=5000, status=200).splitlines()
    assert len(written) == 5000
    ids = [line.split(": ", 1)[1].split()[0] for line in written]
    assert ids == [REQUEST["request_id"]] * 5000


def test_before_it_starts_each_line_goes_through_logging(caplog: pytest.LogCaptureFixture) -> None:
    stream = io.StringIO()
    access = AccessLog(json=False, stream=stream)
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        access.add(**REQUEST, started=time.perf_counter())  # type: ignore[arg-type]
    assert [r.name for r in caplog.records] == [ACCESS_LOGGER]
    assert stream.getvalue() == ""


def test_nothing_is_written_below_its_level() -> None:
    logger = logging.getLogger(ACCESS_LOGGER)
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        assert _batched(False, count=3) == ""
    finally:
        logger.setLevel(level)
