"""Request authentication: an ``Authorization`` header in, a :class:`Principal` out.

Two schemes (contract section 2):

- an API secret JWT, ``Bearer <header.payload.signature>``: rules 1-3 of section 2.1 are
  checked by :mod:`heymarket_contacts.tokens`; this module adds the secret lookup, the
  signature and the lifetime. Clients reuse a token for up to five minutes, so a token whose
  signature matched is remembered by its exact text and is not parsed or signed again; the
  secrets it names are remembered too (their team, user and decrypted key). Two things are
  still checked on every use: the lifetime, and that the secret is not revoked and its row is
  as it was read, so a revocation by any process (the CLI) fails the very next request. That
  check is a one-row query, skipped while the store's data version (on SQLite, a counter every
  commit of every process bumps) is the one the last query saw;
- the legacy team API key (section 2.2), ``Bearer <key>`` or HTTP Basic with the key as user
  name and an empty password, unless the server runs with ``--no-legacy-keys``. The key's hash
  is looked up on every request, so a rotation or revocation counts at once. A key acts as the
  team's owner.

A bearer value with a dot is a JWT (a team key never holds one); one without is a team key.
Every failure is an :class:`Unauthorized` whose message names what failed, and for the
commonest mistakes how to fix it (quotes or whitespace around the value, a key sent as the
Basic password, a token signed with a mistaken key). Hints are worked out only once a check
has failed, so a valid request costs what it did; and a signature failure costs the same for
a secret that does not exist, so the time taken does not tell which secret ids do.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ..tokens import (
    TokenError,
    UnverifiedToken,
    bad_signature_reason,
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
#: Bounds on what is remembered; past them the memory starts afresh (tokens last 5 minutes).
_SECRET_CACHE_LIMIT = 10_000
_TOKEN_CACHE_LIMIT = 4_096
#: Characters a copied token or key is commonly wrapped in; neither ever holds one.
_QUOTES = "\"'`"
_BASIC_HINT = "the team API key goes as the user name with an empty password, or send a Bearer JWT"


@runtime_checkable
class VersionedStore(Protocol):
    """A store that can tell cheaply whether anything was committed since it last said."""

    def data_version(self) -> bytes | None: ...


@dataclass(slots=True)
class KnownSecret:
    """An active secret as it was read and decrypted: what signing and the principal need."""

    principal: Principal
    signing_key: bytes
    #: The Secret Key itself, to name the mistake when a token was signed with a wrong key.
    secret_key: str
    #: The row's team, user, nonce and ciphertext as read, compared with the row on each use.
    row: tuple[int, int, bytes, bytes]
    #: The store's data version read just before the row was last found unchanged.
    checked_at: bytes | None = None


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    """A token whose signature matched; later uses check only its lifetime and its secret."""

    token: UnverifiedToken
    secret: KnownSecret


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
        # Shaped as a real secret, so that an unknown one costs the same HMAC work.
        self._decoy_secret_key = secrets.token_urlsafe(32)
        self._decoy_key = signing_key("0" * 24, self._decoy_secret_key)
        self._secrets: dict[str, KnownSecret] = {}
        #: Secret ids found unknown or inactive, with the data version they were looked up at:
        #: asked again only once something was committed, so that an unknown ``iss`` costs
        #: what a remembered one does (a version check), not a query more.
        self._absent: dict[str, bytes] = {}
        self._tokens: dict[str, VerifiedToken] = {}
        self._data_version: Callable[[], bytes | None] = (
            store.data_version if isinstance(store, VersionedStore) else _no_version
        )

    def authenticate(self, authorization: str | None) -> Principal:
        scheme, credentials = split_authorization(authorization)
        if scheme == "basic":
            self._require_legacy_keys()
            return self._team_key(basic_user_name(credentials))
        is_key = "." not in credentials
        if is_key:
            self._require_legacy_keys()
        try:
            return self._team_key(credentials) if is_key else self._secret_token(credentials)
        except Unauthorized as error:
            raise with_framing_hint(error, credentials, "key" if is_key else "token") from None

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
        verified = self._tokens.get(bearer)
        if verified is not None and not self._unchanged(verified.secret):
            self._tokens.pop(bearer, None)
            verified = None
        if verified is None:
            verified = self._verify(bearer)
        try:
            check_lifetime(verified.token, now=self._now(), leeway=self._leeway)
        except TokenError as error:
            self._tokens.pop(bearer, None)
            raise Unauthorized(error.reason) from None
        if bearer not in self._tokens:
            if len(self._tokens) >= _TOKEN_CACHE_LIMIT:
                self._tokens.clear()
            self._tokens[bearer] = verified
        return verified.secret.principal

    def _verify(self, bearer: str) -> VerifiedToken:
        """Rules 1 to 4 for a token not seen before; the lifetime is the caller's."""
        token = self._parsed(bearer)
        secret = self._secret(token.issuer)
        key = secret.signing_key if secret else self._decoy_key
        if signature_matches(token, key) and secret is not None:
            return VerifiedToken(token, secret)
        # The mistaken keys are tried for an unknown secret too, on the decoy: the same work.
        secret_key = secret.secret_key if secret else self._decoy_secret_key
        reason = bad_signature_reason(token, token.issuer, secret_key)
        raise Unauthorized(reason if secret else "unknown or revoked secret")

    @staticmethod
    def _parsed(token: str) -> UnverifiedToken:
        try:
            return parse_token(token)
        except TokenError as error:
            raise Unauthorized(error.reason) from None

    def _unchanged(self, known: KnownSecret) -> bool:
        """Whether a remembered secret is still active and its row still as it was read; if
        not, it is forgotten (and read afresh, if still there, by the next lookup).

        Nothing committed since the last query found the row unchanged means it still is: the
        version is read before the query, so a commit during the query shows as a new one."""
        version = self._data_version()
        if version is not None and version == known.checked_at:
            return True
        secret_id = known.principal.secret_id
        with self._store.read() as tx:
            current = tx.active_secret_row(secret_id)
        if current != known.row:
            self._secrets.pop(secret_id, None)
            return False
        known.checked_at = version
        return True

    def _secret(self, secret_id: str) -> KnownSecret | None:
        """The active secret ``secret_id`` names: remembered and unchanged, or read now."""
        if not SECRET_ID.fullmatch(secret_id):
            return None
        known = self._secrets.get(secret_id)
        if known is not None and self._unchanged(known):
            return known
        version = self._data_version()
        if version is not None and self._absent.get(secret_id) == version:
            return None
        with self._store.read() as tx:
            record = tx.get_secret(secret_id)
        if record is None or not record.active:
            if version is not None:
                if len(self._absent) >= _SECRET_CACHE_LIMIT:
                    self._absent.clear()
                self._absent[secret_id] = version
            return None
        self._absent.pop(secret_id, None)
        return self._remember(record)

    def _remember(self, record: SecretRecord) -> KnownSecret | None:
        try:
            secret_key = self._box.open(record)
        except SecretUnreadable:
            log.error("API secret %s does not decrypt under this master key", record.secret_id)
            return None
        key = signing_key(record.secret_id, secret_key)
        principal = Principal(
            team_id=record.team_id, user_id=record.user_id, secret_id=record.secret_id
        )
        row = (record.team_id, record.user_id, record.nonce, record.key_ciphertext)
        if len(self._secrets) >= _SECRET_CACHE_LIMIT:
            self._secrets.clear()
        known = KnownSecret(principal, key, secret_key, row)
        self._secrets[record.secret_id] = known
        return known


def _no_version() -> bytes | None:
    return None


def with_framing_hint(error: Unauthorized, credentials: str, what: str) -> Unauthorized:
    """The failure, with the fix added when the value came wrapped in quotes or whitespace
    (valid tokens and keys hold neither)."""
    wrappers = []
    if credentials[0] in _QUOTES or credentials[-1] in _QUOTES:
        wrappers.append("quotes")
    if any(character.isspace() for character in credentials):
        wrappers.append("whitespace")
    if not wrappers:
        return error
    return Unauthorized(f"{error.message}: remove the {' and '.join(wrappers)} around the {what}")


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
    if not colon:
        raise Unauthorized("malformed Basic credentials: not base64 of key:")
    if not user:
        raise Unauthorized(f"malformed Basic credentials: the user name is empty; {_BASIC_HINT}")
    if password:
        raise Unauthorized(f"the Basic password must be empty: {_BASIC_HINT}")
    return user
