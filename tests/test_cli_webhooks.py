"""``heymarket-contacts webhook ...`` run as an operator runs it (one process a command), against
a running server's database, with a real receiver: on both databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from support import Canary, unique_phone
from webhook_support import FAST_WEBHOOKS, Answer, HookServer, hook_database, hook_server, receiver


@pytest.fixture(scope="module")
def hooks(
    backend: str, server_environment: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HookServer]:
    folder = tmp_path_factory.mktemp(f"cli-hooks-{backend}")
    with (
        hook_database(backend, folder) as url,
        hook_server(url, server_environment, folder, "--webhooks-allow-private",
                    "--webhook-tries", "1", *FAST_WEBHOOKS) as running,
    ):  # fmt: skip
        yield running


def cli(hooks: HookServer, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HEYMARKET_")}
    environment.update(hooks.environment)
    environment["HEYMARKET_DATABASE_URL"] = hooks.database_url
    result = subprocess.run(
        [sys.executable, "-m", "heymarket_contacts", "webhook", *args],
        capture_output=True, text=True, env=environment, timeout=60, check=False,
    )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    if ok:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def as_json(hooks: HookServer, *args: str) -> Any:
    return json.loads(cli(hooks, *args).stdout)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param("http://127.0.0.1:9/hook", "loopback address", id="loopback"),
        pytest.param("http://localhost:9/hook", "loopback address", id="localhost"),
        pytest.param("http://10.0.0.8/hook", "private address", id="private"),
        pytest.param("file:///etc/passwd", "must use http or https, not file", id="file"),
        pytest.param("gopher://example.com/", "not gopher", id="gopher"),
        pytest.param("https://me:secret@example.com/", "user name or password", id="password"),
    ],
)
def test_add_refuses_a_url_webhooks_may_not_go_to(
    hooks: HookServer, canary: Canary, url: str, message: str
) -> None:
    team = hooks.new_team(canary)
    result = cli(hooks, "add", "--team", str(team.team_id), "--url", url, ok=False)
    assert result.returncode == 1
    assert message in result.stderr
    assert result.stderr.count("\n") == 1  # one line


def test_add_list_remove(hooks: HookServer, canary: Canary) -> None:
    team = hooks.new_team(canary)
    made = as_json(
        hooks, "add", "--team", str(team.team_id), "--url", "http://127.0.0.1:9/hook",
        "--event", "contact_created", "--event", "target_opt_out", "--token", "my-token-123",
        "--webhooks-allow-private",
    )  # fmt: skip
    assert made == {
        "id": made["id"], "team_id": team.team_id, "url": "http://127.0.0.1:9/hook",
        "events": ["contact_created", "target_opt_out"], "token": "my-token-123",
        "created": made["created"],
    }  # fmt: skip
    listed = as_json(hooks, "list", "--team", str(team.team_id))
    assert listed == [made]
    assert "removed webhook subscription" in cli(hooks, "remove", str(made["id"])).stdout
    assert as_json(hooks, "list", "--team", str(team.team_id)) == []
    again = cli(hooks, "remove", str(made["id"]), ok=False)
    assert again.returncode == 1
    assert f"no webhook subscription {made['id']}" in again.stderr
    unknown = cli(hooks, "add", "--team", str(team.team_id), "--url", "http://127.0.0.1/",
                  "--webhooks-allow-private", "--event", "nope", ok=False)  # fmt: skip
    assert unknown.returncode == 2
    assert "nope" in unknown.stderr


def test_a_failed_delivery_is_listed_and_redelivered(hooks: HookServer, canary: Canary) -> None:
    team = hooks.new_team(canary)
    with receiver() as sink:
        sink.answer(Answer(500))
        made = as_json(hooks, "add", "--team", str(team.team_id), "--url", sink.url,
                       "--webhooks-allow-private")  # fmt: skip
        with hooks.api(team) as api:
            phone = unique_phone()
            assert api.post("/v1/contact", json={"phone": phone, "is_opted_out": True}).is_success
        (first,) = sink.wait_for(1)
        failed = _failed(hooks, made["id"])
        assert failed["id"] == first.delivery
        assert (failed["attempts"], failed["last_status"]) == (1, 500)
        again = as_json(hooks, "redeliver", failed["id"])
        assert again["state"] == "pending"
        second = sink.wait_for(2)[1]
        assert second.delivery == first.delivery
        assert second.body == first.body
        pending = cli(hooks, "redeliver", "no-such-delivery", ok=False)
        assert "no webhook delivery no-such-delivery" in pending.stderr


def _failed(hooks: HookServer, subscription_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while True:
        listed = as_json(hooks, "deliveries", "--id", str(subscription_id), "--failed")
        if listed or time.monotonic() > deadline:
            assert len(listed) == 1, listed
            return dict(listed[0])
        time.sleep(0.2)
