"""The one request pipeline: every answer the server gives leaves through :class:`ServerApp`.

For each request: a fresh request id; the route (an API :class:`~.routing.Operation` or a
:class:`~.routing.SystemRoute`) found by the :class:`~.router.RouteTable`, else a 404 or a 405
with ``Allow``; the answer, or the contract's error body for an :class:`~.errors.ApiError`, or
a logged 500 for anything else; ``X-Request-Id`` on it; ``HEAD`` answered as ``GET`` without
the body; one access log line. Observers (metrics, and whatever else watches requests) are
called once per request after the answer, and cost nothing when there are none.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .api import Api
from .errors import ApiError, ServerError
from .http import client_request_id, error_response
from .ids import RequestIds
from .logs import log_access
from .router import RouteTable
from .routing import Operation, SystemRoute

log = logging.getLogger("heymarket_contacts.server")

Route = Operation | SystemRoute


@dataclass(frozen=True, slots=True)
class Exchange:
    """What an observer is told of a request once it is answered."""

    method: str
    #: The route template (``/v1/contact/{id}``), or ``""`` when no route matched.
    route: str
    status: int
    seconds: float
    team_id: int | None


Observer = Callable[[Exchange], None]


class ServerApp:
    """The ASGI app the server runs."""

    def __init__(
        self, api: Api, routes: Sequence[Route], *, observers: Sequence[Observer] = (),
        on_shutdown: Sequence[Callable[[], None]] = (),
    ) -> None:  # fmt: skip
        self.api = api
        self.routes = tuple(routes)
        self.operations = tuple(route for route in routes if isinstance(route, Operation))
        self._table = RouteTable(self.routes)
        self._new_request_id = RequestIds()
        self._observers = tuple(observers)
        self._on_shutdown = tuple(on_shutdown)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        else:  # a websocket: the server has none
            await send({"type": "websocket.close", "code": 1000})

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        request_id = self._new_request_id()
        state = scope["state"] = {"request_id": request_id}
        method = scope["method"]
        route_path = ""
        try:
            route, scope["path_params"] = self._table.find(
                "GET" if method == "HEAD" else method, scope["path"]
            )
            route_path = route.path
            response = await self._answer(route, Request(scope, receive, send))
        except ApiError as error:
            response = error_response(request_id, error, headers=state.get("rate_headers"))
        response.raw_headers.append((b"x-request-id", request_id.encode("ascii")))
        if method == "HEAD":
            response.body = b""
        try:
            await response(scope, receive, send)
        finally:
            status = response.status_code
            log_access(
                request_id=request_id, method=method, route=route_path or "-",
                path=scope["path"], status=status, started=started,
                team_id=state.get("team_id"), client_request_id=client_request_id(scope),
            )  # fmt: skip
            if self._observers:
                self._observe(method, route_path, status, started, state.get("team_id"))

    async def _answer(self, route: Route, request: Request) -> Response:
        """The route's answer; a failure that is no :class:`ApiError` is logged and is a 500."""
        try:
            return await route.respond(request, self.api)
        except ApiError:
            raise
        except Exception:
            log.exception("request %s failed", request.scope["state"]["request_id"])
            raise ServerError("the server failed; see the log for this id") from None

    def _observe(
        self, method: str, route: str, status: int, started: float, team_id: int | None
    ) -> None:
        exchange = Exchange(method, route, status, time.perf_counter() - started, team_id)
        for observer in self._observers:
            try:
                observer(exchange)
            except Exception:
                log.exception("a request observer failed")

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for close in self._on_shutdown:
                    close()
                await send({"type": "lifespan.shutdown.complete"})
                return
