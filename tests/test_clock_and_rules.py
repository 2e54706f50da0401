"""Stamps as text (``server/clock.py``) and the pure rules of a contact write
(``server/service/contact_rules.py``)."""

from __future__ import annotations

import random
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from heymarket_contacts.models import ContactWrite, TagRef
from heymarket_contacts.server.clock import rfc3339, system_clock
from heymarket_contacts.server.errors import BadData
from heymarket_contacts.server.service.channel_rules import email_key
from heymarket_contacts.server.service.contact_rules import (
    apply_write,
    custom_field_ids,
    normalize_email,
    normalize_phone,
    tag_ids,
)
from heymarket_contacts.server.store.records import ContactFields

# --- clock ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("microseconds", "text"),
    [
        pytest.param(0, "1970-01-01T00:00:00.000000Z", id="epoch"),
        pytest.param(1, "1970-01-01T00:00:00.000001Z", id="one-microsecond"),
        pytest.param(999_999, "1970-01-01T00:00:00.999999Z", id="just-under-a-second"),
        pytest.param(1_795_600_000_123_456, "2026-11-25T09:46:40.123456Z", id="exact-fraction"),
        pytest.param(1_700_000_000_999_999, "2023-11-14T22:13:20.999999Z", id="no-round-up"),
        pytest.param(1_700_000_000_000_001, "2023-11-14T22:13:20.000001Z", id="no-round-down"),
        pytest.param(4_102_444_800_000_001, "2100-01-01T00:00:00.000001Z", id="year-2100"),
        pytest.param(253_402_300_799_999_999, "9999-12-31T23:59:59.999999Z", id="last-of-9999"),
    ],
)
def test_rfc3339_is_exact_to_the_microsecond(microseconds: int, text: str) -> None:
    assert rfc3339(microseconds) == text


def test_system_clock_is_integer_microseconds_of_now() -> None:
    before = time.time_ns() // 1000
    now = system_clock()
    after = time.time_ns() // 1000
    assert isinstance(now, int)
    assert before <= now <= after


# --- phone and email -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("15105553344", "15105553344", id="e164-digits"),
        pytest.param("+15105553344", "15105553344", id="leading-plus-dropped"),
        pytest.param("1234567", "1234567", id="seven-digits"),
        pytest.param("123456789012345", "123456789012345", id="fifteen-digits"),
        pytest.param("+447700900123", "447700900123", id="uk"),
    ],
)
def test_normalize_phone_accepts(value: str, expected: str) -> None:
    assert normalize_phone(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("", id="empty"),
        pytest.param("+", id="plus-only"),
        pytest.param("++15105553344", id="two-pluses"),
        pytest.param("15105553344+", id="trailing-plus"),
        pytest.param("0123456789", id="leading-zero"),
        pytest.param("+0123456789", id="plus-then-zero"),
        pytest.param("123456", id="six-digits"),
        pytest.param("+123456", id="plus-six-digits"),
        pytest.param("1234567890123456", id="sixteen-digits"),
        pytest.param(" 15105553344", id="leading-space"),
        pytest.param("15105553344 ", id="trailing-space"),
        pytest.param("15105553344\n", id="newline-at-end"),
        pytest.param("+ 15105553344", id="space-after-plus"),
        pytest.param("1510 555 3344", id="inner-spaces"),
        pytest.param("1-510-555-3344", id="dashes"),
        pytest.param("(510) 5553344", id="parentheses"),
        pytest.param("١٢٣٤٥٦٧٨", id="arabic-indic-digits"),
        pytest.param("\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18", id="fullwidth-digits"),
        pytest.param("1510555334\uff14", id="one-fullwidth-digit"),
        pytest.param("1e10", id="exponent"),
        pytest.param("15105553344\x00", id="nul"),
    ],
)
def test_normalize_phone_refuses(value: str) -> None:
    with pytest.raises(BadData) as caught:
        normalize_phone(value)
    assert (caught.value.status, caught.value.field) == (400, "phone")


def test_normalize_phone_names_the_field_it_checks() -> None:
    with pytest.raises(BadData) as caught:
        normalize_phone("12", field="channel_id")
    assert caught.value.field == "channel_id"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("ada@example.com", "ada@example.com", id="plain"),
        pytest.param("  ada@example.com\n", "ada@example.com", id="trimmed"),
        pytest.param("", "", id="empty"),
        pytest.param("   ", "", id="blank-is-empty"),
        pytest.param("a+tag@sub.example.co", "a+tag@sub.example.co", id="plus-and-subdomain"),
    ],
)
def test_normalize_email_accepts(value: str, expected: str) -> None:
    assert normalize_email(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("ada", id="no-at"),
        pytest.param("ada@", id="no-domain"),
        pytest.param("@example.com", id="no-name"),
        pytest.param("ada@@example.com", id="two-ats"),
        pytest.param("a@b@example.com", id="two-ats-apart"),
        pytest.param("a da@example.com", id="space-in-name"),
        pytest.param("ada@exa mple.com", id="space-in-domain"),
        pytest.param("ada@example.com\nbcc:x@y", id="inner-newline"),
    ],
)
def test_normalize_email_refuses(value: str) -> None:
    with pytest.raises(BadData) as caught:
        normalize_email(value)
    assert caught.value.field == "email"


# --- applying a write ----------------------------------------------------------------------

CURRENT = ContactFields(
    phone="15105553344", first="Ada", last="Lovelace", display_name="Countess",
    email="ada@example.com", avatar="https://example.com/a.png", external_id="crm-1",
    external_ref="ref-1", inbox_id=4, assigned_user_id=5, custom={"1": "a", "2": "b"},
    is_opted_out=False, is_blocked=True,
)  # fmt: skip


def fields_with(**changes: object) -> ContactFields:
    """``CURRENT`` with ``changes`` (a fresh copy each time)."""
    return replace(CURRENT, **{"custom": dict(CURRENT.custom), **changes})  # type: ignore[arg-type]


def test_an_empty_write_changes_nothing() -> None:
    assert apply_write(CURRENT, ContactWrite(), overwrite=False) == CURRENT
    assert apply_write(CURRENT, ContactWrite(), overwrite=True) == CURRENT


def test_present_fields_replace_and_absent_ones_stay() -> None:
    write = ContactWrite(
        phone="+447700900123", email="  grace@example.com ", avatar="", external_id="crm-2",
        external_ref="", inbox_id=0, is_opted_out=True,
    )  # fmt: skip
    assert apply_write(CURRENT, write, overwrite=False) == fields_with(
        phone="447700900123", email="grace@example.com", avatar="", external_id="crm-2",
        external_ref="", inbox_id=0, is_opted_out=True,
    )  # fmt: skip


def test_a_write_never_changes_the_current_fields() -> None:
    current = fields_with()
    apply_write(current, ContactWrite(first="X", custom={"1": None, "9": "z"}), overwrite=False)
    assert current == CURRENT


@pytest.mark.parametrize(
    ("sent", "overwrite", "custom"),
    [
        pytest.param({"2": None, "3": "c"}, False, {"1": "a", "3": "c"}, id="merge"),
        pytest.param({"2": None, "3": "c"}, True, {"3": "c"}, id="overwrite"),
        pytest.param({"1": "A"}, False, {"1": "A", "2": "b"}, id="merge-replaces-a-value"),
        pytest.param({"9": None}, False, {"1": "a", "2": "b"}, id="merge-removes-a-missing-key"),
        pytest.param({"1": None, "2": None}, False, {}, id="merge-removes-all"),
        pytest.param({"2": None}, True, {}, id="overwrite-with-only-removals"),
        pytest.param({}, False, {"1": "a", "2": "b"}, id="merge-nothing"),
        pytest.param({}, True, {}, id="overwrite-with-nothing"),
        pytest.param({"1": ""}, False, {"1": "", "2": "b"}, id="empty-string-is-a-value"),
    ],
)
def test_custom_merges_or_overwrites(
    sent: dict[str, str | None], overwrite: bool, custom: dict[str, str]
) -> None:
    result = apply_write(CURRENT, ContactWrite(custom=sent), overwrite=overwrite)
    assert result == fields_with(custom=custom)


@pytest.mark.parametrize("overwrite", [False, True])
def test_absent_custom_stays_whatever_overwrite_says(overwrite: bool) -> None:
    result = apply_write(CURRENT, ContactWrite(first="Ada"), overwrite=overwrite)
    assert result.custom == CURRENT.custom


@pytest.mark.parametrize(
    ("write", "display_name"),
    [
        pytest.param(ContactWrite(first="Grace"), "Grace Lovelace", id="first-only"),
        pytest.param(ContactWrite(last="Byron"), "Ada Byron", id="last-only"),
        pytest.param(ContactWrite(last=""), "Ada", id="last-emptied"),
        pytest.param(ContactWrite(first="", last="Byron"), "Byron", id="first-emptied"),
        pytest.param(ContactWrite(first="", last=""), "", id="both-emptied"),
        pytest.param(ContactWrite(first="G", display_name="Boss"), "Boss", id="display-name-wins"),
        pytest.param(ContactWrite(display_name=""), "", id="display-name-emptied"),
        pytest.param(ContactWrite(email="a@b.c"), "Countess", id="names-absent-keep-it"),
        pytest.param(ContactWrite(first="Ada"), "Ada Lovelace", id="same-first-resets-it"),
    ],
)
def test_display_name_rule(write: ContactWrite, display_name: str) -> None:
    assert apply_write(CURRENT, write, overwrite=False).display_name == display_name


@pytest.mark.parametrize(
    ("write", "assigned_user_id"),
    [
        pytest.param(ContactWrite(assignee_id=-1), 0, id="minus-one-unassigns"),
        pytest.param(ContactWrite(assignee_id=0), 0, id="zero-unassigns"),
        pytest.param(ContactWrite(assignee_id=9), 9, id="a-user"),
        pytest.param(ContactWrite(first="Ada"), 5, id="absent-keeps"),
    ],
)
def test_assignee(write: ContactWrite, assigned_user_id: int) -> None:
    assert apply_write(CURRENT, write, overwrite=False).assigned_user_id == assigned_user_id


@pytest.mark.parametrize(
    ("write", "field"),
    [
        pytest.param(ContactWrite(phone="0123"), "phone", id="bad-phone"),
        pytest.param(ContactWrite(email="nope"), "email", id="bad-email"),
    ],
)
def test_apply_write_checks_phone_and_email(write: ContactWrite, field: str) -> None:
    with pytest.raises(BadData) as caught:
        apply_write(CURRENT, write, overwrite=False)
    assert caught.value.field == field


# --- custom keys and tags ------------------------------------------------------------------


def many(count: int, start: int = 1000) -> dict[str, str | None]:
    return {str(key): "v" for key in range(start, start + count)}


@pytest.mark.parametrize(
    ("current", "sent", "overwrite"),
    [
        pytest.param(60, many(41), False, id="merge-to-101"),
        pytest.param(100, many(1), False, id="one-more-than-100"),
        pytest.param(0, many(101), True, id="overwrite-with-101"),
    ],
)
def test_more_than_100_custom_values_is_bad_data(
    current: int, sent: dict[str, str | None], overwrite: bool
) -> None:
    fields = ContactFields(custom={str(key): "x" for key in range(1, current + 1)})
    with pytest.raises(BadData) as caught:
        apply_write(fields, ContactWrite(custom=sent), overwrite=overwrite)
    assert caught.value.field == "custom"


@pytest.mark.parametrize(
    ("current", "sent", "overwrite"),
    [
        pytest.param(60, many(40), False, id="merge-to-100"),
        pytest.param(100, {**many(1), "1": None}, False, id="add-one-remove-one"),
        pytest.param(100, many(100), True, id="overwrite-100-with-100"),
    ],
)
def test_100_custom_values_is_fine(
    current: int, sent: dict[str, str | None], overwrite: bool
) -> None:
    fields = ContactFields(custom={str(key): "x" for key in range(1, current + 1)})
    assert len(apply_write(fields, ContactWrite(custom=sent), overwrite=overwrite).custom) == 100


def test_custom_field_ids_maps_each_key_to_its_id() -> None:
    sent: dict[str, str | None] = {"12": "x", "7": None, "999999999999999999": "y"}
    assert custom_field_ids(sent) == {"12": 12, "7": 7, "999999999999999999": 999999999999999999}


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("abc", id="letters"),
        pytest.param("", id="empty"),
        pytest.param("1.5", id="fraction"),
        pytest.param("-1", id="negative"),
        pytest.param("+1", id="plus"),
        pytest.param(" 1", id="space"),
        pytest.param("1\n", id="newline"),
        pytest.param("1e3", id="exponent"),
        pytest.param("0x1", id="hex"),
        pytest.param("١٢", id="arabic-indic-digits"),
        pytest.param("²", id="superscript-two"),
        pytest.param("1234567890123456789", id="nineteen-digits"),
    ],
)
def test_custom_field_ids_refuses_a_key_that_is_no_id(key: str) -> None:
    with pytest.raises(BadData) as caught:
        custom_field_ids({"1": "ok", key: "x"})
    assert caught.value.field == f"custom.{key}"


@pytest.mark.parametrize("key", ["01", "007"])
def test_custom_field_ids_refuses_a_key_with_a_leading_zero(key: str) -> None:
    with pytest.raises(BadData) as caught:
        custom_field_ids({key: "x"})
    assert caught.value.field == f"custom.{key}"


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        pytest.param([3, 1, 3, 2, 1], [3, 1, 2], id="repeats-dropped-in-order"),
        pytest.param([5, 4], [5, 4], id="order-kept"),
        pytest.param([7, 7, 7], [7], id="one-tag-thrice"),
        pytest.param([], [], id="empty-clears"),
    ],
)
def test_tag_ids_dedupe_keeping_order(tags: list[int], expected: list[int]) -> None:
    write = ContactWrite(tags=[TagRef(tag_id=tag) for tag in tags])
    assert tag_ids(write) == expected


def test_tag_ids_is_none_when_tags_are_absent() -> None:
    assert tag_ids(ContactWrite(first="Ada")) is None


@pytest.mark.parametrize(
    "microseconds",
    [0, 1, 999_999, 1_000_000, -1, -1_000_001, 1_795_600_000_123_456, 253_402_300_799_999_999]
    + [random.Random(seed).randrange(-(2**50), 2**52) for seed in range(50)],
)
def test_rfc3339_is_what_strftime_makes(microseconds: int) -> None:
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=microseconds)
    assert rfc3339(microseconds) == moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.mark.parametrize(
    ("email", "key"),
    [
        pytest.param("Ada@Example.COM", "ada@example.com", id="ascii-lowered"),
        pytest.param("ÉVE@Exämple.com", "Éve@exämple.com", id="non-ascii-kept"),
        pytest.param("İx@EXAMPLE.com", "İx@example.com", id="dotted-capital-i-kept"),
        pytest.param("ss@x.de", "ss@x.de", id="already-lower"),
    ],
)
def test_email_key_lowers_ascii_letters_only(email: str, key: str) -> None:
    assert email_key(email) == key
