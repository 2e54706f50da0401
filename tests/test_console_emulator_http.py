"""The console's emulator pages (``serve --emulator``): the request journal and fault rules,
each of the console user's team only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from console_support import Browser, new_login
from heymarket_contacts.server.store import Store
from support import RunningServer, TeamCredentials, TeamFactory


@pytest.fixture(scope="module")
def emulator_server(
    database_url: str, server_environment: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    log = Path(tmp_path_factory.mktemp("emulator")) / "server.log"
    running = RunningServer.start(database_url, server_environment, log, "--emulator")
    yield running
    running.stop()


def _call(server: RunningServer, team: TeamCredentials, path: str) -> httpx.Response:
    return httpx.get(
        f"{server.base_url}{path}", headers={"Authorization": f"Bearer {team.token()}"}
    )


def test_the_journal_shows_the_teams_requests_only(
    emulator_server: RunningServer, store: Store, make_team: TeamFactory
) -> None:
    mine, theirs = make_team("Mine"), make_team("Theirs")
    own = _call(emulator_server, mine, "/v1/team").headers["x-request-id"]
    missing = _call(emulator_server, mine, "/v1/contact/999999999").headers["x-request-id"]
    other = _call(emulator_server, theirs, "/v1/team").headers["x-request-id"]
    with Browser(emulator_server.base_url) as browser:
        browser.signed_in_as(new_login(store, mine.team_id))
        page = browser.get("/console/journal")
        assert page.status_code == 200
        assert own in page.text
        assert missing in page.text
        assert other not in page.text
        filtered = browser.get("/console/journal?status=404")
        assert missing in filtered.text
        assert own not in filtered.text
        by_path = browser.get("/console/journal?path=/v1/contact/*")
        assert missing in by_path.text
        assert own not in by_path.text
        hostile = httpx.post(
            f"{emulator_server.base_url}/v1/contact",
            json={"phone": "15105550199", "first": "<script>alert(1)</script>"},
            headers={"Authorization": f"Bearer {mine.token()}"},
        )
        journal = browser.get("/console/journal?path=/v1/contact")
        assert hostile.headers["x-request-id"] in journal.text
        assert "<script>" not in journal.text
        assert "&lt;script&gt;" in journal.text
        bad = browser.get("/console/journal?status=abc")
        assert bad.status_code == 400
        assert 'id="error-status"' in bad.text


def test_a_fault_rule_made_in_the_console_hits_the_teams_requests_only(
    emulator_server: RunningServer, store: Store, make_team: TeamFactory
) -> None:
    mine, theirs = make_team("Mine"), make_team("Theirs")
    with Browser(emulator_server.base_url) as browser:
        browser.signed_in_as(new_login(store, mine.team_id))
        browser.get("/console/faults")
        added = browser.post("/console/faults", {"path": "/v1/team", "status": "503"})
        assert added.status_code == 303
        assert _call(emulator_server, mine, "/v1/team").status_code == 503
        assert _call(emulator_server, theirs, "/v1/team").status_code == 200
        page = browser.get("/console/faults")
        assert "status 503" in page.text
        fault_id = added.headers["location"].split("added=")[1]
        with Browser(emulator_server.base_url) as stranger:
            stranger.signed_in_as(new_login(store, theirs.team_id))
            assert "status 503" not in stranger.get("/console/faults").text
            assert stranger.post(f"/console/faults/{fault_id}/delete").status_code == 404
        assert _call(emulator_server, mine, "/v1/team").status_code == 503
        removed = browser.post(f"/console/faults/{fault_id}/delete")
        assert removed.status_code == 303
        assert _call(emulator_server, mine, "/v1/team").status_code == 200
        for form, field in (({"path": "/v1/team"}, "status"),
                            ({"path": "/v1/team", "status": "200"}, "status"),
                            ({"path": "/v1/team", "status": "500", "drop": "on"}, "drop"),
                            ({"path": "/v1/team", "delay_ms": "99999999"}, "delay_ms"),
                            ({"path": "/v1/team", "status": "500", "probability": "2"},
                             "probability")):  # fmt: skip
            refused = browser.post("/console/faults", form)
            assert refused.status_code == 400, form
            assert f'id="error-{field}"' in refused.text, (form, refused.text)


def test_without_the_emulator_its_pages_are_not_served(server: RunningServer) -> None:
    assert httpx.get(f"{server.base_url}/console/journal").status_code == 404
    assert httpx.get(f"{server.base_url}/console/faults").status_code == 404
