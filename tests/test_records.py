"""Store records (``store/records.py``)."""

from __future__ import annotations

import dataclasses

from heymarket_contacts.server.store.records import ContactFields


def test_a_copy_of_contact_fields_holds_every_field_and_a_custom_of_its_own() -> None:
    values = {
        field.name: (
            {"1": "a"} if field.name == "custom"
            else True if field.type == "bool"
            else len(field.name) if field.type == "int"
            else f"{field.name} value"
        )
        for field in dataclasses.fields(ContactFields)
    }  # fmt: skip
    original = ContactFields(**values)  # type: ignore[arg-type]
    copy = original.copy()
    assert copy == original == dataclasses.replace(original)
    assert dataclasses.asdict(copy) == values
    copy.custom["2"] = "b"
    copy.first = "changed"
    assert original == ContactFields(**values)  # type: ignore[arg-type]
