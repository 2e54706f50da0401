"""The emulator's data calls (spec section 9): reset, seed and snapshots, as a service.

A reset clears teams' contacts (with their channels, notes and tags), tags, custom fields and
rate windows, and keeps teams, users, inboxes, secrets and keys; ids keep counting. A seed
makes fake contacts through the batch import, so every rule of a real write holds (channels
in step with phone and email, ``updated`` unique). A snapshot is the whole data set.
"""

from __future__ import annotations

import random
import re
import secrets
from dataclasses import dataclass

from ..clock import Clock, rfc3339
from ..errors import BadData, Conflict, NotFound
from ..ids import new_uuid
from ..principal import Principal
from ..service.admin import owner_of
from ..service.batch import BatchService
from ..store import Store
from .fake_people import fake_contact, fake_tag_labels, field_titles

SNAPSHOT_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
SEED_MAX = 100_000
#: Who a seed's contacts are written as: the team's owner, through no secret.
SEED_PRINCIPAL = "(emulator seed)"
#: Contacts per batch call of a seed: the batch route's own limit.
SEED_BATCH = 1000


@dataclass(frozen=True, slots=True)
class SeedResult:
    team_id: int
    created: int
    contact_ids: tuple[int, int]


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    name: str
    created: str
    bytes: int | None = None


class EmulatorData:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def reset(self, team_id: int | None = None) -> list[int]:
        """Clear one team (404 when there is none) or every team; the ids cleared."""
        teams = self._store.clear_teams(None if team_id is None else [team_id])
        if team_id is not None and not teams:
            raise NotFound(f"no team {team_id}", field="team_id")
        self._store.clear_rate_window(teams)
        return teams

    def seed(
        self, team_id: int | None, contacts: int, *, seed: int | None = None, tags: int = 0,
        fields: int = 0,
    ) -> SeedResult:  # fmt: skip
        """``contacts`` fake contacts in the team (default: the first), with ``tags`` tags and
        ``fields`` custom fields made for them; the same ``seed`` on an empty team gives the
        same contacts, field for field (ids and timestamps aside)."""
        _check_count("contacts", contacts, 1, SEED_MAX)
        _check_count("tags", tags, 0, 1000)
        _check_count("fields", fields, 0, 100)
        principal = self._owner(team_id)
        draw = random.Random(seed if seed is not None else secrets.randbits(64))  # noqa: S311
        tag_ids = self._make_tags(principal, fake_tag_labels(draw, tags))
        field_ids = self._make_fields(principal, field_titles(fields))
        taken = self._taken_phones(principal.team_id)
        batch = BatchService(self._store, self._clock)
        serial = 0
        for start in range(0, contacts, SEED_BATCH):
            items = []
            for _ in range(min(SEED_BATCH, contacts - start)):
                item, serial = fake_contact(draw, serial, taken, tag_ids, field_ids)
                items.append(item)
            failures = batch.import_contacts(principal, items, overwrite=False)
            if failures:
                raise BadData(f"seeding failed: {failures[0].error.message}")
        with self._store.read() as tx:
            first, last = tx.newest_contact_ids(principal.team_id, contacts)
        return SeedResult(principal.team_id, contacts, (first, last))

    def snapshot(self, name: str) -> SnapshotInfo:
        _check_name(name)
        created_us = self._clock()
        if not self._store.take_snapshot(name, created_us):
            raise Conflict(f"a snapshot {name} exists already", field="name")
        return SnapshotInfo(name, rfc3339(created_us))

    def list_snapshots(self) -> list[SnapshotInfo]:
        return [
            SnapshotInfo(name, rfc3339(created_us), size)
            for name, created_us, size in self._store.snapshots()
        ]

    def restore(self, name: str) -> None:
        _check_name(name)
        if not self._store.restore_snapshot(name):
            raise NotFound(f"no snapshot {name}", field="name")

    def delete_snapshot(self, name: str) -> None:
        _check_name(name)
        if not self._store.drop_snapshot(name):
            raise NotFound(f"no snapshot {name}", field="name")

    # --- seeding's parts --------------------------------------------------------------------

    def _owner(self, team_id: int | None) -> Principal:
        with self._store.read() as tx:
            teams = tx.team_ids()
            if not teams:
                raise NotFound("there is no team to seed", field="team_id")
            chosen = teams[0] if team_id is None else team_id
            if chosen not in teams:
                raise NotFound(f"no team {chosen}", field="team_id")
            owner = owner_of(tx.list_users(chosen))
        if owner is None:
            raise BadData(f"team {chosen} has no owner to create contacts as", field="team_id")
        return Principal(team_id=chosen, user_id=owner.id, secret_id=SEED_PRINCIPAL)

    def _make_tags(self, principal: Principal, labels: list[str]) -> list[int]:
        if not labels:
            return []
        team_id = principal.team_id
        with self._store.write() as tx:
            known = {label.lower(): tag_id for tag_id, label in tx.tag_labels(team_id).items()}
            stamp = tx.advance_team_clock(team_id, self._clock(), len(labels))
            ids = []
            for offset, label in enumerate(labels):
                existing = known.get(label.lower())
                if existing is None:
                    existing = tx.insert_tag(
                        team_id, uuid=new_uuid(), tag=label, color="", stamp_us=stamp + offset
                    ).id
                ids.append(existing)
        return ids

    def _make_fields(self, principal: Principal, titles: list[str]) -> list[int]:
        if not titles:
            return []
        with self._store.write() as tx:
            known = {field.title: field.id for field in tx.list_fields(principal.team_id)}
            now = self._clock()
            return [
                known.get(title) or tx.insert_field(principal.team_id, title, now).id
                for title in titles
            ]

    def _taken_phones(self, team_id: int) -> set[str]:
        """The phones the team has: a seed into a team with contacts skips them."""
        with self._store.read() as tx:
            return tx.phones_of_team(team_id)


def _check_count(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadData(f"{name} must be a whole number from {low} to {high}", field=name)


def _check_name(name: str) -> None:
    if not SNAPSHOT_NAME.fullmatch(name):
        raise BadData("a snapshot name is 1 to 64 letters, digits, '_' or '-'", field="name")
