"""The HTTP edge's shared parts: request ids, bodies, JSON answers and the error body."""

from __future__ import annotations

import logging
import re
import time
from typing import Any, TypeVar

import msgspec
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..models import ErrorBody
from .errors import ApiError, BadData, MethodNotAllowed, NotFound, PayloadTooLarge
from .ids import RequestIds
from .validation import decode_json

log = logging.getLogger("heymarket_contacts.server")
access_log = logging.getLogger("heymarket_contacts.access")

T = TypeVar("T")
_CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_JSON = "application/json"
_JSON_CONTENT_TYPE = (b"content-type", _JSON.encode("ascii"))


class RequestIdMiddleware:
    """Gives every request a fresh UUID4, sets ``X-Request-Id`` on its answer, logs one line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.new_request_id = RequestIds()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = self.new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        header = (b"x-request-id", request_id.encode("ascii"))
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log_access(scope, request_id, status, started)


def log_access(scope: Scope, request_id: str, status: int, started: float) -> None:
    """The access log line of a request that began at ``started`` (``time.perf_counter``)."""
    if not access_log.isEnabledFor(logging.INFO):
        return
    seconds = time.perf_counter() - started
    client_id = ""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            client_id = text if _CLIENT_REQUEST_ID.fullmatch(text) else "(invalid)"
    access_log.info(
        "%s %s %d %.1fms request_id=%s client_request_id=%s",
        scope["method"], scope["path"], status, seconds * 1000, request_id, client_id or "-",
    )  # fmt: skip


def request_id_of(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", ""))


class JsonResponse(Response):
    """A 200 answer with a JSON body. Its headers are those Starlette's ``Response`` makes
    (the ones given, then ``content-length`` and ``content-type``), built without its
    general case; the headers given name neither of those two."""

    media_type = _JSON

    def __init__(self, body: bytes, headers: dict[str, str]) -> None:
        self.status_code = 200
        self.background = None
        self.body = body
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        raw.append((b"content-length", str(len(body)).encode("ascii")))
        raw.append(_JSON_CONTENT_TYPE)
        self.raw_headers = raw


def json_response(value: Any, *, headers: dict[str, str] | None = None) -> Response:
    return JsonResponse(msgspec.json.encode(value), headers or {})


def error_response(request: Request, error: ApiError) -> Response:
    body = ErrorBody(error=error.code, message=error.message, request_id=request_id_of(request))
    if error.field is not None:
        body.field = error.field
    if error.existing_id is not None:
        body.existing_id = error.existing_id
    if error.existing_uuid is not None:
        body.existing_uuid = error.existing_uuid
    headers = {**getattr(request.state, "rate_headers", {}), **error.headers}
    return Response(
        msgspec.json.encode(body), status_code=error.status, media_type=_JSON, headers=headers
    )


async def api_error_handler(request: Request, error: Exception) -> Response:
    assert isinstance(error, ApiError)
    return error_response(request, error)


async def http_error_handler(request: Request, error: Exception) -> Response:
    """Starlette's own 404 (no route) and 405 (wrong method), in the contract's body."""
    assert isinstance(error, HTTPException)
    if error.status_code == 405:
        response = error_response(
            request, MethodNotAllowed(f"{request.method} is not allowed here")
        )
        response.headers["Allow"] = (error.headers or {}).get("Allow", "")
        return response
    return error_response(request, NotFound(f"no route {request.method} {request.url.path}"))


async def server_error_handler(request: Request, error: Exception) -> Response:
    log.error("request %s failed", request_id_of(request), exc_info=error)
    response = error_response(request, ApiError("the server failed; see the log for this id"))
    # This answer leaves from outside RequestIdMiddleware, so it carries the id itself.
    response.headers["X-Request-Id"] = request_id_of(request)
    return response


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, or a 413 as soon as it is known to pass ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise BadData("Content-Length must be a number")
        if int(declared) > limit:
            raise PayloadTooLarge(f"the body is over the limit of {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(f"the body is over the limit of {limit} bytes")
    return bytes(body)


def decode_body(body: bytes, model: type[T], *, check_text: bool = True) -> T:
    """``body`` as ``model``, or a 400 that says what is wrong and where."""
    if not body.strip():
        raise BadData("the body must be a JSON object")
    return decode_json(body, model, check_text=check_text)


def path_id(request: Request, name: str = "id") -> int:
    """A positive integer id from the path; anything else names no record (404)."""
    text = request.path_params[name]
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) == 0:
        raise NotFound(f"no record {text[:64]}")
    return int(text)


def query_flag(request: Request, name: str, *, default: bool) -> bool:
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    lowered = value.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise BadData(f"{name} must be true or false", field=name)


_ENTITY_TAG = re.compile(r'(?:W/)?"?([0-9]{1,18})"?')


def if_match(request: Request) -> int | None:
    value = request.headers.get("if-match")
    if value is None or value.strip() == "*":
        return None
    match = _ENTITY_TAG.fullmatch(value.strip())
    if match is None:
        raise BadData('If-Match must be "<rev>" (the ETag of a GET) or *', field="If-Match")
    return int(match[1])
