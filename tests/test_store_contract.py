"""The store contract (``store/base.py``), one suite run against SQLite and PostgreSQL.

Every test makes its own teams (the session's database is shared with other tests, so nothing
here assumes it is empty). Rows the contract cannot make (tags, custom fields, contact_tags)
are written or read with plain SQL through :class:`Sql`.
"""

from __future__ import annotations

import dataclasses
import secrets
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import psycopg
import pytest

from heymarket_contacts.server.store import Store, UniqueViolation, open_store, parse_database_url
from heymarket_contacts.server.store.records import (
    ContactFields,
    ContactRecord,
    InboxRecord,
    NewContact,
    SecretRecord,
    TagRecord,
    TeamRecord,
    UserRecord,
)
from support import unique_phone

NOW_US = 1_795_600_000_123_456
MISSING_ID = 2**62


class Sql:
    """Plain SQL on the store's database, with ``?`` placeholders on both backends."""

    def __init__(self, backend: str, database_url: str) -> None:
        self._postgres = backend == "postgres"
        self._connection: Any = (
            psycopg.connect(database_url, autocommit=True)
            if self._postgres
            else sqlite3.connect(database_url, isolation_level=None)
        )

    def rows(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self._postgres:
            query = query.replace("?", "%s")
        return list(self._connection.execute(query, params).fetchall())

    def close(self) -> None:
        self._connection.close()


@pytest.fixture
def sql(backend: str, database_url: str, store: Store) -> Iterator[Sql]:
    connection = Sql(backend, database_url)
    yield connection
    connection.close()


def add_contact(store: Store, team_id: int, fields: ContactFields | None = None) -> int:
    """A contact made the way the service makes one: stamped by the team's clock."""
    with store.write() as tx:
        stamp = tx.advance_team_clock(team_id, NOW_US)
        return tx.insert_contact(
            team_id, uuid=str(uuid.uuid4()), creator_id=0,
            fields=fields or ContactFields(phone=unique_phone()), tag_ids=[], stamp_us=stamp,
        )  # fmt: skip


def get_contact(store: Store, team_id: int, contact_id: int) -> ContactRecord | None:
    with store.read() as tx:
        return tx.get_contact(team_id, contact_id)


def add_tag(sql: Sql, team_id: int, color: str = "") -> TagRecord:
    label = f"tag {uuid.uuid4().hex[:8]}"
    rows = sql.rows(
        "INSERT INTO tags (team_id, tag, color, created_us, updated_us) VALUES (?, ?, ?, 0, 0)"
        " RETURNING id",
        (team_id, label, color),
    )
    return TagRecord(id=int(rows[0][0]), tag=label, color=color)


def add_field(sql: Sql, team_id: int) -> int:
    rows = sql.rows(
        "INSERT INTO contact_fields (team_id, title, created_us) VALUES (?, ?, 0) RETURNING id",
        (team_id, f"field {uuid.uuid4().hex[:8]}"),
    )
    return int(rows[0][0])


def set_tags(store: Store, team_id: int, contact_id: int, tag_ids: list[int] | None) -> int:
    """Rewrite the contact's fields as they are, with ``tag_ids``; the new rev."""
    current = get_contact(store, team_id, contact_id)
    assert current is not None
    with store.write() as tx:
        stamp = tx.advance_team_clock(team_id, NOW_US)
        return tx.update_contact(
            team_id, contact_id, fields=current.fields, tag_ids=tag_ids, op="tags",
            stamp_us=stamp,
        )  # fmt: skip


def tag_row_count(sql: Sql, contact_id: int) -> int:
    return int(
        sql.rows("SELECT count(*) FROM contact_tags WHERE contact_id = ?", (contact_id,))[0][0]
    )


# --- migrations, teams, users, inboxes -----------------------------------------------------


def test_migrate_again_applies_nothing(store: Store) -> None:
    assert store.migrate() == []


def test_a_second_store_on_a_migrated_database_applies_nothing(database_url: str) -> None:
    second = open_store(parse_database_url(database_url))
    try:
        assert second.migrate() == []
    finally:
        second.close()


def test_create_team_then_get_team(store: Store) -> None:
    name = f"Team {uuid.uuid4().hex}"
    with store.write() as tx:
        created = tx.create_team(name, NOW_US)
    with store.read() as tx:
        assert tx.get_team(created.id) == TeamRecord(id=created.id, name=name)


def test_get_team_of_a_missing_id_is_none(store: Store) -> None:
    with store.read() as tx:
        assert tx.get_team(MISSING_ID) is None


def test_count_teams_counts_a_new_team(store: Store) -> None:
    with store.write() as tx:
        before = tx.count_teams()
        tx.create_team(f"Counted {uuid.uuid4().hex[:8]}", NOW_US)
        assert tx.count_teams() == before + 1


def test_lock_team_is_true_for_a_team_and_false_for_a_missing_one(
    store: Store, team_id: int
) -> None:
    with store.write() as tx:
        assert tx.lock_team(team_id) is True
        assert tx.lock_team(MISSING_ID) is False


def test_users_round_trip_and_list_in_id_order(
    store: Store, team_id: int, other_team_id: int
) -> None:
    with store.write() as tx:
        ada = tx.create_user(
            team_id, first_name="Ada", last_name="Lovelace", email="ada@example.com",
            phone="15105553344", role_id=1, now_us=NOW_US,
        )  # fmt: skip
        grace = tx.create_user(
            team_id, first_name="Grace", last_name="", email="", phone="", role_id=3,
            now_us=NOW_US,
        )  # fmt: skip
        tx.create_user(
            other_team_id, first_name="Eve", last_name="", email="", phone="", role_id=3,
            now_us=NOW_US,
        )  # fmt: skip
    assert ada == UserRecord(
        ada.id, team_id, "Ada", "Lovelace", "ada@example.com", "15105553344", 1
    )
    with store.read() as tx:
        assert tx.get_user(team_id, ada.id) == ada
        assert tx.get_user(team_id, grace.id) == grace
        assert tx.list_users(team_id) == [ada, grace]
        assert tx.get_user(team_id, MISSING_ID) is None


def test_inboxes_round_trip(store: Store, team_id: int) -> None:
    with store.write() as tx:
        inbox = tx.create_inbox(team_id, "Main inbox", "15105550000", NOW_US)
    assert inbox == InboxRecord(inbox.id, team_id, "Main inbox", "15105550000")
    with store.read() as tx:
        assert tx.get_inbox(team_id, inbox.id) == inbox
        assert tx.get_inbox(team_id, MISSING_ID) is None


# --- the team clock ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nows", "stamps"),
    [
        pytest.param([10, 20, 30], [10, 20, 30], id="now-moves-forward"),
        pytest.param([50, 50, 50], [50, 51, 52], id="now-repeats"),
        pytest.param([100, 40, 99, 103, 200], [100, 101, 102, 103, 200], id="now-goes-back"),
        pytest.param([0, 0], [1, 2], id="now-is-zero"),
        pytest.param([NOW_US, NOW_US - 10**6], [NOW_US, NOW_US + 1], id="a-second-back"),
    ],
)
def test_advance_team_clock_is_strictly_increasing(
    store: Store, team_id: int, nows: list[int], stamps: list[int]
) -> None:
    handed_out = []
    for now in nows:
        with store.write() as tx:
            handed_out.append(tx.advance_team_clock(team_id, now))
    assert handed_out == stamps


def test_advance_team_clock_is_per_team(store: Store, team_id: int, other_team_id: int) -> None:
    with store.write() as tx:
        assert tx.advance_team_clock(team_id, NOW_US) == NOW_US
        assert tx.advance_team_clock(other_team_id, 5) == 5
        assert tx.advance_team_clock(team_id, 5) == NOW_US + 1


# --- API secrets ---------------------------------------------------------------------------


def owner_of(store: Store, team_id: int) -> int:
    with store.write() as tx:
        return tx.create_user(
            team_id, first_name="Owner", last_name="", email="", phone="", role_id=1,
            now_us=NOW_US,
        ).id  # fmt: skip


def secret_record(team_id: int, user_id: int, created_us: int = NOW_US) -> SecretRecord:
    return SecretRecord(
        secret_id=secrets.token_hex(12), team_id=team_id, user_id=user_id,
        nonce=b"\x00\xff" + secrets.token_bytes(10),
        key_ciphertext=b"\x00" + secrets.token_bytes(47), created_us=created_us, revoked_us=None,
    )  # fmt: skip


def test_secrets_insert_get_and_list_in_created_order(
    store: Store, team_id: int, other_team_id: int
) -> None:
    user_id = owner_of(store, team_id)
    later = secret_record(team_id, user_id, NOW_US + 5)
    earlier = secret_record(team_id, user_id, NOW_US)
    elsewhere = secret_record(other_team_id, owner_of(store, other_team_id))
    with store.write() as tx:
        for secret in (later, earlier, elsewhere):
            tx.insert_secret(secret)
    with store.read() as tx:
        assert tx.get_secret(later.secret_id) == later
        assert tx.list_secrets(team_id) == [earlier, later]
        assert tx.get_secret("0" * 24) is None


def test_revoke_secret_once_then_never_again(store: Store, team_id: int) -> None:
    secret = secret_record(team_id, owner_of(store, team_id))
    with store.write() as tx:
        tx.insert_secret(secret)
    with store.write() as tx:
        assert tx.revoke_secret(secret.secret_id, NOW_US + 1) is True
    with store.write() as tx:
        assert tx.revoke_secret(secret.secret_id, NOW_US + 2) is False
        assert tx.revoke_secret("0" * 24, NOW_US + 2) is False
    with store.read() as tx:
        revoked = tx.get_secret(secret.secret_id)
    assert revoked == dataclasses.replace(secret, revoked_us=NOW_US + 1)
    assert revoked is not None
    assert not revoked.active


def test_insert_secret_with_a_taken_id_is_a_unique_violation(store: Store, team_id: int) -> None:
    secret = secret_record(team_id, owner_of(store, team_id))
    with store.write() as tx:
        tx.insert_secret(secret)
    with pytest.raises(UniqueViolation), store.write() as tx:
        tx.insert_secret(secret)


# --- contacts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "flags",
    [
        pytest.param({"is_opted_out": True, "is_blocked": False}, id="opted-out"),
        pytest.param({"is_opted_out": False, "is_blocked": True}, id="blocked"),
    ],
)
def test_insert_then_get_returns_every_field(
    store: Store, sql: Sql, team_id: int, flags: dict[str, bool]
) -> None:
    with store.write() as tx:
        user = tx.create_user(
            team_id, first_name="Owner", last_name="", email="", phone="", role_id=1,
            now_us=NOW_US,
        )  # fmt: skip
        inbox = tx.create_inbox(team_id, "Main", "", NOW_US)
    tags = [add_tag(sql, team_id, "#ff0000"), add_tag(sql, team_id), add_tag(sql, team_id, "x")]
    fields = ContactFields(
        phone=unique_phone(), first="Ada", last="Lovelace ü", display_name="Countess",
        email="ada@example.com", avatar="https://example.com/a.png?x=1&y=2",
        external_id="crm-1", external_ref="ref \"quoted\" \\ back", inbox_id=inbox.id,
        assigned_user_id=user.id, custom={"12": "Premium", "7": "ünï ✓\n", "3": ""}, **flags,
    )  # fmt: skip
    contact_uuid = str(uuid.uuid4())
    ordered = [tags[2], tags[0], tags[1]]
    with store.write() as tx:
        stamp = tx.advance_team_clock(team_id, NOW_US)
        contact_id = tx.insert_contact(
            team_id, uuid=contact_uuid, creator_id=user.id, fields=fields,
            tag_ids=[tag.id for tag in ordered], stamp_us=stamp,
        )  # fmt: skip
    assert get_contact(store, team_id, contact_id) == ContactRecord(
        id=contact_id, uuid=contact_uuid, team_id=team_id, creator_id=user.id, parent_id=0,
        fields=fields, tags=ordered, notes=[], op="create", rev=1, created_us=stamp,
        updated_us=stamp,
    )  # fmt: skip


def new_contact(n: int, tags: list[TagRecord]) -> NewContact:
    """The ``n``-th of many new contacts: a phone and a custom value of its own, 0 to 2 tags
    in either order."""
    ordered = tags if n % 2 else tags[::-1]
    fields = ContactFields(phone=unique_phone(), first=f"Person {n}", custom={"1": str(n)})
    return NewContact(
        uuid=str(uuid.uuid4()), creator_id=7, fields=fields,
        tag_ids=[tag.id for tag in ordered][: n % 3], stamp_us=NOW_US + n,
    )  # fmt: skip


def test_insert_contacts_inserts_many_and_answers_their_ids_in_order(
    store: Store, sql: Sql, team_id: int, other_team_id: int
) -> None:
    tags = [add_tag(sql, team_id), add_tag(sql, team_id)]
    add_contact(store, other_team_id)
    news = [new_contact(n, tags) for n in range(1, 1_202)]  # past one IN list of 1,000
    with store.write() as tx:
        tx.advance_team_clock(team_id, NOW_US + len(news))
        ids = tx.insert_contacts(team_id, news)
        assert tx.insert_contacts(team_id, []) == []
    assert len(set(ids)) == len(news)
    for contact_id, new in zip(ids, news, strict=True):
        assert get_contact(store, team_id, contact_id) == ContactRecord(
            id=contact_id, uuid=new.uuid, team_id=team_id, creator_id=7, parent_id=0,
            fields=new.fields, tags=[tag for id_ in new.tag_ids for tag in tags if tag.id == id_],
            notes=[], op="create", rev=1, created_us=new.stamp_us, updated_us=new.stamp_us,
        )  # fmt: skip


def test_insert_contacts_with_a_taken_phone_is_a_unique_violation(
    store: Store, team_id: int
) -> None:
    phone = unique_phone()
    add_contact(store, team_id, ContactFields(phone=phone))
    clash = NewContact(str(uuid.uuid4()), 0, ContactFields(phone=phone), [], NOW_US + 5)
    with pytest.raises(UniqueViolation), store.write() as tx:
        tx.insert_contacts(team_id, [clash])
    with store.read() as tx:
        assert tx.count_contacts(team_id) == 1


def test_insert_with_default_fields_round_trips_empty_values(store: Store, team_id: int) -> None:
    contact_id = add_contact(store, team_id, ContactFields())
    contact = get_contact(store, team_id, contact_id)
    assert contact is not None
    assert (contact.fields, contact.tags, contact.notes) == (ContactFields(), [], [])


def test_count_contacts_counts_only_the_team(
    store: Store, team_id: int, other_team_id: int
) -> None:
    add_contact(store, team_id)
    add_contact(store, team_id)
    add_contact(store, other_team_id)
    with store.read() as tx:
        assert tx.count_contacts(team_id) == 2


def test_update_contact_replaces_fields_and_bumps_rev_by_one(store: Store, team_id: int) -> None:
    contact_id = add_contact(store, team_id, ContactFields(phone=unique_phone(), custom={"1": "a"}))
    created = get_contact(store, team_id, contact_id)
    assert created is not None
    new_fields = ContactFields(
        phone=unique_phone(), first="Grace", last="Hopper", display_name="Grace Hopper",
        email="grace@example.com", custom={"2": "b"}, is_opted_out=True,
    )  # fmt: skip
    with store.write() as tx:
        stamp = tx.advance_team_clock(team_id, NOW_US)
        rev = tx.update_contact(
            team_id, contact_id, fields=new_fields, tag_ids=None, op="status", stamp_us=stamp
        )
    assert rev == 2
    assert get_contact(store, team_id, contact_id) == dataclasses.replace(
        created, fields=new_fields, op="status", rev=2, updated_us=stamp
    )
    assert set_tags(store, team_id, contact_id, None) == 3


@pytest.mark.parametrize(
    ("new_tags", "expected"),
    [
        pytest.param(None, [0, 1], id="absent-keeps"),
        pytest.param([2, 0], [2, 0], id="replaced-in-order"),
        pytest.param([], [], id="emptied"),
    ],
)
def test_update_contact_replaces_tags_only_when_given(
    store: Store, sql: Sql, team_id: int, new_tags: list[int] | None, expected: list[int]
) -> None:
    tags = [add_tag(sql, team_id) for _ in range(3)]
    contact_id = add_contact(store, team_id)
    set_tags(store, team_id, contact_id, [tags[0].id, tags[1].id])
    set_tags(
        store, team_id, contact_id, None if new_tags is None else [tags[i].id for i in new_tags]
    )
    contact = get_contact(store, team_id, contact_id)
    assert contact is not None
    assert contact.tags == [tags[i] for i in expected]
    assert tag_row_count(sql, contact_id) == len(expected)


def test_contact_id_by_phone(store: Store, team_id: int) -> None:
    phone = unique_phone()
    contact_id = add_contact(store, team_id, ContactFields(phone=phone))
    with store.read() as tx:
        assert tx.contact_id_by_phone(team_id, phone) == contact_id
        assert tx.contact_id_by_phone(team_id, unique_phone()) is None


def test_delete_contact_removes_it_and_its_tag_rows(store: Store, sql: Sql, team_id: int) -> None:
    tag = add_tag(sql, team_id)
    contact_id = add_contact(store, team_id)
    set_tags(store, team_id, contact_id, [tag.id])
    assert tag_row_count(sql, contact_id) == 1
    with store.write() as tx:
        assert tx.delete_contact(team_id, contact_id) is True
    assert get_contact(store, team_id, contact_id) is None
    assert tag_row_count(sql, contact_id) == 0
    with store.write() as tx:
        assert tx.delete_contact(team_id, contact_id) is False


def test_delete_contact_frees_its_phone(store: Store, team_id: int) -> None:
    phone = unique_phone()
    contact_id = add_contact(store, team_id, ContactFields(phone=phone))
    with store.write() as tx:
        tx.delete_contact(team_id, contact_id)
    again = add_contact(store, team_id, ContactFields(phone=phone))
    with store.read() as tx:
        assert tx.contact_id_by_phone(team_id, phone) == again


def test_known_tag_ids_are_only_the_teams(
    store: Store, sql: Sql, team_id: int, other_team_id: int
) -> None:
    mine = {add_tag(sql, team_id).id, add_tag(sql, team_id).id}
    theirs = add_tag(sql, other_team_id).id
    with store.read() as tx:
        assert tx.known_tag_ids(team_id, [*mine, *mine, theirs, MISSING_ID]) == mine
        assert tx.known_tag_ids(other_team_id, mine) == set()
        assert tx.known_tag_ids(team_id, []) == set()


def test_known_field_ids_are_only_the_teams(
    store: Store, sql: Sql, team_id: int, other_team_id: int
) -> None:
    mine = {add_field(sql, team_id), add_field(sql, team_id)}
    theirs = add_field(sql, other_team_id)
    with store.read() as tx:
        assert tx.known_field_ids(team_id, [*mine, theirs, MISSING_ID]) == mine
        assert tx.known_field_ids(other_team_id, mine) == set()
        assert tx.known_field_ids(team_id, iter(())) == set()


# --- transactions and uniqueness -----------------------------------------------------------


class Boom(Exception):
    pass


def write_then_fail(store: Store, team_id: int, made: dict[str, int]) -> None:
    with store.write() as tx:
        made["team"] = tx.create_team(f"Doomed {uuid.uuid4().hex[:8]}", NOW_US).id
        stamp = tx.advance_team_clock(team_id, NOW_US)
        made["contact"] = tx.insert_contact(
            team_id, uuid=str(uuid.uuid4()), creator_id=0,
            fields=ContactFields(phone=unique_phone()), tag_ids=[], stamp_us=stamp,
        )  # fmt: skip
        raise Boom


def test_a_write_that_raises_keeps_nothing(store: Store, team_id: int) -> None:
    made: dict[str, int] = {}
    with pytest.raises(Boom):
        write_then_fail(store, team_id, made)
    with store.read() as tx:
        assert tx.get_team(made["team"]) is None
        assert tx.get_contact(team_id, made["contact"]) is None
        assert tx.count_contacts(team_id) == 0
    with store.write() as tx:
        assert tx.advance_team_clock(team_id, 0) == 1


def test_the_same_phone_twice_in_a_team_is_a_unique_violation(store: Store, team_id: int) -> None:
    phone = unique_phone()
    first = add_contact(store, team_id, ContactFields(phone=phone))
    with pytest.raises(UniqueViolation) as caught:
        add_contact(store, team_id, ContactFields(phone=phone, first="Second"))
    assert "phone" in caught.value.constraint
    with store.read() as tx:
        assert tx.count_contacts(team_id) == 1
        assert tx.contact_id_by_phone(team_id, phone) == first


def test_updating_to_a_phone_the_team_has_is_a_unique_violation(store: Store, team_id: int) -> None:
    phone = unique_phone()
    add_contact(store, team_id, ContactFields(phone=phone))
    other = add_contact(store, team_id)
    with pytest.raises(UniqueViolation), store.write() as tx:
        tx.update_contact(
            team_id, other, fields=ContactFields(phone=phone), tag_ids=None, op="update",
            stamp_us=tx.advance_team_clock(team_id, NOW_US),
        )  # fmt: skip
    contact = get_contact(store, team_id, other)
    assert contact is not None
    assert contact.rev == 1


def test_contacts_without_a_phone_do_not_clash(store: Store, team_id: int) -> None:
    add_contact(store, team_id, ContactFields(email="a@example.com"))
    add_contact(store, team_id, ContactFields(email="b@example.com"))
    with store.read() as tx:
        assert tx.count_contacts(team_id) == 2


def test_the_same_phone_in_two_teams_is_fine(
    store: Store, team_id: int, other_team_id: int
) -> None:
    phone = unique_phone()
    mine = add_contact(store, team_id, ContactFields(phone=phone))
    theirs = add_contact(store, other_team_id, ContactFields(phone=phone))
    with store.read() as tx:
        assert tx.contact_id_by_phone(team_id, phone) == mine
        assert tx.contact_id_by_phone(other_team_id, phone) == theirs
    assert mine != theirs


def test_another_teams_records_are_invisible(
    store: Store, team_id: int, other_team_id: int
) -> None:
    phone = unique_phone()
    contact_id = add_contact(store, team_id, ContactFields(phone=phone))
    with store.write() as tx:
        user = tx.create_user(
            team_id, first_name="Ada", last_name="", email="", phone="", role_id=3,
            now_us=NOW_US,
        )  # fmt: skip
        inbox = tx.create_inbox(team_id, "Main", "", NOW_US)
    with store.write() as tx:
        assert tx.get_contact(other_team_id, contact_id) is None
        assert tx.contact_id_by_phone(other_team_id, phone) is None
        assert tx.get_user(other_team_id, user.id) is None
        assert tx.get_inbox(other_team_id, inbox.id) is None
        assert tx.list_users(other_team_id) == []
        assert tx.delete_contact(other_team_id, contact_id) is False
    assert get_contact(store, team_id, contact_id) is not None
