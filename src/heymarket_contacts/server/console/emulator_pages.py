"""In emulator mode: the request journal and the fault rules, of the console user's team
only (a rule made here applies to that team's requests alone)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import msgspec
from starlette.responses import Response

from ...emulator_models import FaultRule
from ..errors import BadData, NotFound
from ..http import json_response
from ..validation import convert
from .web import View, redirect

JOURNAL_FORM = ("method", "path", "status", "limit")
#: What the live tail sends of each entry: what the page shows.
TAIL_FIELDS = (
    "seq", "time", "method", "path", "query", "status", "duration_ms", "fault", "request_id",
    "request_text", "response_text",
)  # fmt: skip
FAULT_NUMBERS = ("status", "retry_after", "delay_ms", "times")
FAULT_TEXTS = ("method", "path", "error", "message")


def _emulator(view: View) -> Any:
    if view.console.emulator is None:  # the pages are only routed with --emulator
        raise NotFound("the emulator is off")
    return view.console.emulator


async def journal_page(view: View) -> Response:
    emulator = _emulator(view)
    try:
        given, query = _journal_filters(view, JOURNAL_FORM)
    except BadData as error:
        return view.render(
            "journal.html", status=400, entries=[], filters=_given(view, JOURNAL_FORM),
            errors={error.field or "": error.message}, tail="", since=0,
        )  # fmt: skip
    entries, since = _team_entries(emulator, query, since=0)
    tail = "/console/journal/tail?" + urlencode({k: v for k, v in given.items() if v})
    view.scripts = True
    return view.render(
        "journal.html", entries=entries, filters=given, errors={}, tail=tail, since=since
    )


async def journal_tail(view: View) -> Response:
    """The team's requests after ``since`` that the journal page's filters choose, newest
    first, for the page's live tail; ``since`` in the answer is where to ask from next."""
    emulator = _emulator(view)
    _, query = _journal_filters(view, (*JOURNAL_FORM, "since"))
    entries, since = _team_entries(emulator, query, since=query["since"])
    shown = [{name: entry[name] for name in TAIL_FIELDS} for entry in entries]
    return json_response({"entries": shown, "since": since})


def _given(view: View, names: tuple[str, ...]) -> dict[str, str]:
    return {name: view.value(name).strip() for name in names}


def _journal_filters(view: View, names: tuple[str, ...]) -> tuple[dict[str, str], dict[str, Any]]:
    """What the form gave, and the journal query of it for the console user's team."""
    from ..emulator.routes import journal_query  # noqa: PLC0415 (emulator only)

    given = _given(view, names)
    query = journal_query({name: text for name, text in given.items() if text})
    query["team_id"] = view.principal.team_id
    return given, query


def _team_entries(emulator: Any, query: dict[str, Any], *, since: int) -> tuple[list[Any], int]:
    """The newest ``limit`` entries after ``since`` that match, newest first, and the seq of
    the last entry the journal held."""
    from ..emulator.routes import journal_matches  # noqa: PLC0415 (emulator only)

    entries = emulator.entries(since=since, limit=1_000_000)
    last = entries[-1]["seq"] if entries else since
    matching = [entry for entry in entries if journal_matches(entry, query)]
    shown = list(reversed(matching[-query["limit"] :]))
    for entry in shown:
        entry["request_text"] = _json_text(entry["request_body"])
        entry["response_text"] = _json_text(entry["response_body"])
    return shown, last


def _json_text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else msgspec.json.encode(value).decode()


async def faults_page(view: View, *, status: int = 200, **context: Any) -> Response:
    emulator = _emulator(view)
    team_id = view.principal.team_id
    faults = [
        {"id": fault.id, **fault.rule, "fired": fault.fired, "remaining": fault.remaining}
        for fault in emulator.state.faults()
        if fault.rule.get("team_id") == team_id
    ]
    context.setdefault("errors", {})
    context.setdefault("values", {})
    return view.render("faults.html", status=status, faults=faults, **context)


async def add_fault(view: View) -> Response:
    from ..emulator.routes import stored_rule  # noqa: PLC0415 (emulator only)

    emulator = _emulator(view)
    values = {name: view.value(name).strip() for name in (*FAULT_TEXTS, *FAULT_NUMBERS)}
    values["probability"] = view.value("probability").strip()
    values["drop"] = "on" if view.value("drop") else ""
    try:
        rule = convert(_fault_body(values, view.principal.team_id), FaultRule)
        fault_id = emulator.state.add_fault(stored_rule(rule), rule.times)
    except BadData as error:
        return await faults_page(
            view, status=400, values=values, errors={error.field or "": error.message}
        )
    return redirect(f"/console/faults?added={fault_id}")


def _fault_body(values: dict[str, str], team_id: int) -> dict[str, Any]:
    body: dict[str, Any] = {"team_id": team_id, "drop": bool(values["drop"])}
    body.update({name: values[name] for name in FAULT_TEXTS if values[name]})
    for name in FAULT_NUMBERS:
        text = values[name]
        if text:
            if not (text.isascii() and text.isdigit()) or len(text) > 9:
                raise BadData(f"{name} must be a whole number", field=name)
            body[name] = int(text)
    if values["probability"]:
        try:
            body["probability"] = float(values["probability"])
        except ValueError:
            raise BadData("probability must be a number from 0 to 1", field="probability") from None
    return body


async def remove_fault(view: View) -> Response:
    emulator = _emulator(view)
    text = str(view.request.path_params["fault_id"])
    mine = {
        fault.id
        for fault in emulator.state.faults()
        if fault.rule.get("team_id") == view.principal.team_id
    }
    if not (text.isascii() and text.isdigit() and len(text) < 19) or int(text) not in mine:
        raise NotFound(f"no fault rule {text[:64]}")
    emulator.state.remove_fault(int(text))
    return redirect("/console/faults")
