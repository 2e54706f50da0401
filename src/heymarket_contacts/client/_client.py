"""The synchronous client over httpx."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any, TypeVar

import httpx
import msgspec

from ..models import Contact, ContactRef, ContactWrite, Team
from ..tokens import mint_token
from .errors import APIConnectionError, APITimeoutError, HeymarketError, error_for_status

__all__ = ["DEFAULT_BASE_URL", "Client"]

DEFAULT_BASE_URL = "https://api.heymarket.com"
#: A token lives five minutes; the client uses each for at most four.
TOKEN_REUSE_SECONDS = 240

T = TypeVar("T")


class _TokenSource:
    def __init__(self, secret_id: str, secret_key: str) -> None:
        self._secret_id = secret_id
        self._secret_key = secret_key
        self._token = ""
        self._minted_at = 0.0

    def __repr__(self) -> str:
        return f"_TokenSource(secret_id={self._secret_id!r})"

    def token(self) -> str:
        now = time.time()
        if not self._token or now - self._minted_at >= TOKEN_REUSE_SECONDS:
            self._token = mint_token(self._secret_id, self._secret_key, issued_at=int(now))
            self._minted_at = float(int(now))
        return self._token


class Client:
    """A client of the Heymarket Contacts API (the real one by default, or a server of ours).

    Credentials and base URL come from the arguments or from ``HEYMARKET_SECRET_ID``,
    ``HEYMARKET_SECRET_KEY`` and ``HEYMARKET_BASE_URL``.
    """

    def __init__(
        self,
        *,
        secret_id: str | None = None,
        secret_key: str | None = None,
        base_url: str | None = None,
        timeout: float = 30.0,
        http_client: httpx.Client | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        secret_id = secret_id or env.get("HEYMARKET_SECRET_ID")
        secret_key = secret_key or env.get("HEYMARKET_SECRET_KEY")
        if not secret_id or not secret_key:
            raise HeymarketError(
                "a Secret ID and Secret Key are needed: pass secret_id= and secret_key=, or set"
                " HEYMARKET_SECRET_ID and HEYMARKET_SECRET_KEY"
            )
        self.base_url = (base_url or env.get("HEYMARKET_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self._tokens = _TokenSource(secret_id, secret_key)
        self._http = http_client or httpx.Client(timeout=timeout)
        self.contacts = Contacts(self)
        self.team = TeamResource(self)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def request(
        self, method: str, path: str, *, body: Any = None, params: Mapping[str, str] | None = None
    ) -> bytes:
        """Send one authenticated call; the answer's raw JSON, or the matching exception."""
        headers = {"Authorization": f"Bearer {self._tokens.token()}"}
        content = None
        if body is not None:
            content = msgspec.json.encode(body)
            headers["Content-Type"] = "application/json"
        try:
            response = self._http.request(
                method, self.base_url + path, content=content, headers=headers, params=params
            )
        except httpx.TimeoutException as error:
            raise APITimeoutError(f"{method} {path} timed out") from error
        except httpx.TransportError as error:
            raise APIConnectionError(f"{method} {path} failed: {error}") from error
        if response.status_code >= 400:
            raise error_for_status(
                response.status_code,
                _json_or_text(response),
                response.headers.get("x-request-id", ""),
            )
        return response.content


def _json_or_text(response: httpx.Response) -> Any:
    try:
        return msgspec.json.decode(response.content)
    except msgspec.DecodeError:
        return response.text


def _decode(data: bytes, kind: type[T]) -> T:
    return msgspec.json.decode(data, type=kind)


class Contacts:
    """The v1 contact calls."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def create(self, **fields: Any) -> ContactRef:
        """Create a contact; ``phone`` is required. Keyword arguments are the write shape."""
        body = ContactWrite(**fields)
        return _decode(self._client.request("POST", "/v1/contact", body=body), ContactRef)

    def get(self, contact_id: int) -> Contact:
        return _decode(self._client.request("GET", f"/v1/contact/{int(contact_id)}"), Contact)

    def update(self, contact_id: int, *, overwrite: bool = False, **fields: Any) -> ContactRef:
        """Update a contact: fields given replace, others stay (``phone`` is required)."""
        answer = self._client.request(
            "PUT",
            f"/v1/contact/{int(contact_id)}",
            body=ContactWrite(**fields),
            params={"overwrite": "true" if overwrite else "false"},
        )
        return _decode(answer, ContactRef)

    def delete(self, contact_id: int) -> None:
        self._client.request("DELETE", f"/v1/contact/{int(contact_id)}")


class TeamResource:
    def __init__(self, client: Client) -> None:
        self._client = client

    def get(self) -> Team:
        return _decode(self._client.request("GET", "/v1/team"), Team)
