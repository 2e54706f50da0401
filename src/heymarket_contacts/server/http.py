"""The HTTP edge's shared parts: bodies, path and query values, JSON answers and the error
body."""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope

from ..models import ErrorBody
from .errors import ApiError, BadData, NotFound, PayloadTooLarge
from .validation import decode_json

T = TypeVar("T")
_CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_JSON = "application/json"
_JSON_CONTENT_TYPE = (b"content-type", _JSON.encode("ascii"))


def request_id_of(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", ""))


def client_request_id(scope: Scope) -> str | None:
    """The ``X-Request-Id`` a client sent, to log beside ours: ``(invalid)`` unless it is
    ``[A-Za-z0-9._-]{1,64}``; ``None`` when it sent none."""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _CLIENT_REQUEST_ID.fullmatch(text) else "(invalid)"
    return None


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


def error_response(
    request_id: str, error: ApiError, *, headers: dict[str, str] | None = None
) -> Response:
    """The contract's error body for ``error``, with its headers (and ``headers``)."""
    body = ErrorBody(error=error.code, message=error.message, request_id=request_id)
    if error.field is not None:
        body.field = error.field
    if error.existing_id is not None:
        body.existing_id = error.existing_id
    if error.existing_uuid is not None:
        body.existing_uuid = error.existing_uuid
    return Response(
        msgspec.json.encode(body),
        status_code=error.status,
        media_type=_JSON,
        headers={**headers, **error.headers} if headers else error.headers,
    )


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, or a 413 as soon as it is known to pass ``limit`` bytes."""
    request.scope["state"]["body_touched"] = True
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


#: The most of an unread body an early error answer reads and drops, so that the connection
#: can serve the next request; past it (or with no length given) the connection closes.
DRAIN_LIMIT = 64 * 1024


async def finish_unread_body(scope: Scope, receive: Receive, response: Response) -> None:
    """Before an error answer to a request whose body no operation read: read and drop a
    small body, or say ``Connection: close`` (a body left on the wire would be taken for the
    next request, and the server drops such a connection)."""
    if scope["state"].get("body_touched"):
        return
    length, chunked = None, False
    for name, value in scope["headers"]:
        if name == b"content-length":
            length = int(value) if value.isdigit() else None
        elif name == b"transfer-encoding":
            chunked = True
    if not chunked and (length is None or length == 0):
        return
    if chunked or length is None or length > DRAIN_LIMIT:
        response.raw_headers.append((b"connection", b"close"))
        return
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return
