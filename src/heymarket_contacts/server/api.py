"""What every route needs: the services, the authenticator, and how to run blocking calls.

Service calls block (they talk to the database). Short reads on an embedded database run on the
event loop itself, which costs less than a thread hop; writes (which wait for fsync) and every
call to a networked database run in a worker thread. A database that cannot be reached is a
503 (:class:`Unavailable`, caused by the store's error); what it was is in the log, not in
the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol, TypeVar

from anyio import to_thread
from starlette.requests import Request

from .auth import Authenticator
from .contact_cache import ContactAnswerCache
from .errors import Unavailable
from .principal import Principal
from .rate_limit import RateLimited, RateLimiter
from .service.batch import BatchService
from .service.contact_channels import ChannelService
from .service.contact_list import ContactListService
from .service.contacts import ContactService
from .service.contacts_v2 import ContactV2Service
from .service.fields import FieldService
from .service.notes import NoteService
from .service.tags import TagService
from .service.team import TeamService
from .service.users import UserService
from .settings import Settings
from .store import Store, StoreUnavailable
from .workers import WorkerRoster

T = TypeVar("T")


class Interceptor(Protocol):
    """What may answer an authenticated request instead of its operation (a fault rule)."""

    async def intercept(self, request: Request, principal: Principal) -> None: ...


@dataclass(frozen=True, slots=True)
class Api:
    settings: Settings
    store: Store
    authenticator: Authenticator
    contacts: ContactService
    contact_list: ContactListService
    batch: BatchService
    team: TeamService
    users: UserService
    tags: TagService
    fields: FieldService
    notes: NoteService
    contacts_v2: ContactV2Service
    channels: ChannelService
    limiter: RateLimiter | None
    #: The emulator's hooks (spec section 9), when ``--emulator`` is on.
    emulator: Interceptor | None = None
    #: The server's worker processes, for ``/readyz`` (when ``serve`` runs them).
    workers: WorkerRoster | None = None
    #: Ready answers of ``GET /v1/contact/{id}`` (SQLite only: see :mod:`.contact_cache`).
    contact_answers: ContactAnswerCache | None = None

    async def admit(self, principal: Principal) -> dict[str, str]:
        """Count the request against its team's rate limit: its headers, or a 429."""
        if self.limiter is None:
            return {}
        try:
            if self.limiter.inline:
                decision = self.limiter.check(principal.team_id)
            else:
                decision = await to_thread.run_sync(self.limiter.check, principal.team_id)
        except StoreUnavailable as error:
            raise _unavailable() from error
        if not decision.admitted:
            raise RateLimited(decision)
        return decision.headers()

    async def read(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            if self.store.inline_reads:
                return call(*args, **kwargs)
            return await to_thread.run_sync(partial(call, *args, **kwargs))
        except StoreUnavailable as error:
            raise _unavailable() from error

    async def write(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return await to_thread.run_sync(partial(call, *args, **kwargs))
        except StoreUnavailable as error:
            raise _unavailable() from error


def _unavailable() -> Unavailable:
    return Unavailable(f"the database is unavailable; retry in {Unavailable.retry_after} s")
