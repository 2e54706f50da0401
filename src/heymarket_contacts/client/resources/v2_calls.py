"""The v2 contact and channel calls as pure request builders (no I/O): what ``client.v2``
sends. Contacts are addressed by ``uuid``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec
from msgspec import UNSET, structs

from ...models import (
    ChannelValues,
    ChannelWrite,
    ContactChannel,
    ContactRef,
    ContactsV2Delete,
    ContactsV2Search,
    ContactsV2Written,
    ContactV2,
    ContactV2Item,
    ContactV2ListQuery,
    ContactV2Write,
)
from .._answers import decoder
from .._core import ApiCall, Follow
from .._paging import DateWalk
from .._retry import RetryMode
from ..errors import APIStatusError, ConflictError
from ._common import if_match, ok, path_text, recover_lost_delete
from .contact_calls import ContactFieldArgs, contact_write

__all__ = [
    "BulkItem",
    "ChannelArg",
    "ChannelList",
    "ContactV2List",
    "ContactV2WriteArgs",
    "add_channel_call",
    "bulk_delete_call",
    "bulk_write_call",
    "channel_write",
    "contact_v2_write",
    "create_call",
    "delete_call",
    "delete_channel_call",
    "get_call",
    "get_channel_call",
    "list_call",
    "list_channels_call",
    "replace_channel_call",
    "search_body",
    "search_call",
    "update_call",
    "v2_query",
    "v2_walk",
]

ContactV2List = list[ContactV2]
ChannelList = list[ContactChannel]
#: A channel as ``ChannelWrite`` or as a mapping of its fields.
ChannelArg = ChannelWrite | Mapping[str, Any]
BulkItem = ContactV2Item | Mapping[str, Any]


class ContactV2WriteArgs(ContactFieldArgs, total=False):
    """The v2 write shape as keywords: the v1 fields and the contact's channels."""

    contact_channels: Sequence[ChannelArg]


def contact_v2_write(body: ContactV2Write | None, kwargs: Mapping[str, Any]) -> ContactV2Write:
    """The v2 write shape from a ``ContactV2Write`` or from keywords (unknown: TypeError)."""
    if body is not None:
        if kwargs:
            raise TypeError("pass a ContactV2Write or keyword fields, not both")
        return body
    fields = dict(kwargs)
    channels = fields.pop("contact_channels", None)
    v1 = contact_write(None, fields)
    write = ContactV2Write(**structs.asdict(v1))
    if channels is not None:
        write.contact_channels = [channel_write(channel) for channel in channels]
    return write


def channel_write(channel: ChannelArg) -> ChannelWrite:
    if isinstance(channel, ChannelWrite):
        return channel
    if not isinstance(channel, Mapping):
        raise TypeError(f"a channel is a ChannelWrite or a mapping, not {type(channel).__name__}")
    return msgspec.convert(dict(channel), ChannelWrite)


def _uuid_text(value: str) -> str:
    """A contact's uuid for a body; anything but a non-empty ``str`` is refused."""
    if not isinstance(value, str) or not value:
        raise TypeError("a contact uuid must be a non-empty str")
    return value


def _contact_path(uuid: str) -> str:
    return f"/v2/contact/{path_text(uuid, 'uuid')}"


def _flag(value: bool) -> dict[str, str]:
    return {"overwrite": "true" if value else "false"}


def create_call(write: ContactV2Write) -> ApiCall[ContactRef]:
    """Safe to retry: channel values are unique in a team. A retry after a lost answer that
    meets a 409 answers the clashing contact when it holds every channel sent (the lost
    attempt made it); otherwise the ``ConflictError`` stands."""

    def recover(error: APIStatusError) -> Follow[ContactRef] | None:
        if not isinstance(error, ConflictError) or error.existing_uuid is None:
            return None
        read = decoder(ContactV2)

        def answer(raw: Any) -> ContactRef:
            contact = read(raw)
            if not holds_channels(contact, write):
                raise error
            return ContactRef(id=contact.id, rev=contact.rev, uuid=contact.uuid)

        return Follow(ApiCall("GET", _contact_path(error.existing_uuid), answer))

    return ApiCall("POST", "/v2/contact", decoder(ContactRef), body=write, recover=recover)


def holds_channels(contact: ContactV2, write: ContactV2Write) -> bool:
    """Whether ``contact`` holds every channel value ``write`` names (phone and email too)."""
    held = {
        (ch.channel_type, _plain(ch.channel_type, ch.channel_id)) for ch in contact.contact_channels
    }
    wanted = [(c.channel_type.lower(), c.channel_id) for c in write.contact_channels or ()]
    if write.phone is not UNSET:
        wanted.append(("phone", write.phone))
    if write.email is not UNSET and write.email.strip():
        wanted.append(("email", write.email))
    return all((kind, _plain(kind, value)) in held for kind, value in wanted)


def _plain(kind: str, value: str) -> str:
    """A value as the server compares it (roughly: the SDK does not validate values)."""
    if kind == "phone":
        return value.strip().removeprefix("+")
    return value.strip().lower() if kind == "email" else value


def get_call(uuid: str) -> ApiCall[ContactV2]:
    return ApiCall("GET", _contact_path(uuid), decoder(ContactV2))


def update_call(
    uuid: str, write: ContactV2Write, *, overwrite: bool, rev: int | None
) -> ApiCall[ContactV2]:
    return ApiCall(
        "PUT", _contact_path(uuid), decoder(ContactV2), body=write, params=_flag(overwrite),
        headers=if_match(rev),
    )  # fmt: skip


def delete_call(uuid: str, *, rev: int | None) -> ApiCall[None]:
    return ApiCall(
        "DELETE", _contact_path(uuid), ok, headers=if_match(rev), recover=recover_lost_delete
    )


def bulk_write_call(items: Iterable[BulkItem], *, overwrite: bool) -> ApiCall[ContactsV2Written]:
    """Retried only when the request cannot have reached the server: a second run would
    answer the first run's creates as failed (their channels exist)."""
    body = {"contacts": list(items)}
    return ApiCall(
        "POST", "/v2/contacts", decoder(ContactsV2Written), body=body, params=_flag(overwrite),
        retry=RetryMode.UNSENT_ONLY,
    )  # fmt: skip


def bulk_delete_call(uuids: Iterable[str]) -> ApiCall[None]:
    """A retry that meets a 404 after a lost answer means the lost attempt deleted them."""
    wanted = [_uuid_text(uuid) for uuid in uuids]
    body = ContactsV2Delete(contact_channels=[ChannelValues(channel_type="id", channel_ids=wanted)])
    return ApiCall("DELETE", "/v2/contacts", ok, body=body, recover=recover_lost_delete)


def v2_query(
    *, date: str | None = None, limit: int | None = None, ascending: bool = False, page: int = 0
) -> ContactV2ListQuery:
    query = ContactV2ListQuery(ascending=ascending, page=page)
    if date is not None:
        query.date = date
    if limit is not None:
        query.limit = limit
    return query


def list_call(query: ContactV2ListQuery) -> ApiCall[ContactV2List]:
    return ApiCall("POST", "/v2/contacts/list", decoder(ContactV2List), body=query)


def v2_walk(query: ContactV2ListQuery) -> DateWalk[ContactV2]:
    """Pages of ``query``; each next page starts after the last item's ``updated``."""

    def page_call(date: str | None) -> ApiCall[ContactV2List]:
        return list_call(query if date is None else structs.replace(query, date=date))

    start = None if query.date is UNSET else query.date
    return DateWalk(page_call=page_call, cursor_of=lambda contact: contact.updated, start=start)


def search_body(
    values: Iterable[str], channel_type: str | None, groups: Iterable[ChannelValues]
) -> ContactsV2Search:
    """One group of ``values`` (typed by ``channel_type``, else by their form), then ``groups``."""
    if isinstance(values, str):
        raise TypeError("values is a list of strings, not one string")
    wanted = list(values)
    listed = list(groups)
    if wanted:
        group = ChannelValues(channel_ids=wanted)
        if channel_type is not None:
            group.channel_type = channel_type
        listed.insert(0, group)
    return ContactsV2Search(contact_channels=listed)


def search_call(search: ContactsV2Search) -> ApiCall[ContactV2List]:
    return ApiCall("POST", "/v2/contacts/search", decoder(ContactV2List), body=search)


def _channel_path(uuid: str, kind: str) -> str:
    return f"{_contact_path(uuid)}/channel/{path_text(kind, 'channel_type')}"


def add_channel_call(uuid: str, write: ChannelWrite) -> ApiCall[ChannelList]:
    """Safe to retry: adding a value the contact holds changes nothing."""
    path = f"{_contact_path(uuid)}/channel"
    return ApiCall("POST", path, decoder(ChannelList), body=write)


def replace_channel_call(uuid: str, write: ChannelWrite) -> ApiCall[ChannelList]:
    path = f"{_contact_path(uuid)}/channel"
    return ApiCall("PUT", path, decoder(ChannelList), body=write)


def list_channels_call(uuid: str) -> ApiCall[ChannelList]:
    return ApiCall("GET", f"{_contact_path(uuid)}/channels", decoder(ChannelList))


def get_channel_call(uuid: str, kind: str) -> ApiCall[ContactChannel]:
    return ApiCall("GET", _channel_path(uuid, kind), decoder(ContactChannel))


def delete_channel_call(uuid: str, kind: str) -> ApiCall[None]:
    """Retried only when the request cannot have reached the server: after a delete, the
    next channel of the type is the primary one, and a second delete would remove it."""
    return ApiCall("DELETE", _channel_path(uuid, kind), ok, retry=RetryMode.UNSENT_ONLY)
