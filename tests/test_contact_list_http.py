"""``POST /v1/contacts`` and ``/v1/contacts/count`` through the real server (contract 4.1, 5)."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from checks import assert_error, ok, read
from heymarket_contacts.server.service.admin import AdminService
from support import HttpApi, unique_phone

Contact = dict[str, Any]


def listing(api: HttpApi, **options: Any) -> list[Contact]:
    page = ok(api.post("/v1/contacts", json=options))
    assert isinstance(page, list)
    return page


def ids_of(contacts: list[Contact]) -> list[int]:
    return [contact["id"] for contact in contacts]


def listed_ids(api: HttpApi, **options: Any) -> list[int]:
    return ids_of(listing(api, **options))


def counted(api: HttpApi, **options: Any) -> int:
    count = ok(api.post("/v1/contacts/count", json=options))
    assert type(count) is int
    return count


def make_contacts(api: HttpApi, count: int, **fields: Any) -> list[int]:
    """``count`` new contacts, one call each: their ids, oldest first."""
    return [api.create_contact(**fields) for _ in range(count)]


def touch(api: HttpApi, contact_id: int) -> None:
    """An update that changes nothing but ``rev`` and ``updated``."""
    phone = read(api, contact_id)["phone"]
    response = api.put(f"/v1/contact/{contact_id}", json={"phone": phone})
    assert response.status_code == 200, response.text


def instant(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def walk(
    api: HttpApi,
    *,
    ascending: bool,
    order: str = "updated",
    limit: int = 7,
    after_page: Callable[[int], None] | None = None,
) -> list[Contact]:
    """Every page of a date-cursor walk, each next ``date`` the last item's ``order`` field."""
    options: dict[str, Any] = {"limit": limit, "ascending": ascending, "order": order}
    seen: list[Contact] = []
    for number in range(1000):
        page = listing(api, **options)
        if not page:
            return seen
        assert len(page) <= limit
        seen.extend(page)
        if after_page is not None:
            after_page(number)
        options["date"] = page[-1][order]
    raise AssertionError("the walk did not end")


def assert_strictly_ordered(contacts: list[Contact], order: str, *, ascending: bool) -> None:
    stamps = [instant(contact[order]) for contact in contacts]
    assert stamps == sorted(set(stamps), reverse=not ascending)


# --- defaults and order ---------------------------------------------------------------------


def test_defaults_answer_30_contacts_newest_updated_first(api: HttpApi) -> None:
    ids = make_contacts(api, 35)
    touch(api, ids[0])
    page = listing(api)
    expected = [ids[0], *reversed(ids[6:])]
    assert len(expected) == 30
    assert page == [read(api, contact_id) for contact_id in expected]


def test_an_empty_team_lists_nothing(api: HttpApi) -> None:
    assert listing(api) == []
    assert counted(api) == 0


@pytest.mark.parametrize(
    ("order", "ascending", "expected"),
    [
        pytest.param("updated", False, "aedcb", id="updated-descending"),
        pytest.param("updated", True, "bcdea", id="updated-ascending"),
        pytest.param("created", False, "edcba", id="created-descending"),
        pytest.param("created", True, "abcde", id="created-ascending"),
    ],
)
def test_an_update_moves_a_contact_in_updated_order_only(
    api: HttpApi, order: str, ascending: bool, expected: str
) -> None:
    contacts = dict(zip("abcde", make_contacts(api, 5), strict=True))
    touch(api, contacts["a"])
    page = listing(api, order=order, ascending=ascending)
    assert ids_of(page) == [contacts[name] for name in expected]
    assert_strictly_ordered(page, order, ascending=ascending)


def test_ascending_false_and_order_updated_are_the_defaults(api: HttpApi) -> None:
    ids = make_contacts(api, 4)
    touch(api, ids[1])
    assert listing(api, ascending=False, order="updated", limit=30, page=0) == listing(api)


# --- the cursor -----------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["updated", "created"])
@pytest.mark.parametrize("ascending", [False, True], ids=["descending", "ascending"])
def test_the_cursor_is_exclusive(api: HttpApi, order: str, ascending: bool) -> None:
    ids = make_contacts(api, 5)
    touch(api, ids[0])
    oldest_first = ids if order == "created" else [*ids[1:], ids[0]]
    pivot = oldest_first[2]
    date = read(api, pivot)[order]
    expected = oldest_first[3:] if ascending else oldest_first[1::-1]
    assert listed_ids(api, date=date, order=order, ascending=ascending) == expected
    assert counted(api, date=date, order=order, ascending=ascending) == 2


@pytest.mark.parametrize("order", ["updated", "created"])
@pytest.mark.parametrize("ascending", [False, True], ids=["descending", "ascending"])
def test_a_walk_answers_every_contact_exactly_once(
    api: HttpApi, order: str, ascending: bool
) -> None:
    ids = make_contacts(api, 40)
    touched = [ids[0], ids[17], ids[3]]
    for contact_id in touched:
        touch(api, contact_id)
    by_updated = [contact_id for contact_id in ids if contact_id not in touched] + touched
    oldest_first = ids if order == "created" else by_updated
    seen = walk(api, ascending=ascending, order=order)
    assert ids_of(seen) == (oldest_first if ascending else oldest_first[::-1])
    assert_strictly_ordered(seen, order, ascending=ascending)


def test_a_walk_after_a_batch_of_300_answers_each_contact_once(api: HttpApi) -> None:
    before = make_contacts(api, 2)
    phones = [unique_phone() for _ in range(300)]
    batch = api.post("/v1/batch/contacts", json=[{"phone": phone} for phone in phones])
    assert ok(batch) == "ok"
    after = make_contacts(api, 2)
    ascending = walk(api, ascending=True)
    descending = walk(api, ascending=False)
    assert len(ascending) == 304
    assert ids_of(descending) == ids_of(ascending)[::-1]
    assert_strictly_ordered(ascending, "updated", ascending=True)
    assert ids_of(ascending)[:2] == before
    assert ids_of(ascending)[-2:] == after
    assert sorted(contact["phone"] for contact in ascending[2:-2]) == sorted(phones)
    assert len({contact["updated"] for contact in ascending}) == 304


@pytest.mark.parametrize(
    ("touched", "expected"),
    [
        pytest.param(0, [*range(20), 0], id="seen-before-shows-again-at-the-end"),
        pytest.param(15, [*range(15), *range(16, 20), 15], id="not-seen-yet-shows-at-the-end"),
    ],
)
def test_an_ascending_walk_picks_up_a_contact_written_during_it(
    api: HttpApi, touched: int, expected: list[int]
) -> None:
    ids = make_contacts(api, 20)

    def write_during_walk(page_number: int) -> None:
        if page_number == 0:
            touch(api, ids[touched])

    seen = walk(api, ascending=True, after_page=write_during_walk)
    assert ids_of(seen) == [ids[index] for index in expected]
    assert seen[-1] == read(api, ids[touched])
    assert seen[-1]["rev"] == 2


@pytest.mark.parametrize(
    ("touched", "expected"),
    [
        pytest.param(19, list(range(19, -1, -1)), id="seen-before-is-not-repeated"),
        pytest.param(
            3, [index for index in range(19, -1, -1) if index != 3], id="not-seen-moves-ahead"
        ),
    ],
)
def test_a_descending_walk_does_not_repeat_a_contact_written_during_it(
    api: HttpApi, touched: int, expected: list[int]
) -> None:
    ids = make_contacts(api, 20)

    def write_during_walk(page_number: int) -> None:
        if page_number == 0:
            touch(api, ids[touched])

    seen = walk(api, ascending=False, after_page=write_during_walk)
    assert ids_of(seen) == [ids[index] for index in expected]


# --- dates ----------------------------------------------------------------------------------


def rfc3339(moment: datetime, offset: timedelta, *, fraction: bool) -> str:
    """``moment`` written in the zone ``offset`` (``Z`` for zero), with or without fraction."""
    local = moment.astimezone(timezone(offset))
    text = local.strftime("%Y-%m-%dT%H:%M:%S")
    if fraction:
        text += local.strftime(".%f")
    if not offset:
        return text + "Z"
    sign = "+" if offset > timedelta(0) else "-"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{text}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


ZONES = [
    pytest.param(timedelta(0), id="Z"),
    pytest.param(timedelta(hours=2), id="plus-02-00"),
    pytest.param(timedelta(hours=-5, minutes=-30), id="minus-05-30"),
]


@pytest.mark.parametrize("offset", ZONES)
@pytest.mark.parametrize("ascending", [False, True], ids=["descending", "ascending"])
def test_a_date_with_an_offset_means_the_same_instant(
    api: HttpApi, offset: timedelta, ascending: bool
) -> None:
    ids = make_contacts(api, 6)
    pivot = instant(read(api, ids[3])["updated"])
    date = rfc3339(pivot, offset, fraction=True)
    expected = ids[4:] if ascending else ids[2::-1]
    assert listed_ids(api, date=date, ascending=ascending) == expected
    assert counted(api, date=date, ascending=ascending) == len(expected)


def wait_for_the_next_second() -> None:
    second = int(time.time())
    while int(time.time()) == second:
        time.sleep(0.01)


@pytest.mark.parametrize("offset", ZONES)
def test_a_date_without_fraction_is_that_whole_second(api: HttpApi, offset: timedelta) -> None:
    """Three contacts, a new second on the clock, three more: the second splits them."""
    ids = make_contacts(api, 3)
    wait_for_the_next_second()
    ids += make_contacts(api, 3)
    second = instant(read(api, ids[3])["updated"]).replace(microsecond=0)
    assert instant(read(api, ids[2])["updated"]) < second
    date = rfc3339(second, offset, fraction=False)
    assert "." not in date
    assert listed_ids(api, date=date) == ids[2::-1]
    assert listed_ids(api, date=date, ascending=True) == ids[3:]


@pytest.mark.parametrize(
    ("date", "ascending", "everything"),
    [
        pytest.param("9999-12-31T23:59:59.999999Z", False, True, id="before-year-9999"),
        pytest.param("9999-12-31T23:59:59-14:00", True, False, id="after-year-9999"),
        pytest.param("0001-01-01T00:00:00Z", True, True, id="after-year-1"),
        pytest.param("0001-01-01T00:00:00+14:00", False, False, id="before-year-1"),
        pytest.param("1970-01-01T00:00:00Z", False, False, id="before-the-epoch"),
    ],
)
def test_far_dates_select_everything_or_nothing(
    api: HttpApi, date: str, ascending: bool, everything: bool
) -> None:
    ids = make_contacts(api, 3)
    expected = (ids if ascending else ids[::-1]) if everything else []
    assert listed_ids(api, date=date, ascending=ascending) == expected
    assert counted(api, date=date, ascending=ascending) == len(expected)


def test_a_date_with_lower_case_t_and_z_is_rfc3339(api: HttpApi) -> None:
    ids = make_contacts(api, 3)
    date = read(api, ids[1])["updated"]
    assert listed_ids(api, date=date.replace("T", "t").replace("Z", "z")) == [ids[0]]


# --- filter ---------------------------------------------------------------------------------


DECOY = {"first": "Ada", "last": "Lovelace"}
_decoy_numbers = itertools.count()


def make_decoys(api: HttpApi, count: int) -> list[int]:
    """Contacts a filter below must not select; each has its own email, since an email is a
    contact channel and unique in a team."""
    return [
        api.create_contact(**DECOY, email=f"ada.{next(_decoy_numbers)}@example.com")
        for _ in range(count)
    ]


@pytest.mark.parametrize(
    ("field", "value", "text"),
    [
        pytest.param("first", "Zebulon", "EBUL", id="first"),
        pytest.param("last", "Quixote", "quiX", id="last"),
        pytest.param("display_name", "Captain Marvel", "n MAR", id="display-name"),
        pytest.param("email", "Some.One@Example.ORG", "one@example.org", id="email"),
    ],
)
def test_filter_is_a_case_insensitive_substring_of_a_field(
    api: HttpApi, field: str, value: str, text: str
) -> None:
    make_decoys(api, 2)
    target = api.create_contact(**{field: value})
    make_decoys(api, 1)
    assert listing(api, filter=text) == [read(api, target)]
    assert counted(api, filter=text) == 1


def test_filter_matches_digits_of_the_phone(api: HttpApi) -> None:
    make_decoys(api, 2)
    phone = unique_phone()
    target = api.create_contact(phone=phone)
    assert listed_ids(api, filter=phone[2:]) == [target]
    assert listed_ids(api, filter=phone) == [target]


def test_an_empty_filter_selects_everything(api: HttpApi) -> None:
    ids = make_decoys(api, 3)
    assert listed_ids(api, filter="") == ids[::-1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("%", ["100%_sure"], id="percent"),
        pytest.param("_", ["100%_sure"], id="underscore"),
        pytest.param("0%_s", ["100%_sure"], id="both"),
        pytest.param("0__s", [], id="underscores-are-no-wildcards"),
        pytest.param("0%s", [], id="percent-is-no-wildcard"),
        pytest.param("\\", ["back\\slash"], id="backslash"),
        pytest.param("k\\s", ["back\\slash"], id="backslash-inside"),
        pytest.param("\\%", [], id="backslash-percent"),
        pytest.param("SURE", ["100xxsure", "100%_sure"], id="plain"),
    ],
)
def test_filter_takes_like_wildcards_literally(
    api: HttpApi, text: str, expected: list[str]
) -> None:
    for first in ("100%_sure", "100xxsure", "back\\slash"):
        api.create_contact(first=first)
    assert [contact["first"] for contact in listing(api, filter=text)] == expected
    assert counted(api, filter=text) == len(expected)


@pytest.mark.parametrize(
    ("stored", "text"),
    [
        pytest.param("émile", "ÉMILE", id="lower-stored"),
        pytest.param("ÉMILE", "émile", id="upper-stored"),
        pytest.param("Ørsted", "øRSTED", id="o-slash"),
        pytest.param("ΣΊΣΥΦΟΣ", "σίσυφος", id="greek-final-sigma"),
    ],
)
def test_filter_folds_the_case_of_non_ascii_letters(api: HttpApi, stored: str, text: str) -> None:
    api.create_contact(first="Emile Orsted")
    target = api.create_contact(last=stored)
    assert listed_ids(api, filter=text) == [target]
    assert counted(api, filter=text) == 1


def test_a_filter_never_matches_across_two_fields(api: HttpApi) -> None:
    """Fields are searched one by one: a filter holding a control character (the only way to
    span two) is refused."""
    api.create_contact(first="Ada", last="Lovelace", display_name="Countess")
    response = api.post("/v1/contacts", json={"filter": "lovelace\ncountess"})
    assert_error(response, 400, "bad_data", field="filter")


# --- assigned and page ----------------------------------------------------------------------


def test_assigned_selects_the_contacts_of_one_user(
    api: HttpApi, other_api: HttpApi, admin: AdminService
) -> None:
    grace = admin.create_user(api.team.team_id, first_name="Grace").id
    linus = admin.create_user(api.team.team_id, first_name="Linus").id
    stranger = admin.create_user(other_api.team.team_id, first_name="Mallory").id
    other_api.create_contact(assignee_id=stranger)
    first = api.create_contact(assignee_id=grace, first="Ada")
    api.create_contact()
    second = api.create_contact(assignee_id=grace, first="Bob")
    third = api.create_contact(assignee_id=linus)
    assert listing(api, assigned=grace) == [read(api, second), read(api, first)]
    assert listed_ids(api, assigned=linus) == [third]
    assert listed_ids(api, assigned=grace, filter="ada") == [first]
    assert listed_ids(api, assigned=stranger) == []
    assert [counted(api, assigned=user) for user in (grace, linus, stranger)] == [2, 1, 0]


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        pytest.param(0, range(11, 6, -1), id="page-0"),
        pytest.param(1, range(6, 1, -1), id="page-1"),
        pytest.param(2, range(1, -1, -1), id="page-2-short"),
        pytest.param(3, [], id="page-3-past-the-end"),
        pytest.param(1_000_000, [], id="page-1000000"),
    ],
)
def test_page_skips_whole_pages(api: HttpApi, page: int, expected: range | list[int]) -> None:
    ids = make_contacts(api, 12)
    assert listed_ids(api, limit=5, page=page) == [ids[index] for index in expected]


@pytest.mark.parametrize("ascending", [False, True], ids=["descending", "ascending"])
def test_page_counts_after_the_cursor(api: HttpApi, ascending: bool) -> None:
    ids = make_contacts(api, 12)
    date = read(api, ids[5])["updated"]
    expected = ids[9:12] if ascending else ids[1::-1]
    assert listed_ids(api, date=date, limit=3, page=1, ascending=ascending) == expected


# --- count ----------------------------------------------------------------------------------


def test_count_is_what_the_same_filters_select_cursor_included(
    api: HttpApi, admin: AdminService
) -> None:
    grace = admin.create_user(api.team.team_id, first_name="Grace").id
    ids = [
        api.create_contact(first="Ada" if n % 2 else "Bob", assignee_id=grace if n < 4 else -1)
        for n in range(10)
    ]
    touch(api, ids[0])
    middle = read(api, ids[5])
    option_sets: list[tuple[dict[str, Any], int]] = [
        ({}, 10),
        ({"limit": 1, "page": 3}, 10),
        ({"date": middle["updated"]}, 4),
        ({"date": middle["updated"], "ascending": True}, 5),
        ({"date": middle["created"], "order": "created"}, 5),
        ({"filter": "ada"}, 5),
        ({"assigned": grace}, 4),
        ({"assigned": grace, "filter": "BOB"}, 2),
        ({"assigned": grace, "date": middle["updated"], "ascending": True}, 1),
    ]
    for options, expected in option_sets:
        selected = listing(api, **{**options, "limit": 500, "page": 0})
        assert (counted(api, **options), len(selected)) == (expected, expected), options


# --- another team ---------------------------------------------------------------------------


def test_another_teams_contacts_never_appear(api: HttpApi, other_api: HttpApi) -> None:
    phone = unique_phone()
    theirs = other_api.create_contact(phone=phone, first="Shared")
    mine = make_contacts(api, 3, first="Shared")
    assert listed_ids(api) == mine[::-1]
    assert listed_ids(api, filter="shared") == mine[::-1]
    assert listed_ids(api, filter=phone) == []
    assert ids_of(walk(api, ascending=True, limit=2)) == mine
    assert counted(api) == 3
    assert listed_ids(other_api, ascending=True) == [theirs]
    assert counted(other_api, filter="shared") == 1


# --- hostile options ------------------------------------------------------------------------


def options(**values: Any) -> bytes:
    return json.dumps(values).encode()


HOSTILE_OPTIONS = [
    pytest.param(options(limit=0), "limit", id="limit-0"),
    pytest.param(options(limit=-1), "limit", id="limit-negative"),
    pytest.param(options(limit=501), "limit", id="limit-501"),
    pytest.param(options(limit=10**9), "limit", id="limit-10-9"),
    pytest.param(options(limit=2**64), "limit", id="limit-2-64"),
    pytest.param(options(limit="30"), "limit", id="limit-string"),
    pytest.param(options(limit=True), "limit", id="limit-true"),
    pytest.param(options(limit=None), "limit", id="limit-null"),
    pytest.param(options(limit=7.5), "limit", id="limit-float"),
    pytest.param(options(page=-1), "page", id="page-negative"),
    pytest.param(options(page="x"), "page", id="page-string"),
    pytest.param(options(page=True), "page", id="page-true"),
    pytest.param(options(page=2**64), "page", id="page-2-64"),
    pytest.param(options(date="yesterday"), "date", id="date-yesterday"),
    pytest.param(options(date="2026-13-01T00:00:00Z"), "date", id="date-month-13"),
    pytest.param(options(date="2026-02-30T00:00:00Z"), "date", id="date-february-30"),
    pytest.param(options(date="2026-11-26"), "date", id="date-without-time"),
    pytest.param(options(date="2026-11-26T10:00:00"), "date", id="date-without-zone"),
    pytest.param(options(date=123), "date", id="date-number"),
    pytest.param(options(date="2" * 100), "date", id="date-100-digits"),
    pytest.param(options(date="2026-11-26T10:00:00Z" + " " * 80), "date", id="date-100-chars"),
    pytest.param(options(date=""), "date", id="date-empty"),
    pytest.param(options(date=None), "date", id="date-null"),
    pytest.param(options(date="2026-11-26T10:00:00Z\u0000"), "date", id="date-nul"),
    pytest.param(options(order="name"), "order", id="order-name"),
    pytest.param(options(order="UPDATED"), "order", id="order-upper-case"),
    pytest.param(options(order=None), "order", id="order-null"),
    pytest.param(options(ascending="yes"), "ascending", id="ascending-yes"),
    pytest.param(options(ascending=1), "ascending", id="ascending-1"),
    pytest.param(options(ascending=None), "ascending", id="ascending-null"),
    pytest.param(options(filter="a" * 256), "filter", id="filter-256"),
    pytest.param(options(filter="a\u0000b"), "filter", id="filter-nul"),
    pytest.param(options(filter=5), "filter", id="filter-number"),
    pytest.param(options(filter=None), "filter", id="filter-null"),
    pytest.param(options(assigned=-1), "assigned", id="assigned-negative"),
    pytest.param(options(assigned="3"), "assigned", id="assigned-string"),
    pytest.param(options(assigned=2**63), "assigned", id="assigned-2-63"),
    pytest.param(options(assigned=10**30), "assigned", id="assigned-10-30"),
    pytest.param(b"[]", None, id="json-array"),
    pytest.param(b'[{"limit": 5}]', None, id="json-array-of-options"),
    pytest.param(b'"limit"', None, id="json-string"),
    pytest.param(b"null", None, id="json-null"),
    pytest.param(b'{"limit": 5', None, id="invalid-json"),
    pytest.param(b"{'limit': 5}", None, id="single-quotes"),
    pytest.param(b"", None, id="empty-body"),
]


@pytest.mark.parametrize("path", ["/v1/contacts", "/v1/contacts/count"])
@pytest.mark.parametrize(("body", "field"), HOSTILE_OPTIONS)
def test_hostile_options_are_a_400_naming_the_field(
    api: HttpApi, path: str, body: bytes, field: str | None
) -> None:
    assert_error(api.post(path, content=body), 400, "bad_data", field=field)


def test_a_filter_of_255_characters_is_accepted(api: HttpApi) -> None:
    name = "a" * 255
    target = api.create_contact(first=name)
    api.create_contact(first="b")
    assert listed_ids(api, filter=name) == [target]


def test_limit_500_is_accepted(api: HttpApi) -> None:
    ids = make_contacts(api, 3)
    assert listed_ids(api, limit=500, ascending=True) == ids


def test_unknown_options_are_ignored(api: HttpApi) -> None:
    ids = make_contacts(api, 2)
    assert listed_ids(api, sort="name", team_id=api.team.team_id + 1) == ids[::-1]
