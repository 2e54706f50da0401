"""``POST /_emulator/inbound`` (spec section 10): a text a contact sends. A whole-message
keyword (any case, trimmed) opts the contact out or back in; an unknown phone first becomes a
contact of the team. The write goes through the outbox, so it fires its events as any other
write does."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ...models import ContactWrite
from ..clock import Clock
from ..errors import NotFound
from ..ids import new_uuid
from ..principal import Principal
from ..service.admin import owner_of
from ..service.contact_rules import normalize_phone
from ..service.contacts import conflicts_as_409, existing_contact, insert_contact
from ..store import Transaction, Transactions

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "UNSTOP", "YES"})
#: Who a contact made by an inbound text is created by.
INBOUND_PRINCIPAL = "(emulator inbound)"


@dataclass(frozen=True, slots=True)
class InboundOutcome:
    contact_id: int
    opted_out: bool
    event: str | None


def keyword_effect(text: str) -> bool | None:
    """``True`` for an opt-out keyword, ``False`` for an opt-in one, else ``None``."""
    word = text.strip().upper()
    if word in STOP_WORDS:
        return True
    if word in START_WORDS:
        return False
    return None


class InboundService:
    def __init__(self, store: Transactions, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def receive(
        self, team_id: int | None, phone: str, text: str, inbox_id: int | None = None
    ) -> InboundOutcome:
        number = normalize_phone(phone)
        wanted = keyword_effect(text)
        with conflicts_as_409(), self._store.write() as tx:
            principal = _owner(tx, team_id)
            team = principal.team_id
            contact_id = tx.contact_id_by_channel(team, "phone", number)
            if contact_id is None:
                write = ContactWrite(phone=number, is_opted_out=bool(wanted))
                if inbox_id is not None:
                    write.inbox_id = inbox_id
                stamp = tx.advance_team_clock(team, self._clock())
                ref = insert_contact(tx, principal, write, uuid=new_uuid(), stamp=stamp)
                event = "target_opt_out" if wanted else None
                return InboundOutcome(ref.id, bool(wanted), event)
            current = existing_contact(tx, team, contact_id)
            if wanted is None or current.fields.is_opted_out == wanted:
                return InboundOutcome(contact_id, current.fields.is_opted_out, None)
            stamp = tx.advance_team_clock(team, self._clock())
            fields = replace(current.fields, is_opted_out=wanted)
            tx.update_contact(team, contact_id, fields=fields, tag_ids=None, op="status",
                              stamp_us=stamp)  # fmt: skip
            return InboundOutcome(
                contact_id, wanted, "target_opt_out" if wanted else "target_opt_in"
            )


def _owner(tx: Transaction, team_id: int | None) -> Principal:
    teams = tx.team_ids()
    chosen = team_id if team_id is not None else (teams[0] if teams else None)
    if chosen is None or chosen not in teams:
        raise NotFound("there is no team" if chosen is None else f"no team {chosen}",
                       field="team_id")  # fmt: skip
    owner = owner_of(tx.list_users(chosen))
    return Principal(team_id=chosen, user_id=owner.id if owner else 0,
                     secret_id=INBOUND_PRINCIPAL)  # fmt: skip
