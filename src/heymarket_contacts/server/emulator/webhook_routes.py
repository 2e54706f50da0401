"""The control plane's webhook calls (spec section 10): subscriptions, their deliveries, and
inbound texts."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ...emulator_models import InboundBody, InboundResult, WebhookBody
from ..api import Api
from ..errors import BadData, NotFound
from ..http import decode_body, json_response, read_body
from ..webhooks.render import render_delivery, render_subscription
from ..webhooks.subscriptions import WebhookService
from .inbound import InboundService

BODY_LIMIT = 64 * 1024
#: The query of ``GET /_emulator/webhooks/deliveries``.
DELIVERY_FILTERS = ("id", "failed", "limit")


class WebhookControl:
    def __init__(self, webhooks: WebhookService, inbound: InboundService) -> None:
        self._webhooks = webhooks
        self._inbound = inbound

    async def add(self, request: Request, api: Api) -> Response:
        body = decode_body(await read_body(request, BODY_LIMIT), WebhookBody)
        record = await api.write(
            self._webhooks.add, body.team_id, body.url, body.events, body.token
        )
        return json_response(render_subscription(record))

    async def list_subscriptions(self, request: Request, api: Api) -> Response:
        records = await api.write(self._webhooks.list_subscriptions)
        return json_response([render_subscription(record) for record in records])

    async def remove(self, request: Request, api: Api) -> Response:
        await api.write(self._webhooks.remove, _subscription_id(request.path_params["id"]))
        return json_response("ok")

    async def deliveries(self, request: Request, api: Api) -> Response:
        params = dict(request.query_params)
        unknown = sorted(set(params) - set(DELIVERY_FILTERS))
        if unknown:
            raise BadData(f"unknown filter {unknown[0]}; use {', '.join(DELIVERY_FILTERS)}",
                          field=unknown[0])  # fmt: skip
        subscription_id = _subscription_id(params["id"], bad=BadData) if "id" in params else None
        failed = params.get("failed", "").lower() in ("1", "true", "yes")
        limit = _number(params.get("limit", "100"), "limit")
        records = await api.write(
            self._webhooks.deliveries, subscription_id=subscription_id, failed=failed,
            limit=limit,
        )  # fmt: skip
        return json_response([render_delivery(record) for record in records])

    async def inbound(self, request: Request, api: Api) -> Response:
        body = decode_body(await read_body(request, BODY_LIMIT), InboundBody)
        outcome = await api.write(
            self._inbound.receive, body.team_id, body.phone, body.text, body.inbox_id
        )
        return json_response(
            InboundResult(
                contact_id=outcome.contact_id, opted_out=outcome.opted_out, event=outcome.event
            )
        )


def _subscription_id(text: str, *, bad: type[BadData | NotFound] = NotFound) -> int:
    if not (text.isascii() and text.isdigit() and len(text) < 19):
        message = "id must be a subscription id" if bad is BadData else "no webhook subscription"
        raise bad(f"{message} {text[:64]}", field="id")
    return int(text)


def _number(text: str, name: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) < 8):
        raise BadData(f"{name} must be a whole number", field=name)
    return int(text)
