"""What the server answers beside the API (contract section 11): the OpenAPI document and
the health check. None needs credentials or reveals data."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from ..api import Api
from ..errors import Unavailable
from ..http import json_response
from ..openapi import openapi_document
from ..routing import Operation, SystemRoute

log = logging.getLogger("heymarket_contacts.server")


def system_routes(operations: Sequence[Operation]) -> list[SystemRoute]:
    document = msgspec.json.encode(openapi_document(operations))

    async def openapi(request: Request, api: Api) -> Response:
        return Response(document, media_type="application/json")

    return [
        SystemRoute("GET", "/openapi.json", openapi),
        SystemRoute("GET", "/healthz", healthz),
        SystemRoute("GET", "/readyz", readyz),
    ]


async def healthz(request: Request, api: Api) -> Response:
    """The process serves: no database access."""
    return json_response({"status": "ok"})


async def readyz(request: Request, api: Api) -> Response:
    """The database answers, its schema is current and (under ``serve``) every worker process
    serves; else a 503 naming which is wrong (the reason goes to the log, not to the answer:
    it may name a path or a host)."""
    try:
        pending = await api.read(api.store.pending_migrations)
    except Unavailable as error:
        log.warning("not ready: %s", error.__cause__ or error)
        return _not_ready({"database": "unavailable", "migrations": "unknown"})
    migrations = "pending" if pending else "current"
    workers = api.workers
    if workers is not None:
        alive = workers.alive()
        if alive < workers.expected:
            log.warning("not ready: %d of %d workers serving", alive, workers.expected)
            return _not_ready(
                {"database": "ok", "migrations": migrations,
                 "workers": f"{alive} of {workers.expected}"}
            )  # fmt: skip
    if pending:
        return _not_ready({"database": "ok", "migrations": "pending"})
    return json_response({"status": "ready", "database": "ok", "migrations": "current"})


def _not_ready(parts: dict[str, str]) -> Response:
    body = msgspec.json.encode({"status": "unavailable", **parts})
    return Response(
        body, status_code=503, media_type="application/json", headers={"Retry-After": "1"}
    )
