"""Unit tests for the API-secret JWT of section 2.1 (``heymarket_contacts.tokens``).

Hostile tokens are built by hand: :func:`forge` base64url-encodes arbitrary header and payload
bytes and signs them with HMAC-SHA256, so every test controls the exact bytes on the wire.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import re
import string
import time
from typing import Any

import jwt
import pytest

from heymarket_contacts.tokens import (
    DEFAULT_LEEWAY_SECONDS,
    LIFETIME_SECONDS,
    MAX_TOKEN_LENGTH,
    TokenError,
    UnverifiedToken,
    bad_signature_reason,
    check_lifetime,
    mint_token,
    parse_token,
    signature_matches,
    signing_key,
)

SECRET_ID = "sec_0123456789"
SECRET_KEY = "key-abcdefghijklmnop"
KEY = signing_key(SECRET_ID, SECRET_KEY)
IAT = 1_700_000_000
HEADER: dict[str, Any] = {"alg": "HS256", "typ": "JWT"}
BASE64URL_ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"


# --- helpers -------------------------------------------------------------------------------


def b64url(raw: bytes) -> str:
    """Unpadded base64url, the encoding of every segment."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def unb64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def as_bytes(value: bytes | dict[str, Any] | list[Any]) -> bytes:
    if isinstance(value, bytes):
        return value
    return json.dumps(value, separators=(",", ":")).encode()


def claims(**extra: Any) -> dict[str, Any]:
    """A valid payload with ``extra`` members added or overriding ``iss``/``iat``."""
    return {"iss": SECRET_ID, "iat": IAT, **extra}


def without(mapping: dict[str, Any], name: str) -> dict[str, Any]:
    return {key: value for key, value in mapping.items() if key != name}


def sign(header_segment: str, payload_segment: str, key: bytes = KEY) -> str:
    """Append the HMAC-SHA256 of the (possibly malformed) text ``header.payload``."""
    signing_input = f"{header_segment}.{payload_segment}".encode()
    return f"{header_segment}.{payload_segment}.{b64url(hmac.digest(key, signing_input, 'sha256'))}"


def forge(
    header: bytes | dict[str, Any] | list[Any] = HEADER,
    payload: bytes | dict[str, Any] | list[Any] | None = None,
    *,
    key: bytes = KEY,
) -> str:
    """A token with exactly these header/payload bytes (dicts are compact JSON), signed."""
    payload = claims() if payload is None else payload
    return sign(b64url(as_bytes(header)), b64url(as_bytes(payload)), key)


def with_segment(token: str, index: int, segment: str) -> str:
    segments = token.split(".")
    segments[index] = segment
    return ".".join(segments)


def non_canonical(segment: str) -> str:
    """Same decoded bytes, different (non-zero) unused trailing bits in the last character."""
    assert len(segment) % 4 in (2, 3), "segment has no unused trailing bits"
    last = BASE64URL_ALPHABET[BASE64URL_ALPHABET.index(segment[-1]) ^ 1]
    changed = segment[:-1] + last
    assert unb64url(changed) == unb64url(segment)
    return changed


def standard_alphabet_token() -> str:
    """A correctly signed token whose payload segment uses ``+`` and ``/`` (plain base64)."""
    payload_segment = b64url(as_bytes(claims(filler="~~~~~~~~????????")))
    standard = payload_segment.replace("-", "+").replace("_", "/")
    assert "+" in standard
    assert "/" in standard
    return sign(b64url(as_bytes(HEADER)), standard)


def token_of_length(length: int) -> str:
    """A valid token exactly ``length`` characters long (padded with an extra claim)."""
    for size in range(length):
        token = forge(payload=claims(filler="x" * size))
        if len(token) == length:
            return token
    raise AssertionError(f"no token of length {length}")


def reason(text: str) -> Any:
    """``pytest.raises`` for a TokenError whose reason is exactly ``text``."""
    return pytest.raises(TokenError, match=f"^{re.escape(text)}$")


def unverified(**extra: Any) -> UnverifiedToken:
    return parse_token(forge(payload=claims(**extra)))


VALID = forge()
HEADER_SEGMENT, PAYLOAD_SEGMENT, SIGNATURE_SEGMENT = VALID.split(".")
SIGNATURE = unb64url(SIGNATURE_SEGMENT)
assert len(SIGNATURE_SEGMENT) == 43  # 32 bytes: 2 spare bits, and +2 chars is 1 mod 4


# --- constants and the error type ----------------------------------------------------------


def test_contract_constants() -> None:
    assert LIFETIME_SECONDS == 300
    assert DEFAULT_LEEWAY_SECONDS == 60
    assert MAX_TOKEN_LENGTH == 4096


def test_token_error_carries_reason_and_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="three segments") as caught:
        parse_token("a.b")
    assert isinstance(caught.value, TokenError)
    assert caught.value.reason == "token must have exactly three segments"
    assert str(caught.value) == caught.value.reason


# --- signing key ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("secret_id", "secret_key", "expected"),
    [
        pytest.param("ID", "KEY", b"ID||KEY", id="two-pipes"),
        pytest.param("sec_é", "clé", "sec_é||clé".encode(), id="utf-8"),
        pytest.param("a|b", "c", b"a|b||c", id="pipes-inside-parts-kept"),
    ],
)
def test_signing_key(secret_id: str, secret_key: str, expected: bytes) -> None:
    assert signing_key(secret_id, secret_key) == expected


# --- minting and round trips ---------------------------------------------------------------


def test_minted_token_parses_and_verifies() -> None:
    token = mint_token(SECRET_ID, SECRET_KEY, issued_at=IAT)
    parsed = parse_token(token)
    assert parsed.issuer == SECRET_ID
    assert parsed.issued_at == IAT
    assert parsed.expires_at is None
    assert parsed.not_before is None
    assert signature_matches(parsed, KEY)
    check_lifetime(parsed, now=IAT, leeway=DEFAULT_LEEWAY_SECONDS)


def test_minted_token_wire_format() -> None:
    header, payload, signature = mint_token(SECRET_ID, SECRET_KEY, issued_at=IAT).split(".")
    assert json.loads(unb64url(header)) == {"alg": "HS256", "typ": "JWT"}
    assert json.loads(unb64url(payload)) == {"iss": SECRET_ID, "iat": IAT}
    expected = hmac.digest(
        b"sec_0123456789||key-abcdefghijklmnop", f"{header}.{payload}".encode(), "sha256"
    )
    assert unb64url(signature) == expected
    assert "=" not in header + payload + signature


def test_mint_defaults_issued_at_to_now() -> None:
    before = int(time.time())
    parsed = parse_token(mint_token(SECRET_ID, SECRET_KEY))
    after = int(time.time())
    assert before <= parsed.issued_at <= after
    assert isinstance(
        json.loads(unb64url(mint_token(SECRET_ID, SECRET_KEY).split(".")[1]))["iat"], int
    )


def test_mint_non_ascii_secret_round_trips() -> None:
    parsed = parse_token(mint_token("sec_é✓", "clé", issued_at=IAT))
    assert parsed.issuer == "sec_é✓"
    assert signature_matches(parsed, signing_key("sec_é✓", "clé"))


@pytest.mark.filterwarnings("ignore::jwt.InsecureKeyLengthWarning")
def test_pyjwt_decodes_minted_token() -> None:
    token = mint_token(SECRET_ID, SECRET_KEY)
    parsed = parse_token(token)
    decoded = jwt.decode(token, f"{SECRET_ID}||{SECRET_KEY}", algorithms=["HS256"])
    assert decoded == {"iss": SECRET_ID, "iat": parsed.issued_at}
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}


@pytest.mark.filterwarnings("ignore::jwt.InsecureKeyLengthWarning")
def test_pyjwt_minted_token_is_accepted() -> None:
    token = jwt.encode({"iss": SECRET_ID, "iat": IAT}, KEY, algorithm="HS256")
    parsed = parse_token(token)
    assert parsed.issuer == SECRET_ID
    assert signature_matches(parsed, KEY)


def test_parse_exposes_signing_input_and_signature() -> None:
    parsed = parse_token(VALID)
    assert parsed.signing_input == f"{HEADER_SEGMENT}.{PAYLOAD_SEGMENT}".encode("ascii")
    assert parsed.signature == SIGNATURE
    assert len(parsed.signature) == 32


def test_reused_token_keeps_parsing() -> None:
    """No replay store: the same token is good every time within its lifetime."""
    token = mint_token(SECRET_ID, SECRET_KEY, issued_at=IAT)
    for offset in range(0, 300, 3):
        parsed = parse_token(token)
        assert signature_matches(parsed, KEY)
        check_lifetime(parsed, now=IAT + offset, leeway=DEFAULT_LEEWAY_SECONDS)


# --- rule 1: shape and encoding ------------------------------------------------------------

UNPADDED = "segments must be non-empty unpadded base64url"
THREE = "token must have exactly three segments"


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        pytest.param("", THREE, id="empty-token"),
        pytest.param(HEADER_SEGMENT, THREE, id="one-segment"),
        pytest.param(f"{HEADER_SEGMENT}.{PAYLOAD_SEGMENT}", THREE, id="two-segments"),
        pytest.param(f"{VALID}.{SIGNATURE_SEGMENT}", THREE, id="four-segments"),
        pytest.param(f"{VALID}.", THREE, id="trailing-dot"),
        pytest.param(with_segment(VALID, 0, ""), UNPADDED, id="empty-header-segment"),
        pytest.param(with_segment(VALID, 1, ""), UNPADDED, id="empty-payload-segment"),
        pytest.param(with_segment(VALID, 2, ""), UNPADDED, id="empty-signature-segment"),
        pytest.param("..", UNPADDED, id="all-segments-empty"),
        pytest.param(
            with_segment(VALID, 2, base64.urlsafe_b64encode(SIGNATURE).decode()),
            UNPADDED,
            id="padded-signature",
        ),
        pytest.param(
            with_segment(VALID, 1, PAYLOAD_SEGMENT + "=" * (-len(PAYLOAD_SEGMENT) % 4 or 4)),
            UNPADDED,
            id="padded-payload",
        ),
        pytest.param(
            with_segment(VALID, 2, SIGNATURE_SEGMENT + "=="), UNPADDED, id="over-padded-signature"
        ),
        pytest.param(
            with_segment(VALID, 2, non_canonical(SIGNATURE_SEGMENT)),
            "segments must be canonical base64url",
            id="non-canonical-trailing-bits",
        ),
        pytest.param(
            with_segment(VALID, 2, SIGNATURE_SEGMENT + "AA"),
            UNPADDED,
            id="impossible-length-1-mod-4",
        ),
        pytest.param(
            with_segment(VALID, 1, PAYLOAD_SEGMENT[:8] + " " + PAYLOAD_SEGMENT[8:]),
            UNPADDED,
            id="space-inside",
        ),
        pytest.param(
            with_segment(VALID, 1, PAYLOAD_SEGMENT[:8] + "\n" + PAYLOAD_SEGMENT[8:]),
            UNPADDED,
            id="newline-inside",
        ),
        pytest.param(
            with_segment(VALID, 0, HEADER_SEGMENT[:4] + "\t" + HEADER_SEGMENT[4:]),
            UNPADDED,
            id="tab-inside",
        ),
        pytest.param(f" {VALID}", UNPADDED, id="leading-space"),
        pytest.param(f"{VALID}\n", UNPADDED, id="trailing-newline"),
        pytest.param(f"Bearer {VALID}", UNPADDED, id="bearer-prefix"),
        pytest.param(standard_alphabet_token(), UNPADDED, id="standard-base64-plus-slash"),
        pytest.param(
            with_segment(VALID, 2, "+" + SIGNATURE_SEGMENT[1:]), UNPADDED, id="plus-in-signature"
        ),
        pytest.param(
            with_segment(VALID, 2, "/" + SIGNATURE_SEGMENT[1:]), UNPADDED, id="slash-in-signature"
        ),
        pytest.param(
            with_segment(VALID, 2, "é" + SIGNATURE_SEGMENT[1:]), UNPADDED, id="non-ascii-letter"
        ),
        pytest.param(
            with_segment(VALID, 2, "٣" + SIGNATURE_SEGMENT[1:]), UNPADDED, id="non-ascii-digit"
        ),
    ],
)
def test_malformed_shape_is_rejected(token: str, expected: str) -> None:
    with reason(expected):
        parse_token(token)


def test_token_of_20_kilobytes_is_rejected() -> None:
    token = forge(payload=claims(filler="x" * 20_000))
    assert len(token) > 20_000
    with reason("token longer than 4096 bytes"):
        parse_token(token)


def test_token_of_exactly_max_length_is_accepted() -> None:
    token = token_of_length(MAX_TOKEN_LENGTH)
    parsed = parse_token(token)
    assert signature_matches(parsed, KEY)


def test_token_one_over_max_length_is_rejected() -> None:
    token = token_of_length(MAX_TOKEN_LENGTH + 1)
    with reason("token longer than 4096 bytes"):
        parse_token(token)


def test_length_is_checked_before_anything_else() -> None:
    with reason("token longer than 4096 bytes"):
        parse_token("!" * (MAX_TOKEN_LENGTH + 1))


# --- rules 2 and 3: header -----------------------------------------------------------------

ALG = "alg must be HS256"
UNSIGNED = "alg must be HS256: unsigned tokens (alg none or no alg) are refused"
TYP = "typ must be JWT"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param({"alg": "none", "typ": "JWT"}, UNSIGNED, id="alg-none"),
        pytest.param({"alg": "None"}, UNSIGNED, id="alg-None"),
        pytest.param({"alg": "HS512", "typ": "JWT"}, ALG, id="alg-HS512"),
        pytest.param({"alg": "HS384"}, ALG, id="alg-HS384"),
        pytest.param({"alg": "hs256", "typ": "JWT"}, ALG, id="alg-lower-case-hs256"),
        pytest.param({"alg": "RS256", "typ": "JWT"}, ALG, id="alg-RS256"),
        pytest.param({"alg": "HS256 "}, ALG, id="alg-trailing-space"),
        pytest.param({"alg": ""}, ALG, id="alg-empty"),
        pytest.param({"typ": "JWT"}, UNSIGNED, id="alg-missing"),
        pytest.param({"alg": None}, UNSIGNED, id="alg-null"),
        pytest.param({"alg": ["HS256"]}, ALG, id="alg-array"),
        pytest.param({"alg": "none", "typ": "JWS"}, UNSIGNED, id="alg-checked-before-typ"),
        pytest.param({"alg": "HS256", "typ": "JWS"}, TYP, id="typ-JWS"),
        pytest.param({"alg": "HS256", "typ": "at+jwt"}, TYP, id="typ-at+jwt"),
        pytest.param({"alg": "HS256", "typ": ""}, TYP, id="typ-empty"),
        pytest.param({"alg": "HS256", "typ": 1}, TYP, id="typ-number"),
        pytest.param({"alg": "HS256", "typ": None}, TYP, id="typ-null"),
        pytest.param({"alg": "HS256", "typ": ["JWT"]}, TYP, id="typ-array"),
        pytest.param({"alg": "HS256", "typ": True}, TYP, id="typ-boolean"),
    ],
)
def test_bad_alg_or_typ_is_rejected(header: dict[str, Any], expected: str) -> None:
    with reason(expected):
        parse_token(forge(header))


@pytest.mark.parametrize(
    "header",
    [
        pytest.param({"alg": "none", "typ": "JWT"}, id="alg-none"),
        pytest.param({"alg": "NONE"}, id="alg-NONE"),
        pytest.param({"typ": "JWT"}, id="alg-missing"),
    ],
)
def test_unsigned_token_with_an_empty_signature_is_told_by_its_header(
    header: dict[str, Any],
) -> None:
    """What ``alg: none`` libraries send: ``header.payload.`` with nothing after the dot."""
    unsigned = f"{b64url(as_bytes(header))}.{PAYLOAD_SEGMENT}."
    with reason(UNSIGNED):
        parse_token(unsigned)


def test_an_empty_signature_under_hs256_is_still_an_encoding_error() -> None:
    with reason(UNPADDED):
        parse_token(f"{HEADER_SEGMENT}.{PAYLOAD_SEGMENT}.")


def test_segments_are_checked_left_to_right() -> None:
    bad_header = b64url(as_bytes({"alg": "HS512"}))
    with reason(ALG):
        parse_token(f"{bad_header}.!!!.!!!")
    with reason("payload must be a JSON object"):
        parse_token(f"{HEADER_SEGMENT}.{b64url(b'[]')}.!!!")


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        pytest.param("crit", ["exp"], id="crit"),
        pytest.param("jku", "https://attacker.example/keys.json", id="jku"),
        pytest.param("jwk", {"kty": "oct", "k": "AAAA"}, id="jwk"),
        pytest.param("x5u", "https://attacker.example/cert.pem", id="x5u"),
        pytest.param("x5c", ["MIIB"], id="x5c"),
        pytest.param("zip", "DEF", id="zip"),
        pytest.param("b64", False, id="b64"),
        pytest.param("crit", None, id="crit-null-still-present"),
    ],
)
def test_forbidden_header_parameter_is_rejected(parameter: str, value: Any) -> None:
    with reason(f"header parameter {parameter} is not allowed"):
        parse_token(forge({**HEADER, parameter: value}))


@pytest.mark.parametrize(
    "header",
    [
        pytest.param({"alg": "HS256", "typ": "JWT"}, id="canonical"),
        pytest.param({"alg": "HS256"}, id="typ-absent"),
        pytest.param({"alg": "HS256", "typ": "jwt"}, id="typ-lower-case"),
        pytest.param({"alg": "HS256", "typ": "Jwt"}, id="typ-mixed-case"),
        pytest.param({"typ": "JWT", "alg": "HS256"}, id="member-order"),
        pytest.param({"alg": "HS256", "typ": "JWT", "kid": "key-1"}, id="kid-ignored"),
        pytest.param({"alg": "HS256", "kid": 42}, id="non-string-kid-ignored"),
        pytest.param({"alg": "HS256", "cty": "JWT", "x-vendor": {"a": 1}}, id="other-ignored"),
        pytest.param(b'{ "alg" : "HS256" ,\n "typ" : "JWT" }', id="json-whitespace"),
        pytest.param(b'{"alg":"HS\\u0032\\u00356"}', id="escaped-alg-value"),
    ],
)
def test_acceptable_header(header: bytes | dict[str, Any]) -> None:
    parsed = parse_token(forge(header))
    assert parsed.issuer == SECRET_ID
    assert signature_matches(parsed, KEY)


NOT_JSON = "not valid UTF-8 JSON"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param([], "header must be a JSON object", id="empty-array"),
        pytest.param(["alg", "HS256"], "header must be a JSON object", id="array"),
        pytest.param(b'"HS256"', "header must be a JSON object", id="string"),
        pytest.param(b"256", "header must be a JSON object", id="number"),
        pytest.param(b"null", "header must be a JSON object", id="null"),
        pytest.param(b'{"alg":"HS256","typ":"\xff"}', f"header: {NOT_JSON}", id="not-utf-8"),
        pytest.param(b'{"alg":"HS256"}\xc3', f"header: {NOT_JSON}", id="truncated-utf-8"),
        pytest.param(
            '{"alg":"HS256"}'.encode("utf-16"), f"header: {NOT_JSON}", id="utf-16-not-utf-8"
        ),
        pytest.param(b"alg=HS256", f"header: {NOT_JSON}", id="not-json"),
        pytest.param(b'{"alg":"HS256"', f"header: {NOT_JSON}", id="unterminated-object"),
        pytest.param(b"{'alg':'HS256'}", f"header: {NOT_JSON}", id="single-quotes"),
        pytest.param(b'{"alg":"HS256",}', f"header: {NOT_JSON}", id="trailing-comma"),
        pytest.param(b'{"alg":"HS256"}{}', f"header: {NOT_JSON}", id="two-objects"),
        pytest.param(b'\xef\xbb\xbf{"alg":"HS256"}', f"header: {NOT_JSON}", id="utf-8-bom"),
        pytest.param(
            b'{"alg":"HS256","alg":"HS256"}',
            "header: duplicate member names",
            id="duplicate-alg-same-value",
        ),
        pytest.param(
            b'{"alg":"none","alg":"HS256"}',
            "header: duplicate member names",
            id="duplicate-alg-none-then-hs256",
        ),
        pytest.param(
            b'{"alg":"HS256","typ":"JWT","typ":"JWT"}',
            "header: duplicate member names",
            id="duplicate-typ",
        ),
        pytest.param(
            b'{"alg":"HS256","kid":NaN}', "header: NaN is not allowed", id="nan-in-header"
        ),
    ],
)
def test_header_that_is_not_a_json_object_is_rejected(
    header: bytes | list[Any], expected: str
) -> None:
    with reason(expected):
        parse_token(forge(header))


# --- rules 2 and 4: payload and claims -----------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        pytest.param(
            b'{"iss":"sec","iat":1,"iat":2}', "payload: duplicate member names", id="duplicate-iat"
        ),
        pytest.param(
            b'{"iss":"a","iss":"b","iat":1}', "payload: duplicate member names", id="duplicate-iss"
        ),
        pytest.param(
            b'{"iss":"sec","iat":1,"x":1,"x":1}',
            "payload: duplicate member names",
            id="duplicate-other-claim",
        ),
        pytest.param(
            b'{"iss":"sec","iat":1,"x":{"a":1,"a":2}}',
            "payload: duplicate member names",
            id="duplicate-in-nested-object",
        ),
        pytest.param(b'{"iss":"sec","iat":NaN}', "payload: NaN is not allowed", id="iat-NaN"),
        pytest.param(
            b'{"iss":"sec","iat":Infinity}', "payload: Infinity is not allowed", id="iat-Infinity"
        ),
        pytest.param(
            b'{"iss":"sec","iat":-Infinity}',
            "payload: -Infinity is not allowed",
            id="iat-minus-Infinity",
        ),
        pytest.param(
            b'{"iss":"sec","iat":1,"x":[NaN]}',
            "payload: NaN is not allowed",
            id="NaN-in-other-claim",
        ),
        pytest.param(claims(iat=str(IAT)), "iat must be a number", id="iat-string"),
        pytest.param(claims(iat=True), "iat must be a number", id="iat-true"),
        pytest.param(claims(iat=False), "iat must be a number", id="iat-false"),
        pytest.param(claims(iat=None), "iat must be a number", id="iat-null"),
        pytest.param(claims(iat=[IAT]), "iat must be a number", id="iat-array"),
        pytest.param(claims(iat={"t": IAT}), "iat must be a number", id="iat-object"),
        pytest.param(b'{"iss":"sec","iat":1e400}', "iat must be finite", id="iat-1e400"),
        pytest.param(b'{"iss":"sec","iat":-1e400}', "iat must be finite", id="iat-minus-1e400"),
        pytest.param(
            b'{"iss":"sec","iat":1' + b"0" * 400 + b"}", "iat must be finite", id="iat-10**400"
        ),
        pytest.param(
            b'{"iss":"sec","iat":-1' + b"0" * 400 + b"}",
            "iat must be finite",
            id="iat-minus-10**400",
        ),
        pytest.param(without(claims(), "iat"), "iat is missing", id="iat-missing"),
        pytest.param(without(claims(), "iss"), "iss must be a non-empty string", id="iss-missing"),
        pytest.param(claims(iss=12345), "iss must be a non-empty string", id="iss-number"),
        pytest.param(claims(iss=""), "iss must be a non-empty string", id="iss-empty"),
        pytest.param(claims(iss=None), "iss must be a non-empty string", id="iss-null"),
        pytest.param(claims(iss=True), "iss must be a non-empty string", id="iss-boolean"),
        pytest.param(claims(iss=[SECRET_ID]), "iss must be a non-empty string", id="iss-array"),
        pytest.param(claims(exp=str(IAT + 60)), "exp must be a number", id="exp-string"),
        pytest.param(claims(exp=None), "exp must be a number", id="exp-null"),
        pytest.param(claims(exp=True), "exp must be a number", id="exp-boolean"),
        pytest.param(b'{"iss":"sec","iat":1,"exp":1e400}', "exp must be finite", id="exp-1e400"),
        pytest.param(claims(nbf="0"), "nbf must be a number", id="nbf-string"),
        pytest.param(claims(nbf=False), "nbf must be a number", id="nbf-boolean"),
        pytest.param(
            b'{"iss":"sec","iat":1,"nbf":-1e400}', "nbf must be finite", id="nbf-minus-1e400"
        ),
        pytest.param([], "payload must be a JSON object", id="payload-empty-array"),
        pytest.param([SECRET_ID, IAT], "payload must be a JSON object", id="payload-array"),
        pytest.param(b'"sec"', "payload must be a JSON object", id="payload-string"),
        pytest.param(b"null", "payload must be a JSON object", id="payload-null"),
        pytest.param(b'{"iss":"\xff","iat":1}', f"payload: {NOT_JSON}", id="payload-not-utf-8"),
        pytest.param(
            b'{"iss":"\xed\xa0\x80","iat":1}', f"payload: {NOT_JSON}", id="payload-utf-8-surrogate"
        ),
        pytest.param(b"iss=sec&iat=1", f"payload: {NOT_JSON}", id="payload-not-json"),
        pytest.param(b'{"iss":"sec","iat":01}', f"payload: {NOT_JSON}", id="leading-zero"),
        pytest.param(b'{"iss":"sec","iat":0x10}', f"payload: {NOT_JSON}", id="hex-number"),
    ],
)
def test_bad_payload_is_rejected(
    payload: bytes | dict[str, Any] | list[Any], expected: str
) -> None:
    with reason(expected):
        parse_token(forge(payload=payload))


@pytest.mark.parametrize(
    ("payload", "iat", "exp", "nbf"),
    [
        pytest.param(claims(), IAT, None, None, id="plain"),
        pytest.param(claims(iat=IAT + 0.5), IAT + 0.5, None, None, id="fractional-iat"),
        pytest.param(b'{"iss":"sec","iat":1.7e9}', 1.7e9, None, None, id="exponent-iat"),
        pytest.param(claims(iat=0), 0, None, None, id="zero-iat"),
        pytest.param(claims(exp=IAT + 60, nbf=IAT - 5), IAT, IAT + 60, IAT - 5, id="exp-and-nbf"),
        pytest.param(
            claims(aud="x", jti="y", sub=None), IAT, None, None, id="other-claims-ignored"
        ),
    ],
)
def test_acceptable_payload(
    payload: bytes | dict[str, Any], iat: float, exp: float | None, nbf: float | None
) -> None:
    parsed = parse_token(forge(payload=payload))
    assert parsed.issued_at == iat
    assert parsed.expires_at == exp
    assert parsed.not_before == nbf
    assert signature_matches(parsed, KEY)


def test_deeply_nested_payload_is_a_token_error() -> None:
    depth = 1400
    token = forge(payload=b'{"iss":"sec","iat":1,"x":' + b"[" * depth + b"]" * depth + b"}")
    assert len(token) <= MAX_TOKEN_LENGTH
    with pytest.raises(TokenError, match="nested too deeply"):
        parse_token(token)


# --- rule 4: signature ---------------------------------------------------------------------


def tampered_payload() -> str:
    """The valid token with ``iat`` moved forward an hour, keeping the old signature."""
    return with_segment(VALID, 1, b64url(as_bytes(claims(iat=IAT + 3600))))


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(forge(key=signing_key(SECRET_ID, "wrong-key")), id="wrong-key"),
        pytest.param(forge(key=signing_key("sec_other", SECRET_KEY)), id="wrong-id"),
        pytest.param(forge(key=SECRET_KEY.encode()), id="key-without-id"),
        pytest.param(forge(key=SECRET_ID.encode()), id="id-without-key"),
        pytest.param(forge(key=f"{SECRET_ID}|{SECRET_KEY}".encode()), id="single-pipe"),
        pytest.param(forge(key=f"{SECRET_ID}{SECRET_KEY}".encode()), id="no-separator"),
        pytest.param(forge(key=f"{SECRET_KEY}||{SECRET_ID}".encode()), id="reversed-order"),
        pytest.param(forge(key=b""), id="empty-key"),
        pytest.param(tampered_payload(), id="tampered-payload"),
        pytest.param(
            with_segment(VALID, 0, b64url(as_bytes({**HEADER, "kid": "x"}))), id="tampered-header"
        ),
        pytest.param(with_segment(VALID, 2, b64url(SIGNATURE[:31])), id="signature-minus-1-byte"),
        pytest.param(with_segment(VALID, 2, b64url(SIGNATURE[:16])), id="signature-truncated-half"),
        pytest.param(with_segment(VALID, 2, b64url(SIGNATURE[:1])), id="signature-one-byte"),
        pytest.param(with_segment(VALID, 2, b64url(SIGNATURE + b"\0")), id="signature-extended"),
        pytest.param(
            with_segment(VALID, 2, b64url(bytes([SIGNATURE[0] ^ 1]) + SIGNATURE[1:])),
            id="signature-one-bit-flipped",
        ),
        pytest.param(
            with_segment(VALID, 2, b64url(hashlib.sha256(KEY).digest())), id="signature-unrelated"
        ),
    ],
)
def test_signature_mismatch(token: str) -> None:
    parsed = parse_token(token)
    assert not signature_matches(parsed, KEY)


def test_tampered_payload_parses_with_the_new_iat() -> None:
    """The forgery is well formed; only the signature check catches it."""
    assert parse_token(tampered_payload()).issued_at == IAT + 3600


def test_signature_is_over_the_ascii_segments_not_the_json() -> None:
    parsed = parse_token(VALID)
    over_segments = hmac.digest(KEY, f"{HEADER_SEGMENT}.{PAYLOAD_SEGMENT}".encode(), "sha256")
    over_json = hmac.digest(KEY, as_bytes(HEADER) + b"." + as_bytes(claims()), "sha256")
    assert parsed.signature == over_segments
    assert not signature_matches(dataclasses.replace(parsed, signature=over_json), KEY)


BAD_SIGNATURE = "bad signature"
THE_KEY = "the signing key is `<Secret ID>||<Secret Key>`"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        pytest.param(
            SECRET_KEY.encode(),
            f"{BAD_SIGNATURE}: it was signed with the Secret Key alone; {THE_KEY}",
            id="key-alone",
        ),
        pytest.param(
            f"{SECRET_ID}|{SECRET_KEY}".encode(),
            f"{BAD_SIGNATURE}: it was signed with `<Secret ID>|<Secret Key>` (one pipe); {THE_KEY}",
            id="single-pipe",
        ),
        pytest.param(
            f"{SECRET_KEY}||{SECRET_ID}".encode(),
            f"{BAD_SIGNATURE}: it was signed with `<Secret Key>||<Secret ID>` (reversed); "
            f"{THE_KEY}",
            id="reversed",
        ),
        pytest.param(signing_key(SECRET_ID, "wrong-key"), BAD_SIGNATURE, id="wrong-key"),
        pytest.param(SECRET_ID.encode(), BAD_SIGNATURE, id="id-alone"),
        pytest.param(f"{SECRET_ID}{SECRET_KEY}".encode(), BAD_SIGNATURE, id="no-separator"),
    ],
)
def test_bad_signature_reason_names_a_mistaken_key(key: bytes, expected: str) -> None:
    parsed = parse_token(forge(key=key))
    assert not signature_matches(parsed, KEY)  # a mistaken key never verifies
    assert bad_signature_reason(parsed, SECRET_ID, SECRET_KEY) == expected


def test_bad_signature_reason_names_nothing_for_another_secret() -> None:
    """A token signed with another secret's key alone is no mistake of this secret's."""
    parsed = parse_token(forge(key=b"other-key"))
    assert bad_signature_reason(parsed, SECRET_ID, SECRET_KEY) == BAD_SIGNATURE


def test_signature_checked_with_the_matching_key() -> None:
    assert signature_matches(parse_token(VALID), KEY)
    assert signature_matches(parse_token(forge(key=b"other")), b"other")


# --- rule 5: lifetime ----------------------------------------------------------------------

L = DEFAULT_LEEWAY_SECONDS


@pytest.mark.parametrize(
    ("extra", "now", "leeway"),
    [
        pytest.param({}, IAT, L, id="fresh"),
        pytest.param({}, IAT - 20, L, id="iat-20s-in-future"),
        pytest.param({}, IAT - L, L, id="iat-exactly-leeway-in-future"),
        pytest.param({}, IAT + 300 + L - 1, L, id="one-second-before-expiry"),
        pytest.param({}, IAT + 300 + L - 0.001, L, id="just-before-expiry"),
        pytest.param({}, IAT, 0, id="leeway-0-at-iat"),
        pytest.param({}, IAT + 299, 0, id="leeway-0-last-second"),
        pytest.param({"exp": IAT + 100}, IAT + 100 + L - 1, L, id="just-before-exp-plus-leeway"),
        pytest.param({"exp": IAT + 100}, IAT + 99, 0, id="leeway-0-before-exp"),
        pytest.param({"exp": IAT + 86_400}, IAT + 300 + L - 1, L, id="far-exp-within-5-min"),
        pytest.param({"nbf": IAT - 100}, IAT, L, id="nbf-in-past"),
        pytest.param({"nbf": IAT + 200}, IAT + 200 - L, L, id="nbf-exactly-leeway-ahead"),
        pytest.param({"nbf": IAT + 200}, IAT + 200, 0, id="leeway-0-at-nbf"),
    ],
)
def test_lifetime_accepted(extra: dict[str, Any], now: float, leeway: float) -> None:
    check_lifetime(unverified(**extra), now=now, leeway=leeway)


@pytest.mark.parametrize(
    ("extra", "now", "leeway", "expected"),
    [
        pytest.param({}, IAT - 61, L, "iat in the future", id="iat-61s-in-future"),
        pytest.param({}, IAT - L - 0.001, L, "iat in the future", id="iat-just-past-leeway"),
        pytest.param({}, IAT - 1, 0, "iat in the future", id="leeway-0-iat-1s-ahead"),
        pytest.param({}, IAT + 300 + L, L, "token expired", id="exactly-iat-300-leeway"),
        pytest.param({}, IAT + 3600, L, "token expired", id="an-hour-old"),
        pytest.param({}, IAT + 300, 0, "token expired", id="leeway-0-at-300"),
        pytest.param({"exp": IAT + 100}, IAT + 100 + L, L, "token expired (exp)", id="exp-past"),
        pytest.param({"exp": IAT + 100}, IAT + 100, 0, "token expired (exp)", id="leeway-0-at-exp"),
        pytest.param({"exp": IAT - 1000}, IAT, L, "token expired (exp)", id="exp-before-iat"),
        pytest.param(
            {"exp": IAT + 86_400}, IAT + 300 + L, L, "token expired", id="far-exp-does-not-extend"
        ),
        pytest.param(
            {"exp": IAT + 86_400}, IAT + 3600, L, "token expired", id="far-exp-an-hour-later"
        ),
        pytest.param(
            {"nbf": IAT + 200}, IAT + 200 - L - 1, L, "token not yet valid (nbf)", id="nbf-future"
        ),
        pytest.param(
            {"nbf": IAT + 200}, IAT + 199, 0, "token not yet valid (nbf)", id="leeway-0-before-nbf"
        ),
    ],
)
def test_lifetime_rejected(extra: dict[str, Any], now: float, leeway: float, expected: str) -> None:
    with reason(expected):
        check_lifetime(unverified(**extra), now=now, leeway=leeway)


MILLISECONDS = "looks like milliseconds; JWT times are seconds since the epoch"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        pytest.param({"iat": IAT * 1000}, f"iat in the future: iat {MILLISECONDS}", id="iat-ms"),
        pytest.param(
            {"iat": IAT * 1000 + 999}, f"iat in the future: iat {MILLISECONDS}", id="iat-ms-odd"
        ),
        pytest.param(
            {"iat": IAT * 1000 - 86_400_000},
            f"iat in the future: iat {MILLISECONDS}",
            id="iat-ms-a-day-behind",
        ),
        pytest.param(
            {"nbf": IAT * 1000}, f"token not yet valid (nbf): nbf {MILLISECONDS}", id="nbf-ms"
        ),
        pytest.param({"iat": IAT + 3600}, "iat in the future", id="iat-an-hour-ahead"),
        pytest.param({"iat": IAT * 1_000_000}, "iat in the future", id="iat-microseconds"),
        pytest.param({"iat": IAT * 10}, "iat in the future", id="iat-ten-times-now"),
    ],
)
def test_a_time_in_milliseconds_is_named(extra: dict[str, Any], expected: str) -> None:
    with reason(expected):
        check_lifetime(unverified(**extra), now=IAT, leeway=L)
