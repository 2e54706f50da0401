"""The wait for a PostgreSQL server that does not answer yet, shown while a command opens the
database: on a terminal one line that counts down, elsewhere a line per attempt."""

from __future__ import annotations

import logging
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from .tables import cut

__all__ = ["database_wait_shown"]

#: The logger the store writes its waits to (``server/store/postgres_connect.py``).
STORE_LOGGER = "heymarket_contacts.store"


class CountdownHandler(logging.Handler):
    """Writes the store's warnings to ``stream``; a countdown record (one with
    ``seconds_left``) on a terminal rewrites the line before it instead of adding one."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(logging.WARNING)
        self.stream = stream
        self.rewrites = stream.isatty()
        self.line_open = False

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if self.rewrites and hasattr(record, "seconds_left"):
            # A line longer than the terminal would wrap, and the carriage return not go back
            # far enough to overwrite it.
            columns = shutil.get_terminal_size().columns
            self.stream.write(f"\r{cut(text, max(columns - 1, 1))}\x1b[K")
            self.line_open = True
        else:
            self.finish()
            self.stream.write(text + "\n")
        self.stream.flush()

    def finish(self) -> None:
        """End the countdown's line, if one is open."""
        if self.line_open:
            self.stream.write("\n")
            self.stream.flush()
            self.line_open = False


@contextmanager
def database_wait_shown() -> Iterator[None]:
    """While the block runs, the store's waits show on stderr."""
    logger = logging.getLogger(STORE_LOGGER)
    handler = CountdownHandler(sys.stderr)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        handler.finish()
