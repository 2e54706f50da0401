"""The OpenAPI 3.1 document, generated from the operations and the models they validate with.

Schemas come from the models (``models.py``) and the request rules of ``openapi_rules.py``;
descriptions and examples of the models from ``openapi_models.py``; everything else (tags,
parameters, error statuses, ``ETag``, ``If-Match``) from each :class:`Operation`'s declaration.
Links tell a client, or a stateful test, which answer's ids the other operations take.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib.metadata import version
from typing import Any

import msgspec

from ..models import ID_MAX, ErrorBody
from .openapi_models import MODELS
from .openapi_rules import CHANNEL_TYPE, IF_MATCH, refine
from .routing import Operation

_PATH_PARAMETER = re.compile(r"{(\w+)}")
_REF = "#/components/schemas/"
#: Statuses any operation may answer; a body adds 413.
_COMMON_ERRORS = (400, 401, 404, 429, 500, 503)
_ERROR_TEXT = {
    400: "Invalid input (`bad_data`): the message says what is wrong, `field` where",
    401: "Missing or invalid credentials (`unauthorized`): the message names the rule that failed",
    403: "Not allowed (`denied`)",
    404: "No such record in the caller's team (`not_found`)",
    409: "A unique value exists already (`conflict`, with `existing_id`)",
    412: "The `If-Match` revision is not current (`precondition_failed`)",
    413: "Body over the limit (`payload_too_large`)",
    429: "Over the rate limit (`rate_limited`); `Retry-After` says when to try again",
    500: "Server error (`server_error`)",
    503: "The database is unavailable (`unavailable`); `Retry-After` says when to try again",
}
TAGS = [
    ("contacts", "v1 contacts: create, read, update, delete, list, count, look up, status, batch"),
    ("contacts v2", "v2 contacts by uuid, with their channels: create, bulk writes, list, search"),
    ("channels", "The channels (phones, emails, other ways to reach) of a v2 contact"),
    ("tags", "Tags, unique by label in a team"),
    ("custom fields", "Custom contact fields; contacts hold their values in `custom`"),
    ("notes", "Notes on a contact (an extension)"),
    ("team", "The caller's team"),
    ("inboxes", "The team's inboxes"),
    ("users", "The team's users (made by the operator; names and roles change here)"),
]
SERVERS = [
    {"url": "http://127.0.0.1:8080", "description": "A local server (`heymarket-contacts serve`)"},
    {"url": "https://api.heymarket.com", "description": "The Heymarket API"},
]
SECURITY_SCHEMES = {
    "secretJwt": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An API secret JWT, HS256, payload `{iss: <Secret ID>, iat: <seconds>}`,"
        " signed with the key `<Secret ID>||<Secret Key>`; valid five minutes after `iat`.",
    },
    "teamKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "A legacy team API key as `Bearer <key>` (unless the server runs with"
        " `--no-legacy-keys`).",
    },
    "teamKeyBasic": {
        "type": "http",
        "scheme": "basic",
        "description": "A legacy team API key as HTTP Basic: the key as the user name and an"
        " empty password.",
    },
}
DESCRIPTION = """\
The Heymarket Contacts API: contacts (v1 by id, v2 by uuid with channels), tags, custom fields,
notes, the team, its inboxes and users.

Every call needs credentials: an API secret JWT (recommended) or a legacy team API key. Every
answer carries `X-Request-Id`; authenticated ones `X-RateLimit-Limit`, `X-RateLimit-Remaining`
and `X-RateLimit-Reset` while a rate limit is on (500 requests a minute per team by default).
Success is 200, creates included. Errors have the body `ErrorBody`.

Bodies are JSON; unknown and read-only fields are ignored. Integers are written without a
fraction or an exponent (`3`, not `3.0`). No text anywhere in a body may hold the NUL character
(U+0000), and a body may nest arrays and objects at most 64 levels deep. A body is at most
1 MiB (5 MiB for batch and bulk calls)."""
_HEADERS: dict[str, Any] = {
    "X-Request-Id": {
        "description": "The server's id of this request (a UUID), also in an error's body",
        "required": True,
        "schema": {"type": "string", "format": "uuid"},
    },
    "ETag": {
        "description": 'The contact\'s revision, `"<rev>"`: send it as `If-Match`',
        "required": True,
        "schema": {"type": "string", "pattern": r'^"[0-9]+"$'},
    },
    "Retry-After": {
        "description": "Seconds until a request would be admitted",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    },
    "WWW-Authenticate": {
        "description": 'Always `Bearer error="invalid_token"`',
        "required": True,
        "schema": {"type": "string"},
    },
    **{
        name: {"description": text, "schema": {"type": "integer", "minimum": 0}}
        for name, text in (
            ("X-RateLimit-Limit", "Requests a minute the team may make"),
            ("X-RateLimit-Remaining", "Requests left in the current window"),
            ("X-RateLimit-Reset", "Seconds until the window has room again"),
        )
    },
}
_RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
#: (source operation, link name, target operation, parameters): the ids an answer gives.
_CONTACT_ID = {"id": "$response.body#/id"}
_CONTACT_UUID = {"uuid": "$response.body#/uuid"}
_LINKS: list[tuple[str, str, str, dict[str, str]]] = [
    *(
        (source, name, target, parameters)
        for source in ("create_contact", "create_contact_v2")
        for name, target, parameters in (
            ("GetContact", "get_contact", _CONTACT_ID),
            ("UpdateContact", "update_contact", _CONTACT_ID),
            ("DeleteContact", "delete_contact", _CONTACT_ID),
            ("AddNote", "create_note", _CONTACT_ID),
            ("GetContactV2", "get_contact_v2", _CONTACT_UUID),
            ("UpdateContactV2", "update_contact_v2", _CONTACT_UUID),
            ("DeleteContactV2", "delete_contact_v2", _CONTACT_UUID),
            ("AddChannel", "add_channel", _CONTACT_UUID),
            ("ReplaceChannel", "replace_channel", _CONTACT_UUID),
            ("ListChannels", "list_channels", _CONTACT_UUID),
            ("GetPhoneChannel", "get_channel", {**_CONTACT_UUID, "type": "phone"}),
            ("DeletePhoneChannel", "delete_channel", {**_CONTACT_UUID, "type": "phone"}),
        )
    ),
    (
        "get_contact", "UpdateIfUnchanged", "update_contact",
        {"id": "$request.path.id", "header.If-Match": "$response.header.ETag"},
    ),
    (
        "get_contact", "DeleteIfUnchanged", "delete_contact",
        {"id": "$request.path.id", "header.If-Match": "$response.header.ETag"},
    ),
    (
        "create_note", "DeleteNote", "delete_note",
        {"id": "$request.path.id", "note_id": "$response.body#/id"},
    ),
    ("create_tag", "GetTag", "get_tag", {"id": "$response.body#/id"}),
    ("create_tag", "DeleteTag", "delete_tag", {"id": "$response.body#/id"}),
    (
        "add_channel", "GetChannel", "get_channel",
        {"uuid": "$request.path.uuid", "type": "$request.body#/channel_type"},
    ),
    (
        "add_channel", "DeleteChannel", "delete_channel",
        {"uuid": "$request.path.uuid", "type": "$request.body#/channel_type"},
    ),
]  # fmt: skip
_PATH_SCHEMAS = {
    "id": {"type": "integer", "minimum": 1, "maximum": ID_MAX},
    "uuid": {"type": "string", "format": "uuid"},
    "note_id": {"type": "string", "format": "uuid"},
    "type": {"type": "string", "pattern": CHANNEL_TYPE},
}
_PATH_TEXT = {
    "id": "The record's id",
    "uuid": "The contact's uuid (any letter case)",
    "note_id": "The note's id",
    "type": "A channel type (`phone`, `email`, ...)",
}


def openapi_document(operations: Sequence[Operation]) -> dict[str, Any]:
    schemas, components = _schemas(operations)
    links = _links(operations)
    paths: dict[str, dict[str, Any]] = {}
    for operation in operations:
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(
            operation, schemas, components, links.get(operation.operation_id, {})
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Heymarket Contacts API",
            "version": version("heymarket-contacts"),
            "description": DESCRIPTION,
        },
        "servers": SERVERS,
        "security": [{name: []} for name in SECURITY_SCHEMES],
        "tags": [{"name": name, "description": text} for name, text in TAGS],
        "paths": paths,
        "components": {
            "schemas": components,
            "headers": _HEADERS,
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


def _schemas(operations: Sequence[Operation]) -> tuple[dict[int, Any], dict[str, Any]]:
    """Each body's and answer's schema (by the identity of its type) and the components."""
    types = [ErrorBody]
    for operation in operations:
        types.append(operation.response)
        if operation.body is not None:
            types.append(_documented_body(operation))
    schemas, components = msgspec.json.schema_components(types, ref_template=_REF + "{name}")
    refine(components)
    for name, schema in components.items():
        schema["description"], example = MODELS[name]
        schema["examples"] = [example]
    return {id(kind): schema for kind, schema in zip(types, schemas, strict=True)}, components


def _operation(
    operation: Operation, schemas: dict[int, Any], components: dict[str, Any],
    links: dict[str, Any],
) -> dict[str, Any]:  # fmt: skip
    if not operation.tag or not operation.description:
        raise ValueError(f"{operation.operation_id}: every operation needs a tag and a description")
    answer = schemas[id(operation.response)]
    success: dict[str, Any] = {
        "description": operation.summary,
        "headers": _header_refs(
            "X-Request-Id", *(("ETag",) if operation.etag else ()), *_RATE_HEADERS
        ),
        "content": {
            "application/json": {"schema": answer, "example": _example(answer, components)}
        },
    }
    if links:
        success["links"] = links
    document: dict[str, Any] = {
        "tags": [operation.tag],
        "operationId": operation.operation_id,
        "summary": operation.summary,
        "description": operation.description,
        "parameters": _parameters(operation),
        "responses": {"200": success, **_errors(operation)},
    }
    if operation.body is not None:
        body = schemas[id(_documented_body(operation))]
        document["requestBody"] = {
            "required": not operation.body_optional,
            "content": {
                "application/json": {"schema": body, "example": _example(body, components)}
            },
        }
    return document


def _parameters(operation: Operation) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": _PATH_TEXT[name],
            "schema": _PATH_SCHEMAS[name],
        }
        for name in _PATH_PARAMETER.findall(operation.path)
    ]
    parameters += [
        {
            "name": param.name,
            "in": "query",
            "required": False,
            "description": param.description,
            "schema": msgspec.json.schema(param.kind),
        }
        for param in operation.query
    ]
    if 412 in operation.errors:
        parameters.append(
            {
                "name": "If-Match",
                "in": "header",
                "required": False,
                "description": "Write only while the contact is at this revision: its ETag,"
                ' `"<rev>"` (412 otherwise); `*` or no header writes unconditionally',
                "schema": {"type": "string", "pattern": IF_MATCH},
                "example": '"3"',
            }
        )
    return parameters


def _errors(operation: Operation) -> dict[str, Any]:
    statuses = {*_COMMON_ERRORS, *operation.errors}
    if operation.body is not None:
        statuses.add(413)
    answers = {}
    for status in sorted(statuses):
        headers = ["X-Request-Id"]
        if status in (429, 503):
            headers.append("Retry-After")
        if status == 401:
            headers.append("WWW-Authenticate")
        if status != 401:
            headers += _RATE_HEADERS
        answers[str(status)] = {
            "description": _ERROR_TEXT[status],
            "headers": _header_refs(*headers),
            "content": {"application/json": {"schema": {"$ref": _REF + "ErrorBody"}}},
        }
    return answers


def _header_refs(*names: str) -> dict[str, Any]:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def _links(operations: Sequence[Operation]) -> dict[str, dict[str, Any]]:
    """Each source operation's links, by name; a link to an operation that is not served is
    an error (a renamed handler must not leave a link dangling)."""
    served = {operation.operation_id for operation in operations}
    links: dict[str, dict[str, Any]] = {}
    for source, name, target, parameters in _LINKS:
        if source not in served or target not in served:
            raise KeyError(f"link {name}: {source} -> {target} names an operation not served")
        links.setdefault(source, {})[name] = {"operationId": target, "parameters": parameters}
    return links


def _example(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    """An example of a schema, from the examples of the components it is made of."""
    if "$ref" in schema:
        return components[schema["$ref"].removeprefix(_REF)]["examples"][0]
    if "anyOf" in schema:
        return _example(schema["anyOf"][-1], components)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    if schema.get("type") == "array":
        return [_example(schema["items"], components)]
    if schema.get("type") == "integer":
        return 1250
    raise ValueError(f"no example for {schema}")


def _documented_body(operation: Operation) -> Any:
    return operation.documented_body if operation.documented_body is not None else operation.body
