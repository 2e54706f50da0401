"""The store as the services that write contacts see it: every write transaction also stores
the webhook events its changes cause, in the same transaction (so an event is stored if and
only if its change is), and rings the delivery worker once it has committed.

A :class:`RecordingTransaction` notes, for the teams that have subscriptions, the contacts a
transaction creates, changes or deletes and how each was before its first write; just before
the commit, each one's state after is read and its events are stored, one row each with its
``event_data`` (:mod:`.events`). The worker makes the deliveries, one per subscription, after
the commit (:mod:`.fanout`). A team without subscriptions costs one indexed read per
transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, cast

from ..clock import Clock
from ..store import Store, Transaction
from ..store.records import ContactRecord
from .events import new_events


class Doorbell:
    """Tells the delivery worker, from any thread, that deliveries were queued."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    def listen(self, listener: Callable[[], None]) -> None:
        with self._lock:
            self._listeners.append(listener)

    def forget(self, listener: Callable[[], None]) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def ring(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener()


class Outbox:
    """``read()`` and ``write()`` of ``store``; a write stores its changes' events."""

    def __init__(self, store: Store, clock: Clock, *, tries: int, doorbell: Doorbell) -> None:
        self._store = store
        self._clock = clock
        self._tries = tries
        self._doorbell = doorbell

    def read(self) -> AbstractContextManager[Transaction]:
        return self._store.read()

    @contextmanager
    def write(self) -> Iterator[Transaction]:
        with self._store.write() as tx:
            recording = RecordingTransaction(tx)
            # The wrapper answers every other query of the contract by delegation.
            yield cast(Transaction, recording)
            queued = self._queue(tx, recording)
        if queued:
            self._doorbell.ring()

    def _queue(self, tx: Transaction, recording: RecordingTransaction) -> int:
        count = 0
        for wanted, changes in recording.changes():
            events = new_events(changes, wanted, now_us=self._clock(), tries=self._tries)
            tx.insert_events(events)
            count += len(events)
        return count


Change = tuple[ContactRecord | None, ContactRecord | None]


class RecordingTransaction:
    """A transaction that notes which contacts it writes, and how they were before."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        #: Per team, the events its subscriptions asked for.
        self._wanted: dict[int, frozenset[str]] = {}
        #: Per team, each contact written, in the order first written, with its state before
        #: (``None``: it did not exist).
        self._before: dict[int, dict[int, ContactRecord | None]] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tx, name)

    def _watched(self, team_id: int) -> bool:
        wanted = self._wanted.get(team_id)
        if wanted is None:
            wanted = self._wanted[team_id] = self._tx.subscribed_events(team_id)
        return bool(wanted)

    def _note_new(self, team_id: int, contact_ids: Sequence[int]) -> None:
        if self._watched(team_id):
            before = self._before.setdefault(team_id, {})
            for contact_id in contact_ids:
                before.setdefault(contact_id, None)

    def _note_existing(self, team_id: int, contact_ids: Sequence[int]) -> None:
        if not self._watched(team_id):
            return
        before = self._before.setdefault(team_id, {})
        unseen = [contact_id for contact_id in contact_ids if contact_id not in before]
        if unseen:
            found = {record.id: record for record in self._tx.get_contacts(team_id, unseen)}
            for contact_id in unseen:
                before[contact_id] = found.get(contact_id)

    def changes(self) -> Iterator[tuple[frozenset[str], list[Change]]]:
        """Per watched team: the events its subscriptions asked for, and each contact written
        as it was before and is now (``None`` where it does not exist)."""
        for team_id, before in self._before.items():
            now = {record.id: record for record in self._tx.get_contacts(team_id, list(before))}
            changes = [(old, now.get(contact_id)) for contact_id, old in before.items()]
            yield self._wanted[team_id], changes

    # --- the writes of contacts --------------------------------------------------------------

    def insert_contact(self, team_id: int, **options: Any) -> int:
        contact_id = self._tx.insert_contact(team_id, **options)
        self._note_new(team_id, [contact_id])
        return contact_id

    def insert_contacts(self, team_id: int, contacts: Sequence[Any]) -> list[int]:
        contact_ids = self._tx.insert_contacts(team_id, contacts)
        self._note_new(team_id, contact_ids)
        return contact_ids

    def update_contact(self, team_id: int, contact_id: int, **options: Any) -> int:
        self._note_existing(team_id, [contact_id])
        return self._tx.update_contact(team_id, contact_id, **options)

    def touch_contact(self, team_id: int, contact_id: int, **options: Any) -> int:
        self._note_existing(team_id, [contact_id])
        return self._tx.touch_contact(team_id, contact_id, **options)

    def delete_contact(self, team_id: int, contact_id: int) -> bool:
        self._note_existing(team_id, [contact_id])
        return self._tx.delete_contact(team_id, contact_id)

    def delete_contacts(self, team_id: int, contact_ids: Sequence[int]) -> int:
        self._note_existing(team_id, list(contact_ids))
        return self._tx.delete_contacts(team_id, contact_ids)
