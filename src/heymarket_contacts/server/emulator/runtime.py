"""The emulator's hooks into the request pipeline: the clock, fault rules and the journal.

- :class:`EmulatorClock` is the server's clock when the emulator is on: real time plus an
  offset, or a frozen instant (token times, ``created``/``updated`` and the rate window).
- :meth:`Emulator.intercept` runs after authentication: the first matching fault rule delays
  the request, answers it with an error, or drops the connection; a faulted request reaches
  no operation, so it writes nothing.
- :meth:`Emulator.record` is a pipeline observer: every API request, answered, lands in the
  journal, its bodies cut at 64 KiB and never a credential.
"""

from __future__ import annotations

import fnmatch
import hmac
import random
import threading
from collections.abc import MutableMapping, Sequence
from typing import Any

import anyio
import msgspec
from starlette.requests import Request

from ...emulator_models import ClockAnswer, FaultRule
from ..clock import rfc3339, system_clock
from ..errors import ApiError, Denied
from ..metrics import is_loopback
from ..pipeline import DropConnection, Exchange
from ..principal import Principal
from .state import EmulatorState, StoredFault

#: How much of a body the journal keeps.
BODY_LIMIT = 64 * 1024
#: The error code a fault's status answers with when it names none.
DEFAULT_CODES = {
    400: "bad_data", 401: "unauthorized", 403: "denied", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 412: "precondition_failed",
    413: "payload_too_large", 429: "rate_limited", 500: "server_error", 503: "unavailable",
}  # fmt: skip


class EmulatorClock:
    """Microseconds since the epoch as the emulator says: frozen, or real plus an offset."""

    def __init__(self, state: EmulatorState) -> None:
        self._state = state

    def __call__(self) -> int:
        clock = self._state.clock()
        if clock.frozen_us is not None:
            return clock.frozen_us
        return system_clock() + clock.offset_us

    def seconds(self) -> float:
        return self() / 1_000_000

    def answer(self) -> ClockAnswer:
        clock = self._state.clock()
        now = self()
        offset_us = clock.offset_us if clock.frozen_us is None else now - system_clock()
        return ClockAnswer(
            now=rfc3339(now), frozen=clock.frozen_us is not None, offset_s=offset_us / 1_000_000
        )


class FaultAnswer(ApiError):
    """The error a fault rule answers with."""

    def __init__(self, status: int, code: str, message: str, retry_after: int | None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self._retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {} if self._retry_after is None else {"Retry-After": str(self._retry_after)}


class Emulator:
    def __init__(
        self, state: EmulatorState, *, token: str | None, journal_size: int, seed: int | None
    ) -> None:
        self.state = state
        self.clock = EmulatorClock(state)
        self.journal_size = journal_size
        self._token = token
        self._random = random.Random(seed)  # noqa: S311 (fault draws, not secrets)
        self._random_lock = threading.Lock()

    # --- who may call the control plane -----------------------------------------------------

    def check_access(self, request: Request) -> None:
        """A 403 unless the control call may be made: with ``--emulator-token``, that bearer
        token from any address; without, a loopback client."""
        if self._token is not None:
            sent = request.headers.get("authorization", "")
            if not hmac.compare_digest(sent.encode(), f"Bearer {self._token}".encode()):
                raise Denied("the emulator control plane needs Authorization: Bearer <token>")
            return
        client = request.scope.get("client")
        if not client or not is_loopback(client[0]):
            raise Denied("the emulator control plane answers loopback clients only")

    # --- faults -----------------------------------------------------------------------------

    async def intercept(self, request: Request, principal: Principal) -> None:
        stored = self._matching(request.scope, principal.team_id)
        if stored is None:
            return
        rule = msgspec.convert(stored.rule, FaultRule)
        if rule.probability is not None and not self._draw(rule.probability):
            return
        if not self.state.fire(stored.id):
            return
        request.scope["state"]["fault"] = _describe(rule, stored.id)
        if rule.delay_ms:
            await anyio.sleep(rule.delay_ms / 1000)
        if rule.drop:
            raise DropConnection
        if rule.status is not None:
            code = rule.error or DEFAULT_CODES.get(rule.status, "server_error")
            message = rule.message or f"fault rule {stored.id} answered {rule.status}"
            raise FaultAnswer(rule.status, code, message, rule.retry_after)

    def _matching(self, scope: MutableMapping[str, Any], team_id: int) -> StoredFault | None:
        for fault in self.state.faults():
            if fault.remaining is not None and fault.remaining <= 0:
                continue
            rule = fault.rule
            if rule.get("method") and rule["method"].upper() != scope["method"]:
                continue
            if rule.get("team_id") is not None and rule["team_id"] != team_id:
                continue
            if fnmatch.fnmatchcase(scope["path"], rule["path"]):
                return fault
        return None

    def _draw(self, probability: float) -> bool:
        with self._random_lock:
            return self._random.random() < probability

    # --- the journal ------------------------------------------------------------------------

    def record(self, exchange: Exchange) -> None:
        if not exchange.is_api:
            return
        entry = {
            "time": rfc3339(self.clock()), "method": exchange.method, "path": exchange.path,
            "query": exchange.query, "status": exchange.status, "team_id": exchange.team_id,
            "request_id": exchange.request_id,
            "duration_ms": round(exchange.seconds * 1000, 3),
            "request_body": journal_body(exchange.request_body),
            "response_body": journal_body(exchange.response_body or None),
            "fault": exchange.fault,
        }  # fmt: skip
        self.state.record(entry, self.journal_size)

    def entries(self, *, since: int, limit: int) -> list[dict[str, Any]]:
        return self.state.entries(since=since, limit=limit, keep=self.journal_size)


def journal_body(raw: bytes | None) -> Any:
    """A body as the journal keeps it: its JSON value, or, over 64 KiB or not JSON, its text
    cut to 64 KiB, ending in a note of how long it was."""
    if raw is None:
        return None
    if len(raw) <= BODY_LIMIT:
        try:
            return msgspec.json.decode(raw)
        except msgspec.DecodeError:
            pass
    text = raw[:BODY_LIMIT].decode("utf-8", "replace")
    if len(raw) > BODY_LIMIT:
        text += f"... [cut: {len(raw)} bytes in all]"
    return text


def _describe(rule: FaultRule, fault_id: int) -> str:
    parts = [f"rule {fault_id}"]
    if rule.delay_ms:
        parts.append(f"delay {rule.delay_ms} ms")
    if rule.drop:
        parts.append("drop")
    elif rule.status is not None:
        parts.append(f"status {rule.status}")
    return ", ".join(parts)


def faults_answer(faults: Sequence[StoredFault]) -> list[dict[str, Any]]:
    """The rules as ``GET /_emulator/faults`` lists them."""
    return [
        {"id": fault.id, **fault.rule, "fired": fault.fired, "remaining": fault.remaining}
        for fault in faults
    ]
