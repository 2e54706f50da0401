"""Tags: create, get, list (walked by date), delete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Unpack

from ...models import TagCreated, TagDetail, TagListQuery, TagWrite
from .._answers import decoder
from .._core import ApiCall, RequestOptions
from .._paging import AsyncPager, DateWalk, Pager
from ._common import int_id, ok, recover_lost_delete

if TYPE_CHECKING:
    from .._paging import AsyncSender, SyncSender

__all__ = ["AsyncTags", "Tags"]

TagList = list[TagDetail]


def _tag_path(tag_id: int) -> str:
    return f"/v1/tag/{int_id(tag_id, 'tag_id')}"


def create_call(tag: str, color: str) -> ApiCall[TagCreated]:
    """Safe to retry: a label is unique in a team, so a retry cannot make a second tag (a
    retry after a lost answer raises ``ConflictError`` naming the tag in ``existing_id``)."""
    return ApiCall("POST", "/v1/tag", decoder(TagCreated), body=TagWrite(tag=tag, color=color))


def get_call(tag_id: int) -> ApiCall[TagDetail]:
    return ApiCall("GET", _tag_path(tag_id), decoder(TagDetail))


def list_call(date: str | None) -> ApiCall[TagList]:
    query = TagListQuery() if date is None else TagListQuery(date=date)
    return ApiCall("POST", "/v1/tags", decoder(TagList), body=query)


def delete_call(tag_id: int) -> ApiCall[None]:
    return ApiCall("DELETE", _tag_path(tag_id), ok, recover=recover_lost_delete)


def tag_walk(date: str | None) -> DateWalk[TagDetail]:
    return DateWalk(page_call=list_call, cursor_of=lambda tag: tag.updated, start=date)


class Tags:
    """``client.tags``."""

    def __init__(self, client: SyncSender) -> None:
        self._client = client

    def create(self, tag: str, *, color: str = "", **options: Unpack[RequestOptions]) -> TagCreated:
        """A new tag; a label the team has (in any case) is a ``ConflictError``."""
        return self._client._send(create_call(tag, color), options)

    def get(self, tag_id: int, **options: Unpack[RequestOptions]) -> TagDetail:
        return self._client._send(get_call(tag_id), options)

    def list(
        self, *, date: str | None = None, **options: Unpack[RequestOptions]
    ) -> Pager[TagDetail]:
        """Every tag (updated before ``date``, if given), newest first, 30 a call as you iterate."""
        return Pager(self._client, tag_walk(date), options)

    def list_page(self, *, date: str | None = None, **options: Unpack[RequestOptions]) -> TagList:
        """One call: up to 30 tags updated before ``date``, newest first."""
        return self._client._send(list_call(date), options)

    def delete(self, tag_id: int, **options: Unpack[RequestOptions]) -> None:
        """Delete the tag; it leaves every contact that had it."""
        self._client._send(delete_call(tag_id), options)


class AsyncTags:
    """``client.tags`` of an ``AsyncClient``."""

    def __init__(self, client: AsyncSender) -> None:
        self._client = client

    async def create(
        self, tag: str, *, color: str = "", **options: Unpack[RequestOptions]
    ) -> TagCreated:
        """A new tag; a label the team has (in any case) is a ``ConflictError``."""
        return await self._client._send(create_call(tag, color), options)

    async def get(self, tag_id: int, **options: Unpack[RequestOptions]) -> TagDetail:
        return await self._client._send(get_call(tag_id), options)

    def list(
        self, *, date: str | None = None, **options: Unpack[RequestOptions]
    ) -> AsyncPager[TagDetail]:
        """Every tag (updated before ``date``, if given), newest first, for ``async for``."""
        return AsyncPager(self._client, tag_walk(date), options)

    async def list_page(
        self, *, date: str | None = None, **options: Unpack[RequestOptions]
    ) -> TagList:
        """One call: up to 30 tags updated before ``date``, newest first."""
        return await self._client._send(list_call(date), options)

    async def delete(self, tag_id: int, **options: Unpack[RequestOptions]) -> None:
        """Delete the tag; it leaves every contact that had it."""
        await self._client._send(delete_call(tag_id), options)
