"""Request authentication: an ``Authorization`` header in, a :class:`Principal` out.

Rules 1-3 of contract section 2.1 are checked by :mod:`heymarket_contacts.tokens`; this module
adds the secret lookup (on every request, so a revocation counts at once), the signature and
the lifetime. Every failure is an :class:`Unauthorized` whose message names the rule.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable

from ..tokens import (
    TokenError,
    UnverifiedToken,
    check_lifetime,
    parse_token,
    signature_matches,
    signing_key,
)
from .errors import Unauthorized
from .principal import Principal
from .secret_box import SecretBox, SecretUnreadable
from .store import Store
from .store.records import SecretRecord

log = logging.getLogger(__name__)

#: Secret IDs are made by :mod:`.service.admin`; anything else cannot name a secret.
SECRET_ID = re.compile(r"[0-9a-f]{24}")
_KEY_CACHE_LIMIT = 10_000


class Authenticator:
    def __init__(
        self, store: Store, box: SecretBox, *, leeway: float, now: Callable[[], float] = time.time
    ) -> None:
        self._store = store
        self._box = box
        self._leeway = leeway
        self._now = now
        self._decoy_key = secrets.token_bytes(32)
        # secret id -> (ciphertext, signing key): decrypting once per secret, not per request
        self._keys: dict[str, tuple[bytes, bytes]] = {}

    def authenticate(self, authorization: str | None) -> Principal:
        token = self._verified(bearer_token(authorization))
        secret = self._secret(token.issuer)
        key = self._signing_key(secret) if secret else None
        matches = signature_matches(token, key or self._decoy_key)  # the same work either way
        if secret is None or key is None:
            raise Unauthorized("unknown or revoked secret")
        if not matches:
            raise Unauthorized("bad signature")
        try:
            check_lifetime(token, now=self._now(), leeway=self._leeway)
        except TokenError as error:
            raise Unauthorized(error.reason) from None
        return Principal(team_id=secret.team_id, user_id=secret.user_id, secret_id=secret.secret_id)

    @staticmethod
    def _verified(token: str) -> UnverifiedToken:
        try:
            return parse_token(token)
        except TokenError as error:
            raise Unauthorized(error.reason) from None

    def _secret(self, secret_id: str) -> SecretRecord | None:
        if not SECRET_ID.fullmatch(secret_id):
            return None
        with self._store.read() as tx:
            secret = tx.get_secret(secret_id)
        return secret if secret is not None and secret.active else None

    def _signing_key(self, secret: SecretRecord) -> bytes | None:
        cached = self._keys.get(secret.secret_id)
        if cached is not None and cached[0] == secret.key_ciphertext:
            return cached[1]
        try:
            key = signing_key(secret.secret_id, self._box.open(secret))
        except SecretUnreadable:
            log.error("API secret %s does not decrypt under this master key", secret.secret_id)
            return None
        if len(self._keys) >= _KEY_CACHE_LIMIT:
            self._keys.clear()
        self._keys[secret.secret_id] = (secret.key_ciphertext, key)
        return key


def bearer_token(authorization: str | None) -> str:
    """The token of ``Bearer <token>`` (scheme in any case), else an :class:`Unauthorized`."""
    if authorization is None:
        raise Unauthorized("missing Authorization header")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        raise Unauthorized("Authorization must use the Bearer scheme")
    if not token:
        raise Unauthorized("malformed Bearer token")
    return token
