"""The router in front of Starlette: an API request is found by one lookup, not a scan.

Starlette tries its routes one by one, a regex each, and runs every request through three
middleware layers. :class:`ApiApp` finds an operation first: a static path in a dict, a path
with parameters by one compiled regex per method, the alternation of that method's routes in
declaration order, so the alternative that matches is the route Starlette's scan would pick.
It serves what it finds itself, with the same request id, error bodies and access log line.
Whatever it does not find (a 404, a 405 with its ``Allow``, ``HEAD``, a redirect for a
trailing slash, ``/openapi.json``, the lifespan) goes to Starlette, which answers as before.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import Receive, Scope, Send

from .api import Api
from .errors import ApiError
from .http import (
    api_error_handler,
    http_error_handler,
    log_access,
    server_error_handler,
)
from .ids import RequestIds
from .routing import Operation

#: A path parameter as Starlette writes it: ``{name}`` (a convertor, ``{name:int}``, is not
#: supported here).
_PARAMETER = re.compile(r"{([^}]*)}")
_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")

Found = tuple[Operation, dict[str, str]]


@dataclass(frozen=True, slots=True)
class _Alternative:
    """One route inside a method's regex: its operation and where its parameters are."""

    operation: Operation
    names: tuple[str, ...]
    first_group: int


def path_regex(path: str) -> tuple[str, tuple[str, ...]]:
    """Starlette's regex for ``path`` (without ``^``): literal text escaped, each
    ``{name}`` one segment (``[^/]+``), ``$`` at the end; and the parameters' names."""
    pattern, names, start = "", [], 0
    for parameter in _PARAMETER.finditer(path):
        name = parameter[1]
        if not _NAME.fullmatch(name):
            raise ValueError(f"unsupported path parameter {{{name}}} in {path}")
        pattern += re.escape(path[start : parameter.start()]) + "([^/]+)"
        names.append(name)
        start = parameter.end()
    return pattern + re.escape(path[start:]) + "$", tuple(names)


class OperationRouter:
    """Finds the operation a method and path name, with its path parameters."""

    def __init__(self, operations: Sequence[Operation]) -> None:
        self._static: dict[str, dict[str, Operation]] = {}
        self._regexes: dict[str, tuple[re.Pattern[str], dict[int, _Alternative]]] = {}
        for method in dict.fromkeys(operation.method for operation in operations):
            declared = [operation for operation in operations if operation.method == method]
            self._regexes[method] = _method_regex(declared)
            self._static[method] = _static_paths(declared)

    def match(self, method: str, path: str) -> Found | None:
        static = self._static.get(method)
        if static is None:
            return None
        operation = static.get(path)
        if operation is not None:
            return operation, {}
        regex, alternatives = self._regexes[method]
        found = regex.match(path)
        if found is None:
            return None
        alternative = alternatives[found.lastindex or 0]
        first = alternative.first_group
        params = {name: found[group] for group, name in enumerate(alternative.names, start=first)}
        return alternative.operation, params


def _method_regex(
    operations: Sequence[Operation],
) -> tuple[re.Pattern[str], dict[int, _Alternative]]:
    """One regex whose alternatives are ``operations``' paths, each wrapped in a group: the
    outer group of the alternative that matched is the match's ``lastindex``."""
    parts, alternatives, group = [], {}, 1
    for operation in operations:
        pattern, names = path_regex(operation.path)
        parts.append(f"({pattern})")
        alternatives[group] = _Alternative(operation, names, group + 1)
        group += 1 + len(names)
    return re.compile("|".join(parts)), alternatives


def _static_paths(operations: Sequence[Operation]) -> dict[str, Operation]:
    """The paths without parameters that no earlier route of the method matches too."""
    static: dict[str, Operation] = {}
    for index, operation in enumerate(operations):
        earlier = [re.compile(path_regex(o.path)[0]) for o in operations[:index]]
        if "{" not in operation.path and not any(r.match(operation.path) for r in earlier):
            static.setdefault(operation.path, operation)
    return static


class ApiApp:
    """The ASGI app the server runs: the operations :class:`OperationRouter` finds, served
    here; every other request and the lifespan, by the Starlette app ``fallback``."""

    def __init__(self, api: Api, operations: Sequence[Operation], fallback: Starlette) -> None:
        self.api = api
        self.fallback = fallback
        self.state = fallback.state
        self._router = OperationRouter(operations)
        self._new_request_id = RequestIds()

    @property
    def routes(self) -> list[BaseRoute]:
        """Every route served: the operations' (which Starlette serves too) and its own."""
        return self.fallback.routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            found = self._router.match(scope["method"], scope["path"])
            if found is not None:
                await self._serve(found, scope, receive, send)
                return
        await self.fallback(scope, receive, send)

    async def _serve(self, found: Found, scope: Scope, receive: Receive, send: Send) -> None:
        """What Starlette's middleware stack does for a route: a request id on the answer, the
        contract's error body for an error, a 500 (logged, then raised) for a failure."""
        operation, scope["path_params"] = found
        request_id = self._new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        scope["app"] = self.fallback  # what ``request.app`` is under Starlette
        request = Request(scope, receive, send)
        started = time.perf_counter()
        response: Response | None = None
        try:
            response = await _answer(operation, request, self.api)
            response.raw_headers.append((b"x-request-id", request_id.encode("ascii")))
            await response(scope, receive, send)
        except Exception as error:
            await _fail(request, error, send=None if response else send)
            raise
        finally:
            log_access(scope, request_id, response.status_code if response else 500, started)


async def _answer(operation: Operation, request: Request, api: Api) -> Response:
    """The operation's answer, or the contract's error body for an error it raised."""
    try:
        return await operation.respond(request, api)
    except ApiError as error:
        return await api_error_handler(request, error)
    except HTTPException as error:
        return await http_error_handler(request, error)


async def _fail(request: Request, error: Exception, *, send: Send | None) -> None:
    """Log a failure, and answer it with a 500 through ``send`` unless an answer has begun."""
    response = await server_error_handler(request, error)
    if send is not None:
        await response(request.scope, request.receive, send)
