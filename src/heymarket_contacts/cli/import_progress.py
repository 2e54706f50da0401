"""The progress of ``contacts import``, on stderr.

On a terminal: a bar with the rows done, the total and the rows a second; a retry's wait shows
on it (``rate limited: waiting 12 s``) until the next batch moves it. Elsewhere (a pipe, a log
file) only the waits are written, a line each, so that a long ``Retry-After`` is never silent.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from ..client import RetryNotice

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

__all__ = ["ImportProgress", "wait_text"]


def wait_text(notice: RetryNotice) -> str:
    """What a retry waits for, and how long: ``rate limited: waiting 12 s``."""
    seconds = f"{round(notice.delay, 1):g} s"
    if notice.status == 429:
        return f"rate limited: waiting {seconds}"
    reason = "connection error" if notice.status is None else f"status {notice.status}"
    return f"{reason}: retrying in {seconds}"


class ImportProgress:
    """The bar of one import (while :meth:`bar` is open) and the waits of its calls."""

    def __init__(self) -> None:
        self._terminal = sys.stderr.isatty()
        self._bar: ProgressBar[Any] | None = None
        self._note = ""
        self._started = time.monotonic()
        self._sent = 0

    @contextmanager
    def bar(self, total: int, *, unsent: int) -> Iterator[None]:
        """Show the bar, ``unsent`` rows (those that failed before any call) done at once."""
        with click.progressbar(
            length=total, label="Importing", file=sys.stderr, hidden=not self._terminal,
            show_pos=True, item_show_func=self._info,
        ) as bar:  # fmt: skip
            bar.update(unsent)
            self._bar, self._started = bar, time.monotonic()
            try:
                yield
            finally:
                self._bar = None

    def advance(self, rows: int) -> None:
        """``rows`` more rows sent and answered."""
        self._sent += rows
        self._note = ""
        if self._bar is not None:
            self._bar.update(rows)

    def waiting(self, notice: RetryNotice) -> None:
        """The ``on_retry`` hook of the import's client."""
        if self._bar is None or not self._terminal:
            click.echo(wait_text(notice), err=True)
            return
        self._note = wait_text(notice)
        self._bar.render_progress()

    def _info(self, _item: int | None) -> str:
        if self._note:
            return self._note
        elapsed = time.monotonic() - self._started
        return f"{self._sent / elapsed if elapsed > 0 else 0:.0f} rows/s"
