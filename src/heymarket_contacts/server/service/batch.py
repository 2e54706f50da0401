"""``POST /v1/batch/contacts``: many contact writes in one call, each item on its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from msgspec import UNSET

from ...models import BatchFailure, ContactWrite, ItemError
from ..clock import Clock
from ..errors import ApiError, BadData
from ..principal import Principal
from ..store import Store, Transaction
from ..validation import convert
from .contact_rules import normalize_phone
from .contacts import insert_contact, new_uuid, update_contact


class BatchService:
    def __init__(self, store: Store, clock: Clock, make_uuid: Callable[[], str] = new_uuid) -> None:
        self._store = store
        self._clock = clock
        self._make_uuid = make_uuid

    def import_contacts(
        self, principal: Principal, items: list[Any], *, overwrite: bool
    ) -> list[BatchFailure]:
        """Write every valid item; the failures, each with its index and the item as sent.

        An item matches an existing contact of the team by phone (items earlier in the same
        batch included). A match is left alone unless ``overwrite``, in which case it is
        updated with update semantics (``custom`` replaced, as ``overwrite=true`` does).
        """
        failures = []
        with self._store.write() as tx:
            first_stamp = tx.advance_team_clock(principal.team_id, self._clock(), len(items))
            for index, item in enumerate(items):
                try:
                    self._write_item(tx, principal, item, overwrite, first_stamp + index)
                except ApiError as error:
                    failure = ItemError(error=error.code, message=error.message)
                    failures.append(BatchFailure(index=index, contact=item, error=failure))
        return failures

    def _write_item(
        self, tx: Transaction, principal: Principal, item: Any, overwrite: bool, stamp: int
    ) -> None:
        write = convert(item, ContactWrite)
        if write.phone is UNSET:
            raise BadData("phone is required", field="phone")
        phone = normalize_phone(write.phone)
        existing = tx.contact_id_by_channel(principal.team_id, "phone", phone)
        if existing is None:
            insert_contact(tx, principal, write, uuid=self._make_uuid(), stamp=stamp)
            return
        current = tx.get_contact(principal.team_id, existing)
        if overwrite and current is not None:
            update_contact(tx, current, write, overwrite=True, stamp=stamp)
