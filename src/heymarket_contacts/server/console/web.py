"""What every console page shares: the form a browser posted, the session cookie, the CSRF
check, the templates, the security headers, and error pages instead of JSON errors."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import Response

from ..api import Api
from ..errors import ApiError, BadData, Denied
from ..http import error_response, read_body, request_id_of
from ..principal import Principal
from ..routing import SystemRoute
from ..service.admin import AdminService
from ..webhooks.subscriptions import WebhookService
from .accounts import ConsoleAccounts, SignedIn

if TYPE_CHECKING:
    from ..emulator.runtime import Emulator

SESSION_COOKIE = "hm_console"
#: The login form's CSRF token, before there is a session (a double-submit cookie).
LOGIN_COOKIE = "hm_console_login"
#: A form of the console: a 10,000-character note of 4-byte characters, percent-encoded, fits.
FORM_LIMIT = 512 * 1024
FIELDS_MAX = 500
LOGIN_PATH = "/console/login"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self';"
        " frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
#: The policy of a page that runs the console's own scripts (and fetches from the console).
SCRIPT_CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self';"
    " img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


class CsrfRefused(Denied):
    """A form posted without its session's CSRF token."""


class SessionMissing(ApiError):
    """A console JSON call without a live session (a page would go to the login)."""

    status = 401
    code = "unauthorized"


def templates() -> Environment:
    """The console's pages; every value is HTML-escaped unless a template says otherwise."""
    pages = Environment(
        loader=PackageLoader("heymarket_contacts.server.console", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    pages.filters["shown"] = shown
    return pages


def shown(value: object) -> object:
    """A value as a page shows it: a boolean as "yes" or "no", anything else as it is."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


@dataclass(frozen=True, slots=True)
class Console:
    """What the console's pages need beside the API's services."""

    accounts: ConsoleAccounts
    pages: Environment
    admin: AdminService
    webhooks: WebhookService
    emulator: Emulator | None = None


@dataclass(slots=True)
class View:
    """One request to a console page."""

    request: Request
    api: Api
    console: Console
    form: dict[str, list[str]] = field(default_factory=dict)
    signed_in: SignedIn | None = None
    #: The answer is a page that runs the console's own scripts (its policy allows them).
    scripts: bool = False

    @property
    def principal(self) -> Principal:
        assert self.signed_in is not None  # only pages that need a session ask
        return self.signed_in.principal

    def value(self, name: str) -> str:
        """A form field's (first) value, else a query parameter's; ``""`` when absent."""
        if name in self.form:
            return self.form[name][0]
        return self.request.query_params.get(name, "")

    def values(self, name: str) -> list[str]:
        return self.form.get(name, [])

    def render(self, template: str, *, status: int = 200, **context: Any) -> Response:
        html = self.console.pages.get_template(template).render(
            user=self.signed_in.user if self.signed_in else None,
            csrf=self.signed_in.csrf_token if self.signed_in else "",
            emulator=self.console.emulator is not None,
            request_id=request_id_of(self.request),
            **context,
        )
        return Response(html, status_code=status, media_type="text/html")

    def error_page(self, error: ApiError) -> Response:
        response = self.render("error.html", status=error.status, error=error)
        response.headers.update(error.headers)
        return response

    @property
    def secure(self) -> bool:
        """Whether the browser reached the server over https: the scheme, or what the proxy
        in front says in ``X-Forwarded-Proto``. Trusting the header can only add ``Secure``."""
        forwarded = self.request.headers.get("x-forwarded-proto", "")
        return self.request.url.scheme == "https" or forwarded.split(",")[0].strip() == "https"


Handler = Callable[[View], Awaitable[Response]]


def redirect(location: str) -> Response:
    """See other: after a form, the browser loads ``location`` with a GET."""
    return Response(status_code=303, headers={"Location": location})


def set_cookie(response: Response, name: str, value: str, *, secure: bool) -> None:
    flags = "; Secure" if secure else ""
    response.raw_headers.append(
        (b"set-cookie", f"{name}={value}; Path=/console; HttpOnly; SameSite=Strict{flags}".encode())
    )


def clear_cookie(response: Response, name: str, *, secure: bool) -> None:
    flags = "; Secure" if secure else ""
    response.raw_headers.append(
        (
            b"set-cookie",
            f"{name}=; Path=/console; Max-Age=0; HttpOnly; SameSite=Strict{flags}".encode(),
        )
    )


def new_login_token() -> str:
    return secrets.token_urlsafe(32)


def same_token(sent: str, expected: str) -> bool:
    return bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())


async def read_form(request: Request) -> dict[str, list[str]]:
    """A posted form (``application/x-www-form-urlencoded``), or a 400 saying what is wrong."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await read_body(request, FORM_LIMIT)
    if not raw:
        return {}
    if kind != "application/x-www-form-urlencoded":
        raise BadData("a console form is sent as application/x-www-form-urlencoded")
    try:
        return parse_qs(
            raw.decode("ascii"), keep_blank_values=True, max_num_fields=FIELDS_MAX,
            errors="strict",
        )  # fmt: skip
    except (UnicodeDecodeError, ValueError):
        raise BadData("the form is not valid UTF-8 form data") from None


def console_route(
    console: Console, method: str, path: str, handler: Handler, *, public: bool = False
) -> SystemRoute:
    """A console page: the form read, the session found (else off to the login page), the
    CSRF token of a POST checked, an error shown as a page, security headers on the answer."""

    async def respond(request: Request, api: Api) -> Response:
        view = View(request, api, console)
        try:
            response = await _serve(view, method, handler, public=public)
        except ApiError as error:
            response = view.error_page(error)
        response.headers.update(SECURITY_HEADERS)
        if view.scripts:
            response.headers["Content-Security-Policy"] = SCRIPT_CSP
        return response

    return SystemRoute(method, path, respond)


def console_json_route(console: Console, path: str, handler: Handler) -> SystemRoute:
    """A ``GET`` that a console page's script makes: the session found without counting as
    use (else a 401), an error as the API's error body, security headers on the answer."""

    async def respond(request: Request, api: Api) -> Response:
        view = View(request, api, console)
        try:
            if not await _sign_in(view, touch=False):
                raise SessionMissing("the console session has ended: log in again")
            response = await handler(view)
        except ApiError as error:
            response = error_response(request_id_of(request), error)
        response.headers.update(SECURITY_HEADERS)
        return response

    return SystemRoute("GET", path, respond)


async def _sign_in(view: View, *, touch: bool = True) -> bool:
    """Whether the request carries a live session (then ``view.signed_in`` is its own)."""
    token = view.request.cookies.get(SESSION_COOKIE, "")
    if token:
        view.signed_in = await view.api.write(view.console.accounts.signed_in, token, touch=touch)
    if view.signed_in is None:
        return False
    view.request.scope["state"]["team_id"] = view.signed_in.principal.team_id
    return True


async def _serve(view: View, method: str, handler: Handler, *, public: bool) -> Response:
    if method == "POST":
        view.form = await read_form(view.request)
    if not public:
        if not await _sign_in(view):
            return redirect(LOGIN_PATH)
        assert view.signed_in is not None
        if method == "POST" and not same_token(view.value("csrf"), view.signed_in.csrf_token):
            raise CsrfRefused(
                "this form's security token does not belong to your session: reload the page"
                " and send it again"
            )
    return await handler(view)


def field_errors(error: ApiError) -> Mapping[str, str]:
    """An error as the message shown next to the field it names (``""``: the whole form)."""
    name = error.field or ""
    return {name: error.message}
