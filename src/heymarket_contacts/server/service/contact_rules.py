"""The pure rules of a contact write: normalising values and applying a body to a contact.

Nothing here touches the database; checks that need the team's data (tags, custom fields,
users, inboxes) are in :mod:`.contacts`.
"""

from __future__ import annotations

import re
from typing import Any

from msgspec import UNSET

from ...models import CUSTOM_KEYS_MAX, CUSTOM_VALUE_MAX, ContactWrite
from ..errors import BadData
from ..store.records import ContactFields

_PHONE = re.compile(r"[1-9][0-9]{6,14}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
UNASSIGNED = (0, -1)


def normalize_phone(value: str, field: str = "phone") -> str:
    """E.164 digits without ``+``: a leading ``+`` is dropped, then 7 to 15 digits, no leading 0."""
    digits = value.removeprefix("+")
    if not _PHONE.fullmatch(digits):
        raise BadData(
            f"{field} must be 7 to 15 digits (E.164, an optional leading +, no leading 0)",
            field=field,
        )
    return digits


def normalize_email(value: str) -> str:
    email = value.strip()
    if email and not _EMAIL.fullmatch(email):
        raise BadData("email must look like name@domain", field="email")
    return email


def apply_write(current: ContactFields, write: ContactWrite, *, overwrite: bool) -> ContactFields:
    """The contact's fields after ``write``: present fields replace, absent ones stay.

    ``custom`` merges (a ``None`` value removes the key) unless ``overwrite`` replaces it whole.
    """
    fields = current.copy()
    for name in ("first", "last", "avatar", "external_id", "external_ref", "inbox_id"):
        value = getattr(write, name)
        if value is not UNSET:
            setattr(fields, name, value)
    if write.phone is not UNSET:
        fields.phone = normalize_phone(write.phone)
    if write.email is not UNSET:
        fields.email = normalize_email(write.email)
    if write.is_opted_out is not UNSET:
        fields.is_opted_out = write.is_opted_out
    if write.assignee_id is not UNSET:
        fields.assigned_user_id = 0 if write.assignee_id in UNASSIGNED else write.assignee_id
    if write.custom is not UNSET:
        custom_field_ids(write.custom)  # keys and values well formed before they merge
        fields.custom = _merge_custom(fields.custom, write.custom, overwrite=overwrite)
    fields.display_name = _display_name(fields, write)
    return fields


def _merge_custom(
    current: dict[str, str], sent: dict[str, Any], *, overwrite: bool
) -> dict[str, str]:
    merged = {} if overwrite else dict(current)
    for key, value in sent.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    if len(merged) > CUSTOM_KEYS_MAX:
        raise BadData(f"a contact holds at most {CUSTOM_KEYS_MAX} custom values", field="custom")
    return merged


def _display_name(fields: ContactFields, write: ContactWrite) -> str:
    if write.display_name is not UNSET:
        return write.display_name
    if write.first is not UNSET or write.last is not UNSET:
        return f"{fields.first} {fields.last}".strip()
    return fields.display_name


def custom_field_ids(custom: dict[str, Any]) -> dict[str, int]:
    """Each custom key with the field id it names, after checking key and value.

    A key must be a field id written plainly ("12", not "012"); a value a string of at most
    1,024 characters, or null. Errors name the key: ``custom.12``.
    """
    ids = {}
    for key, value in custom.items():
        field = f"custom.{key}"
        canonical = key.isascii() and key.isdigit() and key == str(int(key))
        if not canonical or len(key) > 18:
            raise BadData(f"custom key {key!r} is not a custom field id", field=field)
        if value is not None and not isinstance(value, str):
            raise BadData(f"{field} must be a string or null", field=field)
        if value is not None and len(value) > CUSTOM_VALUE_MAX:
            raise BadData(f"{field} is longer than {CUSTOM_VALUE_MAX} characters", field=field)
        ids[key] = int(key)
    return ids


def tag_ids(write: ContactWrite) -> list[int] | None:
    """The tag ids of the body in order, without repeats; ``None`` when ``tags`` is absent."""
    if write.tags is UNSET:
        return None
    return list(dict.fromkeys(ref.tag_id for ref in write.tags))
