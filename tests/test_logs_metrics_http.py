"""JSON logs and ``/metrics`` (contract section 11) from a real server process."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from heymarket_contacts.server.app import create_app
from heymarket_contacts.server.settings import load_settings
from support import Canary, RunningServer, TeamCredentials, shared_tls

REQUEST_COUNT = re.compile(
    r'^heymarket_requests_total\{method="GET",route="/v1/team",status="200"\} (\S+)$', re.M
)


@pytest.fixture
def json_server(
    database_url: str, server_environment: dict[str, str], server: RunningServer, tmp_path: Path
) -> Iterator[RunningServer]:
    """A second server on the session's database, logging JSON, with metrics on."""
    running = RunningServer.start(
        database_url, server_environment, tmp_path / "json.log", "--log-format", "json",
        "--metrics", "--workers", "2",
    )  # fmt: skip
    yield running
    running.stop()


def test_every_log_line_is_one_json_object_without_secrets(
    json_server: RunningServer, team: TeamCredentials, canary: Canary
) -> None:
    token = team.token()
    canary.add(token)
    headers = {"Authorization": f"Bearer {token}", "X-Secret": team.secret_key}
    answer = httpx.post(
        f"{json_server.base_url}/v1/contact", headers=headers,
        json={"phone": "15105550177", "first": team.secret_key[:20]}, verify=shared_tls(),
    )  # fmt: skip
    assert answer.status_code in (200, 409)
    request_id = answer.headers["x-request-id"]
    json_server.stop()
    lines = json_server.log_path.read_text().splitlines()
    banner = ("Serving", "Created", "Web console at")  # the start's own lines, on stdout
    records = [json.loads(line) for line in lines if not line.startswith(banner)]
    access = [r for r in records if r.get("request_id") == request_id]
    assert len(access) == 1
    assert access[0] | {"time": "", "duration_ms": 0} == {
        "time": "", "level": "info", "logger": "heymarket_contacts.access",
        "message": access[0]["message"], "request_id": request_id, "method": "POST",
        "route": "/v1/contact", "status": answer.status_code, "duration_ms": 0,
        "team_id": team.team_id, "path": "/v1/contact",
    }  # fmt: skip
    assert any(r["logger"].startswith("_granian") for r in records)
    text = json_server.log_path.read_text()
    canary.assert_absent_from(text, where="the JSON log")
    assert team.secret_key[:20] not in text


def test_metrics_count_requests_of_every_worker(
    json_server: RunningServer, team: TeamCredentials
) -> None:
    def count() -> float:
        exposition = httpx.get(f"{json_server.base_url}/metrics", verify=shared_tls()).text
        found = REQUEST_COUNT.search(exposition)
        return float(found[1]) if found else 0.0

    before = count()
    headers = {"Authorization": f"Bearer {team.token()}"}
    for _ in range(40):
        httpx.get(f"{json_server.base_url}/v1/team", headers=headers, verify=shared_tls())
    assert count() == before + 40
    exposition = httpx.get(f"{json_server.base_url}/metrics", verify=shared_tls()).text
    assert "heymarket_request_duration_seconds_bucket" in exposition
    assert "heymarket_rate_limited_total" in exposition


def test_metrics_are_off_unless_asked(server: RunningServer) -> None:
    assert httpx.get(f"{server.base_url}/metrics", verify=shared_tls()).status_code == 404


def _metrics_answer(tmp_path: Path, client: str, token: str | None, sent: str | None) -> int:
    """The status of ``GET /metrics`` from the address ``client``, in this process."""
    settings = load_settings(
        {}, database=str(tmp_path / "metrics.db"), metrics=True, metrics_token=token
    )
    app = create_app(settings)

    async def get() -> int:
        transport = httpx.ASGITransport(app=app, client=(client, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            headers = {"Authorization": sent} if sent else {}
            return (await http.get("/metrics", headers=headers)).status_code

    return asyncio.run(get())


@pytest.mark.parametrize(
    ("client", "token", "sent", "status"),
    [
        pytest.param("127.0.0.1", None, None, 200, id="loopback"),
        pytest.param("::1", None, None, 200, id="loopback-v6"),
        pytest.param("203.0.113.9", None, None, 403, id="remote-without-token-setting"),
        pytest.param("203.0.113.9", "s3cret", None, 403, id="remote-without-token"),
        pytest.param("203.0.113.9", "s3cret", "Bearer wrong", 403, id="remote-wrong-token"),
        pytest.param("203.0.113.9", "s3cret", "Bearer s3cret", 200, id="remote-with-token"),
        pytest.param("127.0.0.1", "s3cret", None, 403, id="token-set-needs-it-everywhere"),
    ],
)
def test_who_may_read_metrics(
    tmp_path: Path, client: str, token: str | None, sent: str | None, status: int
) -> None:
    assert _metrics_answer(tmp_path, client, token, sent) == status
