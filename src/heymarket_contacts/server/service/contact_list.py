"""Listing and counting contacts with the date cursor of contract section 5."""

from __future__ import annotations

from dataclasses import replace

from msgspec import UNSET

from ...models import ContactListQuery
from ..clock import parse_rfc3339
from ..contact_cache import VersionedCache
from ..errors import BadData
from ..principal import Principal
from ..store import Store
from ..store.records import ContactQuery, ContactRecord


class ContactListService:
    def __init__(
        self, store: Store, *, counts: VersionedCache[tuple[int, ContactQuery], int] | None = None
    ) -> None:
        self._store = store
        #: Counts kept until the next commit (SQLite; see :mod:`..contact_cache`).
        self._counts = counts

    def list_contacts(self, principal: Principal, options: ContactListQuery) -> list[ContactRecord]:
        query = contact_query(options)
        with self._store.read() as tx:
            return tx.list_contacts(principal.team_id, query)

    def count_contacts(self, principal: Principal, options: ContactListQuery) -> int:
        query = replace(contact_query(options), limit=0, offset=0)
        key = (principal.team_id, query)
        version, kept = (None, None) if self._counts is None else self._counts.lookup(key)
        if kept is not None:
            return kept
        with self._store.read() as tx:
            count = tx.count_matching(principal.team_id, query)
        if self._counts is not None:
            self._counts.keep(version, key, count)
        return count


def contact_query(options: ContactListQuery) -> ContactQuery:
    """The store's query for the list options; a bad ``date`` is a 400 naming it."""
    cursor = None
    if options.date is not UNSET:
        try:
            cursor = parse_rfc3339(options.date)
        except ValueError as error:
            raise BadData(f"date: {error}", field="date") from None
    if any(ord(character) < 0x20 for character in options.filter):
        raise BadData("filter must not contain control characters", field="filter")
    return ContactQuery(
        order=options.order,
        ascending=options.ascending,
        cursor_us=cursor,
        assigned=None if options.assigned is UNSET else options.assigned,
        text=options.filter,
        limit=options.limit,
        offset=options.page * options.limit,
    )
