"""Console passwords: argon2id hashes (argon2-cffi's RFC 9106 low-memory profile), generated
passwords, and the rules a chosen one must meet."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..errors import BadData

PASSWORD_MIN = 10
PASSWORD_MAX = 1024


class Passwords:
    """Hashes and checks passwords; a check of an unknown login costs what a real one does."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._decoy: str | None = None

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def matches(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def waste_a_check(self, password: str) -> None:
        """The work of :meth:`matches` for a login that does not exist."""
        if self._decoy is None:
            self._decoy = self._hasher.hash(secrets.token_urlsafe(16))
        self.matches(self._decoy, password)


def new_password() -> str:
    """24 URL-safe characters (144 random bits)."""
    return secrets.token_urlsafe(18)


def check_password(password: str) -> str:
    """A chosen password, or a 400 saying what is wrong with it."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise BadData(
            f"a password must be {PASSWORD_MIN} to {PASSWORD_MAX} characters", field="password"
        )
    if any(ord(character) < 0x20 or ord(character) == 0x7F for character in password):
        raise BadData("a password must not contain control characters", field="password")
    return password
