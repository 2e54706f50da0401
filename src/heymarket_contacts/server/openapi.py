"""The OpenAPI 3.1 document, generated from the operations and the models they validate with."""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib.metadata import version
from typing import Any

import msgspec

from ..models import ErrorBody
from .routing import Operation

_PATH_PARAMETER = re.compile(r"{(\w+)}")
#: Statuses any authenticated operation may answer.
_COMMON_ERRORS = (400, 401, 404, 413, 429, 500)
_ERROR_TEXT = {
    400: "Invalid input (`bad_data`)",
    401: "Missing or invalid credentials (`unauthorized`)",
    403: "Not allowed (`denied`)",
    404: "No such record in the caller's team (`not_found`)",
    409: "A unique value exists already (`conflict`, with `existing_id`)",
    412: "The `If-Match` revision is not current (`precondition_failed`)",
    413: "Body over the limit (`payload_too_large`)",
    429: "Over the rate limit (`rate_limited`)",
    500: "Server error (`server_error`)",
}


def openapi_document(operations: Sequence[Operation]) -> dict[str, Any]:
    types = [ErrorBody]
    for operation in operations:
        types.append(operation.response)
        if operation.body is not None:
            types.append(_documented_body(operation))
    schemas, components = msgspec.json.schema_components(
        types, ref_template="#/components/schemas/{name}"
    )
    schema_of = {id(kind): schema for kind, schema in zip(types, schemas, strict=True)}
    paths: dict[str, dict[str, Any]] = {}
    for operation in operations:
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(
            operation, schema_of
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Heymarket Contacts API",
            "version": version("heymarket-contacts"),
            "description": "A self-hostable implementation of the Heymarket Contacts API.",
        },
        "servers": [{"url": "https://api.heymarket.com"}],
        "security": [{"secretJwt": []}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "secretJwt": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT (HS256; iss = Secret ID, iat; key 'ID||KEY')",
                }
            },
        },
    }


def _operation(operation: Operation, schema_of: dict[int, Any]) -> dict[str, Any]:
    document: dict[str, Any] = {
        "operationId": operation.operation_id,
        "summary": operation.summary,
        "parameters": [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in _PATH_PARAMETER.findall(operation.path)
        ]
        + [
            {
                "name": param.name,
                "in": "query",
                "required": False,
                "description": param.description,
                "schema": msgspec.json.schema(param.kind),
            }
            for param in operation.query
        ],
        "responses": {
            "200": {
                "description": "Success",
                "content": {"application/json": {"schema": schema_of[id(operation.response)]}},
            },
            **{
                str(status): {
                    "description": _ERROR_TEXT[status],
                    "content": {"application/json": {"schema": schema_of[id(ErrorBody)]}},
                }
                for status in sorted({*_COMMON_ERRORS, *operation.errors})
            },
        },
    }
    if operation.body is not None:
        document["requestBody"] = {
            "required": not operation.body_optional,
            "content": {"application/json": {"schema": schema_of[id(_documented_body(operation))]}},
        }
    return document


def _documented_body(operation: Operation) -> Any:
    return operation.documented_body if operation.documented_body is not None else operation.body
