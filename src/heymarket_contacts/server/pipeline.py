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
from typing import Protocol

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .access_log import AccessLog
from .api import Api
from .errors import ApiError, ServerError
from .http import client_request_id, error_response, finish_unread_body
from .ids import RequestIds
from .router import RouteTable
from .routing import Operation, SystemRoute

log = logging.getLogger("heymarket_contacts.server")

Route = Operation | SystemRoute


@dataclass(frozen=True, slots=True)
class Exchange:
    """What an observer is told of a request once its answer is made (before it is sent)."""

    method: str
    #: The route template (``/v1/contact/{id}``), or ``""`` when no route matched.
    route: str
    #: 0 when the connection was dropped with no answer (an emulator fault).
    status: int
    seconds: float
    team_id: int | None
    path: str
    query: str
    request_id: str
    #: The body as read by an operation (``None`` when none was read), and the answer's.
    request_body: bytes | None
    response_body: bytes
    #: What an emulator fault did to the request, if one matched.
    fault: str | None
    #: Whether the route is an API operation (not ``/healthz``, ``/_emulator/...``...).
    is_api: bool


Observer = Callable[[Exchange], None]


class Background(Protocol):
    """Work a server process does beside answering (the webhook deliveries): started when
    the process starts serving, stopped before it closes the store."""

    async def start(self) -> None: ...
    async def stop(self) -> None: ...


class DropConnection(Exception):
    """Close the connection without an answer (an emulator fault)."""


#: What a dropped connection is sent: a status line, then the connection closes before the
#: one byte of body it announced, so every client sees a broken exchange, not an answer.
_DROPPED_START = {
    "type": "http.response.start", "status": 502, "headers": [(b"content-length", b"1")]
}  # fmt: skip
_DROPPED_BODY = {"type": "http.response.body", "body": b"", "more_body": True}


class ServerApp:
    """The ASGI app the server runs."""

    def __init__(
        self, api: Api, routes: Sequence[Route], *, observers: Sequence[Observer] = (),
        on_shutdown: Sequence[Callable[[], None]] = (),
        headers: Sequence[tuple[bytes, bytes]] = (), background: Sequence[Background] = (),
        access_log: AccessLog | None = None,
    ) -> None:  # fmt: skip
        self.api = api
        self.routes = tuple(routes)
        self.operations = tuple(route for route in routes if isinstance(route, Operation))
        self._table = RouteTable(self.routes)
        self._new_request_id = RequestIds()
        self._observers = tuple(observers)
        self._on_shutdown = tuple(on_shutdown)
        #: Headers every answer carries.
        self._headers = tuple(headers)
        #: Started with the background work, last, so that it writes the lines of the rest.
        self._access_log = access_log or AccessLog(json=False)
        self._background = (*background, self._access_log)

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
        route: Route | None = None
        try:
            route, scope["path_params"] = self._table.find(
                "GET" if method == "HEAD" else method, scope["path"]
            )
            response = await self._answer(route, Request(scope, receive, send))
        except ApiError as error:
            response = error_response(request_id, error, headers=state.get("rate_headers"))
            await finish_unread_body(scope, receive, response)
        except DropConnection:
            await send(_DROPPED_START)
            await send(_DROPPED_BODY)
            self._finish(scope, route, None, started)
            return
        response.raw_headers.append((b"x-request-id", request_id.encode("ascii")))
        if self._headers:
            response.raw_headers.extend(self._headers)
        if method == "HEAD":
            response.body = b""
        # Observers are told before the answer leaves: a client that reads the emulator's
        # journal right after its call finds the call there.
        if self._observers:
            self._observe(scope, route, response, started)
        try:
            await response(scope, receive, send)
        finally:
            self._log(scope, route, response, started)

    def _finish(
        self, scope: Scope, route: Route | None, response: Response | None, started: float
    ) -> None:
        """The observers' turn, and the access line."""
        if self._observers:
            self._observe(scope, route, response, started)
        self._log(scope, route, response, started)

    def _log(
        self, scope: Scope, route: Route | None, response: Response | None, started: float
    ) -> None:
        state = scope["state"]
        status = response.status_code if response is not None else 0
        self._access_log.add(
            request_id=state["request_id"], method=scope["method"],
            route=route.path if route else "-", path=scope["path"], status=status,
            started=started, team_id=state.get("team_id"),
            client_request_id=client_request_id(scope),
        )  # fmt: skip

    async def _answer(self, route: Route, request: Request) -> Response:
        """The route's answer; a failure that is no :class:`ApiError` is logged and is a 500."""
        try:
            return await route.respond(request, self.api)
        except (ApiError, DropConnection):
            raise
        except Exception:
            log.exception("request %s failed", request.scope["state"]["request_id"])
            raise ServerError("the server failed; see the log for this id") from None

    def _observe(
        self, scope: Scope, route: Route | None, response: Response | None, started: float
    ) -> None:
        state = scope["state"]
        exchange = Exchange(
            method=scope["method"], route=route.path if route else "",
            status=response.status_code if response is not None else 0,
            seconds=time.perf_counter() - started, team_id=state.get("team_id"),
            path=scope["path"], query=scope.get("query_string", b"").decode("latin-1"),
            request_id=state["request_id"], request_body=state.get("body"),
            response_body=bytes(response.body) if response is not None else b"",
            fault=state.get("fault"), is_api=route is None or isinstance(route, Operation),
        )  # fmt: skip
        for observer in self._observers:
            try:
                observer(exchange)
            except Exception:
                log.exception("a request observer failed")

    async def start_background(self) -> None:
        """Start the work beside answering (an in-process server with no lifespan calls it
        itself, on the event loop that serves it)."""
        for work in self._background:
            await work.start()

    async def stop_background(self) -> None:
        for work in self._background:
            await work.stop()

    async def startup(self) -> None:
        await self.start_background()

    async def shutdown(self) -> None:
        await self.stop_background()
        for close in self._on_shutdown:
            close()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.startup()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return
