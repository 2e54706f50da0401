"""The contact pages that read: the list (search, date-cursor paging, counts) and one
contact with everything it holds."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.responses import Response

from ...models import TagListQuery
from ..clock import rfc3339
from ..errors import BadData
from ..http import path_id
from ..render import render_channel, render_contact
from ..store.records import ContactRecord
from .contact_forms import PAGE_SIZE, list_query
from .web import View

STATUSES = ("subscribed", "unsubscribed", "blocked", "unblocked", "active")
NOTICES = {
    "deleted": "The contact was deleted.",
    "saved": "Saved.",
    "created": "The contact was created.",
    "note-added": "The note was added.",
    "note-removed": "The note was removed.",
}


async def contacts_list(view: View) -> Response:
    text = view.value("q")
    before, after = view.value("date"), view.value("after")
    try:
        query = list_query(text, before=before, after=after)
        contacts = await view.api.read(view.api.contact_list.list_contacts, view.principal, query)
        matching = await view.api.read(
            view.api.contact_list.count_contacts, view.principal, list_query(text)
        )
    except BadData as error:
        field = "q" if error.field == "filter" else error.field or ""
        return view.render(
            "contacts.html", status=400, contacts=[], q=text, count=0, total=None,
            errors={field: error.message}, newer="", older="", notice="",
        )  # fmt: skip
    if query.ascending:
        contacts.reverse()
    total = None
    if text:
        total = await view.api.read(
            view.api.contact_list.count_contacts, view.principal, list_query("")
        )
    paging = _paging(
        text, contacts, full=len(contacts) == PAGE_SIZE, paged=bool(before or after),
        ascending=query.ascending,
    )  # fmt: skip
    return view.render(
        "contacts.html", contacts=[render_contact(c) for c in contacts], q=text,
        count=matching, total=total, errors={}, notice=NOTICES.get(view.value("notice"), ""),
        newer=paging["newer"], older=paging["older"],
    )  # fmt: skip


def _paging(
    text: str, contacts: list[ContactRecord], *, full: bool, paged: bool, ascending: bool
) -> dict[str, str]:
    """Links to the newer and the older page: date cursors on the newest and oldest shown."""
    if not contacts:
        return {"newer": "", "older": ""}
    search = f"q={quote(text)}&" if text else ""
    newest, oldest = rfc3339(contacts[0].updated_us), rfc3339(contacts[-1].updated_us)
    has_older = full or ascending
    has_newer = paged and (full or not ascending)
    return {
        "older": f"/console/contacts?{search}date={quote(oldest)}" if has_older else "",
        "newer": f"/console/contacts?{search}after={quote(newest)}" if has_newer else "",
    }


async def contact_page(view: View) -> Response:
    return await render_contact_page(view, await contact_of_path(view))


async def render_contact_page(
    view: View, record: ContactRecord, *, status: int = 200, **context: Any
) -> Response:
    api, principal = view.api, view.principal
    channels = await api.read(api.channels.list_channels, principal, record.uuid)
    fields = await api.read(api.fields.list_contact_fields, principal)
    tags = await all_tags(view)
    context.setdefault("errors", {})
    return view.render(
        "contact.html", status=status, contact=render_contact(record),
        blocked=record.fields.is_blocked, channels=[render_channel(c) for c in channels],
        fields={str(f.id): f.title for f in fields}, tags=tags,
        carried={tag.id for tag in record.tags}, statuses=STATUSES,
        notice=NOTICES.get(view.value("notice"), ""), **context,
    )  # fmt: skip


async def all_tags(view: View) -> list[Any]:
    """Every tag of the team, walking the API's pages of 30."""
    found: list[Any] = []
    query = TagListQuery()
    while True:
        page = await view.api.read(view.api.tags.list_tags, view.principal, query)
        found.extend(page)
        if len(page) < 30:
            return sorted(found, key=lambda tag: tag.tag.lower())
        query = TagListQuery(date=page[-1].updated)


async def contact_of_path(view: View) -> ContactRecord:
    contact_id = path_id(view.request)
    return await view.api.read(view.api.contacts.get_contact, view.principal, contact_id)
