"""The caller's team and its inboxes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Unpack

from ...models import Inbox, Team
from .._answers import decoder
from .._core import ApiCall, RequestOptions

if TYPE_CHECKING:
    from .._paging import AsyncSender, SyncSender

__all__ = ["AsyncInboxes", "AsyncTeamResource", "Inboxes", "TeamResource"]

InboxList = list[Inbox]


def team_call() -> ApiCall[Team]:
    return ApiCall("GET", "/v1/team", decoder(Team))


def inboxes_call() -> ApiCall[InboxList]:
    return ApiCall("GET", "/v1/inboxes", decoder(InboxList))


class TeamResource:
    """``client.team``: the team the API secret belongs to."""

    def __init__(self, client: SyncSender) -> None:
        self._client = client

    def get(self, **options: Unpack[RequestOptions]) -> Team:
        return self._client._send(team_call(), options)


class AsyncTeamResource:
    """``client.team`` of an ``AsyncClient``."""

    def __init__(self, client: AsyncSender) -> None:
        self._client = client

    async def get(self, **options: Unpack[RequestOptions]) -> Team:
        return await self._client._send(team_call(), options)


class Inboxes:
    """``client.inboxes``: the team's inboxes."""

    def __init__(self, client: SyncSender) -> None:
        self._client = client

    def list(self, **options: Unpack[RequestOptions]) -> InboxList:
        return self._client._send(inboxes_call(), options)


class AsyncInboxes:
    """``client.inboxes`` of an ``AsyncClient``."""

    def __init__(self, client: AsyncSender) -> None:
        self._client = client

    async def list(self, **options: Unpack[RequestOptions]) -> InboxList:
        return await self._client._send(inboxes_call(), options)
