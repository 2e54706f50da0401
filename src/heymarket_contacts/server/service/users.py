"""The team's users through the API: ``/v1/users/get`` and ``/v1/users/update``.

Users are made by the operator (``heymarket-contacts user create``); the API finds them and
changes their names and roles, always within the caller's team.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from msgspec import UNSET

from ...models import Memberships, UserLookup, UsersUpdate, UserUpdate
from ..clock import Clock
from ..errors import BadData, NotFound
from ..principal import Principal
from ..render import render_membership
from ..store import Store
from ..store.records import UserRecord
from .admin import ROLE_OWNER, clean_name
from .contact_rules import normalize_email, normalize_phone


class UserService:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def get_users(self, principal: Principal, lookup: UserLookup) -> Memberships:
        """The users whose phone or email is listed; every user when no list has an item."""
        phones = {normalize_phone(phone, f"phone[{i}]") for i, phone in enumerate(lookup.phone)}
        emails = {_email_key(email, f"email[{i}]") for i, email in enumerate(lookup.email)}
        with self._store.read() as tx:
            found = tx.list_memberships(principal.team_id)
        if phones or emails:
            found = [
                member
                for member in found
                if member.user.phone in phones or member.user.email.casefold() in emails
            ]
        return Memberships(memberships=[render_membership(member) for member in found])

    def update_users(self, principal: Principal, body: UsersUpdate) -> Memberships:
        """All the items or none: any item that fails leaves every user as it was."""
        if body.users is UNSET:
            raise BadData("users is required: a list of {id, ...}", field="users")
        team_id = principal.team_id
        with self._store.write() as tx:
            tx.lock_team(team_id)  # one users update of a team at a time, for the owner rule
            changed = _updated_users(tx.list_users(team_id), body.users)
            now = self._clock()
            for user in changed:
                tx.update_user(
                    team_id, user.id, first_name=user.first_name, last_name=user.last_name,
                    role_id=user.role_id, now_us=now,
                )  # fmt: skip
            written = {member.user.id: member for member in tx.list_memberships(team_id)}
        return Memberships(memberships=[render_membership(written[user.id]) for user in changed])


def _updated_users(current: list[UserRecord], items: Sequence[UserUpdate]) -> list[UserRecord]:
    """The users ``items`` name, as the items change them, in the items' order; or an error."""
    _refuse_repeats(items)
    before = {user.id: user for user in current}
    after = dict(before)
    for index, item in enumerate(items):
        if item.id not in before:
            raise NotFound(f"no user {item.id} in this team", field=f"users[{index}].id")
        after[item.id] = _apply(before[item.id], item, index)
    _keep_an_owner(before, after, items)
    return [after[item.id] for item in items]


def _email_key(value: str, field: str) -> str:
    """An email to look for, case-folded; it must look like an email to be found at all."""
    try:
        email = normalize_email(value)
    except BadData:
        email = ""
    if not email:
        raise BadData(f"{field} must look like name@domain", field=field)
    return email.casefold()


def _refuse_repeats(items: Sequence[UserUpdate]) -> None:
    seen: dict[int, int] = {}
    for index, item in enumerate(items):
        if item.id in seen:
            raise BadData(
                f"user {item.id} is in users[{seen[item.id]}] already", field=f"users[{index}].id"
            )
        seen[item.id] = index


def _apply(user: UserRecord, item: UserUpdate, index: int) -> UserRecord:
    """``user`` with the fields ``item`` sends; absent fields stay as they were."""
    changed = user
    if item.first_name is not UNSET:
        changed = replace(changed, first_name=clean_name(item.first_name, _at(index, "first_name")))
    if item.last_name is not UNSET:  # at most 255 characters: the model checked
        changed = replace(changed, last_name=item.last_name.strip())
    if item.role_id is not UNSET:
        changed = replace(changed, role_id=item.role_id)
    return changed


def _keep_an_owner(
    before: dict[int, UserRecord], after: dict[int, UserRecord], items: Sequence[UserUpdate]
) -> None:
    """A team that has an owner keeps one: its API key and secrets act as an owner."""
    had_owner = any(user.role_id == ROLE_OWNER for user in before.values())
    if not had_owner or any(user.role_id == ROLE_OWNER for user in after.values()):
        return
    index = next(i for i, item in enumerate(items) if before[item.id].role_id == ROLE_OWNER)
    raise BadData(
        f"user {items[index].id} is the team's last owner: make another user owner first",
        field=_at(index, "role_id"),
    )


def _at(index: int, name: str) -> str:
    return f"users[{index}].{name}"
