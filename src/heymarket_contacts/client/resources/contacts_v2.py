"""``client.v2``: the v2 contact calls (``client.v2.contacts``) and a contact's channels
(``client.v2.channels``), each a sync class and its async twin over :mod:`.v2_calls`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Unpack

from ...models import (
    ChannelValues,
    ChannelWrite,
    ContactChannel,
    ContactRef,
    ContactsV2Written,
    ContactV2,
    ContactV2Write,
)
from .._core import RequestOptions, split_options
from .._paging import AsyncPager, Pager
from .contact_calls import WALK_PAGE_SIZE
from .v2_calls import (
    BulkItem,
    ChannelList,
    ContactV2List,
    ContactV2WriteArgs,
    add_channel_call,
    bulk_delete_call,
    bulk_write_call,
    contact_v2_write,
    create_call,
    delete_call,
    delete_channel_call,
    get_call,
    get_channel_call,
    list_call,
    list_channels_call,
    replace_channel_call,
    search_body,
    search_call,
    update_call,
    v2_query,
    v2_walk,
)

if TYPE_CHECKING:
    from .._paging import AsyncSender, SyncSender

__all__ = [
    "V2",
    "AsyncChannels",
    "AsyncContactsV2",
    "AsyncV2",
    "Channels",
    "ContactV2WriteArgs",
    "ContactsV2",
]


class V2WriteArgs(ContactV2WriteArgs, RequestOptions, total=False):
    """The keywords of ``create`` and ``update``: the v2 write shape, and per-call options."""


def _channel(
    channel_type: str, channel_id: str, handle: str | None, info: str | None
) -> ChannelWrite:
    write = ChannelWrite(channel_type=channel_type, channel_id=channel_id)
    if handle is not None:
        write.channel_handle = handle
    if info is not None:
        write.info_channel = info
    return write


class ContactsV2:
    """``client.v2.contacts``: contacts by ``uuid``, with their channels."""

    def __init__(self, client: SyncSender) -> None:
        self._client = client

    def create(
        self, body: ContactV2Write | None = None, /, **kwargs: Unpack[V2WriteArgs]
    ) -> ContactRef:
        """A contact with ``contact_channels`` (or a ``phone``/``email``); a channel another
        contact holds is a ``ConflictError`` naming it (``existing_uuid``)."""
        fields, options = split_options(kwargs)
        return self._client._send(create_call(contact_v2_write(body, fields)), options)

    def get(self, uuid: str, **options: Unpack[RequestOptions]) -> ContactV2:
        return self._client._send(get_call(uuid), options)

    def update(
        self, uuid: str, body: ContactV2Write | None = None, /, *, overwrite: bool = False,
        if_match: int | None = None, **kwargs: Unpack[V2WriteArgs],
    ) -> ContactV2:  # fmt: skip
        """Fields given replace, others stay; ``contact_channels`` replaces every channel.
        The contact as written."""
        fields, options = split_options(kwargs)
        call = update_call(uuid, contact_v2_write(body, fields), overwrite=overwrite, rev=if_match)
        return self._client._send(call, options)

    def delete(
        self, uuid: str, *, if_match: int | None = None, **options: Unpack[RequestOptions]
    ) -> None:
        self._client._send(delete_call(uuid, rev=if_match), options)

    def bulk_write(
        self, items: Iterable[BulkItem], *, overwrite: bool = False,
        **options: Unpack[RequestOptions],
    ) -> ContactsV2Written:  # fmt: skip
        """Up to 1,000 items: with ``contact_id`` an update, else a create; each on its own."""
        return self._client._send(bulk_write_call(items, overwrite=overwrite), options)

    def bulk_delete(self, uuids: Iterable[str], **options: Unpack[RequestOptions]) -> None:
        """Delete up to 1,000 contacts; one unknown uuid (a ``NotFoundError``) deletes none."""
        self._client._send(bulk_delete_call(uuids), options)

    def list(
        self, *, limit: int = WALK_PAGE_SIZE, ascending: bool = False, date: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Pager[ContactV2]:  # fmt: skip
        """Every contact, newest first (oldest with ``ascending``), ``limit`` a call."""
        query = v2_query(date=date, limit=limit, ascending=ascending)
        return Pager(self._client, v2_walk(query), options)

    def list_page(
        self, *, date: str | None = None, limit: int | None = None, ascending: bool = False,
        page: int = 0, **options: Unpack[RequestOptions],
    ) -> ContactV2List:  # fmt: skip
        """One ``POST /v2/contacts/list`` call."""
        query = v2_query(date=date, limit=limit, ascending=ascending, page=page)
        return self._client._send(list_call(query), options)

    def search(
        self, values: Iterable[str] = (), *, channel_type: str | None = None,
        groups: Iterable[ChannelValues] = (), **options: Unpack[RequestOptions],
    ) -> ContactV2List:  # fmt: skip
        """The contacts holding any of ``values`` (of ``channel_type``, else typed by their
        form: an ``@`` is an email, digits a phone) or of the ``groups``."""
        return self._client._send(search_call(search_body(values, channel_type, groups)), options)


class Channels:
    """``client.v2.channels``: a contact's channels, the contact named by its ``uuid``."""

    def __init__(self, client: SyncSender) -> None:
        self._client = client

    def add(
        self, uuid: str, channel_type: str, channel_id: str, *, channel_handle: str | None = None,
        info_channel: str | None = None, **options: Unpack[RequestOptions],
    ) -> ChannelList:  # fmt: skip
        """Add a channel (the first of its type becomes primary); the contact's channels."""
        write = _channel(channel_type, channel_id, channel_handle, info_channel)
        return self._client._send(add_channel_call(uuid, write), options)

    def replace(
        self, uuid: str, channel_type: str, channel_id: str, *, channel_handle: str | None = None,
        info_channel: str | None = None, **options: Unpack[RequestOptions],
    ) -> ChannelList:  # fmt: skip
        """Put the value in place of the primary channel of its type; the contact's channels."""
        write = _channel(channel_type, channel_id, channel_handle, info_channel)
        return self._client._send(replace_channel_call(uuid, write), options)

    def list(self, uuid: str, **options: Unpack[RequestOptions]) -> ChannelList:
        return self._client._send(list_channels_call(uuid), options)

    def get(
        self, uuid: str, channel_type: str, **options: Unpack[RequestOptions]
    ) -> ContactChannel:
        """The primary channel of the type."""
        return self._client._send(get_channel_call(uuid, channel_type), options)

    def delete(self, uuid: str, channel_type: str, **options: Unpack[RequestOptions]) -> None:
        """Remove the primary channel of the type; a contact's last channel stays (400)."""
        self._client._send(delete_channel_call(uuid, channel_type), options)


class V2:
    """``client.v2``: the v2 API."""

    def __init__(self, client: SyncSender) -> None:
        self.contacts = ContactsV2(client)
        self.channels = Channels(client)


class AsyncContactsV2:
    """``client.v2.contacts`` of an ``AsyncClient``: the same calls, awaited."""

    def __init__(self, client: AsyncSender) -> None:
        self._client = client

    async def create(
        self, body: ContactV2Write | None = None, /, **kwargs: Unpack[V2WriteArgs]
    ) -> ContactRef:
        """A contact with ``contact_channels`` (or a ``phone``/``email``)."""
        fields, options = split_options(kwargs)
        return await self._client._send(create_call(contact_v2_write(body, fields)), options)

    async def get(self, uuid: str, **options: Unpack[RequestOptions]) -> ContactV2:
        return await self._client._send(get_call(uuid), options)

    async def update(
        self, uuid: str, body: ContactV2Write | None = None, /, *, overwrite: bool = False,
        if_match: int | None = None, **kwargs: Unpack[V2WriteArgs],
    ) -> ContactV2:  # fmt: skip
        """Fields given replace, others stay; ``contact_channels`` replaces every channel."""
        fields, options = split_options(kwargs)
        call = update_call(uuid, contact_v2_write(body, fields), overwrite=overwrite, rev=if_match)
        return await self._client._send(call, options)

    async def delete(
        self, uuid: str, *, if_match: int | None = None, **options: Unpack[RequestOptions]
    ) -> None:
        await self._client._send(delete_call(uuid, rev=if_match), options)

    async def bulk_write(
        self, items: Iterable[BulkItem], *, overwrite: bool = False,
        **options: Unpack[RequestOptions],
    ) -> ContactsV2Written:  # fmt: skip
        """Up to 1,000 items: with ``contact_id`` an update, else a create; each on its own."""
        return await self._client._send(bulk_write_call(items, overwrite=overwrite), options)

    async def bulk_delete(self, uuids: Iterable[str], **options: Unpack[RequestOptions]) -> None:
        """Delete up to 1,000 contacts; one unknown uuid (a ``NotFoundError``) deletes none."""
        await self._client._send(bulk_delete_call(uuids), options)

    def list(
        self, *, limit: int = WALK_PAGE_SIZE, ascending: bool = False, date: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncPager[ContactV2]:  # fmt: skip
        """Every contact, for ``async for`` (see ``ContactsV2.list``)."""
        query = v2_query(date=date, limit=limit, ascending=ascending)
        return AsyncPager(self._client, v2_walk(query), options)

    async def list_page(
        self, *, date: str | None = None, limit: int | None = None, ascending: bool = False,
        page: int = 0, **options: Unpack[RequestOptions],
    ) -> ContactV2List:  # fmt: skip
        """One ``POST /v2/contacts/list`` call."""
        query = v2_query(date=date, limit=limit, ascending=ascending, page=page)
        return await self._client._send(list_call(query), options)

    async def search(
        self, values: Iterable[str] = (), *, channel_type: str | None = None,
        groups: Iterable[ChannelValues] = (), **options: Unpack[RequestOptions],
    ) -> ContactV2List:  # fmt: skip
        """The contacts holding any of ``values`` or of the ``groups``."""
        call = search_call(search_body(values, channel_type, groups))
        return await self._client._send(call, options)


class AsyncChannels:
    """``client.v2.channels`` of an ``AsyncClient``."""

    def __init__(self, client: AsyncSender) -> None:
        self._client = client

    async def add(
        self, uuid: str, channel_type: str, channel_id: str, *, channel_handle: str | None = None,
        info_channel: str | None = None, **options: Unpack[RequestOptions],
    ) -> ChannelList:  # fmt: skip
        """Add a channel (the first of its type becomes primary); the contact's channels."""
        write = _channel(channel_type, channel_id, channel_handle, info_channel)
        return await self._client._send(add_channel_call(uuid, write), options)

    async def replace(
        self, uuid: str, channel_type: str, channel_id: str, *, channel_handle: str | None = None,
        info_channel: str | None = None, **options: Unpack[RequestOptions],
    ) -> ChannelList:  # fmt: skip
        """Put the value in place of the primary channel of its type; the contact's channels."""
        write = _channel(channel_type, channel_id, channel_handle, info_channel)
        return await self._client._send(replace_channel_call(uuid, write), options)

    async def list(self, uuid: str, **options: Unpack[RequestOptions]) -> ChannelList:
        return await self._client._send(list_channels_call(uuid), options)

    async def get(
        self, uuid: str, channel_type: str, **options: Unpack[RequestOptions]
    ) -> ContactChannel:
        """The primary channel of the type."""
        return await self._client._send(get_channel_call(uuid, channel_type), options)

    async def delete(self, uuid: str, channel_type: str, **options: Unpack[RequestOptions]) -> None:
        """Remove the primary channel of the type; a contact's last channel stays (400)."""
        await self._client._send(delete_channel_call(uuid, channel_type), options)


class AsyncV2:
    """``client.v2`` of an ``AsyncClient``."""

    def __init__(self, client: AsyncSender) -> None:
        self.contacts = AsyncContactsV2(client)
        self.channels = AsyncChannels(client)
