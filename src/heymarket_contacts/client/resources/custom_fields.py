"""Custom contact fields: list them, and make those the team does not have yet."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Unpack

from ...models import ContactField, FieldCreated, FieldListQuery, FieldTitle
from .._answers import decoder
from .._core import ApiCall, RequestOptions

if TYPE_CHECKING:
    from .._paging import AsyncSender, SyncSender

__all__ = ["AsyncCustomFields", "CustomFields"]

FieldList = list[ContactField]
CreatedList = list[FieldCreated]


def list_call() -> ApiCall[FieldList]:
    return ApiCall("POST", "/v1/contact-fields", decoder(FieldList), body=FieldListQuery())


def create_call(titles: Iterable[str]) -> ApiCall[CreatedList]:
    """Safe to retry: a title the team has is answered as a duplicate, never made twice."""
    body = [FieldTitle(title=title) for title in titles]
    return ApiCall("POST", "/v1/contacts/fields", decoder(CreatedList), body=body)


class CustomFields:
    """``client.contact_fields``: the team's custom contact fields."""

    def __init__(self, client: SyncSender) -> None:
        self._client = client

    def list(self, **options: Unpack[RequestOptions]) -> FieldList:
        """Every custom field of the team, oldest first."""
        return self._client._send(list_call(), options)

    def create(self, titles: Iterable[str], **options: Unpack[RequestOptions]) -> CreatedList:
        """A field per title the team lacks; one answer per title (``duplicate`` if it had it)."""
        return self._client._send(create_call(titles), options)


class AsyncCustomFields:
    """``client.contact_fields`` of an ``AsyncClient``."""

    def __init__(self, client: AsyncSender) -> None:
        self._client = client

    async def list(self, **options: Unpack[RequestOptions]) -> FieldList:
        """Every custom field of the team, oldest first."""
        return await self._client._send(list_call(), options)

    async def create(self, titles: Iterable[str], **options: Unpack[RequestOptions]) -> CreatedList:
        """A field per title the team lacks; one answer per title (``duplicate`` if it had it)."""
        return await self._client._send(create_call(titles), options)
