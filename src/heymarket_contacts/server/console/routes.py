"""Every console path, built by the composition root when the console is on."""

from __future__ import annotations

from importlib import resources

from starlette.requests import Request
from starlette.responses import Response

from ..api import Api
from ..routing import SystemRoute
from . import contact_actions as actions
from . import contact_edit as edit
from . import contact_pages as contacts
from . import emulator_pages, login_pages, team_pages, webhook_pages
from .web import SECURITY_HEADERS, Console, Handler, console_json_route, console_route

#: (method, path, handler) of the pages that need a session.
PAGES: list[tuple[str, str, Handler]] = [
    ("GET", "/console", login_pages.home),
    ("POST", "/console/logout", login_pages.log_out),
    ("GET", "/console/contacts", contacts.contacts_list),
    ("GET", "/console/contacts/new", edit.new_page),
    ("POST", "/console/contacts/new", edit.create_contact),
    ("GET", "/console/contacts/{id}", contacts.contact_page),
    ("GET", "/console/contacts/{id}/edit", edit.edit_page),
    ("POST", "/console/contacts/{id}/edit", edit.save_edit),
    ("GET", "/console/contacts/{id}/delete", actions.delete_page),
    ("POST", "/console/contacts/{id}/delete", actions.delete_contact),
    ("POST", "/console/contacts/{id}/notes", actions.add_note),
    ("POST", "/console/contacts/{id}/notes/{note_id}/delete", actions.remove_note),
    ("POST", "/console/contacts/{id}/tags", actions.save_tags),
    ("POST", "/console/contacts/{id}/status", actions.save_status),
    ("GET", "/console/tags", team_pages.tags_page),
    ("POST", "/console/tags", team_pages.create_tag),
    ("POST", "/console/tags/{id}/delete", team_pages.delete_tag),
    ("GET", "/console/fields", team_pages.fields_page),
    ("POST", "/console/fields", team_pages.create_field),
    ("GET", "/console/secrets", team_pages.secrets_page),
    ("POST", "/console/secrets", team_pages.create_secret),
    ("POST", "/console/secrets/{secret_id}/revoke", team_pages.revoke_secret),
    ("GET", "/console/webhooks", webhook_pages.webhooks_page),
    ("POST", "/console/webhooks", webhook_pages.add_webhook),
    ("GET", "/console/webhooks/{id}/remove", webhook_pages.remove_page),
    ("POST", "/console/webhooks/{id}/remove", webhook_pages.remove_webhook),
    ("GET", "/console/deliveries", webhook_pages.deliveries_page),
    ("POST", "/console/deliveries/{delivery_id}/redeliver", webhook_pages.redeliver),
]
EMULATOR_PAGES: list[tuple[str, str, Handler]] = [
    ("GET", "/console/journal", emulator_pages.journal_page),
    ("GET", "/console/faults", emulator_pages.faults_page),
    ("POST", "/console/faults", emulator_pages.add_fault),
    ("POST", "/console/faults/{fault_id}/delete", emulator_pages.remove_fault),
]
#: (path, handler) of the JSON calls that pages' scripts make.
EMULATOR_CALLS: list[tuple[str, Handler]] = [
    ("/console/journal/tail", emulator_pages.journal_tail),
]
#: Static files: name, media type.
STATIC = [("console.css", "text/css"), ("journal.js", "text/javascript")]


def console_routes(console: Console) -> list[SystemRoute]:
    emulator = console.emulator is not None
    pages = PAGES + (EMULATOR_PAGES if emulator else [])
    calls = EMULATOR_CALLS if emulator else []
    return [
        console_route(console, "GET", "/console/login", login_pages.login_page, public=True),
        console_route(console, "POST", "/console/login", login_pages.log_in, public=True),
        *(console_route(console, method, path, handler) for method, path, handler in pages),
        *(console_json_route(console, path, handler) for path, handler in calls),
        *(_static(name, media_type) for name, media_type in STATIC),
    ]


def _static(name: str, media_type: str) -> SystemRoute:
    content = resources.files(__package__).joinpath("static", name).read_bytes()
    headers = {**SECURITY_HEADERS, "Cache-Control": "max-age=3600"}

    async def static(request: Request, api: Api) -> Response:
        return Response(content, media_type=media_type, headers=headers)

    return SystemRoute("GET", f"/console/static/{name}", static)
