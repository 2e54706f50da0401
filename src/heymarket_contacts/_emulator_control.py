"""The emulator's control plane (spec section 9) as Python methods, over any httpx transport:
what :class:`~heymarket_contacts.testing.LocalServer` exposes and the CLI's ``emulator``
commands call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import httpx
import msgspec

from .emulator_models import (
    ClockAnswer,
    InboundResult,
    JournalEntry,
    ResetResult,
    SeedResult,
    SnapshotInfo,
    WebhookDelivery,
    WebhookSubscription,
)

__all__ = ["ControlError", "EmulatorClockControl", "EmulatorControl"]


class ControlError(Exception):
    """A control call was refused; ``status`` and ``body`` are the server's answer."""

    def __init__(self, status: int, body: Any) -> None:
        message = body.get("message") if isinstance(body, dict) else body
        super().__init__(f"{status}: {message}")
        self.status = status
        self.body = body


class EmulatorControl:
    """Every control call; ``http`` is a client whose base URL is the server's."""

    def __init__(self, http: httpx.Client) -> None:
        self._http = http
        self.clock = EmulatorClockControl(self)

    def call(self, method: str, path: str, *, body: Any = None, params: Any = None) -> Any:
        answer = self._http.request(
            method, f"/_emulator{path}", json=body, params=params, timeout=120
        )
        value = answer.json() if answer.content else None
        if answer.status_code != 200:
            raise ControlError(answer.status_code, value)
        return value

    def reset(self, team_id: int | None = None) -> list[int]:
        """Every team's (or one team's) contacts, tags, fields, notes and the journal, fault
        rules and clock gone; teams, users and secrets stay."""
        body = {} if team_id is None else {"team_id": team_id}
        return msgspec.convert(self.call("POST", "/reset", body=body), ResetResult).teams

    def seed(
        self, contacts: int, *, team_id: int | None = None, seed: int | None = None,
        tags: int = 0, fields: int = 0,
    ) -> SeedResult:  # fmt: skip
        body: dict[str, Any] = {"contacts": contacts, "tags": tags, "fields": fields}
        if team_id is not None:
            body["team_id"] = team_id
        if seed is not None:
            body["seed"] = seed
        return msgspec.convert(self.call("POST", "/seed", body=body), SeedResult)

    def snapshot(self, name: str) -> SnapshotInfo:
        return msgspec.convert(self.call("POST", "/snapshots", body={"name": name}), SnapshotInfo)

    def snapshots(self) -> list[SnapshotInfo]:
        return msgspec.convert(self.call("GET", "/snapshots"), list[SnapshotInfo])

    def restore(self, name: str) -> None:
        self.call("POST", f"/snapshots/{name}/restore")

    def delete_snapshot(self, name: str) -> None:
        self.call("DELETE", f"/snapshots/{name}")

    def requests(
        self, *, method: str | None = None, path: str | None = None, status: int | None = None,
        team_id: int | None = None, since: int | None = None, limit: int = 1000,
    ) -> list[JournalEntry]:  # fmt: skip
        """The journal, oldest first, filtered (``path`` exact or a ``*`` glob)."""
        given = {"method": method, "path": path, "status": status, "team_id": team_id,
                 "since": since, "limit": limit}  # fmt: skip
        params = {name: value for name, value in given.items() if value is not None}
        return msgspec.convert(self.call("GET", "/requests", params=params), list[JournalEntry])

    def clear_requests(self) -> None:
        self.call("DELETE", "/requests")

    def assert_called(
        self, method: str, path: str, times: int | None = None, **match: Any
    ) -> list[JournalEntry]:
        """The journal's calls of ``method`` and ``path`` (a glob) whose fields equal
        ``match`` (``status=200``, ``request_body={...}``...); an ``AssertionError`` saying
        what was called instead when there are none, or not exactly ``times``."""
        calls = [
            entry for entry in self.requests(method=method, path=path)
            if all(getattr(entry, name) == value for name, value in match.items())
        ]  # fmt: skip
        wanted = "at least once" if times is None else f"{times} time(s)"
        if (times is None and not calls) or (times is not None and len(calls) != times):
            seen = [f"{e.method} {e.path} {e.status}" for e in self.requests()][-20:]
            raise AssertionError(
                f"expected {method} {path} {match or ''} {wanted}, found {len(calls)};"
                f" the last calls: {seen}"
            )
        return calls

    def add_fault(self, path: str, **rule: Any) -> int:
        return int(self.call("POST", "/faults", body={"path": path, **rule})["id"])

    def faults(self) -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = self.call("GET", "/faults")
        return listed

    def remove_fault(self, fault_id: int) -> None:
        self.call("DELETE", f"/faults/{fault_id}")

    def remove_faults(self) -> None:
        self.call("DELETE", "/faults")

    @contextmanager
    def fault(self, path: str, **rule: Any) -> Iterator[int]:
        """A fault rule while the block runs (``status=``, ``drop=True``, ``delay_ms=``,
        ``times=``, ``probability=``, ``method=``, ``team_id=``...), removed on exit."""
        fault_id = self.add_fault(path, **rule)
        try:
            yield fault_id
        finally:
            try:
                self.remove_fault(fault_id)
            except ControlError as error:
                if error.status != 404:
                    raise

    # --- webhooks (spec section 10) -----------------------------------------------------------

    def add_webhook(
        self, url: str, *, team_id: int | None = None, events: list[str] | None = None,
        token: str | None = None,
    ) -> WebhookSubscription:  # fmt: skip
        """Subscribe ``url`` to ``events`` (default: ``target_opt_out`` and
        ``target_opt_in``) of the team (default: the first); loopback URLs are allowed."""
        body: dict[str, Any] = {"url": url}
        for name, value in (("team_id", team_id), ("events", events), ("token", token)):
            if value is not None:
                body[name] = value
        return msgspec.convert(self.call("POST", "/webhooks", body=body), WebhookSubscription)

    def webhooks(self) -> list[WebhookSubscription]:
        return msgspec.convert(self.call("GET", "/webhooks"), list[WebhookSubscription])

    def remove_webhook(self, subscription_id: int) -> None:
        self.call("DELETE", f"/webhooks/{subscription_id}")

    def webhook_deliveries(
        self, *, subscription_id: int | None = None, failed: bool = False, limit: int = 100
    ) -> list[WebhookDelivery]:
        params: dict[str, Any] = {"limit": limit}
        if subscription_id is not None:
            params["id"] = subscription_id
        if failed:
            params["failed"] = "true"
        answer = self.call("GET", "/webhooks/deliveries", params=params)
        return msgspec.convert(answer, list[WebhookDelivery])

    def inbound(
        self, phone: str, text: str, *, team_id: int | None = None, inbox_id: int | None = None
    ) -> InboundResult:
        """A text from ``phone``: ``STOP`` opts the contact out, ``START`` back in (an unknown
        phone becomes a contact first)."""
        body: dict[str, Any] = {"phone": phone, "text": text}
        if team_id is not None:
            body["team_id"] = team_id
        if inbox_id is not None:
            body["inbox_id"] = inbox_id
        return msgspec.convert(self.call("POST", "/inbound", body=body), InboundResult)


class EmulatorClockControl:
    """The emulator's clock: ``freeze``, ``advance``, ``offset``, ``real``, ``now``."""

    def __init__(self, control: EmulatorControl) -> None:
        self._control = control

    def _set(self, body: dict[str, Any]) -> ClockAnswer:
        return msgspec.convert(self._control.call("POST", "/clock", body=body), ClockAnswer)

    def freeze(self, at: datetime | str | None = None) -> ClockAnswer:
        """Stop the clock at ``at`` (an aware datetime or RFC 3339 text), else at its now."""
        if at is None:
            at = self.now().now
        text = at if isinstance(at, str) else at.isoformat()
        return self._set({"freeze_at": text})

    def advance(self, seconds: float) -> ClockAnswer:
        return self._set({"advance_s": seconds})

    def offset(self, seconds: float) -> ClockAnswer:
        return self._set({"offset_s": seconds})

    def real(self) -> ClockAnswer:
        return self._set({"real": True})

    def now(self) -> ClockAnswer:
        return msgspec.convert(self._control.call("GET", "/clock"), ClockAnswer)
