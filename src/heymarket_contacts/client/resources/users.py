"""The team's users: find them by phone or email, change their names and roles."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Unpack

from ...models import Membership, Memberships, UserLookup, UsersUpdate, UserUpdate
from .._answers import decoder
from .._core import ApiCall, RequestOptions

if TYPE_CHECKING:
    from .._paging import AsyncSender, SyncSender

__all__ = ["AsyncUsers", "Users"]

MembershipList = list[Membership]


def _memberships(raw: object) -> MembershipList:
    return decoder(Memberships)(raw).memberships


def get_call(phones: Iterable[str], emails: Iterable[str]) -> ApiCall[MembershipList]:
    """``POST /v1/users/get``, the form of the call that needs no body on a GET."""
    body = UserLookup(phone=list(phones), email=list(emails))
    return ApiCall("POST", "/v1/users/get", _memberships, body=body)


def update_call(users: Iterable[UserUpdate]) -> ApiCall[MembershipList]:
    return ApiCall("POST", "/v1/users/update", _memberships, body=UsersUpdate(users=list(users)))


class Users:
    """``client.users``."""

    def __init__(self, client: SyncSender) -> None:
        self._client = client

    def get(
        self, *, phone: Iterable[str] = (), email: Iterable[str] = (),
        **options: Unpack[RequestOptions],
    ) -> MembershipList:  # fmt: skip
        """The users with these phones or emails; every user of the team when none is given."""
        return self._client._send(get_call(phone, email), options)

    def update(
        self, users: Iterable[UserUpdate], **options: Unpack[RequestOptions]
    ) -> MembershipList:
        """Change names and roles (all of the items or none); the team's users after it."""
        return self._client._send(update_call(users), options)


class AsyncUsers:
    """``client.users`` of an ``AsyncClient``."""

    def __init__(self, client: AsyncSender) -> None:
        self._client = client

    async def get(
        self, *, phone: Iterable[str] = (), email: Iterable[str] = (),
        **options: Unpack[RequestOptions],
    ) -> MembershipList:  # fmt: skip
        """The users with these phones or emails; every user of the team when none is given."""
        return await self._client._send(get_call(phone, email), options)

    async def update(
        self, users: Iterable[UserUpdate], **options: Unpack[RequestOptions]
    ) -> MembershipList:
        """Change names and roles (all of the items or none); the team's users after it."""
        return await self._client._send(update_call(users), options)
