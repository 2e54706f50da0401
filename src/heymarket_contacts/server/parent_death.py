"""A worker process ends when the ``serve`` process that started it dies.

Granian's workers are child processes. When ``serve`` itself is killed with ``kill -9`` (or
dies of anything it cannot clean up after), nothing tells its workers: they go on answering
on the port, so a new ``serve`` there refuses to start (the port is in use) and the old ones
keep the database open. On Linux, ``prctl(PR_SET_PDEATHSIG)`` asks the kernel to kill the
worker (``SIGKILL``) when its parent goes. Elsewhere this does nothing.

``SIGKILL``, not ``SIGTERM``: a worker's own handling of ``SIGTERM`` cannot be relied on at
that moment. A forked worker that is still loading the app has inherited its parent's handler,
which only notes the signal; and Granian's worker can hang for good in its handler when the
signal comes while the app's lifespan is starting (seen in about 1 of 30 kills in the first
second). Nothing is lost by it: an answer leaves only after its commit, and a transaction cut
short is rolled back.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys

log = logging.getLogger("heymarket_contacts.server")

_PR_SET_PDEATHSIG = 1


def stop_with_parent() -> None:
    """From now on, kill this process when its parent dies (Linux). Called while the worker
    loads the app, before it opens anything: if the parent is gone already, the worker exits
    at once."""
    if not sys.platform.startswith("linux"):
        return
    parent = _parent_at_start()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        log.warning("a worker cannot follow its server's exit: %s", os.strerror(ctypes.get_errno()))
        return
    if os.getppid() != parent:  # the parent died before the request was made
        log.warning("the server process %d is gone: its worker %d exits", parent, os.getpid())
        logging.shutdown()
        os._exit(1)


def _parent_at_start() -> int:
    """The process that started this one. ``os.getppid()`` alone would already name whoever
    adopted it, were the parent dead by now; a worker that ``multiprocessing`` started (as
    Granian starts its workers) knows its parent's pid from the start."""
    parent = multiprocessing.parent_process()
    if parent is not None and parent.pid:
        return parent.pid
    return os.getppid()
