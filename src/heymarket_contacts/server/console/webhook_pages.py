"""The team's webhooks: its subscriptions (add, remove) and their deliveries (redeliver), through
the service the ``webhook`` commands and the emulator's control plane use, so a URL is checked
against the server's own policy of where webhooks may go."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import msgspec
from starlette.responses import Response

from ...webhooks import DOCUMENTED_EVENTS, EVENTS
from ..clock import rfc3339
from ..errors import BadData, Conflict, NotFound
from ..http import path_id
from ..store.webhook_records import DeliveryRecord, SubscriptionRecord
from ..webhooks.render import render_delivery
from .web import View, redirect

#: Deliveries a page.
PAGE_SIZE = 50
NOTICES = {
    "removed": "The subscription was removed.",
    "redelivered": "The delivery will be tried again now.",
}


async def team_subscriptions(view: View) -> list[SubscriptionRecord]:
    team_id = view.principal.team_id
    return await view.api.read(view.console.webhooks.list_subscriptions, team_id)


def _subscription_row(record: SubscriptionRecord) -> dict[str, Any]:
    return {"id": record.id, "url": record.url, "events": list(record.events),
            "created": rfc3339(record.created_us)}  # fmt: skip


async def webhooks_page(view: View, *, status: int = 200, **context: Any) -> Response:
    subscriptions = [_subscription_row(s) for s in await team_subscriptions(view)]
    context.setdefault("errors", {})
    context.setdefault("values", {"url": "", "token": "", "events": list(DOCUMENTED_EVENTS)})
    context.setdefault("made", None)
    return view.render(
        "webhooks.html", status=status, subscriptions=subscriptions, events=EVENTS,
        notice=NOTICES.get(view.value("notice"), ""), **context,
    )  # fmt: skip


async def add_webhook(view: View) -> Response:
    values = {"url": view.value("url"), "token": view.value("token"),
              "events": view.values("event")}  # fmt: skip
    try:
        made = await view.api.write(
            view.console.webhooks.add, view.principal.team_id, values["url"],
            values["events"] or None, values["token"] or None,
        )  # fmt: skip
    except BadData as error:
        return await webhooks_page(
            view, status=400, values=values, errors={error.field or "": error.message}
        )
    return await webhooks_page(view, made=made)


async def _own_subscription(view: View) -> SubscriptionRecord:
    subscription_id = path_id(view.request)
    for record in await team_subscriptions(view):
        if record.id == subscription_id:
            return record
    raise NotFound(f"no webhook subscription {subscription_id}")


async def remove_page(view: View) -> Response:
    record = await _own_subscription(view)
    return view.render("webhook_remove.html", subscription=_subscription_row(record))


async def remove_webhook(view: View) -> Response:
    subscription_id = path_id(view.request)
    await view.api.write(
        view.console.webhooks.remove, subscription_id, team_id=view.principal.team_id
    )
    return redirect("/console/webhooks?notice=removed")


async def deliveries_page(view: View, *, status: int = 200, error: str = "") -> Response:
    """The team's deliveries, newest first, a page at a time (``before``: a delivery's place
    in the queue), only the failed ones with ``failed``, one subscription's with
    ``subscription``."""
    subscriptions = {record.id: record for record in await team_subscriptions(view)}
    failed = view.value("failed") not in ("", "0")
    subscription_id = _own_subscription_id(view.value("subscription"), subscriptions)
    before = _number(view.value("before"), "before")
    records = await view.api.write(  # it may first make waiting events into deliveries
        view.console.webhooks.deliveries, subscription_id=subscription_id, failed=failed,
        limit=PAGE_SIZE + 1, team_id=view.principal.team_id, before_seq=before,
    )  # fmt: skip
    newest_first = list(reversed(records))
    shown = newest_first[:PAGE_SIZE]
    return view.render(
        "deliveries.html", status=status, error=error, failed=failed,
        subscription_id=subscription_id, subscriptions=subscriptions,
        deliveries=[_delivery_row(record) for record in shown],
        older=_link(failed, subscription_id, shown[-1].seq) if len(records) > PAGE_SIZE else "",
        newest=_link(failed, subscription_id), paged=before is not None,
        notice=NOTICES.get(view.value("notice"), ""),
    )  # fmt: skip


def _delivery_row(record: DeliveryRecord) -> dict[str, Any]:
    row: dict[str, Any] = msgspec.to_builtins(render_delivery(record))
    row["pending"] = record.state == "pending"
    return row


def _link(failed: bool, subscription_id: int | None, before: int | None = None) -> str:
    """The deliveries page with these filters (and older than ``before``)."""
    query = {"failed": 1 if failed else None, "subscription": subscription_id, "before": before}
    given = urlencode({name: value for name, value in query.items() if value is not None})
    return f"/console/deliveries?{given}" if given else "/console/deliveries"


def _number(text: str, name: str) -> int | None:
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) < 19):
        raise BadData(f"{name} must be a whole number", field=name)
    return int(text)


def _own_subscription_id(text: str, subscriptions: dict[int, SubscriptionRecord]) -> int | None:
    if not text:
        return None
    number = int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None
    if number is None or number not in subscriptions:
        raise NotFound(f"no webhook subscription {text[:64]}")
    return number


async def redeliver(view: View) -> Response:
    delivery_id = str(view.request.path_params["delivery_id"])
    try:
        await view.api.write(
            view.console.webhooks.redeliver, delivery_id, team_id=view.principal.team_id
        )
    except Conflict as error:
        return await deliveries_page(view, status=409, error=error.message)
    return redirect("/console/deliveries?notice=redelivered")
