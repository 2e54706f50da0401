"""Labels that are unique in a team (tag labels, custom field titles).

A label is stored trimmed, with the spelling it was first given. Two labels are "the same" when
they match after Unicode normalisation (NFC) and case folding, so ``Plan``, ``plan`` and
`` PLAN `` name one custom field.
"""

from __future__ import annotations

import unicodedata

from msgspec import UNSET, UnsetType

from ..errors import BadData

LABEL_MAX = 255


def clean_label(value: str | UnsetType, field: str) -> str:
    """``value`` trimmed: 1 to 255 characters, or a 400 naming ``field``."""
    if value is UNSET:
        raise BadData(f"{field} is required", field=field)
    label = value.strip()
    if not label:
        raise BadData(f"{field} must not be empty or blank", field=field)
    if len(label) > LABEL_MAX:
        raise BadData(f"{field} is longer than {LABEL_MAX} characters", field=field)
    return label


def label_key(label: str) -> str:
    """What two labels must share to be the same label."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", label).casefold())
