"""The pure rules of contact channels: their values, and the plan of a write's channels.

A write works out the channels the contact will have (a :class:`ChannelPlan`) before anything
is stored; :func:`keep_in_step` is the one rule between a contact's v1 ``phone`` and ``email``
and its primary phone and email channels. Nothing here touches the database; storing a plan
and checking its values against the team's other contacts is in :mod:`.channels`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from msgspec import UNSET

from ...models import CHANNELS_MAX, ChannelWrite, ContactWrite
from ..errors import BadData, NotFound
from ..store.records import ChannelRecord, ContactFields
from .contact_rules import normalize_email, normalize_phone

_TYPE = re.compile(r"[a-z][a-z0-9_.-]{0,31}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_PHONE_LIKE = re.compile(r"\+?[0-9]+")


@dataclass(frozen=True, slots=True)
class ChannelValue:
    """A checked channel value; ``key`` is what the team's channels of the type are unique by.
    ``field`` names where the value was given, for errors."""

    channel_type: str
    channel_id: str
    key: str
    field: str
    handle: str | None = None  # None: not given (an existing channel keeps its own)
    info: str | None = None


def contact_uuid(text: str) -> str | None:
    """A v2 contact id in canonical (lower-case) form, or ``None`` when ``text`` is not one."""
    lowered = text.lower()
    return lowered if len(text) == 36 and _UUID.fullmatch(lowered) else None


def path_uuid(text: str) -> str:
    """The v2 id of a path; anything else (a v1 integer, a malformed UUID) names nothing."""
    found = contact_uuid(text)
    if found is None:
        raise NotFound(f"no contact {text[:64]!r}")
    return found


def channel_type(text: str, field: str) -> str:
    """A channel type: letters, digits, ``_.-``, 1 to 32, starting with a letter; case-folded.
    ``id`` names contacts themselves (``DELETE /v2/contacts``), not a channel."""
    lowered = text.strip().lower()
    if not _TYPE.fullmatch(lowered) or lowered == "id":
        raise BadData(
            f"{field} must be phone, email or another channel type (a letter, then up to 31"
            " letters, digits or _.-; not id)",
            field=field,
        )
    return lowered


def email_key(email: str) -> str:
    """Emails are the same ignoring ASCII case (as SQLite's ``lower`` compares them)."""
    return email.lower() if email.isascii() else email.translate(_ASCII_LOWER)


def channel_value(kind: str, value: str, field: str) -> ChannelValue:
    """The value of a channel of type ``kind`` (already checked), normalised and keyed."""
    if kind == "phone":
        phone = normalize_phone(value, field)
        return ChannelValue(kind, phone, phone, field)
    if kind == "email":
        email = value.strip()
        if not email:
            raise BadData(f"{field} must not be empty", field=field)
        try:
            normalize_email(email)
        except BadData:
            raise BadData(f"{field} must look like name@domain", field=field) from None
        return ChannelValue(kind, email, email_key(email), field)
    if not value.strip() or any(ord(character) < 0x20 for character in value):
        raise BadData(f"{field} must not be blank or hold control characters", field=field)
    return ChannelValue(kind, value, value, field)


def written_channel(write: ChannelWrite, field: str) -> ChannelValue:
    """A channel of a body; ``field`` is where it sits (``contact_channels[2]``, or ``""``)."""
    prefix = f"{field}." if field else ""
    kind = channel_type(write.channel_type, f"{prefix}channel_type")
    value = channel_value(kind, write.channel_id, f"{prefix}channel_id")
    return replace(
        value,
        handle=None if write.channel_handle is UNSET else write.channel_handle,
        info=None if write.info_channel is UNSET else write.info_channel,
    )


def guess_type(value: str, field: str) -> str:
    """A searched value's type when none is given: an ``@`` makes an email, digits a phone."""
    if "@" in value:
        return "email"
    if _PHONE_LIKE.fullmatch(value.strip()):
        return "phone"
    raise BadData(
        f"{field}: cannot tell whether {value[:64]!r} is a phone or an email; give channel_type",
        field=field,
    )


@dataclass(slots=True)
class PlannedChannel:
    """A channel the contact will have; ``record`` is the stored row it keeps, if any."""

    value: ChannelValue
    is_primary: bool
    record: ChannelRecord | None = None
    handle: str = ""
    info: str = ""


def _kept(record: ChannelRecord) -> PlannedChannel:
    value = ChannelValue(record.channel_type, record.channel_id, record.channel_key, "")
    return PlannedChannel(
        value, record.is_primary, record, record.channel_handle, record.info_channel
    )


class ChannelPlan:
    """The channels a contact will have after a write, worked out before anything is stored.

    ``changed_types`` are the types whose channels the write changes; only those are written
    back and mirrored into the v1 fields. ``report_uuid``: a clash names the other contact's
    uuid too (v2 answers).
    """

    def __init__(self, records: list[ChannelRecord] | None = None, *, report_uuid: bool = False):
        self.stored = list(records or ())
        self.channels = [_kept(record) for record in self.stored]
        self.changed_types: set[str] = set()
        self.report_uuid = report_uuid

    @property
    def changed(self) -> bool:
        return bool(self.changed_types)

    def find(self, kind: str, key: str) -> PlannedChannel | None:
        for channel in self.channels:
            if channel.value.key == key and channel.value.channel_type == kind:
                return channel
        return None

    def primary(self, kind: str) -> PlannedChannel | None:
        for channel in self.channels:
            if channel.is_primary and channel.value.channel_type == kind:
                return channel
        return None

    def of_type(self, kind: str) -> Iterator[PlannedChannel]:
        return (channel for channel in self.channels if channel.value.channel_type == kind)

    def add(self, value: ChannelValue) -> PlannedChannel:
        """Hold ``value`` (a value held already takes the new spelling, handle and info)."""
        held = self.find(value.channel_type, value.key)
        if held is None:
            held = PlannedChannel(value, is_primary=False)
            self.channels.append(held)
            self.changed_types.add(value.channel_type)
        self._set_value(held, value)
        return held

    def set_primary(self, value: ChannelValue) -> None:
        """The primary channel of the type holds ``value`` from now on: a channel that holds
        it already becomes the primary one (the old primary goes), else the primary channel
        takes the new value (keeping its id)."""
        current = self.primary(value.channel_type)
        held = self.find(value.channel_type, value.key)
        if held is None and current is not None:
            self._set_value(current, value, handle_default="")
            return
        if current is not None and current is not held:
            self.channels.remove(current)
        target = self.add(value)
        if not target.is_primary:
            target.is_primary = True
            self.changed_types.add(value.channel_type)

    def remove_primary(self, kind: str) -> bool:
        """Drop the primary channel of ``kind``; ``False`` when there is none."""
        current = self.primary(kind)
        if current is None:
            return False
        self.channels.remove(current)
        self.changed_types.add(kind)
        return True

    def replace_all(self, values: list[ChannelValue]) -> None:
        """Exactly these channels from now on; those held already keep their ids."""
        wanted = {(value.channel_type, value.key) for value in values}
        for channel in list(self.channels):
            if (channel.value.channel_type, channel.value.key) not in wanted:
                self.channels.remove(channel)
                self.changed_types.add(channel.value.channel_type)
        for value in values:
            self.add(value)

    def settle(self, field: str | None) -> None:
        """Each type that has channels has a primary one (the oldest takes over); a contact
        keeps at least one channel and at most :data:`CHANNELS_MAX`."""
        if not self.channels:
            raise BadData("a contact must keep at least one channel", field=field)
        if len(self.channels) > CHANNELS_MAX:
            raise BadData(f"a contact holds at most {CHANNELS_MAX} channels", field=field)
        for kind in sorted(self.changed_types):
            if self.primary(kind) is None:
                successor = next(self.of_type(kind), None)
                if successor is not None:
                    successor.is_primary = True

    def mirror(self, fields: ContactFields) -> ContactFields:
        """``fields`` with ``phone`` and ``email`` set to the primary values of the changed
        types ("" when the type has no channel left)."""
        mirrored = fields.copy()
        mirrored.phone = self._primary_value("phone", fields)
        mirrored.email = self._primary_value("email", fields)
        return mirrored

    def _primary_value(self, kind: str, fields: ContactFields) -> str:
        if kind not in self.changed_types:
            return str(getattr(fields, kind))
        primary = self.primary(kind)
        return "" if primary is None else primary.value.channel_id

    def _set_value(
        self, channel: PlannedChannel, value: ChannelValue, *, handle_default: str | None = None
    ) -> None:
        """Give ``channel`` the value; an absent handle or info keeps the channel's own, or
        takes ``handle_default`` when the value changes hands (a replaced primary)."""
        handle = value.handle if value.handle is not None else handle_default
        info = value.info if value.info is not None else handle_default
        new_handle = channel.handle if handle is None else handle
        new_info = channel.info if info is None else info
        same = (channel.value.channel_id, channel.handle, channel.info) == (
            value.channel_id, new_handle, new_info,
        )  # fmt: skip
        channel.value, channel.handle, channel.info = value, new_handle, new_info
        if not same:
            self.changed_types.add(value.channel_type)


def keep_in_step(
    plan: ChannelPlan, write: ContactWrite, fields: ContactFields, *, field: str | None
) -> ContactFields:
    """The one rule between a contact's v1 ``phone`` / ``email`` and its channels.

    A write that sets ``phone`` (or ``email``) sets the primary channel of that type; an empty
    ``email`` drops the primary email channel. Then every changed type has a primary channel
    (when it has any channel), and the v1 fields show the primary values. ``fields`` are the
    contact's fields after the write; ``field`` names the body part a channel-less contact
    is blamed on.
    """
    if write.phone is not UNSET:
        plan.set_primary(channel_value("phone", fields.phone, "phone"))
    if write.email is not UNSET:
        if fields.email:
            plan.set_primary(channel_value("email", fields.email, "email"))
        else:
            plan.remove_primary("email")
    plan.settle(field)
    return plan.mirror(fields)
