"""The store contract for users' times and updates, inboxes with members, and team key hashes.

One suite, run against SQLite and PostgreSQL (``store/sql_teams.py``).
"""

from __future__ import annotations

import uuid

import pytest

from heymarket_contacts.server.store import Store, UniqueViolation
from heymarket_contacts.server.store.records import InboxRecord, MembershipRecord, UserRecord

NOW_US = 1_795_600_000_123_456
MISSING_ID = 2**62


def add_user(store: Store, team_id: int, name: str = "Ada", now_us: int = NOW_US) -> UserRecord:
    with store.write() as tx:
        return tx.create_user(
            team_id, first_name=name, last_name="", email="", phone="", role_id=3, now_us=now_us
        )


# --- memberships and update_user ------------------------------------------------------------


def test_memberships_carry_the_users_times_in_id_order(
    store: Store, team_id: int, other_team_id: int
) -> None:
    ada = add_user(store, team_id, "Ada", NOW_US)
    grace = add_user(store, team_id, "Grace", NOW_US + 5)
    add_user(store, other_team_id, "Eve")
    with store.read() as tx:
        assert tx.list_memberships(team_id) == [
            MembershipRecord(ada, NOW_US, NOW_US),
            MembershipRecord(grace, NOW_US + 5, NOW_US + 5),
        ]


def test_update_user_changes_names_role_and_updated_time_only(store: Store, team_id: int) -> None:
    ada = add_user(store, team_id)
    with store.write() as tx:
        changed = tx.update_user(
            team_id, ada.id, first_name="Augusta", last_name="King", role_id=2, now_us=NOW_US + 9
        )
    assert changed is True
    with store.read() as tx:
        (member,) = tx.list_memberships(team_id)
    expected = UserRecord(ada.id, team_id, "Augusta", "King", "", "", 2)
    assert member == MembershipRecord(expected, NOW_US, NOW_US + 9)


def test_update_user_of_another_team_changes_nothing(
    store: Store, team_id: int, other_team_id: int
) -> None:
    ada = add_user(store, team_id)
    with store.write() as tx:
        assert not tx.update_user(
            other_team_id, ada.id, first_name="X", last_name="", role_id=1, now_us=NOW_US + 1
        )
        assert not tx.update_user(
            team_id, MISSING_ID, first_name="X", last_name="", role_id=1, now_us=NOW_US + 1
        )
    with store.read() as tx:
        assert tx.get_user(team_id, ada.id) == ada


# --- inboxes --------------------------------------------------------------------------------


def test_inboxes_list_with_their_members(store: Store, team_id: int, other_team_id: int) -> None:
    ada, grace = add_user(store, team_id, "Ada"), add_user(store, team_id, "Grace")
    with store.write() as tx:
        support = tx.create_inbox(team_id, "Support", "15105550000", NOW_US)
        tx.add_inbox_members(support.id, [grace.id, ada.id])
        empty = tx.create_inbox(team_id, "Empty", "", NOW_US)
        tx.create_inbox(other_team_id, "Theirs", "", NOW_US)
    with_members = InboxRecord(
        support.id, team_id, "Support", "15105550000", member_ids=(ada.id, grace.id)
    )
    with store.read() as tx:
        assert tx.list_inboxes(team_id) == [with_members, empty]
        assert tx.get_inbox(team_id, support.id) == with_members
        assert tx.get_inbox(other_team_id, support.id) is None


def test_a_user_is_a_member_of_an_inbox_once(store: Store, team_id: int) -> None:
    ada = add_user(store, team_id)
    with store.write() as tx:
        inbox = tx.create_inbox(team_id, "Support", "", NOW_US)
        tx.add_inbox_members(inbox.id, [ada.id])
    with pytest.raises(UniqueViolation), store.write() as tx:
        tx.add_inbox_members(inbox.id, [ada.id])
    with store.read() as tx:
        assert tx.list_inboxes(team_id)[0].member_ids == (ada.id,)


# --- the team key hash ----------------------------------------------------------------------


def test_a_team_key_hash_is_set_found_replaced_and_cleared(
    store: Store, team_id: int, other_team_id: int
) -> None:
    first, second = uuid.uuid4().hex * 2, uuid.uuid4().hex * 2
    with store.write() as tx:
        assert tx.team_key_hash(team_id) is None
        tx.set_team_key_hash(team_id, first)
    with store.read() as tx:
        assert tx.team_key_hash(team_id) == first
        assert tx.team_id_by_key_hash(first) == team_id
        assert tx.team_key_hash(other_team_id) is None
    with store.write() as tx:
        tx.set_team_key_hash(team_id, second)
    with store.read() as tx:
        assert tx.team_id_by_key_hash(first) is None
        assert tx.team_id_by_key_hash(second) == team_id
    with store.write() as tx:
        tx.set_team_key_hash(team_id, None)
    with store.read() as tx:
        assert tx.team_key_hash(team_id) is None
        assert tx.team_id_by_key_hash(second) is None


def test_two_teams_never_share_a_key_hash(store: Store, team_id: int, other_team_id: int) -> None:
    shared = uuid.uuid4().hex * 2
    with store.write() as tx:
        tx.set_team_key_hash(team_id, shared)
    with pytest.raises(UniqueViolation), store.write() as tx:
        tx.set_team_key_hash(other_team_id, shared)
    with store.read() as tx:
        assert tx.team_id_by_key_hash(shared) == team_id
        assert tx.team_key_hash(other_team_id) is None
