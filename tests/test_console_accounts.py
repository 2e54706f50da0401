"""Console users and sessions on both databases, with a clock the test moves: the idle and
absolute limits, the login throttle's window, and what removal and a new password end."""

from __future__ import annotations

import uuid

import pytest

from console_support import QUICK_HASHER
from heymarket_contacts.server.console.accounts import (
    ABSOLUTE_LIMIT_US,
    IDLE_LIMIT_US,
    ConsoleAccounts,
    LoginThrottled,
)
from heymarket_contacts.server.console.passwords import Passwords
from heymarket_contacts.server.errors import BadData, NotFound, Unauthorized
from heymarket_contacts.server.store import Store

MINUTE_US = 60_000_000


class MovableClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000_000_000

    def __call__(self) -> int:
        return self.now


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def accounts(store: Store, clock: MovableClock) -> ConsoleAccounts:
    return ConsoleAccounts(store, Passwords(QUICK_HASHER), clock)


def _email() -> str:
    return f"a-{uuid.uuid4().hex[:10]}@example.com"


def test_a_session_ends_after_an_idle_hour(
    accounts: ConsoleAccounts, clock: MovableClock, team_id: int
) -> None:
    login = accounts.add_user(team_id, _email())
    session = accounts.log_in(login.user.email, login.password)
    clock.now += IDLE_LIMIT_US - MINUTE_US
    signed_in = accounts.signed_in(session.token)
    assert signed_in is not None
    assert signed_in.principal.team_id == team_id
    clock.now += IDLE_LIMIT_US - MINUTE_US  # seen a minute short of an hour ago: still on
    assert accounts.signed_in(session.token) is not None
    clock.now += IDLE_LIMIT_US
    assert accounts.signed_in(session.token) is None
    clock.now -= IDLE_LIMIT_US  # gone for good, not merely hidden
    assert accounts.signed_in(session.token) is None


def test_a_session_ends_after_twelve_hours_however_busy(
    accounts: ConsoleAccounts, clock: MovableClock, team_id: int
) -> None:
    login = accounts.add_user(team_id, _email())
    session = accounts.log_in(login.user.email, login.password)
    started = clock.now
    while clock.now - started < ABSOLUTE_LIMIT_US - 30 * MINUTE_US:
        clock.now += 30 * MINUTE_US
        assert accounts.signed_in(session.token) is not None
    clock.now = started + ABSOLUTE_LIMIT_US
    assert accounts.signed_in(session.token) is None


def test_five_failures_a_minute_then_refusal_until_the_oldest_is_a_minute_old(
    accounts: ConsoleAccounts, clock: MovableClock, team_id: int
) -> None:
    login = accounts.add_user(team_id, _email())
    for _ in range(5):
        with pytest.raises(Unauthorized):
            accounts.log_in(login.user.email, "wrong password")
        clock.now += 1_000_000
    with pytest.raises(LoginThrottled) as refused:
        accounts.log_in(login.user.email, login.password)
    assert refused.value.retry_after == 55
    clock.now += 55 * 1_000_000
    assert accounts.log_in(login.user.email, login.password).token
    with pytest.raises(Unauthorized):  # a success clears the count
        accounts.log_in(login.user.email, "wrong again")


def test_unknown_addresses_are_throttled_too(accounts: ConsoleAccounts) -> None:
    nobody = f"nobody-{uuid.uuid4().hex[:8]}@example.com"  # the session's database is shared
    for _ in range(5):
        with pytest.raises(Unauthorized):
            accounts.log_in(nobody, "guess")
    with pytest.raises(LoginThrottled):
        accounts.log_in(nobody.upper(), "guess")


def test_removal_and_a_new_password_end_every_session(
    accounts: ConsoleAccounts, team_id: int
) -> None:
    login = accounts.add_user(team_id, _email())
    first = accounts.log_in(login.user.email, login.password)
    second = accounts.log_in(login.user.email, login.password)
    renewed = accounts.reset_password(login.user.email, "a new password, long enough")
    assert accounts.signed_in(first.token) is None
    assert accounts.signed_in(second.token) is None
    third = accounts.log_in(login.user.email, renewed.password)
    accounts.remove_user(login.user.email)
    assert accounts.signed_in(third.token) is None
    with pytest.raises(NotFound):
        accounts.remove_user(login.user.email)


def test_logins_are_unique_whatever_their_case_and_checked(
    accounts: ConsoleAccounts, team_id: int, other_team_id: int
) -> None:
    email = _email()
    accounts.add_user(team_id, email)
    with pytest.raises(BadData, match="exists already"):
        accounts.add_user(other_team_id, email.upper())
    with pytest.raises(BadData, match="name@domain"):
        accounts.add_user(team_id, "not an address")
    with pytest.raises(BadData, match="10 to 1024"):
        accounts.add_user(team_id, _email(), "short")
    with pytest.raises(NotFound):
        accounts.add_user(2**62, _email())
    assert [u.email for u in accounts.list_users(team_id)] == [email]
    assert accounts.list_users(other_team_id) == []


def test_passwords_are_stored_as_argon2id_hashes(accounts: ConsoleAccounts, team_id: int) -> None:
    login = accounts.add_user(team_id, _email(), "correct horse battery")
    assert login.user.password_hash.startswith("$argon2id$")
    assert "correct horse" not in login.user.password_hash
