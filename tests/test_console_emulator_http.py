"""The console's emulator pages (``serve --emulator``): the request journal with its live
tail and the fault rules, each of the console user's team only; and, since the emulator lets
webhooks go to loopback addresses, deliveries to a real receiver and their redelivery."""

from __future__ import annotations

import html
import re

import httpx

from console_support import Browser, Receiver, new_login, wait_for
from heymarket_contacts.server.store import Store
from support import (
    RunningServer,
    TeamCredentials,
    TeamFactory,
    shared_tls,
    unique_phone,
)


def _call(server: RunningServer, team: TeamCredentials, path: str) -> httpx.Response:
    return httpx.get(
        f"{server.base_url}{path}",
        headers={"Authorization": f"Bearer {team.token()}"},
        verify=shared_tls(),
    )


def test_the_journal_shows_the_teams_requests_only(
    emulator_server: RunningServer, emulator_store: Store, emulator_teams: TeamFactory
) -> None:
    mine, theirs = emulator_teams("Mine"), emulator_teams("Theirs")
    own = _call(emulator_server, mine, "/v1/team").headers["x-request-id"]
    missing = _call(emulator_server, mine, "/v1/contact/999999999").headers["x-request-id"]
    other = _call(emulator_server, theirs, "/v1/team").headers["x-request-id"]
    with Browser(emulator_server.base_url) as browser:
        browser.signed_in_as(new_login(emulator_store, mine.team_id))
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
            verify=shared_tls(),
        )
        journal = browser.get("/console/journal?path=/v1/contact")
        assert hostile.headers["x-request-id"] in journal.text
        assert "<script>" not in journal.text
        assert "&lt;script&gt;" in journal.text
        bad = browser.get("/console/journal?status=abc")
        assert bad.status_code == 400
        assert 'id="error-status"' in bad.text


def test_a_fault_rule_made_in_the_console_hits_the_teams_requests_only(
    emulator_server: RunningServer, emulator_store: Store, emulator_teams: TeamFactory
) -> None:
    mine, theirs = emulator_teams("Mine"), emulator_teams("Theirs")
    with Browser(emulator_server.base_url) as browser:
        browser.signed_in_as(new_login(emulator_store, mine.team_id))
        browser.get("/console/faults")
        added = browser.post("/console/faults", {"path": "/v1/team", "status": "503"})
        assert added.status_code == 303
        assert _call(emulator_server, mine, "/v1/team").status_code == 503
        assert _call(emulator_server, theirs, "/v1/team").status_code == 200
        page = browser.get("/console/faults")
        assert "status 503" in page.text
        fault_id = added.headers["location"].split("added=")[1]
        with Browser(emulator_server.base_url) as stranger:
            stranger.signed_in_as(new_login(emulator_store, theirs.team_id))
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
    for path in ("/console/journal", "/console/faults", "/console/journal/tail"):
        assert httpx.get(f"{server.base_url}{path}", verify=shared_tls()).status_code == 404, path


SCRIPT_CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self';"
    " img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def test_the_live_tail_needs_a_session_and_answers_the_teams_new_requests(
    emulator_server: RunningServer, emulator_store: Store, emulator_teams: TeamFactory
) -> None:
    mine, theirs = emulator_teams("Mine"), emulator_teams("Theirs")
    tail = f"{emulator_server.base_url}/console/journal/tail"
    anonymous = httpx.get(tail, verify=shared_tls())
    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == "unauthorized"
    assert "www-authenticate" not in anonymous.headers
    assert httpx.get(tail, cookies={"hm_console": "forged"}, verify=shared_tls()).status_code == 401
    with Browser(emulator_server.base_url) as browser:
        browser.signed_in_as(new_login(emulator_store, mine.team_id))
        page = browser.get("/console/journal")
        assert page.headers["content-security-policy"] == SCRIPT_CSP
        assert '<script src="/console/static/journal.js" defer></script>' in page.text
        since = page.text.split('data-since="')[1].split('"')[0]
        assert browser.get("/console/contacts").headers["content-security-policy"] != SCRIPT_CSP
        own = _call(emulator_server, mine, "/v1/team").headers["x-request-id"]
        missing = _call(emulator_server, mine, "/v1/contact/999999999").headers["x-request-id"]
        other = _call(emulator_server, theirs, "/v1/team").headers["x-request-id"]
        answer = browser.get(f"/console/journal/tail?since={since}")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/json")
        assert answer.headers["cache-control"] == "no-store"
        entries = answer.json()["entries"]
        assert [entry["request_id"] for entry in entries] == [missing, own]  # newest first
        assert other not in answer.text
        assert set(entries[0]) == {
            "seq", "time", "method", "path", "query", "status", "duration_ms", "fault",
            "request_id", "request_text", "response_text",
        }  # fmt: skip
        assert answer.json()["since"] >= entries[0]["seq"]
        filtered = browser.get(f"/console/journal/tail?since={since}&status=404").json()
        assert [entry["request_id"] for entry in filtered["entries"]] == [missing]
        later = browser.get(f"/console/journal/tail?since={answer.json()['since']}").json()
        assert later["entries"] == []
        bad = browser.get("/console/journal/tail?since=soon")
        assert bad.status_code == 400
        assert bad.json()["field"] == "since"
    script = httpx.get(f"{emulator_server.base_url}/console/static/journal.js", verify=shared_tls())
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")


def _deliveries(browser: Browser, query: str = "") -> str:
    page = browser.get(f"/console/deliveries{query}")
    assert page.status_code == 200, page.text
    return page.text


def _row(page: str, delivery_id: str) -> str:
    return page.split(f'id="delivery-{delivery_id}"')[1].split("</tr>", maxsplit=1)[0]


def test_a_failed_delivery_is_shown_and_redelivered_from_the_console(
    emulator_server: RunningServer, emulator_store: Store, emulator_teams: TeamFactory
) -> None:
    mine, theirs = emulator_teams("Mine"), emulator_teams("Theirs")
    with (
        Receiver(status=500) as receiver,
        Browser(emulator_server.base_url) as browser,
        Browser(emulator_server.base_url) as stranger,
    ):
        browser.signed_in_as(new_login(emulator_store, mine.team_id))
        stranger.signed_in_as(new_login(emulator_store, theirs.team_id))
        browser.get("/console/webhooks")
        made = browser.post("/console/webhooks", {"url": receiver.url, "event": "contact_created"})
        assert made.status_code == 200, made.text  # --emulator lets webhooks go to loopback
        created = httpx.post(
            f"{emulator_server.base_url}/v1/contact", json={"phone": "15105550123"},
            headers={"Authorization": f"Bearer {mine.token()}"}, verify=shared_tls(),
        )  # fmt: skip
        assert created.status_code == 200, created.text
        wait_for(lambda: "state-failed" in _deliveries(browser, "?failed=1"), "failed")
        (delivery_id,) = receiver.deliveries
        failed = _row(_deliveries(browser, "?failed=1"), delivery_id)
        assert "contact_created" in failed
        assert "failed (HTTP 500)" in failed
        assert "1 of 1" in failed
        assert "Redeliver" in failed
        assert delivery_id not in _deliveries(stranger)
        path = f"/console/deliveries/{delivery_id}/redeliver"
        assert stranger.post(path).status_code == 404
        assert browser.post(path, csrf=False).status_code == 403
        assert browser.post(path, {"csrf": stranger.csrf}).status_code == 403
        assert "failed (HTTP 500)" in _row(_deliveries(browser), delivery_id)
        receiver.status = 200
        again = browser.post(path)
        assert again.status_code == 303
        assert again.headers["location"] == "/console/deliveries?notice=redelivered"
        wait_for(lambda: "state-delivered" in _deliveries(browser), "delivered")
        assert receiver.deliveries == [delivery_id, delivery_id]
        delivered = _row(_deliveries(browser), delivery_id)
        assert "delivered (HTTP 200)" in delivered
        assert "2 of 2" in delivered
        assert delivery_id not in _deliveries(browser, "?failed=1")


def test_deliveries_are_shown_newest_first_fifty_a_page(
    emulator_server: RunningServer, emulator_store: Store, emulator_teams: TeamFactory
) -> None:
    mine = emulator_teams("Paged")
    with Receiver(status=204) as receiver, Browser(emulator_server.base_url) as browser:
        browser.signed_in_as(new_login(emulator_store, mine.team_id))
        browser.get("/console/webhooks")
        browser.post("/console/webhooks", {"url": receiver.url, "event": "contact_created"})
        created = httpx.post(
            f"{emulator_server.base_url}/v1/batch/contacts",
            json=[{"phone": unique_phone()} for _ in range(51)],
            headers={"Authorization": f"Bearer {mine.token()}"},
            verify=shared_tls(),
        )
        assert created.status_code == 200, created.text
        first = _deliveries(browser)  # stored with the contacts, whether tried yet or not
        contacts = [int(i) for i in re.findall(r'href="/console/contacts/(\d+)"', first)]
        assert len(contacts) == 50
        assert contacts == sorted(contacts, reverse=True)
        older = re.findall(r'<a href="([^"]+)" rel="next">', first)
        (link,) = older
        second = _deliveries(browser, html.unescape(link).removeprefix("/console/deliveries"))
        rest = [int(i) for i in re.findall(r'href="/console/contacts/(\d+)"', second)]
        assert len(rest) == 1
        assert rest[0] < contacts[-1]
        assert 'rel="next"' not in second
        assert '<a href="/console/deliveries">Newest</a>' in second
