"""Fake but plausible contacts for ``seed``, drawn from a seeded random source.

Phones are North American numbers in the exchange 555: ``1 NPA 555 LLLL``. The n-th phone
takes area code ``200 + n % 800`` and line ``0100 + n // 800``, so the first 80,000 are in
555-0100..0199, the lines set aside for fiction, and the rest above them in the same
exchange. Emails are at ``example.com``, ``example.net`` and ``example.org`` (RFC 2606).
"""

from __future__ import annotations

import random
from typing import Any

FIRST_NAMES = (
    "Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret",
    "Dennis", "Radia", "Linus", "Katherine", "John", "Hedy", "Tim", "Annie", "Vint", "Shafi",
    "Leslie", "Karen", "Niklaus", "Sophie", "Guido", "Joan", "Bjarne", "Lynn", "Ivan", "Mary",
    "Tony", "Carol", "Brian", "Evelyn", "Ward", "Jean", "Alonzo", "Lois", "Seymour", "Ruth",
)  # fmt: skip
LAST_NAMES = (
    "Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson",
    "Hamilton", "Ritchie", "Perlman", "Torvalds", "Johnson", "McCarthy", "Lamarr", "Lee",
    "Easley", "Cerf", "Goldwasser", "Lamport", "Jones", "Wirth", "Wilson", "Rossum", "Clarke",
    "Stroustrup", "Conway", "Sutherland", "Keller", "Hoare", "Shaw", "Kernighan", "Boyd",
    "Cunningham", "Bartik", "Church", "Haibt", "Cray", "Teitelbaum",
)  # fmt: skip
DOMAINS = ("example.com", "example.net", "example.org")
TAG_WORDS = (
    "VIP", "Newsletter", "Trial", "Churned", "Partner", "Wholesale", "Retail", "Event",
    "Referral", "Support", "Renewal", "Prospect", "Beta", "Holiday", "Loyalty", "Feedback",
)  # fmt: skip
FIELD_NAMES = (
    "Plan", "Region", "Account manager", "Birthday month", "Favourite product", "Source",
    "Language", "Tier", "Store", "Segment",
)  # fmt: skip
FIELD_VALUES = (
    "Basic", "Premium", "Enterprise", "North", "South", "East", "West", "English", "Spanish",
    "French", "Web", "Referral", "Walk-in", "Gold", "Silver", "Bronze",
)  # fmt: skip
AREA_CODES = 800
OPTED_OUT_SHARE = 0.05


def phone_of(serial: int) -> str:
    area = 200 + serial % AREA_CODES
    line = 100 + serial // AREA_CODES
    return f"1{area}555{line:04d}"


def fake_tag_labels(draw: random.Random, count: int) -> list[str]:
    """``count`` distinct tag labels."""
    labels = list(TAG_WORDS)
    draw.shuffle(labels)
    extra = [f"{word} {n}" for n in range(2, 2 + count // len(TAG_WORDS) + 1) for word in TAG_WORDS]
    return (labels + extra)[:count]


def field_titles(count: int) -> list[str]:
    return [
        FIELD_NAMES[n] if n < len(FIELD_NAMES) else f"{FIELD_NAMES[n % len(FIELD_NAMES)]} {n}"
        for n in range(count)
    ]


def fake_contact(
    draw: random.Random, serial: int, taken: set[str], tag_ids: list[int], field_ids: list[int]
) -> tuple[dict[str, Any], int]:
    """A batch item, and the next phone serial (phones the team has are passed over)."""
    while phone_of(serial) in taken:
        serial += 1
    phone = phone_of(serial)
    first, last = draw.choice(FIRST_NAMES), draw.choice(LAST_NAMES)
    item: dict[str, Any] = {
        "phone": phone,
        "first": first,
        "last": last,
        "email": f"{first.lower()}.{last.lower()}.{serial}@{draw.choice(DOMAINS)}",
        "is_opted_out": draw.random() < OPTED_OUT_SHARE,
    }
    if tag_ids:
        chosen = draw.sample(tag_ids, k=min(len(tag_ids), draw.randint(0, 3)))
        if chosen:
            item["tags"] = [{"tag_id": tag_id} for tag_id in chosen]
    if field_ids:
        item["custom"] = {
            str(field_id): draw.choice(FIELD_VALUES)
            for field_id in field_ids
            if draw.random() < 0.7
        }
    return item, serial + 1
