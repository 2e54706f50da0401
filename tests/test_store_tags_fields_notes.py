"""The store contract for tags, custom fields and notes, run against SQLite and PostgreSQL.

Every query is scoped to a team: these tests check that a team id that does not own a row
neither reads nor changes it. Each test makes its own teams.
"""

from __future__ import annotations

import uuid

import pytest

from heymarket_contacts.server.store import Store, UniqueViolation
from heymarket_contacts.server.store.records import (
    ContactFields,
    FieldRecord,
    NoteRecord,
    TagDetailRecord,
    TagRecord,
)
from support import unique_phone

NOW_US = 1_795_600_000_123_456


def add_tag(store: Store, team_id: int, label: str = "", color: str = "") -> TagDetailRecord:
    with store.write() as tx:
        stamp = tx.advance_team_clock(team_id, NOW_US)
        return tx.insert_tag(
            team_id, uuid=str(uuid.uuid4()), tag=label or f"tag {uuid.uuid4().hex[:8]}",
            color=color, stamp_us=stamp,
        )  # fmt: skip


def add_contact(store: Store, team_id: int, tag_ids: list[int] | None = None) -> int:
    with store.write() as tx:
        stamp = tx.advance_team_clock(team_id, NOW_US)
        return tx.insert_contact(
            team_id, uuid=str(uuid.uuid4()), creator_id=0,
            fields=ContactFields(phone=unique_phone()), tag_ids=tag_ids or [], stamp_us=stamp,
        )  # fmt: skip


def note(text: str, created_us: int) -> NoteRecord:
    return NoteRecord(id=str(uuid.uuid4()), user_id=0, name="Ada", text=text, created_us=created_us)


# --- tags ---------------------------------------------------------------------------------------


def test_insert_tag_answers_the_stored_row(store: Store, team_id: int) -> None:
    tag = add_tag(store, team_id, "VIP", "red")
    with store.read() as tx:
        assert tx.get_tag(team_id, tag.id) == tag
    assert (tag.team_id, tag.tag, tag.color, tag.rev) == (team_id, "VIP", "red", 1)
    assert tag.created_us == tag.updated_us >= NOW_US


def test_a_tag_is_read_only_by_its_team(store: Store, team_id: int, other_team_id: int) -> None:
    tag = add_tag(store, team_id)
    with store.read() as tx:
        assert tx.get_tag(other_team_id, tag.id) is None
        assert tx.tag_labels(other_team_id) == {}
        assert tx.list_tags(other_team_id, before_us=None, limit=30) == []
        assert tx.tag_labels(team_id) == {tag.id: tag.tag}


def test_the_same_label_twice_in_a_team_violates_uniqueness(store: Store, team_id: int) -> None:
    add_tag(store, team_id, "VIP")
    with pytest.raises(UniqueViolation):
        add_tag(store, team_id, "VIP")


def test_list_tags_is_newest_first_limited_and_strictly_before(store: Store, team_id: int) -> None:
    tags = [add_tag(store, team_id) for _ in range(4)]
    with store.read() as tx:
        assert tx.list_tags(team_id, before_us=None, limit=3) == tags[:0:-1]
        before = tx.list_tags(team_id, before_us=tags[2].updated_us, limit=30)
    assert before == [tags[1], tags[0]]


def test_delete_tag_takes_it_off_its_contacts_only(store: Store, team_id: int) -> None:
    doomed, kept = add_tag(store, team_id), add_tag(store, team_id, color="blue")
    tagged = [add_contact(store, team_id, [doomed.id, kept.id]) for _ in range(2)]
    add_contact(store, team_id, [kept.id])
    with store.write() as tx:
        assert tx.contacts_with_tag(team_id, doomed.id) == sorted(tagged)
        assert tx.delete_tag(team_id, doomed.id)
    with store.read() as tx:
        assert tx.get_tag(team_id, doomed.id) is None
        assert tx.contacts_with_tag(team_id, doomed.id) == []
        contact = tx.get_contact(team_id, tagged[0])
    assert contact is not None
    assert contact.tags == [TagRecord(id=kept.id, tag=kept.tag, color="blue")]


def test_another_team_cannot_delete_a_tag_or_see_its_contacts(
    store: Store, team_id: int, other_team_id: int
) -> None:
    tag = add_tag(store, team_id)
    contact_id = add_contact(store, team_id, [tag.id])
    with store.write() as tx:
        assert tx.contacts_with_tag(other_team_id, tag.id) == []
        assert not tx.delete_tag(other_team_id, tag.id)
    with store.read() as tx:
        assert tx.get_tag(team_id, tag.id) == tag
        assert tx.contacts_with_tag(team_id, tag.id) == [contact_id]


# --- custom fields ------------------------------------------------------------------------------


def test_fields_are_listed_in_the_order_made_per_team(
    store: Store, team_id: int, other_team_id: int
) -> None:
    with store.write() as tx:
        plan = tx.insert_field(team_id, "Plan", NOW_US + 5)
        region = tx.insert_field(team_id, "Region", NOW_US)
        tx.insert_field(other_team_id, "Plan", NOW_US)
    with store.read() as tx:
        assert tx.list_fields(team_id) == [plan, region]
        assert tx.known_field_ids(other_team_id, [plan.id, region.id]) == set()
    assert plan == FieldRecord(id=plan.id, team_id=team_id, title="Plan", created_us=NOW_US + 5)


def test_the_same_title_twice_in_a_team_violates_uniqueness(store: Store, team_id: int) -> None:
    with store.write() as tx:
        tx.insert_field(team_id, "Plan", NOW_US)
    with pytest.raises(UniqueViolation), store.write() as tx:
        tx.insert_field(team_id, "Plan", NOW_US)


# --- notes --------------------------------------------------------------------------------------


def test_notes_are_read_with_their_contact_oldest_first(store: Store, team_id: int) -> None:
    contact_id = add_contact(store, team_id)
    later, earlier = note("later", NOW_US + 2), note("earlier", NOW_US + 1)
    with store.write() as tx:
        tx.insert_note(contact_id, later)
        tx.insert_note(contact_id, earlier)
    with store.read() as tx:
        contact = tx.get_contact(team_id, contact_id)
    assert contact is not None
    assert contact.notes == [earlier, later]


def test_delete_note_needs_the_notes_contact(store: Store, team_id: int) -> None:
    contact_id, other_id = add_contact(store, team_id), add_contact(store, team_id)
    kept = note("kept", NOW_US)
    with store.write() as tx:
        tx.insert_note(contact_id, kept)
        assert not tx.delete_note(other_id, kept.id)
        assert not tx.delete_note(contact_id, str(uuid.uuid4()))
    with store.write() as tx:
        assert tx.delete_note(contact_id, kept.id)
    with store.read() as tx:
        contact = tx.get_contact(team_id, contact_id)
    assert contact is not None
    assert contact.notes == []
