"""Operator actions: teams, users, inboxes, API secrets, team keys (the CLI's admin commands)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from ..clock import Clock
from ..errors import BadData, Denied, NotFound
from ..secret_box import MasterKeyError, SecretBox, SecretUnreadable
from ..store import Store, Transaction
from ..store.records import InboxRecord, SecretRecord, TeamRecord, UserRecord
from ..team_key import hash_team_key, new_team_key
from .contact_rules import normalize_email, normalize_phone

MAX_ACTIVE_SECRETS = 2
ROLE_OWNER, ROLE_ADMIN, ROLE_MEMBER = 1, 2, 3
ROLE_NAMES = {ROLE_OWNER: "owner", ROLE_ADMIN: "admin", ROLE_MEMBER: "member"}
NAME_MAX = 255


@dataclass(frozen=True, slots=True)
class NewSecret:
    """A secret just made: the only moment its key is known outside the database."""

    secret_id: str
    secret_key: str
    team_id: int


@dataclass(frozen=True, slots=True)
class NewTeamKey:
    """A legacy team API key just made: the only moment it is known outside the database."""

    team_id: int
    key: str


@dataclass(frozen=True, slots=True)
class Bootstrap:
    team: TeamRecord
    owner: UserRecord
    inbox: InboxRecord
    secret: NewSecret
    #: What ``also`` made in the same transaction (the owner's console login).
    also: object = None


class AdminService:
    def __init__(self, store: Store, box: SecretBox, clock: Clock) -> None:
        self._store = store
        self._box = box
        self._clock = clock

    @property
    def store(self) -> Store:
        """The database it acts on (the console's accounts share it)."""
        return self._store

    def create_team(self, name: str) -> TeamRecord:
        """A team with its owner, the user its API secrets act as."""
        with self._store.write() as tx:
            return _create_team(tx, clean_name(name, "name"), self._clock())[0]

    def create_user(
        self, team_id: int, *, first_name: str, last_name: str = "", email: str = "",
        phone: str = "", role_id: int = ROLE_MEMBER,
    ) -> UserRecord:  # fmt: skip
        """A user of the team; ``phone`` is normalised like a contact's, ``email`` checked."""
        if role_id not in ROLE_NAMES:
            raise BadData(f"role_id must be one of {sorted(ROLE_NAMES)}", field="role_id")
        first_name, last_name = clean_name(first_name, "name"), _last_name(last_name, "name")
        email, phone = _email(email), normalize_phone(phone) if phone else ""
        with self._store.write() as tx:
            _require_team(tx, team_id)
            return tx.create_user(
                team_id, first_name=first_name, last_name=last_name, email=email, phone=phone,
                role_id=role_id, now_us=self._clock(),
            )  # fmt: skip

    def create_inbox(
        self, team_id: int, *, name: str, phone: str = "", member_ids: Iterable[int] = ()
    ) -> InboxRecord:
        """An inbox of the team; its members must be users of the team."""
        name, phone = clean_name(name, "name"), normalize_phone(phone) if phone else ""
        members = sorted(set(member_ids))
        with self._store.write() as tx:
            _require_team(tx, team_id)
            users = {user.id for user in tx.list_users(team_id)}
            strangers = [user_id for user_id in members if user_id not in users]
            if strangers:
                raise BadData(
                    f"member {strangers[0]} is not a user of team {team_id}", field="member"
                )
            inbox = tx.create_inbox(team_id, name, phone, self._clock())
            tx.add_inbox_members(inbox.id, members)
        return replace(inbox, member_ids=tuple(members))

    def rotate_team_key(self, team_id: int) -> NewTeamKey:
        """A new legacy API key for the team; the old one, if any, stops working at once."""
        key = new_team_key()
        with self._store.write() as tx:
            _require_team(tx, team_id)
            tx.set_team_key_hash(team_id, hash_team_key(key))
        return NewTeamKey(team_id=team_id, key=key)

    def revoke_team_key(self, team_id: int) -> None:
        with self._store.write() as tx:
            _require_team(tx, team_id)
            if tx.team_key_hash(team_id) is None:
                raise BadData(f"team {team_id} has no API key")
            tx.set_team_key_hash(team_id, None)

    def create_secret(self, team_id: int) -> NewSecret:
        """A new secret for the team's owner; refused when two are active already."""
        with self._store.write() as tx:
            _require_team(tx, team_id)
            active = [s for s in tx.list_secrets(team_id) if s.active]
            if len(active) >= MAX_ACTIVE_SECRETS:
                raise Denied(
                    f"team {team_id} has {len(active)} active secrets, the most allowed;"
                    " revoke one first"
                )
            owner = _team_owner(tx, team_id)
            return self._insert_secret(tx, team_id, owner.id)

    def _insert_secret(self, tx: Transaction, team_id: int, user_id: int) -> NewSecret:
        secret_id = secrets.token_hex(12)
        secret_key = secrets.token_urlsafe(32)  # 256 bits of randomness
        nonce, ciphertext = self._box.seal(
            secret_id=secret_id, team_id=team_id, user_id=user_id, secret_key=secret_key
        )
        tx.insert_secret(
            SecretRecord(secret_id, team_id, user_id, nonce, ciphertext, self._clock(), None)
        )
        return NewSecret(secret_id=secret_id, secret_key=secret_key, team_id=team_id)

    def list_secrets(self, team_id: int) -> list[SecretRecord]:
        with self._store.read() as tx:
            _require_team(tx, team_id)
            return tx.list_secrets(team_id)

    def revoke_secret(self, secret_id: str) -> SecretRecord:
        with self._store.write() as tx:
            secret = tx.get_secret(secret_id)
            if secret is None:
                raise NotFound(f"no secret {secret_id}")
            if not tx.revoke_secret(secret_id, self._clock()):
                raise BadData(f"secret {secret_id} is already revoked")
            return secret

    def default_team_id(self) -> int:
        """The team admin commands act on when none is named: the only team there is."""
        with self._store.read() as tx:
            count = tx.count_teams()
            if count != 1:
                raise BadData(
                    "no team yet" if count == 0 else f"{count} teams exist: name one with --team"
                )
            team = tx.get_team(1)
        if team is None:
            raise BadData("the only team is not team 1: name it with --team")
        return team.id

    def bootstrap_if_empty(
        self, also: Callable[[Transaction, int], object] | None = None
    ) -> Bootstrap | None:
        """On a database with no team: a default team, its owner, an inbox and one secret,
        and what ``also`` makes of the transaction and the team's id."""
        with self._store.write() as tx:
            if tx.count_teams():
                return None
            now = self._clock()
            team, owner = _create_team(tx, "Default team", now)
            inbox = tx.create_inbox(team.id, "Main inbox", "", now)
            secret = self._insert_secret(tx, team.id, owner.id)
            extra = also(tx, team.id) if also is not None else None
        return Bootstrap(team=team, owner=owner, inbox=inbox, secret=secret, also=extra)

    def check_master_key(self, database: str) -> None:
        """A :class:`MasterKeyError` when the master key does not open the newest active
        secret: a server started so would answer every JWT with 401."""
        newest: SecretRecord | None = None
        with self._store.read() as tx:
            for team_id in tx.team_ids():
                for secret in tx.list_secrets(team_id):
                    if secret.active and (newest is None or secret.created_us > newest.created_us):
                        newest = secret
        if newest is None:
            return
        try:
            self._box.open(newest)
        except SecretUnreadable:
            raise MasterKeyError(
                f"the master key does not decrypt the API secrets of {database}: they were"
                " sealed with another HEYMARKET_MASTER_KEY (or key file); start with that one"
            ) from None


def clean_name(value: str, field: str) -> str:
    """``value`` trimmed, which must leave 1 to 255 characters."""
    text = value.strip()
    if not text or len(text) > NAME_MAX:
        raise BadData(f"{field} must be 1 to {NAME_MAX} characters", field=field)
    return text


def split_name(name: str) -> tuple[str, str]:
    """A person's name as its first word (the first name) and the rest (the last name)."""
    words = name.split()
    return (words[0], " ".join(words[1:])) if words else ("", "")


def owner_of(users: Iterable[UserRecord]) -> UserRecord | None:
    """The user a team's API key and new secrets act as: its first owner by id."""
    owners = [user for user in users if user.role_id == ROLE_OWNER]
    return min(owners, key=lambda user: user.id) if owners else None


def _last_name(value: str, field: str) -> str:
    text = value.strip()
    if len(text) > NAME_MAX:
        raise BadData(f"{field} must be at most {NAME_MAX} characters", field=field)
    return text


def _email(value: str) -> str:
    email = normalize_email(value)
    if len(email) > NAME_MAX:
        raise BadData(f"email must be at most {NAME_MAX} characters", field="email")
    return email


def _require_team(tx: Transaction, team_id: int) -> None:
    if not tx.lock_team(team_id):
        raise NotFound(f"no team {team_id}")


def _create_team(tx: Transaction, name: str, now: int) -> tuple[TeamRecord, UserRecord]:
    team = tx.create_team(name, now)
    owner = tx.create_user(
        team.id, first_name="Owner", last_name="", email="", phone="", role_id=ROLE_OWNER,
        now_us=now,
    )  # fmt: skip
    return team, owner


def _team_owner(tx: Transaction, team_id: int) -> UserRecord:
    owner = owner_of(tx.list_users(team_id))
    if owner is None:
        raise BadData(f"team {team_id} has no owner to hold the secret")
    return owner
