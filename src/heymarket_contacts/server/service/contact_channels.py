"""The channel routes of a v2 contact: add one, replace the primary one of a type, list them,
get or delete the primary one of a type.

Each change is a write to the contact (``rev`` + 1, a new ``updated``, ``op: "update"``) made
through the same helper as every contact update, so a change of the primary phone or email
shows in the v1 ``phone`` / ``email`` at once. A call that changes nothing writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from ...models import ChannelWrite, ContactWrite
from ..clock import Clock
from ..errors import BadData, NotFound
from ..principal import Principal
from ..store import Transactions
from ..store.records import ChannelRecord
from .channel_rules import ChannelPlan, channel_type, path_uuid, written_channel
from .channels import load_plan
from .contacts import conflicts_as_409, update_contact
from .contacts_v2 import existing_v2


class ChannelService:
    def __init__(self, store: Transactions, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def add_channel(
        self, principal: Principal, uuid: str, write: ChannelWrite
    ) -> list[ChannelRecord]:
        """Add a channel (the first of its type becomes primary); a value the contact holds
        already just takes the handle and info given. The contact's channels."""
        value = written_channel(write, "")
        return self._change(principal, uuid, lambda plan: plan.add(value))

    def replace_channel(
        self, principal: Principal, uuid: str, write: ChannelWrite
    ) -> list[ChannelRecord]:
        """Put the value in place of the primary channel of its type (made if none)."""
        value = written_channel(write, "")
        return self._change(principal, uuid, lambda plan: plan.set_primary(value))

    def list_channels(self, principal: Principal, uuid: str) -> list[ChannelRecord]:
        wanted = path_uuid(uuid)
        with self._store.read() as tx:
            contact = existing_v2(tx, principal.team_id, wanted)
            return tx.channels_of(principal.team_id, [contact.id])[contact.id]

    def get_channel(self, principal: Principal, uuid: str, kind: str) -> ChannelRecord:
        """The primary channel of type ``kind``."""
        wanted, channel_kind = path_uuid(uuid), _path_type(kind)
        for channel in self.list_channels(principal, wanted):
            if channel.channel_type == channel_kind and channel.is_primary:
                return channel
        raise NotFound(f"contact {wanted} has no {channel_kind} channel")

    def delete_channel(self, principal: Principal, uuid: str, kind: str) -> None:
        """Remove the primary channel of type ``kind`` (the oldest other of the type, if any,
        becomes primary); a contact's last channel stays (400)."""
        wanted, channel_kind = path_uuid(uuid), _path_type(kind)

        def remove(plan: ChannelPlan) -> None:
            if not plan.remove_primary(channel_kind):
                raise NotFound(f"contact {wanted} has no {channel_kind} channel")

        self._change(principal, wanted, remove)

    def _change(
        self, principal: Principal, uuid: str, change: Callable[[ChannelPlan], object]
    ) -> list[ChannelRecord]:
        wanted = path_uuid(uuid)
        team_id = principal.team_id
        with conflicts_as_409(), self._store.write() as tx:
            stamp = tx.advance_team_clock(team_id, self._clock())
            current = existing_v2(tx, team_id, wanted)
            plan = load_plan(tx, current, report_uuid=True)
            change(plan)
            plan.settle(None)  # no field of the body is at fault for a channel limit
            if plan.changed:
                update_contact(
                    tx, current, ContactWrite(), overwrite=False, stamp=stamp, channels=plan
                )
            return tx.channels_of(team_id, [current.id])[current.id]


def _path_type(text: str) -> str:
    """A channel type from the path; one that cannot be a type names nothing (404)."""
    try:
        return channel_type(text, "type")
    except BadData:
        raise NotFound(f"no channel type {text[:64]!r}") from None
