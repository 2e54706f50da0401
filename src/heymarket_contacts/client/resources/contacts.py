"""The v1 contact calls: ``Contacts`` and its async twin ``AsyncContacts``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Unpack

from ...models import Contact, ContactRef, ContactStatus, ContactWrite
from .._core import RequestOptions, split_options
from .._paging import AsyncPager, Pager
from .contact_calls import (
    WALK_PAGE_SIZE,
    BatchItem,
    ContactList,
    ContactWriteArgs,
    Failures,
    Order,
    Status,
    batch_call,
    contact_query,
    contact_walk,
    contact_write,
    count_call,
    create_call,
    delete_call,
    find_call,
    get_call,
    list_call,
    lookup,
    set_status_call,
    status_call,
    update_call,
)

if TYPE_CHECKING:
    from .._paging import AsyncSender, SyncSender

__all__ = ["AsyncContacts", "ContactWriteArgs", "Contacts"]


class Contacts:
    """``client.contacts``: the v1 contact calls."""

    def __init__(self, client: SyncSender) -> None:
        self._client = client

    def create(
        self, body: ContactWrite | None = None, /, **kwargs: Unpack[ContactWriteArgs]
    ) -> ContactRef:
        """Create a contact (``phone`` required); a phone the team has is a ``ConflictError``."""
        fields, options = split_options(kwargs)
        return self._client._send(create_call(contact_write(body, fields)), options)

    def get(self, contact_id: int, **options: Unpack[RequestOptions]) -> Contact:
        return self._client._send(get_call(contact_id), options)

    def update(
        self, contact_id: int, body: ContactWrite | None = None, /, *, overwrite: bool = False,
        if_match: int | None = None, **kwargs: Unpack[ContactWriteArgs],
    ) -> ContactRef:  # fmt: skip
        """Fields given replace, others stay (``phone`` required); ``custom`` merges unless
        ``overwrite``. With ``if_match=rev`` it writes only at that revision."""
        fields, options = split_options(kwargs)
        write = contact_write(body, fields)
        return self._client._send(
            update_call(contact_id, write, overwrite=overwrite, rev=if_match), options
        )

    def delete(
        self, contact_id: int, *, if_match: int | None = None, **options: Unpack[RequestOptions]
    ) -> None:
        self._client._send(delete_call(contact_id, rev=if_match), options)

    def list(
        self, *, limit: int = WALK_PAGE_SIZE, ascending: bool = False, order: Order = "updated",
        filter: str = "", assigned: int | None = None, date: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Pager[Contact]:  # fmt: skip
        """Every contact the options select, newest first (oldest with ``ascending``), fetched
        ``limit`` at a time as you iterate; ``date`` starts the walk after that cursor."""
        query = contact_query(date=date, limit=limit, ascending=ascending, order=order,
                              filter=filter, assigned=assigned)  # fmt: skip
        return Pager(self._client, contact_walk(query), options)

    def list_page(
        self, *, date: str | None = None, limit: int | None = None, ascending: bool = False,
        order: Order = "updated", filter: str = "", assigned: int | None = None, page: int = 0,
        **options: Unpack[RequestOptions],
    ) -> ContactList:  # fmt: skip
        """One ``POST /v1/contacts`` call: at most ``limit`` contacts (default 30) past ``date``."""
        query = contact_query(date=date, limit=limit, ascending=ascending, order=order,
                              filter=filter, assigned=assigned, page=page)  # fmt: skip
        return self._client._send(list_call(query), options)

    def count(
        self, *, date: str | None = None, ascending: bool = False, order: Order = "updated",
        filter: str = "", assigned: int | None = None, **options: Unpack[RequestOptions],
    ) -> int:  # fmt: skip
        """How many contacts the same options select (the cursor included)."""
        query = contact_query(date=date, ascending=ascending, order=order, filter=filter,
                              assigned=assigned)  # fmt: skip
        return self._client._send(count_call(query), options)

    def find(
        self, *, id: int | None = None, phone: str | None = None, **options: Unpack[RequestOptions]
    ) -> Contact:
        """The contact with this phone, or this id (``POST /v1/contact/get``)."""
        return self._client._send(find_call(lookup(id, phone)), options)

    def status(
        self, *, id: int | None = None, phone: str | None = None, **options: Unpack[RequestOptions]
    ) -> ContactStatus:
        return self._client._send(status_call(lookup(id, phone)), options)

    def set_status(
        self, status: Status, *, id: int | None = None, phone: str | None = None,
        if_match: int | None = None, **options: Unpack[RequestOptions],
    ) -> None:  # fmt: skip
        """``subscribed``/``unsubscribed`` (opt-out), ``blocked``/``unblocked``, ``active``."""
        self._client._send(set_status_call(lookup(id, phone), status, if_match), options)

    def batch(
        self,
        items: Iterable[BatchItem],
        *,
        overwrite: bool = False,
        **options: Unpack[RequestOptions],
    ) -> Failures:
        """Write up to 1,000 contacts in one call; the items that failed (empty: none did)."""
        return self._client._send(batch_call(items, overwrite=overwrite), options)


class AsyncContacts:
    """``client.contacts`` of an ``AsyncClient``: the same calls, awaited."""

    def __init__(self, client: AsyncSender) -> None:
        self._client = client

    async def create(
        self, body: ContactWrite | None = None, /, **kwargs: Unpack[ContactWriteArgs]
    ) -> ContactRef:
        """Create a contact (``phone`` required); a phone the team has is a ``ConflictError``."""
        fields, options = split_options(kwargs)
        return await self._client._send(create_call(contact_write(body, fields)), options)

    async def get(self, contact_id: int, **options: Unpack[RequestOptions]) -> Contact:
        return await self._client._send(get_call(contact_id), options)

    async def update(
        self, contact_id: int, body: ContactWrite | None = None, /, *, overwrite: bool = False,
        if_match: int | None = None, **kwargs: Unpack[ContactWriteArgs],
    ) -> ContactRef:  # fmt: skip
        """Fields given replace, others stay (``phone`` required); ``custom`` merges unless
        ``overwrite``. With ``if_match=rev`` it writes only at that revision."""
        fields, options = split_options(kwargs)
        write = contact_write(body, fields)
        return await self._client._send(
            update_call(contact_id, write, overwrite=overwrite, rev=if_match), options
        )

    async def delete(
        self, contact_id: int, *, if_match: int | None = None, **options: Unpack[RequestOptions]
    ) -> None:
        await self._client._send(delete_call(contact_id, rev=if_match), options)

    def list(
        self, *, limit: int = WALK_PAGE_SIZE, ascending: bool = False, order: Order = "updated",
        filter: str = "", assigned: int | None = None, date: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncPager[Contact]:  # fmt: skip
        """Every contact the options select, for ``async for`` (see ``Contacts.list``)."""
        query = contact_query(date=date, limit=limit, ascending=ascending, order=order,
                              filter=filter, assigned=assigned)  # fmt: skip
        return AsyncPager(self._client, contact_walk(query), options)

    async def list_page(
        self, *, date: str | None = None, limit: int | None = None, ascending: bool = False,
        order: Order = "updated", filter: str = "", assigned: int | None = None, page: int = 0,
        **options: Unpack[RequestOptions],
    ) -> ContactList:  # fmt: skip
        """One ``POST /v1/contacts`` call: at most ``limit`` contacts (default 30) past ``date``."""
        query = contact_query(date=date, limit=limit, ascending=ascending, order=order,
                              filter=filter, assigned=assigned, page=page)  # fmt: skip
        return await self._client._send(list_call(query), options)

    async def count(
        self, *, date: str | None = None, ascending: bool = False, order: Order = "updated",
        filter: str = "", assigned: int | None = None, **options: Unpack[RequestOptions],
    ) -> int:  # fmt: skip
        """How many contacts the same options select (the cursor included)."""
        query = contact_query(date=date, ascending=ascending, order=order, filter=filter,
                              assigned=assigned)  # fmt: skip
        return await self._client._send(count_call(query), options)

    async def find(
        self, *, id: int | None = None, phone: str | None = None, **options: Unpack[RequestOptions]
    ) -> Contact:
        """The contact with this phone, or this id (``POST /v1/contact/get``)."""
        return await self._client._send(find_call(lookup(id, phone)), options)

    async def status(
        self, *, id: int | None = None, phone: str | None = None, **options: Unpack[RequestOptions]
    ) -> ContactStatus:
        return await self._client._send(status_call(lookup(id, phone)), options)

    async def set_status(
        self, status: Status, *, id: int | None = None, phone: str | None = None,
        if_match: int | None = None, **options: Unpack[RequestOptions],
    ) -> None:  # fmt: skip
        """``subscribed``/``unsubscribed`` (opt-out), ``blocked``/``unblocked``, ``active``."""
        await self._client._send(set_status_call(lookup(id, phone), status, if_match), options)

    async def batch(
        self,
        items: Iterable[BatchItem],
        *,
        overwrite: bool = False,
        **options: Unpack[RequestOptions],
    ) -> Failures:
        """Write up to 1,000 contacts in one call; the items that failed (empty: none did)."""
        return await self._client._send(batch_call(items, overwrite=overwrite), options)
