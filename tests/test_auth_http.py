"""Authentication over HTTP (contract sections 2.1 and 2.3), through the real server.

``tests/test_tokens.py`` proves the token rules one by one in-process; this file proves the
server applies them: each hostile ``Authorization`` value is sent to a running server, which must
answer the contract's 401 naming the failed rule, read and write nothing, and never echo the
client's request id. The commonest mistakes get the fix in the message as well, and a token
made by one of them is still refused.
"""

from __future__ import annotations

import base64
import hmac
import json
import sqlite3
import string
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import psycopg
import pytest

from heymarket_contacts.server.service.admin import AdminService
from heymarket_contacts.tokens import mint_token, signing_key
from support import Canary, HttpApi, TeamCredentials, TeamFactory, unique_phone

HEADER: dict[str, Any] = {"alg": "HS256", "typ": "JWT"}
BASE64URL = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
WWW_AUTHENTICATE = 'Bearer error="invalid_token"'

UNPADDED = "segments must be non-empty unpadded base64url"
THREE = "token must have exactly three segments"
ALG = "alg must be HS256"
UNKNOWN = "unknown or revoked secret"
BAD_SIGNATURE = "bad signature"
NOT_BEARER = "Authorization must use the Bearer scheme"
UNSIGNED = "alg must be HS256: unsigned tokens (alg none or no alg) are refused"
THE_KEY = "the signing key is `<Secret ID>||<Secret Key>`"
MILLISECONDS = (
    "iat in the future: iat looks like milliseconds; JWT times are seconds since the epoch"
)
BASIC_HINT = "the team API key goes as the user name with an empty password, or send a Bearer JWT"


# --- helpers -------------------------------------------------------------------------------


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def as_bytes(value: bytes | dict[str, Any]) -> bytes:
    return value if isinstance(value, bytes) else json.dumps(value, separators=(",", ":")).encode()


def sign(header: bytes | dict[str, Any], payload: bytes | dict[str, Any], key: bytes) -> str:
    """A token with exactly these header and payload bytes, HMAC-SHA256-signed with ``key``."""
    signing_input = f"{b64url(as_bytes(header))}.{b64url(as_bytes(payload))}"
    signature = hmac.digest(key, signing_input.encode(), "sha256")
    return f"{signing_input}.{b64url(signature)}"


def with_segment(token: str, index: int, segment: str) -> str:
    segments = token.split(".")
    segments[index] = segment
    return ".".join(segments)


def non_canonical(token: str) -> str:
    """The same token with an unused trailing bit of the signature set: same bytes, new text."""
    signature = token.rsplit(".", 1)[1]
    assert len(signature) == 43  # 32 bytes: the last character carries 2 unused bits
    changed = signature[:-1] + BASE64URL[BASE64URL.index(signature[-1]) ^ 1]
    assert base64.urlsafe_b64decode(changed + "=") == base64.urlsafe_b64decode(signature + "=")
    return with_segment(token, 2, changed)


def tampered(token: str) -> str:
    """The token with its ``iat`` moved back a second, keeping the old signature."""
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    return with_segment(token, 1, b64url(as_bytes({**payload, "iat": payload["iat"] - 1})))


def now() -> int:
    return int(time.time())


@dataclass
class Forger:
    """Hand-made tokens for one team's secret, each breaking exactly one rule."""

    team: TeamCredentials
    admin: AdminService
    canary: Canary

    @property
    def key(self) -> bytes:
        return signing_key(self.team.secret_id, self.team.secret_key)

    def claims(self, **extra: Any) -> dict[str, Any]:
        return {"iss": self.team.secret_id, "iat": now(), **extra}

    def token(
        self,
        header: bytes | dict[str, Any] = HEADER,
        payload: bytes | dict[str, Any] | None = None,
        *,
        key: bytes | None = None,
    ) -> str:
        payload = self.claims() if payload is None else payload
        return sign(header, payload, self.key if key is None else key)

    def raw_payload(self, iat: str) -> bytes:
        """A payload whose ``iat`` member is the JSON text ``iat`` (NaN, duplicates...)."""
        return f'{{"iss":"{self.team.secret_id}","iat":{iat}}}'.encode()

    def valid(self) -> str:
        return mint_token(self.team.secret_id, self.team.secret_key)

    def revoked(self) -> str:
        """A token of a second secret of the team, revoked before use."""
        secret = self.admin.create_secret(self.team.team_id)
        self.canary.add(secret.secret_key)
        self.admin.revoke_secret(secret.secret_id)
        return mint_token(secret.secret_id, secret.secret_key)


def bearer(token: str) -> str:
    return f"Bearer {token}"


def is_uuid4(text: str) -> bool:
    try:
        value = uuid.UUID(text)
    except ValueError:
        return False
    return value.version == 4 and str(value) == text


def assert_unauthorized(response: httpx.Response, message: str) -> None:
    """The contract's 401: the body, its request id, and the ``WWW-Authenticate`` header."""
    assert response.status_code == 401, response.text
    request_id = response.headers["x-request-id"]
    assert is_uuid4(request_id), request_id
    assert response.json() == {
        "error": "unauthorized",
        "message": message,
        "request_id": request_id,
    }
    assert response.headers["www-authenticate"] == WWW_AUTHENTICATE


@dataclass(frozen=True)
class Database:
    """Plain SQL on the server's database, committed at once; ``?`` placeholders on both."""

    backend: str
    url: str

    def run(self, sql: str, *params: Any) -> list[Any]:
        if self.backend == "sqlite":
            connection = sqlite3.connect(self.url, timeout=30)
            try:
                with connection:
                    return connection.execute(sql, params).fetchall()
            finally:
                connection.close()
        with psycopg.connect(self.url) as pg:
            cursor = pg.execute(sql.replace("?", "%s"), params)
            return cursor.fetchall() if cursor.description else []

    def contacts_with_phone(self, phone: str) -> int:
        return int(self.run("SELECT count(*) FROM contacts WHERE phone = ?", phone)[0][0])


@pytest.fixture
def database(backend: str, database_url: str) -> Database:
    return Database(backend, database_url)


@pytest.fixture
def forger(api: HttpApi, admin: AdminService, canary: Canary) -> Forger:
    """Tokens forged for the ``api`` team's secret."""
    return Forger(api.team, admin, canary)


# --- hostile Authorization values ----------------------------------------------------------

Hostile = Callable[[Forger], str]

HOSTILE: list[Any] = [
    # rule 1: the header and the token's shape
    pytest.param(lambda f: "", "missing Authorization header", id="no-authorization-header"),
    pytest.param(
        lambda f: "Basic " + base64.b64encode(f"{f.team.secret_id}:".encode()).decode(),
        "unknown team API key",
        id="basic-with-a-secret-id",
    ),
    pytest.param(lambda f: f"Token {f.valid()}", NOT_BEARER, id="token-scheme"),
    pytest.param(lambda f: f.valid(), NOT_BEARER, id="token-without-scheme"),
    pytest.param(lambda f: "Bearer", "malformed Bearer token", id="bearer-without-token"),
    pytest.param(lambda f: bearer(".".join(f.valid().split(".")[:2])), THREE, id="two-segments"),
    pytest.param(
        lambda f: bearer(f"{f.valid()}.{f.valid().split('.')[2]}"), THREE, id="four-segments"
    ),
    pytest.param(lambda f: bearer(f.valid() + "="), UNPADDED, id="padded-signature-segment"),
    pytest.param(
        lambda f: bearer(with_segment(f.valid(), 1, f.valid().split(".")[1] + "==")),
        UNPADDED,
        id="padded-payload-segment",
    ),
    pytest.param(
        lambda f: bearer(non_canonical(f.valid())),
        "segments must be canonical base64url",
        id="non-canonical-segment",
    ),
    pytest.param(
        lambda f: bearer(f.token(payload=f.claims(filler="x" * 20_000))),
        "token longer than 4096 bytes",
        id="20-kb-token",
    ),
    # rule 2: header and payload JSON
    pytest.param(lambda f: bearer(f.token({"alg": "HS512", "typ": "JWT"})), ALG, id="alg-HS512"),
    pytest.param(
        lambda f: bearer(f.token({"alg": "hs256", "typ": "JWT"})), ALG, id="alg-lower-case-hs256"
    ),
    pytest.param(
        lambda f: bearer(f.token({**HEADER, "crit": ["exp"]})),
        "header parameter crit is not allowed",
        id="crit-header",
    ),
    pytest.param(
        lambda f: bearer(f.token({**HEADER, "jku": "https://attacker.example/keys.json"})),
        "header parameter jku is not allowed",
        id="jku-header",
    ),
    pytest.param(
        lambda f: bearer(f.token(payload=f.raw_payload(f'{now()},"iat":{now()}'))),
        "payload: duplicate member names",
        id="duplicate-iat",
    ),
    pytest.param(
        lambda f: bearer(
            f.token(payload=f'{{"iss":"x","iss":"{f.team.secret_id}","iat":{now()}}}'.encode())
        ),
        "payload: duplicate member names",
        id="duplicate-iss",
    ),
    pytest.param(
        lambda f: bearer(f.token(b'{"alg":"none","alg":"HS256"}')),
        "header: duplicate member names",
        id="duplicate-alg",
    ),
    # rule 3: claims
    pytest.param(
        lambda f: bearer(f.token(payload=f.claims(iat=str(now())))),
        "iat must be a number",
        id="iat-string",
    ),
    pytest.param(
        lambda f: bearer(f.token(payload=f.claims(iat=True))),
        "iat must be a number",
        id="iat-boolean",
    ),
    pytest.param(
        lambda f: bearer(f.token(payload=f.raw_payload("NaN"))),
        "payload: NaN is not allowed",
        id="iat-NaN",
    ),
    pytest.param(
        lambda f: bearer(f.token(payload={"iat": now()})),
        "iss must be a non-empty string",
        id="iss-missing",
    ),
    pytest.param(
        lambda f: bearer(f.token(payload={"iss": f.team.secret_id})),
        "iat is missing",
        id="iat-missing",
    ),
    pytest.param(
        lambda f: bearer(
            sign(HEADER, {"iss": "0123456789abcdef01234567", "iat": now()}, b"0123456789ab||k")
        ),
        UNKNOWN,
        id="unknown-secret-id",
    ),
    pytest.param(lambda f: bearer(f.revoked()), UNKNOWN, id="revoked-secret"),
    # rule 4: signature
    pytest.param(
        lambda f: bearer(f.token(key=signing_key(f.team.secret_id, "wrong-key"))),
        BAD_SIGNATURE,
        id="wrong-key",
    ),
    pytest.param(
        lambda f: bearer(f.token(key=f"{f.team.secret_id}{f.team.secret_key}".encode())),
        BAD_SIGNATURE,
        id="no-separator",
    ),
    pytest.param(
        lambda f: bearer(tampered(f.valid())),
        BAD_SIGNATURE,
        id="tampered-payload",
    ),
    # rule 5: lifetime
    pytest.param(
        lambda f: bearer(f.token(payload=f.claims(iat=now() - 400))),
        "token expired",
        id="expired-400s-ago",
    ),
    pytest.param(
        lambda f: bearer(f.token(payload=f.claims(iat=now() + 3600))),
        "iat in the future",
        id="iat-an-hour-ahead",
    ),
]


@pytest.mark.parametrize(("hostile", "message"), HOSTILE)
def test_hostile_authorization_is_a_401_naming_the_rule(
    api: HttpApi, forger: Forger, canary: Canary, hostile: Hostile, message: str
) -> None:
    authorization = hostile(forger)
    token = authorization.partition(" ")[2] or authorization
    if len(token) >= 32:
        canary.add(token)  # the server must not echo a rejected token either
    assert_unauthorized(api.get("/v1/team", authorization=authorization), message)


# --- the commonest mistakes: the 401 adds the fix -------------------------------------------


@dataclass(frozen=True)
class MistakenKey:
    """A key integrators sign with instead of ``<Secret ID>||<Secret Key>``, and its hint."""

    key: Callable[[str, str], str]
    message: str

    def token(self, forger: Forger) -> str:
        return forger.token(key=self.key(forger.team.secret_id, forger.team.secret_key).encode())


MISTAKEN_KEYS = [
    pytest.param(
        MistakenKey(
            lambda secret_id, secret_key: secret_key,
            f"{BAD_SIGNATURE}: it was signed with the Secret Key alone; {THE_KEY}",
        ),
        id="secret-key-alone",
    ),
    pytest.param(
        MistakenKey(
            lambda secret_id, secret_key: f"{secret_id}|{secret_key}",
            f"{BAD_SIGNATURE}: it was signed with `<Secret ID>|<Secret Key>` (one pipe); {THE_KEY}",
        ),
        id="one-pipe",
    ),
    pytest.param(
        MistakenKey(
            lambda secret_id, secret_key: f"{secret_key}||{secret_id}",
            f"{BAD_SIGNATURE}: it was signed with `<Secret Key>||<Secret ID>` (reversed); "
            f"{THE_KEY}",
        ),
        id="reversed",
    ),
]


@pytest.mark.parametrize("mistake", MISTAKEN_KEYS)
def test_a_token_signed_with_a_mistaken_key_is_refused_naming_the_mistake(
    api: HttpApi, forger: Forger, database: Database, mistake: MistakenKey
) -> None:
    authorization = bearer(mistake.token(forger))
    phone = unique_phone()
    for _ in range(2):  # and again: a hint is never remembered as a match
        response = api.post("/v1/contact", authorization=authorization, json={"phone": phone})
        assert_unauthorized(response, mistake.message)
    assert_unauthorized(api.get("/v1/team", authorization=authorization), mistake.message)
    assert database.contacts_with_phone(phone) == 0
    assert api.get("/v1/team").status_code == 200  # the right key still works


@pytest.mark.parametrize("mistake", MISTAKEN_KEYS)
def test_a_mistaken_key_of_an_unknown_secret_gets_no_hint(
    api: HttpApi, forger: Forger, mistake: MistakenKey
) -> None:
    """The hint needs the Secret Key: for an unknown secret id there is none to name."""
    unknown = "0123456789abcdef01234567"
    key = mistake.key(unknown, forger.team.secret_key).encode()
    token = sign(HEADER, {"iss": unknown, "iat": now()}, key)
    assert_unauthorized(api.get("/v1/team", authorization=bearer(token)), UNKNOWN)


def unsigned(f: Forger, header: dict[str, Any]) -> str:
    """What ``alg: none`` libraries send: ``header.payload.``, an empty signature segment."""
    return f"{b64url(as_bytes(header))}.{b64url(as_bytes(f.claims()))}."


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


HINTED: list[Any] = [
    # a time in milliseconds
    pytest.param(
        lambda f: bearer(f.token(payload=f.claims(iat=now() * 1000))),
        MILLISECONDS,
        id="iat-in-milliseconds",
    ),
    pytest.param(
        lambda f: bearer(f.token(payload=f.claims(iat=int(time.time() * 1000)))),
        MILLISECONDS,
        id="iat-as-javascript-date-now",
    ),
    # an unsigned token, or no alg
    pytest.param(
        lambda f: bearer(unsigned(f, {"alg": "none", "typ": "JWT"})), UNSIGNED, id="alg-none"
    ),
    pytest.param(
        lambda f: bearer(jwt.encode(f.claims(), None, algorithm="none")),
        UNSIGNED,
        id="alg-none-made-by-pyjwt",
    ),
    pytest.param(
        lambda f: bearer(f.token({"alg": "none", "typ": "JWT"})),
        UNSIGNED,
        id="alg-none-with-a-signature",
    ),
    pytest.param(lambda f: bearer(unsigned(f, {"typ": "JWT"})), UNSIGNED, id="alg-missing"),
    pytest.param(
        lambda f: bearer(f.token({"typ": "JWT"})), UNSIGNED, id="alg-missing-with-a-signature"
    ),
    # quotes or whitespace around the token
    pytest.param(
        lambda f: bearer(f'"{f.valid()}"'),
        f"{UNPADDED}: remove the quotes around the token",
        id="double-quotes",
    ),
    pytest.param(
        lambda f: bearer(f"'{f.valid()}'"),
        f"{UNPADDED}: remove the quotes around the token",
        id="single-quotes",
    ),
    pytest.param(
        lambda f: bearer(f'"{f.valid()} "'),
        f"{UNPADDED}: remove the quotes and whitespace around the token",
        id="trailing-space-inside-quotes",
    ),
    pytest.param(
        lambda f: bearer(f'" {f.valid()}"'),
        f"{UNPADDED}: remove the quotes and whitespace around the token",
        id="leading-space-inside-quotes",
    ),
    pytest.param(
        lambda f: f"Bearer  {f.valid()}",
        f"{UNPADDED}: remove the whitespace around the token",
        id="two-spaces-after-bearer",
    ),
    pytest.param(
        lambda f: f"Bearer \t{f.valid()}",
        f"{UNPADDED}: remove the whitespace around the token",
        id="tab-before-the-token",
    ),
    # an API secret sent as HTTP Basic
    pytest.param(
        lambda f: basic(f.team.secret_id, f.team.secret_key),
        f"the Basic password must be empty: {BASIC_HINT}",
        id="basic-secret-id-and-key",
    ),
    pytest.param(
        lambda f: basic("", f.team.secret_key),
        f"malformed Basic credentials: the user name is empty; {BASIC_HINT}",
        id="basic-key-as-the-password",
    ),
]


@pytest.mark.parametrize(("hinted", "message"), HINTED)
def test_a_common_mistake_is_a_401_that_says_the_fix(
    api: HttpApi, forger: Forger, canary: Canary, hinted: Hostile, message: str
) -> None:
    authorization = hinted(forger)
    canary.add(authorization.partition(" ")[2])
    assert_unauthorized(api.get("/v1/team", authorization=authorization), message)


def test_the_same_token_without_its_quotes_works(api: HttpApi) -> None:
    quoted = bearer(f'"{api.token}"')
    assert_unauthorized(
        api.get("/v1/team", authorization=quoted), f"{UNPADDED}: remove the quotes around the token"
    )
    assert api.get("/v1/team", authorization=bearer(api.token)).status_code == 200


def test_bad_token_cannot_read_an_existing_contact(api: HttpApi, forger: Forger) -> None:
    contact_id = api.create_contact(first="Ada")
    expired = forger.token(payload=forger.claims(iat=now() - 400))
    response = api.get(f"/v1/contact/{contact_id}", authorization=bearer(expired))
    assert_unauthorized(response, "token expired")


# --- tokens that work ----------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_bearer_scheme_is_case_insensitive(api: HttpApi, scheme: str) -> None:
    response = api.get("/v1/team", authorization=f"{scheme} {api.token}")
    assert response.status_code == 200, response.text
    assert response.json()["id"] == api.team.team_id


@pytest.mark.parametrize(
    "offset",
    [
        pytest.param(0, id="now"),
        pytest.param(20, id="iat-20s-in-the-future"),
        pytest.param(-250, id="iat-250s-in-the-past"),
    ],
)
def test_token_within_its_lifetime_and_leeway_works(api: HttpApi, offset: int) -> None:
    token = api.team.token(issued_at=now() + offset)
    response = api.get("/v1/team", authorization=bearer(token))
    assert response.status_code == 200, response.text
    assert response.json()["id"] == api.team.team_id


def test_token_reused_many_times_keeps_working(api: HttpApi) -> None:
    contact_id = api.create_contact()
    for _ in range(25):
        assert api.get("/v1/team").status_code == 200
        assert api.get(f"/v1/contact/{contact_id}").status_code == 200


def test_extra_header_and_payload_members_are_ignored(api: HttpApi) -> None:
    forger_key = signing_key(api.team.secret_id, api.team.secret_key)
    token = sign(
        {**HEADER, "kid": "other-secret"},
        {"iss": api.team.secret_id, "iat": now(), "jti": "x", "aud": "y"},
        forger_key,
    )
    response = api.get("/v1/team", authorization=bearer(token))
    assert response.status_code == 200, response.text


# --- secrets: created, revoked, rotated, and the team they fix -------------------------------


def test_secret_created_while_serving_works_on_the_next_request(
    api: HttpApi, admin: AdminService, canary: Canary
) -> None:
    assert api.get("/v1/team").status_code == 200  # the server is up and serving
    secret = admin.create_secret(api.team.team_id)
    canary.add(secret.secret_key)
    token = mint_token(secret.secret_id, secret.secret_key)
    response = api.get("/v1/team", authorization=bearer(token))
    assert response.status_code == 200, response.text
    assert response.json()["id"] == api.team.team_id


def test_revoking_a_secret_fails_the_very_next_request(
    api: HttpApi, admin: AdminService, canary: Canary
) -> None:
    secret = admin.create_secret(api.team.team_id)
    canary.add(secret.secret_key)
    authorization = bearer(mint_token(secret.secret_id, secret.secret_key))
    assert api.get("/v1/team", authorization=authorization).status_code == 200
    admin.revoke_secret(secret.secret_id)
    assert_unauthorized(api.get("/v1/team", authorization=authorization), UNKNOWN)
    assert api.get("/v1/team").status_code == 200  # the team's other secret is untouched


def test_second_active_secret_works_beside_the_first(
    api: HttpApi, admin: AdminService, canary: Canary
) -> None:
    second = admin.create_secret(api.team.team_id)
    canary.add(second.secret_key)
    contact_id = api.create_contact(first="Rotated")
    for token in (api.token, mint_token(second.secret_id, second.secret_key)):
        response = api.get(f"/v1/contact/{contact_id}", authorization=bearer(token))
        assert response.status_code == 200, response.text
        assert response.json()["team_id"] == api.team.team_id


def test_contact_of_one_team_is_not_found_for_another(api: HttpApi, other_api: HttpApi) -> None:
    contact_id = api.create_contact(first="Private")
    response = other_api.get(f"/v1/contact/{contact_id}")
    assert response.status_code == 404, response.text
    assert response.json() == {
        "error": "not_found",
        "message": response.json()["message"],
        "request_id": response.headers["x-request-id"],
    }
    assert other_api.get("/v1/team").json()["id"] == other_api.team.team_id
    assert api.get(f"/v1/contact/{contact_id}").status_code == 200


def test_team_claims_in_the_token_are_ignored(api: HttpApi, other_api: HttpApi) -> None:
    """Only the secret's row fixes the team: a signed ``team_id`` claim changes nothing."""
    contact_id = other_api.create_contact(first="Theirs")
    token = sign(
        HEADER,
        {"iss": api.team.secret_id, "iat": now(), "team_id": other_api.team.team_id},
        signing_key(api.team.secret_id, api.team.secret_key),
    )
    assert api.get("/v1/team", authorization=bearer(token)).json()["id"] == api.team.team_id
    response = api.get(f"/v1/contact/{contact_id}", authorization=bearer(token))
    assert response.status_code == 404, response.text


# --- a stored ciphertext moved between rows ------------------------------------------------


@pytest.fixture(params=["same-team", "other-team"])
def donor(
    request: pytest.FixtureRequest,
    api: HttpApi,
    admin: AdminService,
    canary: Canary,
    make_team: TeamFactory,
) -> TeamCredentials:
    """Another secret, of the ``api`` team or of another team, whose ciphertext gets copied."""
    if request.param == "other-team":
        return make_team("Donor")
    made = admin.create_secret(api.team.team_id)
    canary.add(made.secret_key)
    return TeamCredentials(made.team_id, made.secret_id, made.secret_key)


@pytest.mark.parametrize("signed_with", ["own-key", "donor-key"])
def test_ciphertext_copied_from_another_secret_does_not_authenticate(
    api: HttpApi, database: Database, donor: TeamCredentials, signed_with: str
) -> None:
    victim = api.team
    assert api.get("/v1/team").status_code == 200  # the victim's key is now cached, if ever
    database.run(
        "UPDATE api_secrets SET"
        " nonce = (SELECT nonce FROM api_secrets WHERE secret_id = ?),"
        " key_ciphertext = (SELECT key_ciphertext FROM api_secrets WHERE secret_id = ?)"
        " WHERE secret_id = ?",
        donor.secret_id,
        donor.secret_id,
        victim.secret_id,
    )
    key = victim.secret_key if signed_with == "own-key" else donor.secret_key
    response = api.get("/v1/team", authorization=bearer(mint_token(victim.secret_id, key)))
    assert_unauthorized(response, UNKNOWN)
    response = api.get("/v1/team", authorization=bearer(donor.token()))
    assert response.status_code == 200, response.text  # the donor's own row still works
    assert response.json()["id"] == donor.team_id


# --- nothing is parsed or written before authentication ------------------------------------

BAD_AUTHORIZATIONS = [
    pytest.param(lambda f: "", "missing Authorization header", id="no-header"),
    pytest.param(
        lambda f: bearer(f.token(payload=f.claims(iat=now() - 400))), "token expired", id="expired"
    ),
    pytest.param(
        lambda f: bearer(f.token(key=signing_key(f.team.secret_id, "wrong-key"))),
        BAD_SIGNATURE,
        id="wrong-key",
    ),
]


@pytest.mark.parametrize(("hostile", "message"), BAD_AUTHORIZATIONS)
@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"phone": ', id="truncated-json"),
        pytest.param(b"not json at all", id="not-json"),
        pytest.param(b'{"phone": 15105553344, "first": ["wrong type"]}', id="wrong-types"),
        pytest.param(b"", id="empty"),
    ],
)
def test_bad_token_with_bad_body_is_a_401_not_a_400(
    api: HttpApi, forger: Forger, hostile: Hostile, message: str, body: bytes
) -> None:
    authorization = hostile(forger)
    response = api.post(
        "/v1/contact",
        authorization=authorization,
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert_unauthorized(response, message)


def test_bad_token_with_oversized_body_is_a_401_not_a_413(api: HttpApi) -> None:
    body = b'{"phone": "15105553344", "first": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    response = api.post("/v1/contact", authorization="", content=body)
    assert_unauthorized(response, "missing Authorization header")


@pytest.mark.parametrize(("hostile", "message"), BAD_AUTHORIZATIONS)
def test_bad_token_with_valid_body_creates_nothing(
    api: HttpApi, forger: Forger, database: Database, hostile: Hostile, message: str
) -> None:
    phone = unique_phone()
    response = api.post("/v1/contact", authorization=hostile(forger), json={"phone": phone})
    assert_unauthorized(response, message)
    assert database.contacts_with_phone(phone) == 0
    api.create_contact(phone=phone)  # a 200, not a 409: nothing was written before
    assert database.contacts_with_phone(phone) == 1


@pytest.mark.parametrize(
    ("method", "json_body"),
    [
        pytest.param("PUT", {"phone": "15105550000", "first": "Changed"}, id="update"),
        pytest.param("DELETE", None, id="delete"),
    ],
)
def test_bad_token_changes_no_existing_contact(
    api: HttpApi, forger: Forger, method: str, json_body: Any
) -> None:
    contact_id = api.create_contact(first="Kept")
    before = api.get(f"/v1/contact/{contact_id}").json()
    expired = bearer(forger.token(payload=forger.claims(iat=now() - 400)))
    response = api.request(
        method, f"/v1/contact/{contact_id}", authorization=expired, json=json_body
    )
    assert_unauthorized(response, "token expired")
    assert api.get(f"/v1/contact/{contact_id}").json() == before


# --- request ids -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(None, id="valid-token"),
        pytest.param("Bearer not.a.token", id="bad-token"),
        pytest.param("", id="no-authorization"),
    ],
)
def test_client_request_id_is_never_echoed(api: HttpApi, authorization: str | None) -> None:
    response = api.get(
        "/v1/team", authorization=authorization, headers={"X-Request-Id": "client-123"}
    )
    request_ids = response.headers.get_list("x-request-id")
    assert len(request_ids) == 1, request_ids
    assert request_ids[0] != "client-123"
    assert is_uuid4(request_ids[0]), request_ids
    if response.status_code != 200:
        assert response.json()["request_id"] == request_ids[0]
    assert "client-123" not in response.text


def test_every_401_has_a_fresh_request_id(api: HttpApi) -> None:
    ids = {api.get("/v1/team", authorization="").headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5
    assert all(is_uuid4(request_id) for request_id in ids)
