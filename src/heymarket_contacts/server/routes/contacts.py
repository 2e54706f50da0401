"""The v1 contact routes: parse, call one service operation, answer."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...models import ContactWrite
from ..api import Api, authenticated
from ..http import decode_body, json_response, path_id, query_flag, read_body
from ..principal import Principal
from ..render import render_contact


async def create_contact(request: Request, principal: Principal, api: Api) -> Response:
    write = decode_body(await read_body(request, api.settings.body_limit), ContactWrite)
    return json_response(await api.write(api.contacts.create_contact, principal, write))


async def get_contact(request: Request, principal: Principal, api: Api) -> Response:
    contact = await api.read(api.contacts.get_contact, principal, path_id(request))
    return json_response(render_contact(contact), headers={"ETag": f'"{contact.rev}"'})


async def update_contact(request: Request, principal: Principal, api: Api) -> Response:
    contact_id = path_id(request)
    overwrite = query_flag(request, "overwrite", default=False)
    write = decode_body(await read_body(request, api.settings.body_limit), ContactWrite)
    ref = await api.write(
        api.contacts.update_contact, principal, contact_id, write, overwrite=overwrite
    )
    return json_response(ref)


async def delete_contact(request: Request, principal: Principal, api: Api) -> Response:
    await api.write(api.contacts.delete_contact, principal, path_id(request))
    return json_response("ok")


ROUTES = [
    Route("/v1/contact", authenticated(create_contact), methods=["POST"]),
    Route("/v1/contact/{id}", authenticated(get_contact), methods=["GET"]),
    Route("/v1/contact/{id}", authenticated(update_contact), methods=["PUT"]),
    Route("/v1/contact/{id}", authenticated(delete_contact), methods=["DELETE"]),
]
