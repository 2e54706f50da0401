"""Logging in and out. The login form's CSRF token is a double-submit cookie (there is no
session yet); after login every form carries the session's own token."""

from __future__ import annotations

from starlette.responses import Response

from ..errors import Unauthorized
from .accounts import LoginThrottled
from .web import (
    LOGIN_COOKIE,
    LOGIN_PATH,
    SESSION_COOKIE,
    CsrfRefused,
    View,
    clear_cookie,
    new_login_token,
    redirect,
    same_token,
    set_cookie,
)

HOME = "/console/contacts"


async def home(view: View) -> Response:
    return redirect(HOME)


async def login_page(view: View) -> Response:
    token = view.request.cookies.get(SESSION_COOKIE, "")
    if token and await view.api.write(view.console.accounts.signed_in, token) is not None:
        return redirect(HOME)
    return _login_form(view)


def _login_form(view: View, *, status: int = 200, error: str = "", email: str = "") -> Response:
    login_token = new_login_token()
    response = view.render(
        "login.html", status=status, login_csrf=login_token, error=error, email=email
    )
    set_cookie(response, LOGIN_COOKIE, login_token, secure=view.secure)
    return response


async def log_in(view: View) -> Response:
    if not same_token(view.value("csrf"), view.request.cookies.get(LOGIN_COOKIE, "")):
        raise CsrfRefused(
            "the login form expired or came from another site: open the login page again"
        )
    email = view.value("email")
    try:
        session = await view.api.write(view.console.accounts.log_in, email, view.value("password"))
    except (Unauthorized, LoginThrottled) as error:
        response = _login_form(view, status=error.status, error=error.message, email=email)
        if isinstance(error, LoginThrottled):
            response.headers.update(error.headers)  # Retry-After (not a 401's Bearer challenge)
        return response
    response = redirect(HOME)
    set_cookie(response, SESSION_COOKIE, session.token, secure=view.secure)
    clear_cookie(response, LOGIN_COOKIE, secure=view.secure)
    return response


async def log_out(view: View) -> Response:
    token = view.request.cookies.get(SESSION_COOKIE, "")
    await view.api.write(view.console.accounts.log_out, token)
    response = redirect(LOGIN_PATH)
    clear_cookie(response, SESSION_COOKIE, secure=view.secure)
    return response
