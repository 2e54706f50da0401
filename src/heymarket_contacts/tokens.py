"""The API-secret JWT of the contract (section 2.1), minted by the SDK and verified by the server.

A token is ``base64url(header) . base64url(payload) . base64url(signature)`` with header
``{"alg": "HS256", "typ": "JWT"}``, payload ``{"iss": <Secret ID>, "iat": <Unix seconds>}`` and
an HMAC-SHA256 signature keyed with ``"<Secret ID>||<Secret Key>"``.

Verification is split so that the server can look the secret up between the steps:

1. :func:`parse_token` checks everything that needs no key (shape, encoding, JSON, header
   parameters, claim types) and raises :class:`TokenError` with the rule that failed;
2. :func:`signature_matches` compares the signature in constant time;
3. :func:`check_lifetime` checks ``iat`` (and ``exp``/``nbf`` when present) against a clock.

Where a rule fails in one of the ways integrators commonly get wrong, the reason adds the likely
fix: an unsigned token, times in milliseconds, and (:func:`bad_signature_reason`, on a
signature that did not match) a token signed with one of the keys people mistake for
``<Secret ID>||<Secret Key>``. No hint makes a token valid.

Only the standard library is used, so the SDK can import this module without the server's
dependencies.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import re
import time
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DEFAULT_LEEWAY_SECONDS",
    "LIFETIME_SECONDS",
    "MAX_TOKEN_LENGTH",
    "TokenError",
    "UnverifiedToken",
    "bad_signature_reason",
    "check_lifetime",
    "mint_token",
    "parse_token",
    "signature_matches",
    "signing_key",
]

LIFETIME_SECONDS = 300
DEFAULT_LEEWAY_SECONDS = 60
MAX_TOKEN_LENGTH = 4096
FORBIDDEN_HEADER_PARAMETERS = frozenset({"crit", "jku", "jwk", "x5u", "x5c", "zip", "b64"})

_SEGMENT = re.compile(r"[A-Za-z0-9_-]*")
_SIGNING_KEY = "`<Secret ID>||<Secret Key>`"
_UNSIGNED = "alg must be HS256: unsigned tokens (alg none or no alg) are refused"
_HEADER_SEGMENT = (
    base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=").decode("ascii")
)


class TokenError(ValueError):
    """A token broke a rule of section 2.1; ``reason`` is the sentence a 401 carries."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class UnverifiedToken:
    """A well-formed token whose signature and lifetime are not checked yet."""

    issuer: str
    issued_at: float
    expires_at: float | None
    not_before: float | None
    signing_input: bytes
    signature: bytes


def signing_key(secret_id: str, secret_key: str) -> bytes:
    """The HMAC key: the Secret ID and the Secret Key joined by two pipes."""
    return f"{secret_id}||{secret_key}".encode()


def mint_token(secret_id: str, secret_key: str, *, issued_at: int | None = None) -> str:
    """A fresh token for the secret, valid for five minutes from ``issued_at`` (default now)."""
    iat = int(time.time()) if issued_at is None else issued_at
    payload = json.dumps({"iss": secret_id, "iat": iat}, separators=(",", ":")).encode()
    signing_input = f"{_HEADER_SEGMENT}.{_encode(payload)}"
    signature = hmac.digest(signing_key(secret_id, secret_key), signing_input.encode(), "sha256")
    return f"{signing_input}.{_encode(signature)}"


def parse_token(token: str) -> UnverifiedToken:
    """Check the rules that need no key (1 to 3) and return the claims the others need.

    The segments are read left to right, each decoded and checked before the next, so that
    an unsigned token (``alg: none``, an empty signature segment) is told by its header."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise TokenError(f"token longer than {MAX_TOKEN_LENGTH} bytes")
    segments = token.split(".")
    if len(segments) != 3:
        raise TokenError("token must have exactly three segments")
    _check_header(_decode_object(_decode_segment(segments[0]), "header"))
    payload = _decode_object(_decode_segment(segments[1]), "payload")
    signature = _decode_segment(segments[2])
    return UnverifiedToken(
        issuer=_issuer(payload),
        issued_at=_number_claim(payload, "iat"),
        expires_at=_optional_number_claim(payload, "exp"),
        not_before=_optional_number_claim(payload, "nbf"),
        signing_input=f"{segments[0]}.{segments[1]}".encode("ascii"),
        signature=signature,
    )


def signature_matches(token: UnverifiedToken, key: bytes) -> bool:
    """Whether the HMAC-SHA256 of the signing input under ``key`` is the token's signature."""
    expected = hmac.digest(key, token.signing_input, hashlib.sha256)
    return hmac.compare_digest(expected, token.signature)


def bad_signature_reason(token: UnverifiedToken, secret_id: str, secret_key: str) -> str:
    """Why a signature that did not match failed: ``bad signature``, naming the mistaken key
    when one of the common ones made it.

    Every mistaken key is tried whichever matches, so the work is the same for any token and
    any secret. A match shows the client holds the Secret Key; the token stays refused."""
    mistake = None
    for name, mistaken_key in _mistaken_keys(secret_id, secret_key):
        if signature_matches(token, mistaken_key.encode()) and mistake is None:
            mistake = name
    if mistake is None:
        return "bad signature"
    return f"bad signature: it was signed with {mistake}; the signing key is {_SIGNING_KEY}"


def _mistaken_keys(secret_id: str, secret_key: str) -> tuple[tuple[str, str], ...]:
    """The keys integrators sign with instead of ``<Secret ID>||<Secret Key>``, each named."""
    return (
        ("the Secret Key alone", secret_key),
        ("`<Secret ID>|<Secret Key>` (one pipe)", f"{secret_id}|{secret_key}"),
        ("`<Secret Key>||<Secret ID>` (reversed)", f"{secret_key}||{secret_id}"),
    )


def check_lifetime(token: UnverifiedToken, *, now: float, leeway: float) -> None:
    """Rule 5: ``iat - L <= now < iat + 300 + L``, and ``exp``/``nbf`` when present."""
    if now < token.issued_at - leeway:
        raise TokenError("iat in the future" + _milliseconds_hint("iat", token.issued_at, now))
    if now >= token.issued_at + LIFETIME_SECONDS + leeway:
        raise TokenError("token expired")
    if token.expires_at is not None and now >= token.expires_at + leeway:
        raise TokenError("token expired (exp)")
    if token.not_before is not None and now < token.not_before - leeway:
        raise TokenError(
            "token not yet valid (nbf)" + _milliseconds_hint("nbf", token.not_before, now)
        )


def _milliseconds_hint(name: str, value: float, now: float) -> str:
    """The fix for a time given in milliseconds (about 1000 times now), else nothing."""
    if not 500 * now <= value <= 2000 * now:
        return ""
    return f": {name} looks like milliseconds; JWT times are seconds since the epoch"


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode_segment(segment: str) -> bytes:
    if not segment or not _SEGMENT.fullmatch(segment):
        raise TokenError("segments must be non-empty unpadded base64url")
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise TokenError("segments must be non-empty unpadded base64url") from None
    if _encode(raw) != segment:
        raise TokenError("segments must be canonical base64url")
    return raw


def _decode_object(raw: bytes, name: str) -> dict[str, Any]:
    try:
        value = json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=_reject_duplicate_names,
            parse_constant=_reject_constant,
        )
    except (UnicodeDecodeError, ValueError) as error:
        detail = error.reason if isinstance(error, TokenError) else "not valid UTF-8 JSON"
        raise TokenError(f"{name}: {detail}") from None
    except RecursionError:
        raise TokenError(f"{name}: nested too deeply") from None
    if not isinstance(value, dict):
        raise TokenError(f"{name} must be a JSON object")
    return value


def _reject_duplicate_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names):
        raise TokenError("duplicate member names")
    return dict(pairs)


def _reject_constant(name: str) -> Any:
    raise TokenError(f"{name} is not allowed")


def _check_header(header: dict[str, Any]) -> None:
    alg = header.get("alg")
    if alg != "HS256":
        unsigned = alg is None or (isinstance(alg, str) and alg.lower() == "none")
        raise TokenError(_UNSIGNED if unsigned else "alg must be HS256")
    typ = header.get("typ", "JWT")
    if not isinstance(typ, str) or typ.upper() != "JWT":
        raise TokenError("typ must be JWT")
    forbidden = sorted(FORBIDDEN_HEADER_PARAMETERS.intersection(header))
    if forbidden:
        raise TokenError(f"header parameter {forbidden[0]} is not allowed")


def _issuer(payload: dict[str, Any]) -> str:
    issuer = payload.get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise TokenError("iss must be a non-empty string")
    return issuer


def _optional_number_claim(payload: dict[str, Any], name: str) -> float | None:
    return _number_claim(payload, name) if name in payload else None


def _number_claim(payload: dict[str, Any], name: str) -> float:
    if name not in payload:
        raise TokenError(f"{name} is missing")
    value = payload[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TokenError(f"{name} must be a number")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise TokenError(f"{name} must be finite")
    return number
