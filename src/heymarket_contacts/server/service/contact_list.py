"""Listing and counting contacts with the date cursor of contract section 5."""

from __future__ import annotations

from msgspec import UNSET

from ...models import ContactListQuery
from ..clock import parse_rfc3339
from ..errors import BadData
from ..principal import Principal
from ..store import Store
from ..store.records import ContactQuery, ContactRecord


class ContactListService:
    def __init__(self, store: Store) -> None:
        self._store = store

    def list_contacts(self, principal: Principal, options: ContactListQuery) -> list[ContactRecord]:
        query = contact_query(options)
        with self._store.read() as tx:
            return tx.list_contacts(principal.team_id, query)

    def count_contacts(self, principal: Principal, options: ContactListQuery) -> int:
        query = contact_query(options)
        with self._store.read() as tx:
            return tx.count_matching(principal.team_id, query)


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
