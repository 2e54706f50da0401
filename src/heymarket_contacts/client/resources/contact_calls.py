"""The v1 contact calls as pure request builders (no I/O): what ``Contacts`` sends."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, TypedDict

from msgspec import UNSET, structs

from ...models import (
    BatchFailure,
    Contact,
    ContactListQuery,
    ContactLookup,
    ContactRef,
    ContactStatus,
    ContactWrite,
    SetStatus,
    TagRef,
)
from .._answers import decoder
from .._core import ApiCall, Follow, RequestOptions
from .._paging import DateWalk
from ..errors import APIStatusError, ConflictError
from ._common import if_match, int_id, ok, recover_lost_delete

__all__ = [
    "ContactWriteArgs",
    "batch_call",
    "contact_query",
    "contact_walk",
    "contact_write",
    "count_call",
    "create_call",
    "delete_call",
    "find_call",
    "get_call",
    "list_call",
    "lookup",
    "set_status_call",
    "status_call",
    "update_call",
]

Order = Literal["updated", "created"]
Status = Literal["subscribed", "unsubscribed", "blocked", "unblocked", "active"]
ContactList = list[Contact]
Failures = list[BatchFailure]
BatchItem = ContactWrite | Mapping[str, Any]
#: The iterator's page size: fewer calls than the API's default of 30.
WALK_PAGE_SIZE = 100


class ContactFieldArgs(TypedDict, total=False):
    """The write shape as keyword arguments (contract section 4.2)."""

    phone: str
    first: str
    last: str
    display_name: str
    email: str
    avatar: str
    #: Custom field values by field id (a string); ``None`` removes one on a merging update.
    custom: Mapping[str, str | None]
    #: A user of the team; -1 unassigns.
    assignee_id: int
    #: Tag ids (or ``TagRef``); at most 5; replaces the contact's tags.
    tags: Sequence[int | TagRef]
    is_opted_out: bool
    inbox_id: int
    external_id: str
    external_ref: str


class ContactWriteArgs(ContactFieldArgs, RequestOptions, total=False):
    """The keywords of ``create`` and ``update``: the write shape, and per-call options."""


def contact_write(body: ContactWrite | None, kwargs: Mapping[str, Any]) -> ContactWrite:
    """The write shape from a ``ContactWrite`` or from keywords (an unknown one: TypeError)."""
    if body is not None:
        if kwargs:
            raise TypeError("pass a ContactWrite or keyword fields, not both")
        return body
    fields = dict(kwargs)
    if "tags" in fields:
        fields["tags"] = [t if isinstance(t, TagRef) else TagRef(tag_id=t) for t in fields["tags"]]
    if "custom" in fields:
        fields["custom"] = dict(fields["custom"])
    return ContactWrite(**fields)


def contact_query(
    *, date: str | None = None, limit: int | None = None, ascending: bool = False,
    order: Order = "updated", filter: str = "", assigned: int | None = None, page: int = 0,
) -> ContactListQuery:  # fmt: skip
    query = ContactListQuery(ascending=ascending, order=order, filter=filter, page=page)
    if date is not None:
        query.date = date
    if limit is not None:
        query.limit = limit
    if assigned is not None:
        query.assigned = assigned
    return query


def lookup(contact_id: int | None, phone: str | None) -> ContactLookup:
    """Names a contact by id or by phone (one of them)."""
    if contact_id is not None and phone is not None:
        raise TypeError("name the contact by id= or by phone=, not both")
    if phone is not None:
        return ContactLookup(phone=phone)
    if contact_id is None:
        raise TypeError("name the contact by id= or by phone=")
    return ContactLookup(id=int_id(contact_id, "id"))


def _contact_path(contact_id: int) -> str:
    return f"/v1/contact/{int_id(contact_id, 'contact_id')}"


def _flag(value: bool) -> dict[str, str]:
    return {"overwrite": "true" if value else "false"}


def create_call(write: ContactWrite) -> ApiCall[ContactRef]:
    return ApiCall("POST", "/v1/contact", decoder(ContactRef), body=write, recover=_created_by_lost)


def _created_by_lost(error: APIStatusError) -> Follow[ContactRef] | None:
    """A create retried after a lost answer meets its own contact: a phone is unique per team."""
    if isinstance(error, ConflictError) and error.existing_id is not None:
        read = decoder(Contact)
        return Follow(
            ApiCall(
                "GET", _contact_path(error.existing_id),
                lambda raw: _ref(read(raw)),
            )
        )  # fmt: skip
    return None


def _ref(contact: Contact) -> ContactRef:
    return ContactRef(id=contact.id, rev=contact.rev, uuid=contact.uuid)


def get_call(contact_id: int) -> ApiCall[Contact]:
    return ApiCall("GET", _contact_path(contact_id), decoder(Contact))


def update_call(
    contact_id: int, write: ContactWrite, *, overwrite: bool, rev: int | None
) -> ApiCall[ContactRef]:
    return ApiCall(
        "PUT", _contact_path(contact_id), decoder(ContactRef), body=write,
        params=_flag(overwrite), headers=if_match(rev),
    )  # fmt: skip


def delete_call(contact_id: int, *, rev: int | None) -> ApiCall[None]:
    return ApiCall(
        "DELETE", _contact_path(contact_id), ok, headers=if_match(rev), recover=recover_lost_delete
    )


def list_call(query: ContactListQuery) -> ApiCall[ContactList]:
    return ApiCall("POST", "/v1/contacts", decoder(ContactList), body=query)


def count_call(query: ContactListQuery) -> ApiCall[int]:
    return ApiCall("POST", "/v1/contacts/count", decoder(int), body=query)


def find_call(which: ContactLookup) -> ApiCall[Contact]:
    return ApiCall("POST", "/v1/contact/get", decoder(Contact), body=which)


def status_call(which: ContactLookup) -> ApiCall[ContactStatus]:
    return ApiCall("POST", "/v1/contact/status", decoder(ContactStatus), body=which)


def set_status_call(which: ContactLookup, status: Status, rev: int | None) -> ApiCall[None]:
    body = SetStatus(id=which.id, phone=which.phone, status=status)
    return ApiCall("POST", "/v1/contact/set_status", ok, body=body, headers=if_match(rev))


def batch_call(items: Iterable[BatchItem], *, overwrite: bool) -> ApiCall[Failures]:
    """Safe to retry: items match contacts by phone, so a second run writes nothing new."""
    failures = decoder(Failures)
    return ApiCall(
        "POST", "/v1/batch/contacts", lambda raw: [] if raw == "ok" else failures(raw),
        body=list(items), params=_flag(overwrite),
    )  # fmt: skip


def contact_walk(query: ContactListQuery) -> DateWalk[Contact]:
    """Pages of ``query``; each next page starts after the last item's order field."""
    by_created = query.order == "created"

    def page_call(date: str | None) -> ApiCall[ContactList]:
        return list_call(query if date is None else structs.replace(query, date=date))

    return DateWalk(
        page_call=page_call,
        cursor_of=lambda contact: contact.created if by_created else contact.updated,
        start=None if query.date is UNSET else query.date,
    )
