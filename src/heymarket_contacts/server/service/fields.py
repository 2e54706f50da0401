"""Custom contact fields: ``POST /v1/contact-fields`` and ``POST /v1/contacts/fields``."""

from __future__ import annotations

from ...models import ContactField, FieldCreated, FieldTitle
from ..clock import Clock
from ..principal import Principal
from ..store import Store
from ..store.records import FieldRecord
from .labels import clean_label, label_key


class FieldService:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def list_contact_fields(self, principal: Principal) -> list[ContactField]:
        """The team's fields, oldest first."""
        with self._store.read() as tx:
            fields = tx.list_fields(principal.team_id)
        return [ContactField(id=field.id, title=field.title) for field in fields]

    def create_contact_fields(
        self, principal: Principal, items: list[FieldTitle]
    ) -> list[FieldCreated]:
        """A field per title the team does not have yet; one answer per item, in order.

        A title the team has (or one an earlier item of the call made) is a duplicate: it
        answers the existing field, with its stored spelling.
        """
        titles = [clean_label(item.title, f"[{index}].title") for index, item in enumerate(items)]
        team_id = principal.team_id
        with self._store.write() as tx:
            tx.lock_team(team_id)  # no other call adds a field of this team meanwhile
            known = {label_key(field.title): field for field in tx.list_fields(team_id)}
            now = self._clock()
            answers = []
            for title in titles:
                existing = known.get(label_key(title))
                field: FieldRecord = existing or tx.insert_field(team_id, title, now)
                known[label_key(title)] = field
                answers.append(
                    FieldCreated(id=field.id, title=field.title, duplicate=existing is not None)
                )
        return answers
