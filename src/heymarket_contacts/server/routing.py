"""Operations: each route declared once, with the models it reads and answers.

An :class:`Operation` is what is served (authenticate, read and decode the body with its model,
call the handler; the route table of ``router.py`` finds it and ``pipeline.py`` serves it) and
an entry of the OpenAPI document, so what is served and what is documented come from the same
declaration. A :class:`SystemRoute` is served the same way but is not an API operation: no
credentials, no rate limit, not in the document (``/openapi.json``, ``/healthz``...).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .api import Api
from .http import decode_body, if_match, path_id, query_flag, read_body
from .principal import Principal

BODY_LIMIT = 1024 * 1024
BULK_BODY_LIMIT = 5 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class QueryParam:
    name: str
    kind: type
    description: str


@dataclass(slots=True)
class Call:
    """One authenticated request, its body decoded (not frozen: that would cost a third of
    a microsecond on every request)."""

    request: Request
    principal: Principal
    api: Api
    body: Any

    def path_id(self, name: str = "id") -> int:
        return path_id(self.request, name)

    def path_text(self, name: str) -> str:
        return str(self.request.path_params[name])

    def flag(self, name: str, *, default: bool) -> bool:
        return query_flag(self.request, name, default=default)

    def header(self, name: str) -> str | None:
        return self.request.headers.get(name)

    def expected_rev(self) -> int | None:
        """The revision ``If-Match: "<rev>"`` asks for; ``None`` when absent or ``*``."""
        return if_match(self.request)


Handler = Callable[[Call], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str
    handler: Handler
    summary: str
    response: Any
    body: Any = None
    query: Sequence[QueryParam] = ()
    body_limit: int = BODY_LIMIT
    #: An empty body (a GET that sends none) reads as ``{}`` instead of being a 400.
    body_optional: bool = False
    #: The body as documented, when it is decoded as another model (a batch, whose items
    #: are checked one by one).
    documented_body: Any = None
    #: The items of the body are checked one by one (and fail alone): a batch or bulk write.
    per_item: bool = False
    #: Extra error statuses this operation answers, beyond those every operation may; a 412
    #: means it honours ``If-Match``.
    errors: Sequence[int] = ()
    #: The resource it belongs to: the document's tag (a generated client's module).
    tag: str = ""
    #: What the document says of it, beyond the summary.
    description: str = ""
    #: A success answers ``ETag: "<rev>"``.
    etag: bool = False

    @property
    def operation_id(self) -> str:
        return self.handler.__name__

    async def respond(self, request: Request, api: Api) -> Response:
        authorization = None
        for name, value in request.scope["headers"]:
            if name == b"authorization":
                authorization = value.decode("latin-1")
                break
        principal = await api.read(api.authenticator.authenticate, authorization)
        request.scope["state"]["team_id"] = principal.team_id
        if api.emulator is not None:  # a fault rule may answer instead, after authentication
            await api.emulator.intercept(request, principal)
        rate_headers = await api.admit(principal) if api.limiter is not None else None
        if rate_headers:
            request.scope["state"]["rate_headers"] = rate_headers  # for error answers too
        body = None
        if self.body is not None:
            raw = await read_body(request, self.body_limit)
            request.scope["state"]["body"] = raw
            if self.body_optional and not raw.strip():
                raw = b"{}"
            # A body whose items are checked one by one leaves their text checks to them.
            body = decode_body(raw, self.body, check_text=not self.per_item)
        response = await self.handler(Call(request, principal, api, body))
        if rate_headers:
            response.headers.update(rate_headers)
        return response


@dataclass(frozen=True, slots=True)
class SystemRoute:
    """A path the server answers beside the API: no credentials, no rate limit."""

    method: str
    path: str
    respond: Callable[[Request, Api], Awaitable[Response]]
