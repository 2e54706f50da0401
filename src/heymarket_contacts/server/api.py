"""What every route needs: the services, the authenticator, and how to run blocking calls.

Service calls block (they talk to the database). Short reads on an embedded database run on the
event loop itself, which costs less than a thread hop; writes (which wait for fsync) and every
call to a networked database run in a worker thread.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import Response

from .auth import Authenticator
from .principal import Principal
from .service.contacts import ContactService
from .service.team import TeamService
from .settings import Settings
from .store import Store

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Api:
    settings: Settings
    store: Store
    authenticator: Authenticator
    contacts: ContactService
    team: TeamService

    async def read(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self.store.inline_reads:
            return call(*args, **kwargs)
        return await to_thread.run_sync(partial(call, *args, **kwargs))

    async def write(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await to_thread.run_sync(partial(call, *args, **kwargs))


Handler = Callable[[Request, Principal, Api], Awaitable[Response]]


def authenticated(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint that authenticates before it looks at anything else of the request."""

    async def endpoint(request: Request) -> Response:
        api: Api = request.app.state.api
        authorization = request.headers.get("authorization")
        principal = await api.read(api.authenticator.authenticate, authorization)
        return await handler(request, principal, api)

    endpoint.__name__ = handler.__name__
    endpoint.__doc__ = handler.__doc__
    return endpoint
