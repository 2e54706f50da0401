"""The console part of the walk: its contacts pages over the walk's million contacts, beside
the API calls that give a client the same page.

A console contacts page is a list of :data:`CONSOLE_PAGE` contacts and the count of those that
match (with a search, the team's count too). Its API counterpart is ``POST /v1/contacts`` with
the same limit, date cursor and filter, plus ``POST /v1/contacts/count`` for the count. Both are
timed one request at a time on one keep-alive connection, alternating, on the walk's server.
Counts are kept until the next commit, so each page is also timed with a write (an update of
one contact, untimed) before every request: the page as a team that is being written sees it.
"""

# ruff: noqa: S603 (the bench runs its own CLI)

from __future__ import annotations

import http.client
import itertools
import json
import re
import statistics
import subprocess
import time
from collections.abc import Callable
from urllib.parse import quote, urlencode

from . import data
from .load import Client
from .report import Row, Spread
from .servers import BIN, Server

#: The console's page size (``console.contact_forms.PAGE_SIZE``).
CONSOLE_PAGE = 50
TIMES = 30
#: A search that many contacts match (a last name of the dataset) and one that one matches.
COMMON_SEARCH = "Hopper"
RARE_SEARCH = data.phone_of(123_457)
EMAIL = "bench@example.com"
PASSWORD = "bench-console-password"  # noqa: S105 (a throwaway login of the bench)


class Console:
    """A signed-in browser of the console, as plain HTTP on one keep-alive connection."""

    def __init__(self, port: int) -> None:
        self._connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self._cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> bytes:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self._cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self._connection.request(method, path, body=body, headers=headers)
        response = self._connection.getresponse()
        payload = response.read()
        for value in response.headers.get_all("set-cookie") or []:
            name, _, rest = value.partition("=")
            self._cookies[name] = rest.split(";", 1)[0]
        if response.status not in (200, 303):
            raise RuntimeError(f"{method} {path}: {response.status} {payload[:300]!r}")
        return payload

    def log_in(self) -> None:
        page = self.request("GET", "/console/login").decode()
        token = re.search(r'name="csrf" value="([^"]+)"', page)
        if token is None:
            raise RuntimeError("the login page has no CSRF token")
        self.request(
            "POST", "/console/login", {"email": EMAIL, "password": PASSWORD, "csrf": token[1]}
        )
        if "hm_console" not in self._cookies:
            raise RuntimeError("the console login set no session cookie")

    def page(self, query: dict[str, str]) -> float:
        path = "/console/contacts" + (f"?{urlencode(query, quote_via=quote)}" if query else "")
        began = time.perf_counter()
        html = self.request("GET", path)
        elapsed = time.perf_counter() - began
        if b"<table" not in html:
            raise RuntimeError(f"{path}: no contacts table")
        return elapsed

    def close(self) -> None:
        self._connection.close()


def add_console_user(dataset: data.Dataset) -> None:
    """Through the CLI, as an operator would."""
    subprocess.run(
        [str(BIN / "heymarket-contacts"), "console-user", "add", "--database", dataset.database,
         "--email", EMAIL, "--password-stdin", "--json"],
        input=PASSWORD + "\n", text=True, check=True, capture_output=True,
    )  # fmt: skip


def console_rows(app: Server, dataset: data.Dataset, deep_cursor: str) -> dict[str, Row]:
    """Per page (first, at 90 %, a common and a rare search): console and API times."""
    add_console_user(dataset)
    console = Console(app.port)
    console.log_in()
    api = Client(app.port, dataset.token())
    pages = {
        "first page": {},
        "page at 90 %": {"date": deep_cursor},
        f"search {COMMON_SEARCH!r}": {"q": COMMON_SEARCH},
        "search one phone": {"q": RARE_SEARCH},
    }
    writes = iter(range(10**9))

    def write() -> None:
        n = next(writes) % dataset.contacts + 1
        api.call("PUT", f"/v1/contact/{n}", {"phone": data.phone_of(n), "last": f"W{n}"})

    rows: dict[str, Row] = {}
    try:
        for (page, query), written in itertools.product(pages.items(), (False, True)):
            name = f"{page}, a write before each" if written else page
            shown, listed, counted = alternate(
                lambda query=query: console.page(query),
                lambda query=query: api_list(api, query),
                lambda query=query: api_count(api, query),
                before=write if written else None,
            )
            both = [a + b for a, b in zip(listed, counted, strict=True)]
            scenario = f"console contacts page over {dataset.contacts:,}: {name}"
            ratio = statistics.median(shown) / statistics.median(both)
            rows[scenario] = Row(
                scenario,
                p50_ms=Spread.of([1000 * statistics.median(shown)]),
                extra={
                    "API list ms": f"{1000 * statistics.median(listed):.1f}",
                    "API list + count ms": f"{1000 * statistics.median(both):.1f}",
                    "console / (list + count)": f"{ratio:.2f}x",
                },
            )
    finally:
        console.close()
        api.close()
    return rows


def api_list(api: Client, query: dict[str, str]) -> float:
    elapsed, _ = api.call("POST", "/v1/contacts", api_body(query, limit=True))
    return elapsed


def api_count(api: Client, query: dict[str, str]) -> float:
    elapsed, count = api.call("POST", "/v1/contacts/count", api_body(query, limit=False))
    if not isinstance(count, int):
        raise RuntimeError(f"count answered {json.dumps(count)[:100]}")
    return elapsed


def api_body(query: dict[str, str], *, limit: bool) -> dict[str, object]:
    body: dict[str, object] = {"limit": CONSOLE_PAGE} if limit else {}
    if "q" in query:
        body["filter"] = query["q"]
    if "date" in query and limit:
        body["date"] = query["date"]
    return body


def alternate(
    *calls: Callable[[], float], before: Callable[[], None] | None = None
) -> list[list[float]]:
    """Each call :data:`TIMES` times, in turn (after one warm-up each); ``before`` (untimed)
    ahead of each."""
    for call in calls:
        call()
    times: list[list[float]] = [[] for _ in calls]
    for _ in range(TIMES):
        for call, seen in zip(calls, times, strict=True):
            if before is not None:
                before()
            seen.append(call())
    return times
