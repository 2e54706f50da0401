"""The legacy team API key over HTTP (contract section 2.2), through real servers.

A key made with ``key rotate`` authenticates as the team's owner, as ``Bearer <key>`` or as
HTTP Basic with the key as user name and an empty password; rotating or revoking it counts
from the next request; a server started with ``--no-legacy-keys`` refuses both forms.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from checks import Sql, assert_unauthorized
from heymarket_contacts.server.service.admin import AdminService
from support import Canary, HttpApi, RunningServer, TeamCredentials, shared_tls, unique_phone

UNKNOWN = "unknown team API key"
DISABLED = "team API keys are disabled on this server: send an API secret JWT"
BASIC_HINT = "the team API key goes as the user name with an empty password, or send a Bearer JWT"


def bearer(key: str) -> str:
    return f"Bearer {key}"


def basic(user: str, password: str = "") -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


Header = Callable[[str], str]


def new_key(admin: AdminService, canary: Canary, team_id: int) -> str:
    """A new key for the team, known to the canary: it must never show up in an answer or log."""
    key = admin.rotate_team_key(team_id).key
    canary.add(key)
    return key


def owner_of(admin: AdminService, team: TeamCredentials) -> int:
    (secret,) = admin.list_secrets(team.team_id)
    return secret.user_id


@pytest.fixture
def sql(backend: str, database_url: str) -> Sql:
    return Sql(backend, database_url)


# --- the key works in both forms, as the team's owner ---------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(bearer, id="bearer"),
        pytest.param(lambda key: f"bearer {key}", id="bearer-lower-case"),
        pytest.param(basic, id="basic"),
        pytest.param(lambda key: basic(key).replace("Basic", "BASIC"), id="basic-upper-case"),
    ],
)
def test_a_team_key_authenticates_as_the_team(
    api: HttpApi, admin: AdminService, canary: Canary, authorization: Header
) -> None:
    key = new_key(admin, canary, api.team.team_id)
    header = authorization(key)
    response = api.get("/v1/team", authorization=header)
    assert response.status_code == 200, response.text
    assert response.json()["id"] == api.team.team_id
    assert response.headers["x-ratelimit-limit"] == "500"


def test_a_contact_made_with_the_key_is_the_owners_and_the_teams(
    api: HttpApi, other_api: HttpApi, admin: AdminService, canary: Canary
) -> None:
    key = new_key(admin, canary, api.team.team_id)
    phone = unique_phone()
    made = api.post("/v1/contact", json={"phone": phone}, authorization=bearer(key))
    assert made.status_code == 200, made.text
    contact = api.get(f"/v1/contact/{made.json()['id']}").json()  # read back with the JWT
    assert (contact["team_id"], contact["creator_id"], contact["phone"]) == (
        api.team.team_id,
        owner_of(admin, api.team),
        phone,
    )
    assert other_api.get(f"/v1/contact/{made.json()['id']}").status_code == 404


def test_each_team_key_sees_its_own_team_only(
    api: HttpApi, other_api: HttpApi, admin: AdminService, canary: Canary
) -> None:
    mine = new_key(admin, canary, api.team.team_id)
    theirs = new_key(admin, canary, other_api.team.team_id)
    contact_id = api.create_contact()
    assert api.get("/v1/team", authorization=bearer(theirs)).json()["id"] == other_api.team.team_id
    response = api.get(f"/v1/contact/{contact_id}", authorization=bearer(theirs))
    assert response.status_code == 404
    assert api.get(f"/v1/contact/{contact_id}", authorization=bearer(mine)).status_code == 200


def test_the_database_holds_only_the_keys_sha256(
    api: HttpApi, admin: AdminService, canary: Canary, sql: Sql
) -> None:
    key = new_key(admin, canary, api.team.team_id)
    stored = sql.value("SELECT api_key_hash FROM teams WHERE id = ?", api.team.team_id)
    assert stored == hashlib.sha256(key.encode()).hexdigest()
    assert len(base64.urlsafe_b64decode(key + "=")) == 32
    assert api.get("/v1/team", authorization=bearer(stored)).status_code == 401


# --- keys that do not work ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        pytest.param(lambda key: bearer(key[:-1]), UNKNOWN, id="bearer-truncated-key"),
        pytest.param(lambda key: bearer(key + "x"), UNKNOWN, id="bearer-longer-key"),
        pytest.param(lambda key: bearer(key.upper()), UNKNOWN, id="bearer-other-case"),
        pytest.param(lambda key: f"Bearer  {key}",
                     f"{UNKNOWN}: remove the whitespace around the key", id="bearer-two-spaces"),
        pytest.param(lambda key: bearer(f'"{key}"'),
                     f"{UNKNOWN}: remove the quotes around the key", id="bearer-quoted-key"),
        pytest.param(lambda key: bearer(f"'{key} '"),
                     f"{UNKNOWN}: remove the quotes and whitespace around the key",
                     id="bearer-quoted-key-with-a-space"),
        pytest.param(lambda key: basic(key[:-1]), UNKNOWN, id="basic-truncated-key"),
        pytest.param(lambda key: basic("", key),
                     f"malformed Basic credentials: the user name is empty; {BASIC_HINT}",
                     id="basic-key-as-password"),
        pytest.param(
            lambda key: basic(key, "x"),
            f"the Basic password must be empty: {BASIC_HINT}",
            id="basic-with-a-password",
        ),
        pytest.param(
            lambda key: "Basic " + base64.b64encode(key.encode()).decode(),
            "malformed Basic credentials: not base64 of key:",
            id="basic-without-colon",
        ),
        pytest.param(
            lambda key: f"Basic {key}:", "malformed Basic credentials: not base64 of key:",
            id="basic-not-base64",
        ),
        pytest.param(lambda key: "Basic", "malformed Basic credentials", id="basic-empty"),
        pytest.param(
            lambda key: "Basic " + base64.b64encode(b"\xff\xfe:").decode(),
            "malformed Basic credentials: not base64 of key:",
            id="basic-not-utf8",
        ),
        pytest.param(
            lambda key: bearer(f"{key[:20]}.{key[20:]}"),
            "token must have exactly three segments",
            id="bearer-with-one-dot-is-no-key",
        ),
    ],
)  # fmt: skip
def test_a_wrong_key_is_a_401_saying_what_failed(
    api: HttpApi, admin: AdminService, canary: Canary, authorization: Header, message: str
) -> None:
    key = new_key(admin, canary, api.team.team_id)
    header = authorization(key)
    contact_id = api.create_contact()
    assert_unauthorized(api.get("/v1/team", authorization=header), message)
    assert_unauthorized(api.delete(f"/v1/contact/{contact_id}", authorization=header), message)
    assert api.get(f"/v1/contact/{contact_id}").status_code == 200


@pytest.mark.parametrize("value", ["x" * 43, "short", "Zm9vOg==", "team-key"])
def test_an_unknown_key_is_refused(api: HttpApi, value: str) -> None:
    assert_unauthorized(api.get("/v1/team", authorization=bearer(value)), UNKNOWN)
    assert_unauthorized(api.get("/v1/team", authorization=basic(value)), UNKNOWN)


def test_rotation_replaces_the_key_at_once(
    api: HttpApi, admin: AdminService, canary: Canary
) -> None:
    old = new_key(admin, canary, api.team.team_id)
    assert api.get("/v1/team", authorization=bearer(old)).status_code == 200
    new = new_key(admin, canary, api.team.team_id)
    assert new != old
    assert_unauthorized(api.get("/v1/team", authorization=bearer(old)), UNKNOWN)
    assert_unauthorized(api.get("/v1/team", authorization=basic(old)), UNKNOWN)
    assert api.get("/v1/team", authorization=bearer(new)).status_code == 200
    assert api.get("/v1/team", authorization=basic(new)).status_code == 200


def test_revocation_counts_from_the_next_request(
    api: HttpApi, admin: AdminService, canary: Canary
) -> None:
    key = new_key(admin, canary, api.team.team_id)
    assert api.get("/v1/team", authorization=basic(key)).status_code == 200
    admin.revoke_team_key(api.team.team_id)
    assert_unauthorized(api.get("/v1/team", authorization=bearer(key)), UNKNOWN)
    assert_unauthorized(api.get("/v1/team", authorization=basic(key)), UNKNOWN)
    assert api.get("/v1/team").status_code == 200  # the team's API secret is untouched


def test_the_cli_rotates_the_key_of_a_running_server(
    api: HttpApi,
    admin: AdminService,
    canary: Canary,
    database_url: str,
    server_environment: dict[str, str],
) -> None:
    old = new_key(admin, canary, api.team.team_id)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HEYMARKET_")}
    result = subprocess.run(
        [
            sys.executable, "-m", "heymarket_contacts", "key", "rotate",
            "--team", str(api.team.team_id), "--database", database_url, "--json",
        ],
        capture_output=True, text=True, env={**environment, **server_environment}, timeout=60,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    made = json.loads(result.stdout)
    canary.add(made["key"])
    assert made == {"team_id": api.team.team_id, "key": made["key"]}
    assert_unauthorized(api.get("/v1/team", authorization=bearer(old)), UNKNOWN)
    assert api.get("/v1/team", authorization=bearer(made["key"])).json()["id"] == api.team.team_id


def test_the_key_acts_as_the_first_owner_when_ownership_moves(
    api: HttpApi, admin: AdminService, canary: Canary
) -> None:
    key = new_key(admin, canary, api.team.team_id)
    owner = owner_of(admin, api.team)
    heir = admin.create_user(api.team.team_id, first_name="Heir")
    handed_over = api.post(
        "/v1/users/update",
        json={"users": [{"id": heir.id, "role_id": 1}, {"id": owner, "role_id": 3}]},
    )
    assert handed_over.status_code == 200, handed_over.text
    made = api.post("/v1/contact", json={"phone": unique_phone()}, authorization=bearer(key))
    assert made.status_code == 200, made.text
    assert api.get(f"/v1/contact/{made.json()['id']}").json()["creator_id"] == heir.id


# --- a server with --no-legacy-keys ---------------------------------------------------------


@pytest.fixture(scope="module")
def keyless_server(
    database_url: str,
    server_environment: dict[str, str],
    canary: Canary,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningServer]:
    log_path = Path(tmp_path_factory.mktemp("keyless")) / "server.log"
    running = RunningServer.start(database_url, server_environment, log_path, "--no-legacy-keys")
    try:
        yield running
    finally:
        running.stop()
        canary.assert_absent_from(log_path.read_text(errors="replace"), where="the server log")


@pytest.fixture
def keyless_api(
    keyless_server: RunningServer, team: TeamCredentials, canary: Canary
) -> Iterator[HttpApi]:
    with HttpApi(keyless_server.base_url, team, canary) as client:
        yield client


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(bearer, id="bearer"),
        pytest.param(basic, id="basic"),
        pytest.param(lambda key: bearer("x" * 43), id="bearer-unknown-key"),
        pytest.param(lambda key: basic(key, "x"), id="basic-with-a-password"),
    ],
)
def test_a_server_without_legacy_keys_refuses_them(
    keyless_api: HttpApi, admin: AdminService, canary: Canary, authorization: Header
) -> None:
    key = new_key(admin, canary, keyless_api.team.team_id)
    header = authorization(key)
    assert_unauthorized(keyless_api.get("/v1/team", authorization=header), DISABLED)
    assert_unauthorized(keyless_api.post("/v1/contact", authorization=header, json={}), DISABLED)


def test_a_server_without_legacy_keys_still_takes_jwts(keyless_api: HttpApi) -> None:
    response = keyless_api.get("/v1/team")
    assert response.status_code == 200
    assert response.json()["id"] == keyless_api.team.team_id
    assert_unauthorized(
        keyless_api.get("/v1/team", authorization="Bearer a.b"),
        "token must have exactly three segments",
    )


# --- one rate-limit budget per team ---------------------------------------------------------


@pytest.fixture
def limited_server(
    database_url: str, server_environment: dict[str, str], canary: Canary, tmp_path: Path
) -> Iterator[RunningServer]:
    """A second server on the same database, admitting 5 requests a minute per team."""
    log_path = tmp_path / "server.log"
    running = RunningServer.start(database_url, server_environment, log_path, "--rate-limit", "5")
    try:
        yield running
    finally:
        running.stop()
        canary.assert_absent_from(log_path.read_text(errors="replace"), where="the server log")


def test_a_key_and_a_secret_of_a_team_draw_from_one_budget(
    limited_server: RunningServer,
    team: TeamCredentials,
    other_api: HttpApi,
    admin: AdminService,
    canary: Canary,
) -> None:
    key = new_key(admin, canary, team.team_id)
    with HttpApi(limited_server.base_url, team, canary) as client:
        answers = [
            client.get("/v1/team", authorization=bearer(key) if n % 2 == 0 else None)
            for n in range(5)
        ]
        assert [a.status_code for a in answers] == [200] * 5
        assert [a.headers["x-ratelimit-remaining"] for a in answers] == ["4", "3", "2", "1", "0"]
        assert client.get("/v1/team").status_code == 429  # after only 2 JWT requests
        assert client.get("/v1/team", authorization=basic(key)).status_code == 429
    other = httpx.get(
        f"{limited_server.base_url}/v1/team",
        headers={"Authorization": f"Bearer {other_api.token}"},
        timeout=30,
        verify=shared_tls(),
    )
    assert other.status_code == 200  # another team has a budget of its own
