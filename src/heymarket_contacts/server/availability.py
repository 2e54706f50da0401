"""Whether a dependency (the database, Redis) answers, as the calls to it found.

A call that finds the dependency unreachable reports it (:meth:`Availability.failed`). One
failure may be a single dropped connection, so a probe thread checks at once: if the probe
fails too, the dependency is down, which is logged once, and callers stop trying it
(:attr:`Availability.down`) instead of each waiting for it. The thread probes again every
``interval`` seconds; when a probe succeeds (and ``on_up`` has made the dependency usable
again) it is up, logged once. ``on_down`` runs when it goes down, in the probe thread; ``on_up``
also runs after a false alarm (the first probe succeeded), to drop what else the loss broke.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("heymarket_contacts.availability")

#: Seconds between probes of a dependency that is down.
PROBE_INTERVAL = 0.25


def _nothing() -> None:
    return None


class Availability:
    def __init__(
        self,
        name: str,
        probe: Callable[[], None],
        *,
        on_down: Callable[[], None] = _nothing,
        on_up: Callable[[], None] = _nothing,
        interval: float = PROBE_INTERVAL,
    ) -> None:
        self.name = name
        self._probe = probe
        self._on_down = on_down
        self._on_up = on_up
        self._interval = interval
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._probing = False
        self._down_since: float | None = None

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def failed(self, reason: str) -> None:
        """A call found the dependency unreachable: have it probed, unless that is under way."""
        with self._lock:
            if self._probing or self._stopped.is_set():
                return
            self._probing = True
        threading.Thread(
            target=self._watch, args=(reason,), name=f"probe {self.name}", daemon=True
        ).start()

    def stop(self) -> None:
        """No more probes (the dependency's client is closing)."""
        self._stopped.set()

    def _watch(self, reason: str) -> None:
        try:
            if self._answers():
                self._usable_again()  # a false alarm: one connection was lost, not the server
                return
            self._down_since = time.monotonic()
            log.warning("%s is unavailable: %s", self.name, reason)
            self._on_down()
            while not self._stopped.wait(self._interval):
                if self._answers() and self._usable_again():
                    seconds = time.monotonic() - self._down_since
                    self._down_since = None
                    log.warning("%s is back after %.1f s", self.name, seconds)
                    return
        finally:
            with self._lock:
                self._probing = False

    def _answers(self) -> bool:
        try:
            self._probe()
        except Exception:
            return False
        return True

    def _usable_again(self) -> bool:
        try:
            self._on_up()
        except Exception as error:
            log.debug("%s answers but is not usable yet: %s", self.name, error)
            return False
        return True
