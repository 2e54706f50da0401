"""Walking a date-cursor listing lazily, with ``for`` or ``async for``.

The walk itself is pure (:class:`DateWalk`: the call for a cursor, the next cursor after a
page); the pagers only send. A page is fetched when the iteration reaches it; an empty page
ends the walk, as the contract says.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from .errors import HeymarketError

if TYPE_CHECKING:
    from ._core import ApiCall, RequestOptions

__all__ = ["AsyncPager", "DateWalk", "Pager"]

T = TypeVar("T")
R = TypeVar("R")


class SyncSender(Protocol):
    def _send(self, call: ApiCall[R], options: RequestOptions) -> R: ...


class AsyncSender(Protocol):
    async def _send(self, call: ApiCall[R], options: RequestOptions) -> R: ...


@dataclass(frozen=True, slots=True)
class DateWalk(Generic[T]):
    """A listing walked by date: ``page_call(date)`` for each page, starting at ``start``."""

    page_call: Callable[[str | None], ApiCall[list[T]]]
    #: The next page's cursor: the last item's ``updated`` (or ``created``).
    cursor_of: Callable[[T], str]
    start: str | None = None

    def next_cursor(self, cursor: str | None, page: list[T]) -> str:
        following = self.cursor_of(page[-1])
        if following == cursor:
            raise HeymarketError(f"the server did not move the date cursor past {cursor}")
        return following


class Pager(Generic[T]):
    """Every item of a listing; pages are fetched as the iteration reaches them."""

    def __init__(self, client: SyncSender, walk: DateWalk[T], options: RequestOptions) -> None:
        self._client = client
        self._walk = walk
        self._options = options

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page

    def pages(self) -> Iterator[list[T]]:
        """The pages themselves, each a non-empty list."""
        cursor = self._walk.start
        while True:
            page = self._client._send(self._walk.page_call(cursor), self._options)
            if not page:
                return
            yield page
            cursor = self._walk.next_cursor(cursor, page)


class AsyncPager(Generic[T]):
    """Every item of a listing, for ``async for``; pages are fetched as it reaches them."""

    def __init__(self, client: AsyncSender, walk: DateWalk[T], options: RequestOptions) -> None:
        self._client = client
        self._walk = walk
        self._options = options

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page:
                yield item

    async def pages(self) -> AsyncIterator[list[T]]:
        """The pages themselves, each a non-empty list."""
        cursor = self._walk.start
        while True:
            page = await self._client._send(self._walk.page_call(cursor), self._options)
            if not page:
                return
            yield page
            cursor = self._walk.next_cursor(cursor, page)
