"""The team's pages: tags, custom fields and API secrets."""

from __future__ import annotations

from starlette.responses import Response

from ...models import FieldTitle, TagWrite
from ..clock import rfc3339
from ..errors import BadData, Conflict, Denied, NotFound
from ..http import path_id
from ..validation import convert
from .contact_pages import all_tags
from .web import View, redirect


async def tags_page(view: View, *, status: int = 200, **context: object) -> Response:
    context.setdefault("errors", {})
    context.setdefault("values", {})
    return view.render("tags.html", status=status, tags=await all_tags(view), **context)


async def create_tag(view: View) -> Response:
    values = {"tag": view.value("tag"), "color": view.value("color")}
    try:
        write = convert(values, TagWrite)
        await view.api.write(view.api.tags.create_tag, view.principal, write)
    except (BadData, Conflict) as error:
        return await tags_page(
            view, status=error.status, values=values, errors={error.field or "": error.message}
        )
    return redirect("/console/tags")


async def delete_tag(view: View) -> Response:
    await view.api.write(view.api.tags.delete_tag, view.principal, path_id(view.request))
    return redirect("/console/tags")


async def fields_page(view: View, *, status: int = 200, **context: object) -> Response:
    fields = await view.api.read(view.api.fields.list_contact_fields, view.principal)
    context.setdefault("errors", {})
    context.setdefault("title", "")
    return view.render("fields.html", status=status, fields=fields, **context)


async def create_field(view: View) -> Response:
    title = view.value("title")
    try:
        item = convert({"title": title}, FieldTitle)
        created = await view.api.write(
            view.api.fields.create_contact_fields, view.principal, [item]
        )
    except BadData as error:
        return await fields_page(view, status=400, title=title, errors={"title": error.message})
    if created[0].duplicate:
        message = f"the team has this field already: {created[0].title}"
        return await fields_page(view, status=409, title=title, errors={"title": message})
    return redirect("/console/fields")


async def secrets_page(view: View, *, status: int = 200, **context: object) -> Response:
    secrets = await view.api.read(view.console.admin.list_secrets, view.principal.team_id)
    rows = [
        {"secret_id": s.secret_id, "active": s.active, "created": rfc3339(s.created_us),
         "revoked": rfc3339(s.revoked_us) if s.revoked_us is not None else ""}
        for s in secrets
    ]  # fmt: skip
    context.setdefault("made", None)
    context.setdefault("error", "")
    return view.render("secrets.html", status=status, secrets=rows, **context)


async def create_secret(view: View) -> Response:
    try:
        made = await view.api.write(view.console.admin.create_secret, view.principal.team_id)
    except Denied as error:
        return await secrets_page(view, status=403, error=error.message)
    return await secrets_page(view, made=made)


async def revoke_secret(view: View) -> Response:
    secret_id = str(view.request.path_params["secret_id"])
    team_id = view.principal.team_id
    secrets = await view.api.read(view.console.admin.list_secrets, team_id)
    if not any(secret.secret_id == secret_id for secret in secrets):
        raise NotFound(f"no secret {secret_id[:64]}")
    try:
        await view.api.write(view.console.admin.revoke_secret, secret_id)
    except BadData as error:
        return await secrets_page(view, status=400, error=error.message)
    return redirect("/console/secrets")
