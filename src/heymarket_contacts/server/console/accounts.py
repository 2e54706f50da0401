"""Console users and their sessions: add, list, remove, reset a password; log in (throttled
per address), find the session of a cookie (idle and absolute limits), log out."""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass

from ..clock import Clock, system_clock
from ..errors import ApiError, BadData, NotFound, Unauthorized
from ..principal import Principal
from ..service.admin import owner_of
from ..service.contact_rules import normalize_email
from ..store import Store, Transaction, UniqueViolation
from ..store.records import ConsoleSessionRecord, ConsoleUserRecord
from .passwords import Passwords, check_password, new_password

SECOND_US = 1_000_000
IDLE_LIMIT_US = 3600 * SECOND_US
ABSOLUTE_LIMIT_US = 12 * 3600 * SECOND_US
#: A session's last-seen time is written at most this often (not on every page).
TOUCH_EVERY_US = 60 * SECOND_US
FAILURES_ALLOWED = 5
FAILURE_WINDOW_US = 60 * SECOND_US
EMAIL_MAX = 255
#: What the calls of a console user are logged as (in place of an API secret's id).
ACTING_AS = "console"
#: The login the first start makes for the owner of the first team.
OWNER_EMAIL = "owner@localhost"


class LoginThrottled(ApiError):
    """Too many failed logins for one address in the last minute."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


@dataclass(frozen=True, slots=True)
class NewLogin:
    """A console user just made or given a new password: the only moment it is known."""

    user: ConsoleUserRecord
    password: str


@dataclass(frozen=True, slots=True)
class NewSession:
    """A session just opened: its cookie value is known only now."""

    token: str
    csrf_token: str


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The console user behind a cookie, and whom its calls act as."""

    user: ConsoleUserRecord
    csrf_token: str
    principal: Principal


class ConsoleAccounts:
    def __init__(self, store: Store, passwords: Passwords, clock: Clock = system_clock) -> None:
        self._store = store
        self._passwords = passwords
        self._clock = clock

    # --- the operator's commands -----------------------------------------------------------

    def add_user(self, team_id: int, email: str, password: str | None = None) -> NewLogin:
        address = _email(email)
        chosen = check_password(password) if password is not None else new_password()
        password_hash = self._passwords.hash(chosen)
        try:
            with self._store.write() as tx:
                if not tx.lock_team(team_id):
                    raise NotFound(f"no team {team_id}")
                return NewLogin(self._insert(tx, team_id, address, password_hash), chosen)
        except UniqueViolation:
            raise BadData(f"a console user {address} exists already", field="email") from None

    def add_owner(self, tx: Transaction, team_id: int) -> NewLogin:
        """In the first start's transaction: the first team's owner as a console user."""
        password = new_password()
        user = self._insert(tx, team_id, OWNER_EMAIL, self._passwords.hash(password))
        return NewLogin(user, password)

    def _insert(
        self, tx: Transaction, team_id: int, email: str, password_hash: str
    ) -> ConsoleUserRecord:
        return tx.insert_console_user(team_id, email, _key(email), password_hash, self._clock())

    def list_users(self, team_id: int | None = None) -> list[ConsoleUserRecord]:
        with self._store.read() as tx:
            return tx.list_console_users(team_id)

    def remove_user(self, email: str) -> ConsoleUserRecord:
        """The user is gone, and so is every session of it, at once."""
        with self._store.write() as tx:
            user = _existing(tx, email)
            tx.delete_console_user(user.id)
        return user

    def reset_password(self, email: str, password: str | None = None) -> NewLogin:
        """A new password (given or made); every session of the user ends."""
        chosen = check_password(password) if password is not None else new_password()
        password_hash = self._passwords.hash(chosen)
        with self._store.write() as tx:
            user = _existing(tx, email)
            tx.set_console_password(user.id, password_hash)
        return NewLogin(user, chosen)

    # --- the browser's ---------------------------------------------------------------------

    def log_in(self, email: str, password: str) -> NewSession:
        """A new session; a 401 for a wrong address or password (the same answer for both),
        a 429 after five failures for the address within a minute."""
        key = _key(email.strip())[:EMAIL_MAX]
        now = self._clock()
        with self._store.read() as tx:
            failures, oldest = tx.count_login_failures(key, now - FAILURE_WINDOW_US)
            user = tx.console_user_by_email(key)
        if failures >= FAILURES_ALLOWED:
            wait = math.ceil((oldest + FAILURE_WINDOW_US - now) / SECOND_US)
            raise LoginThrottled(
                f"too many failed logins for this address: try again in {max(wait, 1)} s",
                retry_after=max(wait, 1),
            )
        if user is None:
            self._passwords.waste_a_check(password)
        if user is None or not self._passwords.matches(user.password_hash, password):
            with self._store.write() as tx:
                tx.add_login_failure(key, now, now - FAILURE_WINDOW_US)
            raise Unauthorized("wrong email or password")
        return self._open_session(user, key, now)

    def _open_session(self, user: ConsoleUserRecord, key: str, now: int) -> NewSession:
        token, csrf_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self._store.write() as tx:
            tx.clear_login_failures(key)
            tx.delete_stale_console_sessions(now - IDLE_LIMIT_US, now - ABSOLUTE_LIMIT_US)
            tx.insert_console_session(_digest(token), user.id, csrf_token, now)
        return NewSession(token, csrf_token)

    def signed_in(self, token: str, *, touch: bool = True) -> SignedIn | None:
        """Who a session cookie belongs to; ``None`` when the session is unknown, idle for an
        hour, twelve hours old, or its user was removed. ``touch=False``: the call does not
        count as use (a page's polling does not keep an idle session open)."""
        digest, now = _digest(token), self._clock()
        with self._store.read() as tx:
            session = tx.console_session(digest)
            owner = owner_of(tx.list_users(session.user.team_id)) if session else None
        if session is None:
            return None
        if _expired(session, now):
            self.log_out(token)
            return None
        if touch and now - session.seen_us >= TOUCH_EVERY_US:
            with self._store.write() as tx:
                tx.touch_console_session(digest, now)
        principal = Principal(
            team_id=session.user.team_id, user_id=owner.id if owner else 0, secret_id=ACTING_AS
        )
        return SignedIn(session.user, session.csrf_token, principal)

    def log_out(self, token: str) -> None:
        with self._store.write() as tx:
            tx.delete_console_session(_digest(token))


def _expired(session: ConsoleSessionRecord, now: int) -> bool:
    return now - session.seen_us >= IDLE_LIMIT_US or now - session.created_us >= ABSOLUTE_LIMIT_US


def _existing(tx: Transaction, email: str) -> ConsoleUserRecord:
    user = tx.console_user_by_email(_key(email.strip()))
    if user is None:
        raise NotFound(f"no console user {email.strip()}")
    return user


def _email(value: str) -> str:
    email = normalize_email(value)
    if not email or len(email) > EMAIL_MAX:
        raise BadData(f"email must be 1 to {EMAIL_MAX} characters", field="email")
    return email


def _key(email: str) -> str:
    """What logins are unique by: the address in lower case."""
    return email.lower()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
