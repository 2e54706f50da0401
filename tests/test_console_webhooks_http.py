"""The console's webhook pages over real HTTP, on both databases, on a server that sends
webhooks to public addresses only (its default): subscriptions added, listed and removed,
the token shown once, URLs checked as ``webhook add`` checks them, CSRF, and another team's
ids and data (contract sections 10 and 12). Deliveries to a real receiver are in
``test_console_emulator_http.py``, where loopback addresses are allowed."""

from __future__ import annotations

import html

import pytest

from console_support import Browser, new_login
from heymarket_contacts.server.store import Store
from support import RunningServer, TeamCredentials, TeamFactory

#: A public address: subscriptions to it are accepted. Nothing here makes an event that
#: would be sent to it.
PUBLIC = "https://1.1.1.1/hooks/heymarket"


def subscriptions_of(store: Store, team_id: int) -> list[tuple[int, str, tuple[str, ...]]]:
    with store.read() as tx:
        return [(s.id, s.url, s.events) for s in tx.list_subscriptions(team_id)]


def _between(text: str, start: str, end: str = "<") -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


def test_a_subscription_is_added_listed_with_its_token_shown_once_and_removed(
    browser: Browser, store: Store, team: TeamCredentials
) -> None:
    browser.get("/console/webhooks")
    made = browser.post(
        "/console/webhooks", {"url": PUBLIC, "event": ["target_opt_out", "contact_created"]}
    )
    assert made.status_code == 200, made.text
    subscription_id = int(_between(made.text, 'id="new-webhook-id">'))
    token = _between(made.text, 'id="new-webhook-token">')
    assert len(token) >= 32
    assert subscriptions_of(store, team.team_id) == [
        (subscription_id, PUBLIC, ("target_opt_out", "contact_created"))
    ]
    listing = browser.get("/console/webhooks")
    assert PUBLIC in listing.text
    assert "target_opt_out, contact_created" in listing.text
    assert token not in listing.text
    chosen = browser.post("/console/webhooks", {"url": PUBLIC, "token": "my-own-token-1"})
    assert _between(chosen.text, 'id="new-webhook-token">') == "my-own-token-1"
    assert subscriptions_of(store, team.team_id)[1][2] == ("target_opt_out", "target_opt_in")
    short = browser.post("/console/webhooks", {"url": PUBLIC, "token": "short"})
    assert short.status_code == 400
    assert 'id="error-token"' in short.text
    confirm = browser.get(f"/console/webhooks/{subscription_id}/remove")
    assert confirm.status_code == 200
    assert "Remove this subscription" in confirm.text
    assert len(subscriptions_of(store, team.team_id)) == 2  # asking removes nothing
    removed = browser.post(f"/console/webhooks/{subscription_id}/remove")
    assert removed.status_code == 303
    assert removed.headers["location"] == "/console/webhooks?notice=removed"
    assert [s[0] for s in subscriptions_of(store, team.team_id)] != [subscription_id]
    assert len(subscriptions_of(store, team.team_id)) == 1
    assert browser.post(f"/console/webhooks/{subscription_id}/remove").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("http://127.0.0.1:8080/hooks", id="loopback"),
        pytest.param("http://localhost/hooks", id="localhost"),
        pytest.param("http://10.1.2.3/hooks", id="private"),
        pytest.param("http://169.254.169.254/latest", id="link-local"),
        pytest.param("ftp://1.1.1.1/hooks", id="not-http"),
        pytest.param("https://user:pw@1.1.1.1/hooks", id="credentials"),
    ],
)
def test_a_url_webhooks_may_not_go_to_is_refused_next_to_the_url_field(
    browser: Browser, store: Store, team: TeamCredentials, url: str
) -> None:
    refused = browser.post("/console/webhooks", {"url": url, "event": "contact_created"})
    assert refused.status_code == 400
    error = _between(refused.text, 'id="error-url" role="alert">')
    assert "url" in error
    assert f'value="{html.escape(url)}"' in refused.text  # what was typed stays
    assert 'value="contact_created" checked' in refused.text
    assert subscriptions_of(store, team.team_id) == []


def test_an_unknown_event_is_refused_next_to_the_events(browser: Browser) -> None:
    refused = browser.post("/console/webhooks", {"url": PUBLIC, "event": "contact_exploded"})
    assert refused.status_code == 400
    assert 'id="error-events"' in refused.text


def test_webhook_forms_without_or_with_another_sessions_token_are_refused(
    server: RunningServer, browser: Browser, store: Store, team: TeamCredentials
) -> None:
    browser.post("/console/webhooks", {"url": PUBLIC})
    ((subscription_id, _, _),) = subscriptions_of(store, team.team_id)
    forms = [
        ("/console/webhooks", {"url": PUBLIC}),
        (f"/console/webhooks/{subscription_id}/remove", {}),
        ("/console/deliveries/5f0c4a53-0000-4000-8000-000000000000/redeliver", {}),
    ]
    with Browser(server.base_url) as other:
        other.signed_in_as(new_login(store, team.team_id))
        for path, data in forms:
            missing = browser.post(path, data, csrf=False)
            assert missing.status_code == 403, path
            assert "security token" in missing.text
            assert browser.post(path, {**data, "csrf": other.csrf}).status_code == 403, path
    assert [s[0] for s in subscriptions_of(store, team.team_id)] == [subscription_id]


def test_another_teams_subscriptions_are_never_shown_and_their_ids_are_404(
    server: RunningServer, browser: Browser, store: Store, make_team: TeamFactory
) -> None:
    theirs = make_team("Theirs")
    marker = "https://1.1.1.1/hooks/theirs-only"
    with Browser(server.base_url) as stranger:
        stranger.signed_in_as(new_login(store, theirs.team_id))
        made = stranger.post("/console/webhooks", {"url": marker})
        subscription_id = int(_between(made.text, 'id="new-webhook-id">'))
    browser.post("/console/webhooks", {"url": PUBLIC})
    for path in ("/console/webhooks", "/console/deliveries"):
        page = browser.get(path)
        assert page.status_code == 200, path
        assert marker not in page.text, path
    for path in (f"/console/webhooks/{subscription_id}/remove",
                 f"/console/deliveries?subscription={subscription_id}",
                 "/console/webhooks/99999999999999999999/remove",
                 "/console/deliveries?subscription=x"):  # fmt: skip
        assert browser.get(path).status_code == 404, path
    assert browser.post(f"/console/webhooks/{subscription_id}/remove").status_code == 404
    assert [s[1] for s in subscriptions_of(store, theirs.team_id)] == [marker]


def test_html_and_script_in_a_url_and_a_token_are_shown_escaped(browser: Browser) -> None:
    hostile = 'https://1.1.1.1/hooks?next="><script>alert(1)</script>&a=1'
    made = browser.post("/console/webhooks", {"url": hostile, "token": "<script>x</script>"})
    assert made.status_code == 200, made.text
    assert 'id="new-webhook-token">&lt;script&gt;x&lt;/script&gt;<' in made.text
    refused = browser.post("/console/webhooks", {"url": "http://<script>alert(1)</script>/"})
    assert refused.status_code == 400
    assert 'value="http://&lt;script&gt;alert(1)&lt;/script&gt;/"' in refused.text
    listing = browser.get("/console/webhooks")
    for page in (made, refused, listing):
        assert "<script>" not in page.text
    assert "%3C/script%3E&amp;a=1</code>" in listing.text  # as the server keeps it, escaped


def test_the_deliveries_page_checks_its_filters(browser: Browser) -> None:
    empty = browser.get("/console/deliveries?failed=1")
    assert empty.status_code == 200
    assert "No deliveries failed." in empty.text
    assert browser.get("/console/deliveries?before=yesterday").status_code == 400
