"""The console in a real browser: headless Chromium from Debian's packages, driven by
Playwright with ``executable_path`` (no browser download). Log in with the keyboard, search,
edit, see a CSRF refusal, log out, and read on a narrow window.

A screenshot of each page is saved to ``test-artifacts/console/<database>/`` at the top of
the repository (git-ignored), and the run says where.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from console_support import new_login
from heymarket_contacts.server.console.accounts import NewLogin
from heymarket_contacts.server.store import Store
from support import HttpApi, RunningServer, TeamCredentials, service_missing

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = os.environ.get("HEYMARKET_TEST_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "console"


@pytest.fixture
def screenshots(backend: str, capsys: pytest.CaptureFixture[str]) -> Iterator[Path]:
    folder = SCREENSHOTS / backend
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    yield folder
    names = ", ".join(sorted(path.name for path in folder.glob("*.png")))
    with capsys.disabled():
        print(f"\nconsole screenshots in {folder}: {names}")


@pytest.fixture
def page(screenshots: Path) -> Iterator[playwright_api.Page]:
    if not Path(CHROMIUM).exists():
        service_missing("Chromium", f"{CHROMIUM} is missing (apt-get install -y chromium)")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        context.set_default_timeout(30_000)
        yield context.new_page()
        context.close()
        browser.close()


@pytest.fixture
def login(store: Store, team: TeamCredentials) -> NewLogin:
    return new_login(store, team.team_id)


def _shot(page: playwright_api.Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


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
