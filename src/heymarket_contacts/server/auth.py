"""Request authentication: an ``Authorization`` header in, a :class:`Principal` out.

Two schemes (contract section 2):

- an API secret JWT, ``Bearer <header.payload.signature>``: rules 1-3 of section 2.1 are
  checked by :mod:`heymarket_contacts.tokens`; this module adds the secret lookup (on every
  request, so a revocation counts at once), the signature and the lifetime;
- the legacy team API key (section 2.2), ``Bearer <key>`` or HTTP Basic with the key as user
  name and an empty password, unless the server runs with ``--no-legacy-keys``. The key's hash
  is looked up on every request, so a rotation or revocation counts at once. A key acts as the
  team's owner.

A bearer value with a dot is a JWT (a team key never holds one); one without is a team key.
Every failure is an :class:`Unauthorized` whose message names what failed.
"""

from __future__ import annotations

import base64
import binascii
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
from .service.admin import owner_of
from .store import Store
from .store.records import SecretRecord
from .team_key import TEAM_KEY_PRINCIPAL, hash_team_key

log = logging.getLogger(__name__)

#: Secret IDs are made by :mod:`.service.admin`; anything else cannot name a secret.
SECRET_ID = re.compile(r"[0-9a-f]{24}")
_KEY_CACHE_LIMIT = 10_000


class Authenticator:
    def __init__(
        self, store: Store, box: SecretBox, *, leeway: float, legacy_keys: bool = True,
        now: Callable[[], float] = time.time,
    ) -> None:  # fmt: skip
        self._store = store
        self._box = box
        self._leeway = leeway
        self._legacy_keys = legacy_keys
        self._now = now
        self._decoy_key = secrets.token_bytes(32)
        # secret id -> (ciphertext, signing key): decrypting once per secret, not per request
        self._keys: dict[str, tuple[bytes, bytes]] = {}

    def authenticate(self, authorization: str | None) -> Principal:
        scheme, credentials = split_authorization(authorization)
        if scheme == "basic":
            self._require_legacy_keys()
            return self._team_key(basic_user_name(credentials))
        if "." not in credentials:
            self._require_legacy_keys()
            return self._team_key(credentials)
        return self._secret_token(credentials)

    def _require_legacy_keys(self) -> None:
        if not self._legacy_keys:
            raise Unauthorized("team API keys are disabled on this server: send an API secret JWT")

    def _team_key(self, key: str) -> Principal:
        with self._store.read() as tx:
            team_id = tx.team_id_by_key_hash(hash_team_key(key))
            owner = owner_of(tx.list_users(team_id)) if team_id is not None else None
        if team_id is None:
            raise Unauthorized("unknown team API key")
        if owner is None:
            raise Unauthorized("the team of this API key has no owner to act as")
        return Principal(team_id=team_id, user_id=owner.id, secret_id=TEAM_KEY_PRINCIPAL)

    def _secret_token(self, bearer: str) -> Principal:
        token = self._verified(bearer)
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


def split_authorization(authorization: str | None) -> tuple[str, str]:
    """``("bearer", token)`` or ``("basic", credentials)`` (scheme in any case), else a 401."""
    if authorization is None:
        raise Unauthorized("missing Authorization header")
    scheme, _, credentials = authorization.partition(" ")
    scheme = scheme.lower()
    if scheme not in ("bearer", "basic"):
        raise Unauthorized("Authorization must use the Bearer scheme")
    if not credentials:
        raise Unauthorized(
            "malformed Bearer token" if scheme == "bearer" else "malformed Basic credentials"
        )
    return scheme, credentials


def basic_user_name(credentials: str) -> str:
    """The user name of HTTP Basic credentials, which must come with an empty password."""
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise Unauthorized("malformed Basic credentials: not base64 of key:") from None
    user, colon, password = decoded.partition(":")
    if not colon or not user:
        raise Unauthorized("malformed Basic credentials: not base64 of key:")
    if password:
        raise Unauthorized("the Basic password must be empty: the team API key is the user name")
    return user
