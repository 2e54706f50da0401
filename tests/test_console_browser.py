"""The console in a real browser: headless Chromium from Debian's packages, driven by
Playwright with ``executable_path`` (no browser download). Log in with the keyboard, search,
edit, see a CSRF refusal, subscribe a webhook, log out, and read on a narrow window; on an
emulator, watch the journal's live tail and redeliver a failed delivery.

A screenshot of each page is saved to ``test-artifacts/console/<database>/`` at the top of
the repository (git-ignored), and the run says where.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from console_support import Receiver, new_login, wait_for
from heymarket_contacts.server.console.accounts import NewLogin
from heymarket_contacts.server.store import Store
from support import (
    HttpApi,
    RunningServer,
    TeamFactory,
    service_missing,
    shared_tls,
)

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = os.environ.get("HEYMARKET_TEST_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "console"


@pytest.fixture(scope="module")
def screenshot_folder(backend: str) -> Path:
    """The database's folder, emptied once for this module's tests."""
    folder = SCREENSHOTS / backend
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def screenshots(screenshot_folder: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[Path]:
    folder = screenshot_folder
    yield folder
    names = ", ".join(sorted(path.name for path in folder.glob("*.png")))
    with capsys.disabled():
        print(f"\nconsole screenshots in {folder}: {names}")


@pytest.fixture(scope="module")
def chromium() -> Iterator[playwright_api.Browser]:
    """One Chromium for the module's tests; each test has a context (cookies) of its own."""
    if not Path(CHROMIUM).exists():
        service_missing("Chromium", f"{CHROMIUM} is missing (apt-get install -y chromium)")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: playwright_api.Browser, screenshots: Path) -> Iterator[playwright_api.Page]:
    context = chromium.new_context(viewport={"width": 1200, "height": 900})
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def _shot(page: playwright_api.Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _tab_to(page: playwright_api.Page, name: str, presses: int = 20) -> None:
    """Tab from the top of the page until the link ``name`` has the focus."""
    page.locator("body").focus()
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == name:
            return
    raise AssertionError(f"{name} is not reached with Tab")


def test_log_in_search_edit_refuse_a_forged_form_and_log_out(
    page: playwright_api.Page, server: RunningServer, api: HttpApi, login: NewLogin,
    screenshots: Path,
) -> None:  # fmt: skip
    marker = "Quinzel"
    contact_id = api.create_contact(first="Harleen", last=marker, email="hq@example.com")
    api.create_contact(first="Someone", last="Else")
    api.post(f"/v1/contact/{contact_id}/note", json={"text": "Prefers email."})
    api.post("/v1/tag", json={"tag": "vip", "color": "#c00"})
    api.post("/v1/contacts/fields", json=[{"title": "Plan"}])
    expect = playwright_api.expect
    refusals: list[str] = []  # what the browser's console says the page's policy blocked
    page.on("console", lambda message: refusals.append(message.text))

    page.goto(f"{server.base_url}/console/contacts")
    expect(page).to_have_url(f"{server.base_url}/console/login")
    _shot(page, screenshots, "01-login")
    # The keyboard alone: the skip link, then the email field (which has the focus already).
    expect(page.locator("#email")).to_be_focused()
    page.keyboard.type(login.user.email)
    page.keyboard.press("Tab")
    page.keyboard.type(login.password)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{server.base_url}/console/contacts")
    expect(page.locator("#count")).to_have_text("2 contacts in the team")
    _shot(page, screenshots, "02-contacts")

    page.fill("#q", marker.lower())
    page.keyboard.press("Enter")
    expect(page.locator("#count")).to_have_text("1 match of 2 contacts in the team")
    _shot(page, screenshots, "03-search")

    page.get_by_role("link", name=f"Harleen {marker}").click()
    expect(page.locator("#field-rev")).to_have_text("2")
    expect(page.locator(".note-text")).to_have_text("Prefers email.")
    _shot(page, screenshots, "04-contact")

    page.get_by_role("link", name="Edit").click()
    page.fill("#f-first", "Harley")
    page.fill("#f-display_name", "")
    _shot(page, screenshots, "05-edit")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".notice")).to_have_text("Saved.")
    expect(page.locator("h1")).to_have_text(f"Harley {marker}")
    assert api.get(f"/v1/contact/{contact_id}").json()["first"] == "Harley"

    page.fill("#note-text", "A forged note")
    page.locator("form.stack input[name=csrf]").evaluate("input => { input.value = 'forged' }")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("h1")).to_have_text("Refused")
    expect(page.locator(".error")).to_contain_text("security token")
    _shot(page, screenshots, "06-csrf-refused")
    assert len(api.get(f"/v1/contact/{contact_id}").json()["note"]) == 1

    for path, name in (("/console/tags", "07-tags"), ("/console/fields", "08-fields"),
                       ("/console/secrets", "09-secrets")):  # fmt: skip
        page.goto(f"{server.base_url}{path}")
        expect(page.locator("h1")).to_be_visible()
        _shot(page, screenshots, name)

    _tab_to(page, "Webhooks")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{server.base_url}/console/webhooks")
    page.fill("#url", "http://127.0.0.1:9/hooks")
    page.get_by_role("button", name="Add subscription").click()
    expect(page.locator("#error-url")).to_contain_text("loopback")
    expect(page.locator("#url")).to_have_attribute("aria-describedby", "error-url")
    _shot(page, screenshots, "11-webhook-refused")
    page.fill("#url", "https://1.1.1.1/hooks/heymarket")
    page.get_by_role("button", name="Add subscription").click()
    expect(page.locator("#new-webhook-token")).to_be_visible()
    _shot(page, screenshots, "12-webhooks")
    page.get_by_role("link", name="Deliveries", exact=True).first.click()
    expect(page.locator("h1")).to_have_text("Webhook deliveries")
    _shot(page, screenshots, "13-deliveries")

    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"{server.base_url}/console/contacts/{contact_id}")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than a narrow window"
    _shot(page, screenshots, "10-contact-narrow")

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{server.base_url}/console/login")
    page.goto(f"{server.base_url}/console/contacts")
    expect(page).to_have_url(f"{server.base_url}/console/login")
    assert not [text for text in refusals if "Content Security Policy" in text], refusals
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"  # the stylesheet


def _log_in(page: playwright_api.Page, base_url: str, login: NewLogin) -> None:
    page.goto(f"{base_url}/console/login")
    page.fill("#email", login.user.email)
    page.fill("#password", login.password)
    page.keyboard.press("Enter")
    playwright_api.expect(page).to_have_url(f"{base_url}/console/contacts")


def _reload_until(page: playwright_api.Page, url: str, selector: str) -> None:
    """``url`` loaded again until it shows ``selector`` (a try is made after the answer)."""

    def shown() -> bool:
        page.goto(url)
        return bool(page.locator(selector).count())

    wait_for(shown, f"{selector} on {url}")


def test_the_live_tail_and_a_redelivery_on_an_emulator(
    page: playwright_api.Page, emulator_server: RunningServer, emulator_store: Store,
    emulator_teams: TeamFactory, screenshots: Path,
) -> None:  # fmt: skip
    base_url = emulator_server.base_url
    team = emulator_teams("Live")
    expect = playwright_api.expect
    refusals: list[str] = []
    page.on("console", lambda message: refusals.append(message.text))
    with Receiver(status=500) as receiver:
        _log_in(page, base_url, new_login(emulator_store, team.team_id))
        page.goto(f"{base_url}/console/webhooks")
        page.fill("#url", receiver.url)
        page.get_by_label("contact_created").check()
        page.get_by_role("button", name="Add subscription").click()
        expect(page.locator("#new-webhook-token")).to_be_visible()

        page.goto(f"{base_url}/console/journal")
        expect(page.locator("#tail-status")).to_have_text("Live: new requests appear at the top.")
        created = httpx.post(
            f"{base_url}/v1/contact", json={"phone": "15105550142", "first": "Tailed"},
            headers={"Authorization": f"Bearer {team.token()}"}, verify=shared_tls(),
        )  # fmt: skip
        request_id = created.headers["x-request-id"]
        expect(page.locator("#journal-entries details").first).to_contain_text(request_id)
        expect(page.locator("#journal-entries details").first).to_contain_text("POST")
        _shot(page, screenshots, "14-journal-live")

        _reload_until(page, f"{base_url}/console/deliveries?failed=1", ".state-failed")
        expect(page.locator(".state-failed")).to_have_text("failed (HTTP 500)")
        _shot(page, screenshots, "15-delivery-failed")
        receiver.status = 200
        page.get_by_role("button", name="Redeliver").click()
        expect(page.locator(".notice")).to_have_text("The delivery will be tried again now.")
        _reload_until(page, f"{base_url}/console/deliveries", ".state-delivered")
        _shot(page, screenshots, "16-redelivered")
        assert len(receiver.deliveries) == 2
    assert not [text for text in refusals if "Content Security Policy" in text], refusals
