"""What ``contacts import`` did with each row: created, updated, skipped or failed.

The batch call answers only its failures. So before each batch the import looks the batch's
phones up, in one ``POST /v2/contacts/search`` (the match the batch makes: a phone channel of
the team), and then replays the batch's rows in order against what it found: a row whose phone
no stored contact and no earlier row holds creates a contact; any other row is skipped, or with
``--overwrite`` updated. A row that matches a contact *differs* when writing it would change a
field of that contact: what ``--overwrite`` would update, or (with it) did.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from ..models import ContactV2

__all__ = ["Failure", "ImportReport", "StoredContacts", "phone_key"]

#: The contract's phone rule (section 1): a leading ``+`` dropped, then 7 to 15 digits.
_PHONE = re.compile(r"[1-9][0-9]{6,14}")
_TEXT_FIELDS = ("first", "last", "avatar", "external_id", "external_ref")
_STORED_AS_WRITTEN = (*_TEXT_FIELDS, "phone", "display_name", "email", "inbox_id", "is_opted_out")
Outcome = Literal["created", "updated", "skipped"]
Fields = dict[str, Any]
EMPTY: Fields = {
    "phone": "", "first": "", "last": "", "display_name": "", "email": "", "avatar": "",
    "external_id": "", "external_ref": "", "assignee_id": 0, "inbox_id": 0,
    "is_opted_out": False, "tags": frozenset(), "custom": {},
}  # fmt: skip


@dataclass
class Failure:
    where: str
    phone: str
    error: str
    message: str


def phone_key(item: Any) -> str | None:
    """The item's phone as the API stores it; ``None`` when the API would refuse it."""
    phone = item.get("phone") if isinstance(item, dict) else None
    if not isinstance(phone, str):
        return None
    digits = phone.removeprefix("+")
    return digits if _PHONE.fullmatch(digits) else None


def stored_fields(contact: ContactV2) -> Fields:
    """A stored contact's writable fields, in the terms of a write."""
    return {
        **{name: getattr(contact, name) for name in _STORED_AS_WRITTEN},
        "assignee_id": contact.assigned_user_id,
        "tags": frozenset(tag.id for tag in contact.tags),
        "custom": dict(contact.custom),
    }


def written(fields: Fields, item: dict[str, Any]) -> Fields:
    """The fields after the batch writes ``item`` over them (update semantics, ``custom``
    replaced whole): the fields the item names replace, the others stay."""
    after = {**fields, **{name: item[name] for name in _TEXT_FIELDS if name in item}}
    after.update({name: item[name] for name in ("inbox_id", "is_opted_out") if name in item})
    if "phone" in item:
        after["phone"] = phone_key(item) or item["phone"]
    if "email" in item:
        after["email"] = str(item["email"]).strip()
    if "assignee_id" in item:
        after["assignee_id"] = 0 if item["assignee_id"] in (0, -1) else item["assignee_id"]
    if isinstance(item.get("tags"), list):
        after["tags"] = frozenset(tag["tag_id"] for tag in item["tags"])
    if isinstance(item.get("custom"), dict):
        after["custom"] = {k: v for k, v in item["custom"].items() if v is not None}
    if "display_name" in item:
        after["display_name"] = item["display_name"]
    elif "first" in item or "last" in item:
        after["display_name"] = f"{after['first']} {after['last']}".strip()
    return after


class StoredContacts:
    """The contacts a batch's phones name, as the batch meets them, row after row."""

    def __init__(self, found: Iterable[ContactV2]) -> None:
        self._owners: dict[str, int] = {}
        self._fields: dict[int, Fields] = {}
        for contact in found:
            self._fields[contact.id] = stored_fields(contact)
            for channel in contact.contact_channels:
                if channel.channel_type == "phone":
                    self._owners[channel.channel_id] = contact.id

    def write(self, item: dict[str, Any], *, overwrite: bool) -> tuple[Outcome, bool]:
        """What the batch did with a row it accepted (``"created"``, ``"updated"`` or
        ``"skipped"``), and whether the row differs from the contact it matched."""
        phone = phone_key(item) or str(item.get("phone"))
        owner = self._owners.get(phone)
        if owner is None:
            owner = -1 - len(self._fields)  # a contact of this batch, not stored before it
            self._owners[phone] = owner
            self._fields[owner] = written(EMPTY, item)
            return "created", False
        after = written(self._fields[owner], item)
        differs = after != self._fields[owner]
        if not overwrite:
            return "skipped", differs
        self._fields[owner] = after
        return "updated", differs


@dataclass
class ImportReport:
    """The counts of an import, and its failures."""

    items: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    differ: int = 0
    failed: list[Failure] = field(default_factory=list)

    def count(self, outcome: Outcome, differs: bool) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)
        self.differ += differs

    def as_json(self) -> str:
        failed = sorted(self.failed, key=_order)
        return json.dumps({**asdict(self), "failed": [asdict(failure) for failure in failed]})

    def lines(self, *, overwrite: bool) -> list[str]:
        counts = f"{self.created} created, {self.updated} updated, {self.skipped} skipped"
        lines = [f"{_rows(self.items)}: {counts}, {len(self.failed)} failed."]
        if self.skipped and not overwrite:
            lines.append(_skipped_line(self.differ))
        if self.updated and overwrite:
            lines.append(_updated_line(self.differ, self.updated))
        for failure in sorted(self.failed, key=_order):
            phone = failure.phone or "-"
            lines.append(f"  {failure.where}: {phone}: {failure.error}: {failure.message}")
        return lines


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _skipped_line(differ: int) -> str:
    if not differ:
        return "No skipped row differs from the stored contact."
    rows, verb, them = ("row", "differs", "it") if differ == 1 else ("rows", "differ", "them")
    return (
        f"{differ} skipped {rows} {verb} from the stored contact; --overwrite would update {them}."
    )


def _updated_line(differ: int, updated: int) -> str:
    return (
        f"{differ} of the updated rows changed the stored contact,"
        f" {updated - differ} matched it already."
    )


def _order(failure: Failure) -> int:
    return int(failure.where.rsplit(" ", 1)[1])
