"""The web console over real HTTP, on both databases: login, sessions, CSRF, and every
form's hostile cases (contract section 12)."""

from __future__ import annotations

import html
import re
import uuid
from pathlib import Path

import httpx

from console_support import Browser, console_accounts, new_login
from heymarket_contacts.server.console.accounts import NewLogin
from heymarket_contacts.server.store import Store
from support import HttpApi, RunningServer, TeamCredentials, shared_tls, unique_phone

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self';"
    " frame-ancestors 'none'; base-uri 'none'"
)


def contact_of(api: HttpApi, contact_id: int) -> dict:
    response = api.get(f"/v1/contact/{contact_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


# --- login, cookies, headers ----------------------------------------------------------------


def test_pages_need_a_login(server: RunningServer) -> None:
    with Browser(server.base_url) as anonymous:
        for path in ("/console", "/console/contacts", "/console/contacts/1", "/console/tags",
                 "/console/webhooks", "/console/deliveries"):  # fmt: skip
            response = anonymous.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"] == "/console/login"


def test_login_sets_a_strict_http_only_cookie_and_every_page_a_strict_csp(
    server: RunningServer, login: NewLogin
) -> None:
    with Browser(server.base_url) as browser:
        page = browser.get("/console/login")
        assert page.headers["content-security-policy"] == CSP
        assert page.headers["x-frame-options"] == "DENY"
        response = browser.log_in(login.user.email, login.password)
        assert response.status_code == 303
        cookie = next(v for v in response.headers.get_list("set-cookie") if "hm_console=" in v)
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        assert "Secure" not in cookie  # plain http
        listing = browser.get("/console/contacts")
        assert listing.status_code == 200
        assert listing.headers["content-security-policy"] == CSP
        assert listing.headers["cache-control"] == "no-store"
        assert login.user.email in listing.text


def test_behind_an_https_proxy_the_cookies_are_secure(
    server: RunningServer, login: NewLogin
) -> None:
    proxied = {"X-Forwarded-Proto": "https"}
    page = httpx.get(f"{server.base_url}/console/login", headers=proxied, verify=shared_tls())
    login_cookie = page.headers["set-cookie"]
    assert "; Secure" in login_cookie
    token = login_cookie.split(";")[0].split("=", 1)[1]
    response = httpx.post(
        f"{server.base_url}/console/login",
        data={"email": login.user.email, "password": login.password, "csrf": token},
        headers={**proxied, "Cookie": f"hm_console_login={token}"},
        verify=shared_tls(),
    )
    assert response.status_code == 303
    cookie = next(v for v in response.headers.get_list("set-cookie") if "hm_console=" in v)
    assert "; Secure" in cookie


def test_a_wrong_password_is_refused_with_the_form_again(
    server: RunningServer, login: NewLogin
) -> None:
    with Browser(server.base_url) as browser:
        response = browser.log_in(login.user.email, "not the password")
        assert response.status_code == 401
        assert "wrong email or password" in response.text
        assert "hm_console=" not in str(response.headers.get_list("set-cookie"))
        # An address of its own: failures are counted per address in the shared database.
        unknown = browser.log_in(f"nobody-{uuid.uuid4().hex[:8]}@example.com", "whatever-it-is")
        assert unknown.status_code == 401
        assert "wrong email or password" in unknown.text
        assert "www-authenticate" not in unknown.headers


def test_six_failed_logins_in_a_minute_are_refused_even_with_the_password(
    server: RunningServer, store: Store, login: NewLogin, team: TeamCredentials
) -> None:
    other = new_login(store, team.team_id)
    with Browser(server.base_url) as browser:
        for _ in range(5):
            assert browser.log_in(login.user.email, "wrong password!").status_code == 401
        sixth = browser.log_in(login.user.email, "wrong password!")
        assert sixth.status_code == 429
        assert "too many failed logins" in sixth.text
        assert 1 <= int(sixth.headers["retry-after"]) <= 60
        right = browser.log_in(login.user.email.upper(), login.password)
        assert right.status_code == 429
    with Browser(server.base_url) as elsewhere:  # another account is not held back
        assert elsewhere.log_in(other.user.email, other.password).status_code == 303


def test_the_login_form_needs_its_own_token(server: RunningServer, login: NewLogin) -> None:
    with Browser(server.base_url) as browser:
        browser.get("/console/login")
        data = {"email": login.user.email, "password": login.password}
        without = browser.post("/console/login", data, csrf=False)
        assert without.status_code == 403
        forged = browser.post("/console/login", {**data, "csrf": "x" * 43})
        assert forged.status_code == 403
    with Browser(server.base_url) as fresh:  # a token but no cookie: a cross-site post
        assert fresh.post("/console/login", {**data, "csrf": "x" * 43}).status_code == 403


def test_logout_ends_the_session(browser: Browser) -> None:
    cookie = browser.http.cookies.get("hm_console")
    response = browser.post("/console/logout")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login"
    with Browser(str(browser.http.base_url)) as thief:
        thief.http.cookies.set("hm_console", cookie or "", path="/console")
        assert thief.get("/console/contacts").status_code == 303


def test_a_removed_users_cookie_opens_nothing(
    browser: Browser, store: Store, login: NewLogin, api: HttpApi
) -> None:
    contact_id = api.create_contact(first="Kept")
    assert browser.get(f"/console/contacts/{contact_id}").status_code == 200
    token = browser.csrf
    console_accounts(store).remove_user(login.user.email)
    assert browser.get("/console/contacts").status_code == 303
    response = browser.post(
        f"/console/contacts/{contact_id}/notes", {"text": "after removal", "csrf": token}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login"
    assert contact_of(api, contact_id)["note"] == []


def test_a_new_password_ends_the_sessions(browser: Browser, store: Store, login: NewLogin) -> None:
    console_accounts(store).reset_password(login.user.email)
    assert browser.get("/console/contacts").status_code == 303


# --- CSRF on every form ---------------------------------------------------------------------


def _forms(contact_id: int, note_id: str, tag_id: int) -> list[tuple[str, dict[str, str]]]:
    return [
        (f"/console/contacts/{contact_id}/edit", {"rev": "1", "phone": unique_phone()}),
        (f"/console/contacts/{contact_id}/delete", {"rev": "1"}),
        (f"/console/contacts/{contact_id}/notes", {"text": "forged"}),
        (f"/console/contacts/{contact_id}/notes/{note_id}/delete", {}),
        (f"/console/contacts/{contact_id}/tags", {"rev": "1", "tag_id": str(tag_id)}),
        (f"/console/contacts/{contact_id}/status", {"rev": "1", "status": "blocked"}),
        ("/console/contacts/new", {"phone": unique_phone()}),
        ("/console/tags", {"tag": "forged"}),
        (f"/console/tags/{tag_id}/delete", {}),
        ("/console/fields", {"title": "forged"}),
        ("/console/secrets", {}),
        ("/console/logout", {}),
    ]


def test_every_form_without_or_with_another_sessions_token_is_refused(
    server: RunningServer, browser: Browser, store: Store, team: TeamCredentials, api: HttpApi
) -> None:
    contact_id = api.create_contact(first="Target")
    note_id = api.post(f"/v1/contact/{contact_id}/note", json={"text": "n"}).json()["id"]
    tag_id = api.post("/v1/tag", json={"tag": f"t{unique_phone()}"}).json()["id"]
    before = contact_of(api, contact_id)
    with Browser(server.base_url) as other:
        other.signed_in_as(new_login(store, team.team_id))
        for path, data in _forms(contact_id, note_id, tag_id):
            missing = browser.post(path, data, csrf=False)
            assert missing.status_code == 403, path
            assert "security token" in missing.text
            stolen = browser.post(path, {**data, "csrf": other.csrf})
            assert stolen.status_code == 403, path
    assert contact_of(api, contact_id) == before
    assert api.get(f"/v1/tag/{tag_id}").status_code == 200
    secrets = api.get("/v1/team")  # the session still works: logout was refused too
    assert secrets.status_code == 200
    assert browser.get("/console/contacts").status_code == 200


# --- another team's ids ---------------------------------------------------------------------


def test_another_teams_ids_are_404_in_every_url(
    browser: Browser, other_api: HttpApi, api: HttpApi
) -> None:
    theirs = other_api.create_contact(first="Theirs")
    note_id = other_api.post(f"/v1/contact/{theirs}/note", json={"text": "n"}).json()["id"]
    tag_id = other_api.post("/v1/tag", json={"tag": f"t{unique_phone()}"}).json()["id"]
    secret_id = other_api.team.secret_id
    before = contact_of(other_api, theirs)
    for path in (f"/console/contacts/{theirs}", f"/console/contacts/{theirs}/edit",
                 f"/console/contacts/{theirs}/delete"):  # fmt: skip
        response = browser.get(path)
        assert response.status_code == 404, path
        assert "Theirs" not in response.text
    with_ids = [(p, d) for p, d in _forms(theirs, note_id, tag_id) if any(c.isdigit() for c in p)]
    assert len(with_ids) == 7
    for path, data in with_ids:
        assert browser.post(path, data).status_code == 404, path
    assert browser.post(f"/console/secrets/{secret_id}/revoke").status_code == 404
    assert contact_of(other_api, theirs) == before
    assert other_api.get(f"/v1/tag/{tag_id}").status_code == 200
    assert other_api.get("/v1/team").status_code == 200  # their secret still works


def test_a_console_user_never_sees_another_teams_data(
    browser: Browser, api: HttpApi, other_api: HttpApi
) -> None:
    marker = f"Zyx{unique_phone()}"
    api.create_contact(first="Mine")
    their_phone = contact_of(other_api, other_api.create_contact(first=marker))["phone"]
    other_api.post("/v1/tag", json={"tag": marker})
    other_api.post("/v1/contacts/fields", json=[{"title": marker}])
    for path in ("/console/contacts", f"/console/contacts?q={marker}", "/console/tags",
                 "/console/fields", "/console/secrets"):  # fmt: skip
        page = browser.get(path)
        assert page.status_code == 200, path
        searched = (f'value="{marker}"', f"match “{marker}”")
        assert marker not in page.text.replace(searched[0], "").replace(searched[1], ""), path
        assert their_phone not in page.text, path
        assert other_api.team.secret_id not in page.text
    listing = browser.get("/console/contacts")
    assert "1 contact in the team" in listing.text
    search = browser.get(f"/console/contacts?q={marker}")
    assert "0 matches of 1 contacts in the team" in search.text


# --- what is shown --------------------------------------------------------------------------

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_html_and_script_in_every_field_are_shown_escaped(browser: Browser, api: HttpApi) -> None:
    field_id = api.post("/v1/contacts/fields", json=[{"title": HOSTILE}]).json()[0]["id"]
    tag_id = api.post("/v1/tag", json={"tag": HOSTILE[:60]}).json()["id"]
    text_fields = ("first", "last", "display_name", "avatar", "external_id", "external_ref")
    contact_id = api.create_contact(
        **dict.fromkeys(text_fields, HOSTILE), email='"<b>"@x.y',
        custom={str(field_id): HOSTILE}, tags=[{"tag_id": tag_id}],
    )  # fmt: skip
    uuid = contact_of(api, contact_id)["uuid"]
    api.post(
        f"/v2/contact/{uuid}/channel", json={"channel_type": "whatsapp", "channel_id": HOSTILE}
    )
    api.post(f"/v1/contact/{contact_id}/note", json={"text": HOSTILE})
    pages = [
        f"/console/contacts/{contact_id}", f"/console/contacts/{contact_id}/edit",
        f"/console/contacts/{contact_id}/delete", "/console/contacts",
        f"/console/contacts?q={HOSTILE[:20]}", "/console/tags", "/console/fields",
    ]  # fmt: skip
    for path in pages:
        page = browser.get(path)
        assert page.status_code == 200, path
        assert "<script>" not in page.text, path
        assert "<img src=x" not in page.text, path
        assert "<b>" not in page.text, path
    shown = browser.get(f"/console/contacts/{contact_id}").text
    assert shown.count(html.escape(HOSTILE, quote=False).replace('"', "&#34;")) >= 8


def test_a_note_of_ten_thousand_characters_is_kept_whole_and_one_more_is_refused(
    browser: Browser, api: HttpApi
) -> None:
    contact_id = api.create_contact(first="Long")
    browser.get(f"/console/contacts/{contact_id}")
    text = "é" * 9_999 + "!"
    added = browser.post(f"/console/contacts/{contact_id}/notes", {"text": text})
    assert added.status_code == 303
    assert contact_of(api, contact_id)["note"][0]["text"] == text
    assert text in browser.get(f"/console/contacts/{contact_id}").text
    refused = browser.post(f"/console/contacts/{contact_id}/notes", {"text": text + "x"})
    assert refused.status_code == 400
    assert 'id="error-text"' in refused.text
    assert "10000" in refused.text
    assert len(contact_of(api, contact_id)["note"]) == 1


# --- writes ---------------------------------------------------------------------------------


def _edit_form(contact: dict, **changes: str) -> dict[str, str]:
    form = {name: str(contact[name]) for name in (
        "display_name", "first", "last", "phone", "email", "avatar", "external_id",
        "external_ref",
    )}  # fmt: skip
    form.update(rev=str(contact["rev"]), **changes)
    return form


def test_an_edit_is_an_api_update(browser: Browser, api: HttpApi) -> None:
    contact_id = api.create_contact(first="Ada", last="Lovelace")
    before = contact_of(api, contact_id)
    browser.get(f"/console/contacts/{contact_id}/edit")
    saved = browser.post(
        f"/console/contacts/{contact_id}/edit",
        _edit_form(before, first="Augusta", display_name="", email="ada@example.com"),
    )
    assert saved.status_code == 303
    after = contact_of(api, contact_id)
    assert (after["first"], after["email"], after["op"]) == ("Augusta", "ada@example.com", "update")
    assert after["rev"] == before["rev"] + 1
    assert after["updated"] > before["updated"]
    assert after["display_name"] == "Augusta Lovelace"  # the API's rule for an empty name


def test_a_new_contact_is_an_api_create(browser: Browser, api: HttpApi) -> None:
    field_id = api.post("/v1/contacts/fields", json=[{"title": "Plan"}]).json()[0]["id"]
    browser.get("/console/contacts/new")
    no_phone = browser.post("/console/contacts/new", {"first": "Nell"})
    assert no_phone.status_code == 400
    assert 'id="error-phone"' in no_phone.text
    assert 'value="Nell"' in no_phone.text
    phone = unique_phone()
    made = browser.post(
        "/console/contacts/new",
        {"first": "Nell", "last": "Gwyn", "phone": f"+{phone}", f"custom.{field_id}": "Gold"},
    )
    assert made.status_code == 303
    contact_id = int(made.headers["location"].split("/")[-1].split("?")[0])
    contact = contact_of(api, contact_id)
    assert (contact["display_name"], contact["phone"], contact["op"], contact["rev"]) == (
        "Nell Gwyn", phone, "create", 1,
    )  # fmt: skip
    assert contact["custom"] == {str(field_id): "Gold"}
    again = browser.post("/console/contacts/new", {"phone": phone})
    assert again.status_code == 409
    assert f"(contact {contact_id})" in again.text


def test_a_contact_without_a_phone_is_edited_too(browser: Browser, api: HttpApi) -> None:
    made = api.post(
        "/v2/contact",
        json={"first": "Mail", "contact_channels": [
            {"channel_type": "email", "channel_id": f"m{unique_phone()}@example.com"}
        ]},
    )  # fmt: skip
    contact_id = made.json()["id"]
    before = contact_of(api, contact_id)
    browser.get(f"/console/contacts/{contact_id}/edit")
    saved = browser.post(f"/console/contacts/{contact_id}/edit", _edit_form(before, last="Only"))
    assert saved.status_code == 303, saved.text
    after = contact_of(api, contact_id)
    assert (after["last"], after["phone"], after["rev"]) == ("Only", "", before["rev"] + 1)


def test_an_invalid_value_is_shown_next_to_its_field(browser: Browser, api: HttpApi) -> None:
    contact_id = api.create_contact(first="Ada")
    before = contact_of(api, contact_id)
    browser.get(f"/console/contacts/{contact_id}/edit")
    refused = browser.post(
        f"/console/contacts/{contact_id}/edit", _edit_form(before, email="not an address")
    )
    assert refused.status_code == 400
    assert 'id="error-email"' in refused.text
    assert "email must look like name@domain" in refused.text
    assert 'value="not an address"' in refused.text  # what was typed stays
    taken = api.create_contact()
    clash = browser.post(
        f"/console/contacts/{contact_id}/edit",
        _edit_form(before, phone=contact_of(api, taken)["phone"]),
    )
    assert clash.status_code == 409
    assert 'id="error-phone"' in clash.text
    assert contact_of(api, contact_id) == before


def test_an_edit_whose_rev_became_stale_is_a_conflict_not_a_lost_update(
    browser: Browser, api: HttpApi
) -> None:
    contact_id = api.create_contact(first="Ada")
    opened = contact_of(api, contact_id)
    browser.get(f"/console/contacts/{contact_id}/edit")
    phone = opened["phone"]
    assert (
        api.put(f"/v1/contact/{contact_id}", json={"phone": phone, "last": "API"}).status_code
        == 200
    )
    stale = browser.post(f"/console/contacts/{contact_id}/edit", _edit_form(opened, last="Console"))
    assert stale.status_code == 409
    assert "someone changed this contact" in stale.text
    assert contact_of(api, contact_id)["last"] == "API"
    for path, data in ((f"/console/contacts/{contact_id}/status", {"status": "blocked"}),
                       (f"/console/contacts/{contact_id}/delete", {}),
                       (f"/console/contacts/{contact_id}/tags", {})):  # fmt: skip
        refused = browser.post(path, {**data, "rev": str(opened["rev"])})
        assert refused.status_code == 409, path
    assert contact_of(api, contact_id)["rev"] == opened["rev"] + 1


def test_status_tags_notes_and_delete(browser: Browser, api: HttpApi) -> None:
    contact_id = api.create_contact(first="Ada")
    tag_id = api.post("/v1/tag", json={"tag": f"vip{unique_phone()}"}).json()["id"]
    page = browser.get(f"/console/contacts/{contact_id}")
    assert page.status_code == 200
    rev = contact_of(api, contact_id)["rev"]
    status = browser.post(
        f"/console/contacts/{contact_id}/status", {"rev": rev, "status": "unsubscribed"}
    )
    assert status.status_code == 303
    assert contact_of(api, contact_id)["is_opted_out"] is True
    tagged = browser.post(
        f"/console/contacts/{contact_id}/tags", {"rev": rev + 1, "tag_id": tag_id}
    )
    assert tagged.status_code == 303
    assert [t["id"] for t in contact_of(api, contact_id)["tags"]] == [tag_id]
    browser.post(f"/console/contacts/{contact_id}/notes", {"text": "called back"})
    note = contact_of(api, contact_id)["note"][0]
    removed = browser.post(f"/console/contacts/{contact_id}/notes/{note['id']}/delete")
    assert removed.status_code == 303
    assert contact_of(api, contact_id)["note"] == []
    bad = browser.post(f"/console/contacts/{contact_id}/status", {"rev": rev + 4, "status": "gone"})
    assert bad.status_code == 400
    assert 'id="error-status"' in bad.text
    confirm = browser.get(f"/console/contacts/{contact_id}/delete")
    assert "Delete this contact" in confirm.text
    deleted = browser.post(f"/console/contacts/{contact_id}/delete", {"rev": rev + 4})
    assert deleted.status_code == 303
    assert api.get(f"/v1/contact/{contact_id}").status_code == 404


def test_booleans_read_yes_or_no(browser: Browser, api: HttpApi) -> None:
    contact_id = api.create_contact(first="Bool")
    page = browser.get(f"/console/contacts/{contact_id}").text
    for name, shown in (("is_opted_out", "no"), ("blocked", "no"), ("shared", "yes")):
        assert f'<dd id="field-{name}">{shown}</dd>' in page, name
    assert "<td>yes</td>" in page  # the phone channel is the primary one
    assert "subscribed" in browser.get("/console/contacts").text
    rev = contact_of(api, contact_id)["rev"]
    for offset, status in enumerate(("unsubscribed", "blocked")):
        browser.post(
            f"/console/contacts/{contact_id}/status", {"rev": rev + offset, "status": status}
        )
    blocked = browser.get(f"/console/contacts/{contact_id}").text
    assert '<dd id="field-is_opted_out">yes</dd>' in blocked
    assert '<dd id="field-blocked">yes</dd>' in blocked
    assert "opted out" in browser.get("/console/contacts").text
    for text in (page, blocked):
        assert not re.search(r"\b(True|False)\b", text)


def test_search_and_date_cursor_paging(browser: Browser, api: HttpApi) -> None:
    marker = f"Pg{unique_phone()}"
    ids = [api.create_contact(first=marker, last=f"n{i:02d}") for i in range(55)]
    first = browser.get(f"/console/contacts?q={marker}")
    assert "55 matches of 55 contacts in the team" in first.text
    shown = [i for i in ids if f'href="/console/contacts/{i}"' in first.text]
    assert shown == ids[5:]  # the 50 newest
    older = first.text.split('href="')[-1]
    link = next(part.split('"')[0] for part in first.text.split('href="') if "date=" in part)
    second = browser.get(html.unescape(link))
    assert [i for i in ids if f'href="/console/contacts/{i}"' in second.text] == ids[:5]
    back = next(part.split('"')[0] for part in second.text.split('href="') if "after=" in part)
    newer = browser.get(html.unescape(back))
    assert [i for i in ids if f'href="/console/contacts/{i}"' in newer.text] == ids[5:]
    assert older
    too_long = browser.get("/console/contacts?q=" + "x" * 300)
    assert too_long.status_code == 400
    assert 'id="error-q"' in too_long.text
    bad_cursor = browser.get("/console/contacts?date=yesterday")
    assert bad_cursor.status_code == 400


def test_tags_and_fields_pages_make_them(browser: Browser, api: HttpApi) -> None:
    label = f"lead{unique_phone()}"
    browser.get("/console/tags")
    assert browser.post("/console/tags", {"tag": label, "color": "#ff0000"}).status_code == 303
    again = browser.post("/console/tags", {"tag": label.upper()})
    assert again.status_code == 409
    assert 'id="error-tag"' in again.text
    bad_color = browser.post("/console/tags", {"tag": "other", "color": "<red>"})
    assert bad_color.status_code == 400
    assert 'id="error-color"' in bad_color.text
    assert label in browser.get("/console/tags").text
    title = f"Plan{unique_phone()}"
    assert browser.post("/console/fields", {"title": title}).status_code == 303
    assert browser.post("/console/fields", {"title": title}).status_code == 409
    assert browser.post("/console/fields", {"title": " "}).status_code == 400
    fields = api.post("/v1/contact-fields", json={}).json()
    assert title in [field["title"] for field in fields]


def test_a_secret_key_is_shown_once_and_revoke_stops_it(
    browser: Browser, server: RunningServer, team: TeamCredentials
) -> None:
    browser.get("/console/secrets")
    made = browser.post("/console/secrets")
    assert made.status_code == 200
    secret_id = made.text.split('id="new-secret-id">')[1].split("<")[0]
    secret_key = made.text.split('id="new-secret-key">')[1].split("<")[0]
    listing = browser.get("/console/secrets")
    assert secret_id in listing.text
    assert secret_key not in listing.text
    third = browser.post("/console/secrets")
    assert third.status_code == 403
    new = TeamCredentials(team.team_id, secret_id, secret_key)
    url = f"{server.base_url}/v1/team"
    assert (
        httpx.get(
            url, headers={"Authorization": f"Bearer {new.token()}"}, verify=shared_tls()
        ).status_code
        == 200
    )
    assert browser.post(f"/console/secrets/{secret_id}/revoke").status_code == 303
    assert (
        httpx.get(
            url, headers={"Authorization": f"Bearer {new.token()}"}, verify=shared_tls()
        ).status_code
        == 401
    )


def test_a_form_that_is_not_form_data_is_a_clear_400(browser: Browser) -> None:
    response = browser.http.post(
        "/console/tags", content=b'{"tag": "x"}', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "application/x-www-form-urlencoded" in response.text
    broken = browser.http.post(
        "/console/tags", content=b"tag=%FF%FE&csrf=" + browser.csrf.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert broken.status_code == 400


def test_console_routes_stay_out_of_the_openapi_document(server: RunningServer) -> None:
    document = httpx.get(f"{server.base_url}/openapi.json", verify=shared_tls()).json()
    assert not [path for path in document["paths"] if path.startswith("/console")]


def test_the_stylesheet_is_served_by_the_server(server: RunningServer) -> None:
    response = httpx.get(f"{server.base_url}/console/static/console.css", verify=shared_tls())
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")


def test_no_console_makes_every_console_path_404(
    database_url: str, server_environment: dict[str, str], tmp_path: Path
) -> None:
    off = RunningServer.start(database_url, server_environment, tmp_path / "log", "--no-console")
    try:
        for method, path in (("GET", "/console"), ("GET", "/console/login"),
                             ("POST", "/console/login"), ("GET", "/console/contacts/1"),
                             ("GET", "/console/static/console.css"),
                             ("GET", "/console/webhooks"), ("POST", "/console/webhooks"),
                             ("GET", "/console/deliveries"),
                             ("POST", "/console/deliveries/x/redeliver"),
                             ("GET", "/console/journal/tail"),
                             ("GET", "/console/static/journal.js")):  # fmt: skip
            response = httpx.request(method, f"{off.base_url}{path}", verify=shared_tls())
            assert response.status_code == 404, path
            assert response.json()["error"] == "not_found"
    finally:
        off.stop()
