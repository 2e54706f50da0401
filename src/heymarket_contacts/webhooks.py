"""Receiving webhooks (spec section 10): check a delivery and read its event.

A delivery is a ``POST`` whose body is the envelope ``{"type", "id", "token",
"event_data"}``, signed with the subscription's verification token::

    from heymarket_contacts import webhooks

    event = webhooks.verify(body, request_headers, token)   # raises when it is not genuine
    if isinstance(event, webhooks.OptOutEvent):
        stop_texting(event.event_data.phone)

``verify`` compares the ``X-Heymarket-Signature`` header (``sha256=<hex HMAC-SHA256 of the
raw body under the token>``) and the envelope's ``token`` in constant time, then parses the
body into one of the typed events below. ``X-Heymarket-Delivery`` is the same on every retry
of one delivery: keep the ones handled to ignore repeats. This module needs only msgspec and
the standard library; it loads nothing of the server.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from typing import Any, Generic, TypeVar, Union, cast

import msgspec

from .models import Contact

__all__ = [
    "CONTACT_EVENTS",
    "DELIVERY_HEADER",
    "DOCUMENTED_EVENTS",
    "EVENTS",
    "SIGNATURE_HEADER",
    "ContactCreatedEvent",
    "ContactDeletedEvent",
    "ContactUpdatedEvent",
    "OptEventData",
    "OptInEvent",
    "OptOutEvent",
    "WebhookEvent",
    "WebhookVerificationError",
    "parse_event",
    "sign",
    "verify",
]

SIGNATURE_HEADER = "X-Heymarket-Signature"
DELIVERY_HEADER = "X-Heymarket-Delivery"
#: What Heymarket documents, and what a subscription gets when it names no events.
DOCUMENTED_EVENTS = ("target_opt_out", "target_opt_in")
#: The extension's contact change events.
CONTACT_EVENTS = ("contact_created", "contact_updated", "contact_deleted")
EVENTS = DOCUMENTED_EVENTS + CONTACT_EVENTS
_PREFIX = "sha256="
Data = TypeVar("Data")


class WebhookVerificationError(ValueError):
    """The delivery is not a genuine one for this token, or its body is not an event."""


class OptEventData(msgspec.Struct, kw_only=True, dict=True):
    """Who opted out (or in): ``date`` is when, in RFC 3339."""

    contact_id: int
    uuid: str
    phone: str
    team_id: int
    inbox_id: int
    date: str


class _Envelope(msgspec.Struct, Generic[Data], kw_only=True, dict=True, tag_field="type"):
    #: The subscription's id.
    id: int
    #: The subscription's verification token.
    token: str
    event_data: Data


class OptOutEvent(_Envelope[OptEventData], tag="target_opt_out"):
    """A contact stopped messages (``STOP``, a status verb, a write of ``is_opted_out``)."""


class OptInEvent(_Envelope[OptEventData], tag="target_opt_in"):
    """A contact takes messages again."""


class ContactCreatedEvent(_Envelope[Contact], tag="contact_created"):
    """``event_data`` is the new contact's v1 read shape."""


class ContactUpdatedEvent(_Envelope[Contact], tag="contact_updated"):
    """``event_data`` is the contact's v1 read shape after the write."""


class ContactDeletedEvent(_Envelope[Contact], tag="contact_deleted"):
    """``event_data`` is the contact as it was before the delete."""


WebhookEvent = Union[  # noqa: UP007 (a runtime value msgspec decodes into)
    OptOutEvent, OptInEvent, ContactCreatedEvent, ContactUpdatedEvent, ContactDeletedEvent
]

_decoder = msgspec.json.Decoder(WebhookEvent)


def sign(body: bytes, token: str) -> str:
    """The ``X-Heymarket-Signature`` value of ``body`` under ``token``."""
    digest = hmac.new(token.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return _PREFIX + digest


def parse_event(body: bytes) -> WebhookEvent:
    """The typed event of a delivery's body (no check of who sent it: see :func:`verify`)."""
    try:
        return _decoder.decode(body)
    except msgspec.DecodeError as error:
        raise WebhookVerificationError(f"the body is not a webhook event: {error}") from None


def verify(
    body: bytes, headers: Mapping[str, str] | Iterable[tuple[str, str]], token: str
) -> WebhookEvent:
    """The event of a delivery whose signature and envelope token match ``token``; a
    :class:`WebhookVerificationError` otherwise. ``body`` is the raw body as received (not
    parsed and re-encoded); ``headers`` anything with ``items()`` (a dict, the headers of
    ``http.server``, Starlette, Flask or httpx) or a list of pairs, names in any case."""
    sent = _header(headers, SIGNATURE_HEADER)
    if sent is None:
        raise WebhookVerificationError(f"no {SIGNATURE_HEADER} header")
    if not hmac.compare_digest(sent.strip().encode("utf-8"), sign(body, token).encode("ascii")):
        raise WebhookVerificationError("the signature does not match the body and token")
    event = parse_event(body)
    if not hmac.compare_digest(event.token.encode("utf-8"), token.encode("utf-8")):
        raise WebhookVerificationError("the envelope's token is not this subscription's")
    return event


def _header(headers: Mapping[str, str] | Iterable[tuple[str, str]], name: str) -> str | None:
    items = getattr(headers, "items", None)
    pairs = items() if callable(items) else cast(Iterable[tuple[Any, Any]], headers)
    wanted = name.lower()
    for key, value in pairs:
        key_text = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if key_text.lower() == wanted:
            return value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return None
