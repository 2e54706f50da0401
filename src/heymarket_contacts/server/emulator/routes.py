"""The control plane's paths (spec section 9): ``/_emulator/...``, served only with
``--emulator``, each checked by :meth:`.runtime.Emulator.check_access` first."""

from __future__ import annotations

import fnmatch
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from ...emulator_models import (
    ClockChange,
    FaultRule,
    ResetBody,
    ResetResult,
    SeedBody,
    SeedResult,
    SnapshotBody,
    SnapshotInfo,
)
from ..api import Api
from ..clock import parse_rfc3339
from ..errors import BadData, NotFound
from ..http import decode_body, json_response, read_body
from ..routing import SystemRoute
from ..webhooks.subscriptions import WebhookService
from .data import EmulatorData
from .inbound import InboundService
from .runtime import Emulator, faults_answer
from .webhook_routes import WebhookControl

T = TypeVar("T")
Respond = Callable[[Request, Api], Awaitable[Response]]
BODY_LIMIT = 1024 * 1024
#: The journal filters a request may ask for, and their kinds.
JOURNAL_FILTERS = ("method", "path", "status", "team_id", "since", "limit")


def control_routes(
    emulator: Emulator, data: EmulatorData, *, webhooks: WebhookService, inbound: InboundService
) -> list[SystemRoute]:
    control = Control(emulator, data)
    hooks = WebhookControl(webhooks, inbound)
    routes: list[tuple[str, str, Respond]] = [
        ("POST", "/_emulator/reset", control.reset),
        ("POST", "/_emulator/seed", control.seed),
        ("POST", "/_emulator/snapshots", control.snapshot),
        ("GET", "/_emulator/snapshots", control.list_snapshots),
        ("POST", "/_emulator/snapshots/{name}/restore", control.restore),
        ("DELETE", "/_emulator/snapshots/{name}", control.delete_snapshot),
        ("GET", "/_emulator/requests", control.requests),
        ("DELETE", "/_emulator/requests", control.clear_requests),
        ("POST", "/_emulator/faults", control.add_fault),
        ("GET", "/_emulator/faults", control.list_faults),
        ("DELETE", "/_emulator/faults", control.remove_faults),
        ("DELETE", "/_emulator/faults/{id}", control.remove_fault),
        ("POST", "/_emulator/clock", control.set_clock),
        ("GET", "/_emulator/clock", control.get_clock),
        ("POST", "/_emulator/webhooks", hooks.add),
        ("GET", "/_emulator/webhooks", hooks.list_subscriptions),
        ("GET", "/_emulator/webhooks/deliveries", hooks.deliveries),
        ("DELETE", "/_emulator/webhooks/{id}", hooks.remove),
        ("POST", "/_emulator/inbound", hooks.inbound),
    ]
    return [
        SystemRoute(method, path, _guarded(emulator, respond)) for method, path, respond in routes
    ]


def _guarded(emulator: Emulator, respond: Respond) -> Respond:
    async def guarded(request: Request, api: Api) -> Response:
        emulator.check_access(request)
        return await respond(request, api)

    return guarded


async def _body(request: Request, model: type[T], *, optional: bool = False) -> T:
    raw = await read_body(request, BODY_LIMIT)
    if optional and not raw.strip():
        raw = b"{}"
    return decode_body(raw, model)


class Control:
    """Each control call: read its input, call the emulator or its data, answer."""

    def __init__(self, emulator: Emulator, data: EmulatorData) -> None:
        self._emulator = emulator
        self._data = data

    async def reset(self, request: Request, api: Api) -> Response:
        body = await _body(request, ResetBody, optional=True)
        teams = await api.write(self._data.reset, body.team_id)
        self._emulator.state.reset()
        return json_response(ResetResult(teams=teams))

    async def seed(self, request: Request, api: Api) -> Response:
        body = await _body(request, SeedBody)
        result = await api.write(
            self._data.seed, body.team_id, body.contacts, seed=body.seed, tags=body.tags,
            fields=body.fields,
        )  # fmt: skip
        first, last = result.contact_ids
        return json_response(
            SeedResult(team_id=result.team_id, created=result.created, contact_ids=[first, last])
        )

    async def snapshot(self, request: Request, api: Api) -> Response:
        body = await _body(request, SnapshotBody)
        info = await api.write(self._data.snapshot, body.name)
        return json_response(SnapshotInfo(name=info.name, created=info.created))

    async def list_snapshots(self, request: Request, api: Api) -> Response:
        listed = await api.write(self._data.list_snapshots)
        return json_response(
            [SnapshotInfo(name=s.name, created=s.created, bytes=s.bytes) for s in listed]
        )

    async def restore(self, request: Request, api: Api) -> Response:
        await api.write(self._data.restore, request.path_params["name"])
        return json_response("ok")

    async def delete_snapshot(self, request: Request, api: Api) -> Response:
        await api.write(self._data.delete_snapshot, request.path_params["name"])
        return json_response("ok")

    async def requests(self, request: Request, api: Api) -> Response:
        query = journal_query(dict(request.query_params))
        entries = self._emulator.entries(since=query["since"], limit=1_000_000)
        matching = [entry for entry in entries if journal_matches(entry, query)]
        return json_response(matching[: query["limit"]])

    async def clear_requests(self, request: Request, api: Api) -> Response:
        self._emulator.state.clear_journal()
        return json_response("ok")

    async def add_fault(self, request: Request, api: Api) -> Response:
        rule = await _body(request, FaultRule)
        fault_id = self._emulator.state.add_fault(stored_rule(rule), rule.times)
        return json_response({"id": fault_id})

    async def list_faults(self, request: Request, api: Api) -> Response:
        return json_response(faults_answer(self._emulator.state.faults()))

    async def remove_faults(self, request: Request, api: Api) -> Response:
        self._emulator.state.remove_faults()
        return json_response("ok")

    async def remove_fault(self, request: Request, api: Api) -> Response:
        text = request.path_params["id"]
        if not (text.isascii() and text.isdigit() and len(text) < 19):
            raise NotFound(f"no fault rule {text[:64]}")
        if not self._emulator.state.remove_fault(int(text)):
            raise NotFound(f"no fault rule {text}")
        return json_response("ok")

    async def set_clock(self, request: Request, api: Api) -> Response:
        change = await _body(request, ClockChange)
        given = [name for name in ("offset_s", "freeze_at", "advance_s", "real")
                 if getattr(change, name) is not None]  # fmt: skip
        if len(given) != 1:
            raise BadData("send exactly one of offset_s, freeze_at, advance_s or real")
        state = self._emulator.state
        clock = state.clock()
        if change.offset_s is not None:
            state.set_clock(round(change.offset_s * 1_000_000), None)
        elif change.freeze_at is not None:
            try:
                frozen = parse_rfc3339(change.freeze_at)
            except ValueError as error:
                raise BadData(str(error), field="freeze_at") from None
            state.set_clock(clock.offset_us, frozen)
        elif change.advance_s is not None:
            step = round(change.advance_s * 1_000_000)
            if clock.frozen_us is not None:
                state.set_clock(clock.offset_us, clock.frozen_us + step)
            else:
                state.set_clock(clock.offset_us + step, None)
        elif change.real:
            state.set_clock(0, None)
        else:
            raise BadData("real must be true", field="real")
        return json_response(self._emulator.clock.answer())

    async def get_clock(self, request: Request, api: Api) -> Response:
        return json_response(self._emulator.clock.answer())


def stored_rule(rule: FaultRule) -> dict[str, Any]:
    """A fault rule as the state keeps it (``times`` apart), or a 400 when it does nothing or
    asks for two answers."""
    if rule.status is None and not rule.drop and rule.delay_ms is None:
        raise BadData("a fault needs status, drop or delay_ms", field="status")
    if rule.status is not None and rule.drop:
        raise BadData("a fault either answers a status or drops the connection", field="drop")
    return {k: v for k, v in _as_dict(rule).items() if k != "times"}


def _as_dict(rule: FaultRule) -> dict[str, Any]:
    value: dict[str, Any] = msgspec.to_builtins(rule)
    return value


#: The numeric filters: name, lowest, highest, default.
_JOURNAL_NUMBERS = (
    ("status", 0, 599, None), ("team_id", 1, 2**63 - 1, None), ("since", 0, 2**63 - 1, 0),
    ("limit", 1, 1000, 100),
)  # fmt: skip


def journal_query(params: dict[str, str]) -> dict[str, Any]:
    """The journal's filters from the query string, each checked (a 400 names a bad one)."""
    unknown = sorted(set(params) - set(JOURNAL_FILTERS))
    if unknown:
        raise BadData(f"unknown filter {unknown[0]}; use {', '.join(JOURNAL_FILTERS)}",
                      field=unknown[0])  # fmt: skip
    query: dict[str, Any] = {"method": params.get("method"), "path": params.get("path")}
    for name, low, high, default in _JOURNAL_NUMBERS:
        text = params.get(name)
        if text is None or text == "":
            query[name] = default
            continue
        if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
            raise BadData(f"{name} must be a whole number from {low} to {high}", field=name)
        query[name] = int(text)
    return query


def journal_matches(entry: dict[str, Any], query: dict[str, Any]) -> bool:
    if query["method"] and entry["method"] != query["method"].upper():
        return False
    if query["path"] and not fnmatch.fnmatchcase(entry["path"], query["path"]):
        return False
    if query["status"] is not None and entry["status"] != query["status"]:
        return False
    return query["team_id"] is None or entry["team_id"] == query["team_id"]
