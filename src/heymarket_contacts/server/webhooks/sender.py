"""One try of a delivery: a ``POST`` of the stored body, signed, to the address its URL's host
resolves to now (checked against the target policy), within a time limit that covers the
whole try (resolving, connecting, sending and the answer). Redirects are not followed and at
most 64 KiB of an answer is read."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from importlib import metadata

import httpx

from ...webhooks import DELIVERY_HEADER, SIGNATURE_HEADER, sign
from ..store.webhook_records import ClaimedDelivery
from .targets import TargetPolicy, TargetRefused, parse_target, resolve

ANSWER_READ_MAX = 64 * 1024
#: How much of a refusing answer's body is kept with the try, for ``webhook deliveries``.
ANSWER_KEPT = 200


@dataclass(frozen=True, slots=True)
class TryResult:
    delivered: bool
    #: The answer's status; 0 when there was none.
    status: int
    error: str


def user_agent() -> str:
    try:
        return f"heymarket-contacts/{metadata.version('heymarket-contacts')}"
    except metadata.PackageNotFoundError:
        return "heymarket-contacts/0"


class Sender:
    """Sends tries; one HTTP client, no connection kept between tries (each try connects to
    the address checked for it)."""

    def __init__(self, policy: TargetPolicy, *, timeout: float) -> None:
        self._policy = policy
        self._timeout = timeout
        self._user_agent = user_agent()
        self._client = httpx.AsyncClient(
            follow_redirects=False, timeout=timeout, trust_env=False,
            limits=httpx.Limits(max_keepalive_connections=0),
        )  # fmt: skip

    async def send(self, delivery: ClaimedDelivery) -> TryResult:
        try:
            async with asyncio.timeout(self._timeout):
                return await self._send(delivery)
        except TimeoutError:
            return TryResult(False, 0, f"no answer within {self._timeout:g} s")
        except TargetRefused as error:
            return TryResult(False, 0, error.message)
        except httpx.HTTPError as error:
            return TryResult(False, 0, f"{type(error).__name__}: {error}".rstrip(": "))

    async def _send(self, delivery: ClaimedDelivery) -> TryResult:
        url = parse_target(delivery.url)
        address = await resolve(url, self._policy)
        body = delivery.body.encode("utf-8")
        headers = {
            "Host": url.netloc.decode("ascii"), "Content-Type": "application/json",
            "User-Agent": self._user_agent, DELIVERY_HEADER: delivery.id,
            SIGNATURE_HEADER: sign(body, delivery.token),
        }  # fmt: skip
        extensions = {"sni_hostname": url.host} if url.scheme == "https" else {}
        request = self._client.build_request(
            "POST", url.copy_with(host=str(address)), content=body, headers=headers,
            extensions=extensions,
        )  # fmt: skip
        response = await self._client.send(request, stream=True)
        try:
            answer = await _read_capped(response)
        finally:
            await response.aclose()
        return _result(response.status_code, answer)

    async def aclose(self) -> None:
        await self._client.aclose()


async def _read_capped(response: httpx.Response) -> bytes:
    """At most :data:`ANSWER_READ_MAX` bytes of the answer, as sent (not decompressed)."""
    kept = bytearray()
    async for chunk in response.aiter_raw():
        kept += chunk[: ANSWER_READ_MAX - len(kept)]
        if len(kept) >= ANSWER_READ_MAX:
            break
    return bytes(kept)


def _result(status: int, answer: bytes) -> TryResult:
    if 200 <= status < 300:
        return TryResult(True, status, "")
    what = "a redirect, not followed" if 300 <= status < 400 else "not a 2xx"
    # Kept as printable text only: the database and the log take no NUL or control bytes.
    text = "".join(
        c if c.isprintable() else "?" for c in answer[:ANSWER_KEPT].decode("utf-8", "replace")
    )
    return TryResult(False, status, f"answered {status} ({what})" + (f": {text}" if text else ""))
