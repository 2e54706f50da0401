"""Where a webhook may be sent: ``http`` or ``https`` URLs only, never with credentials, and
never to a private, loopback, link-local, multicast or otherwise non-public address unless
the server allows it. A host is resolved at every check (at ``add`` and before each try),
and a try connects to the address that was checked, so a name that resolves elsewhere the
next time (DNS rebinding) cannot reach what the check refused."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass

import httpx

from ..errors import BadData

URL_MAX = 2048
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(BadData):
    """A URL, or the address its host resolves to, that webhooks may not be sent to."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="url")


@dataclass(frozen=True, slots=True)
class TargetPolicy:
    #: Any address is allowed (``--webhooks-allow-private``).
    allow_private: bool = False
    #: Loopback addresses are allowed (``--emulator``).
    allow_loopback: bool = False


def parse_target(text: str) -> httpx.URL:
    """The URL of a subscription, checked for form (not yet for where its host points)."""
    if not isinstance(text, str) or not text.strip():
        raise TargetRefused("url must be an http or https URL")
    if len(text) > URL_MAX:
        raise TargetRefused(f"url is longer than {URL_MAX} characters")
    try:
        url = httpx.URL(text.strip())
    except (httpx.InvalidURL, ValueError) as error:
        raise TargetRefused(f"url is not a valid URL: {error}") from None
    if url.scheme not in ("http", "https"):
        scheme = url.scheme or "(none)"
        raise TargetRefused(f"url must use http or https, not {scheme}")
    if not url.host:
        raise TargetRefused("url has no host")
    if url.port is not None and not 0 < url.port < 65536:
        raise TargetRefused(f"url's port {url.port} is not from 1 to 65535")
    if url.userinfo:
        raise TargetRefused("url must not hold a user name or password: put a secret in the path")
    if url.fragment:
        raise TargetRefused("url must not have a #fragment")
    return url


def refusal(address: Address, policy: TargetPolicy) -> str | None:
    """Why ``address`` may not be sent to, or ``None`` when it may."""
    if policy.allow_private:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return None if policy.allow_loopback else "a loopback address"
    for kind, flag in (
        ("a link-local address", address.is_link_local),
        ("a multicast address", address.is_multicast),
        ("an unspecified address", address.is_unspecified),
        ("a private address", address.is_private),
        ("a reserved address", address.is_reserved),
        ("a non-public address", not address.is_global),
    ):
        if flag:
            return kind
    return None


def check_addresses(url: httpx.URL, addresses: list[Address], policy: TargetPolicy) -> Address:
    """The address to connect to: the first of ``addresses``, when none of them is refused."""
    if not addresses:
        raise TargetRefused(f"the host {url.host} does not resolve")
    for address in addresses:
        reason = refusal(address, policy)
        if reason is not None:
            raise TargetRefused(
                f"url's host {url.host} is {reason} ({address}); webhooks go to public"
                " addresses only (--webhooks-allow-private allows others)"
            )
    return addresses[0]


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _addresses(infos: list[tuple[object, ...]]) -> list[Address]:
    found: list[Address] = []
    for info in infos:
        sockaddr = info[4]
        assert isinstance(sockaddr, tuple)
        address = ipaddress.ip_address(str(sockaddr[0]).partition("%")[0])
        if address not in found:
            found.append(address)
    return found


def resolve_now(url: httpx.URL, policy: TargetPolicy) -> Address:
    """``check_addresses`` on what the host resolves to now (blocking)."""
    literal = _literal(url.host)
    if literal is not None:
        return check_addresses(url, [literal], policy)
    try:
        infos = socket.getaddrinfo(url.host, url.port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise TargetRefused(f"the host {url.host} does not resolve") from None
    return check_addresses(url, _addresses(list(infos)), policy)


async def resolve(url: httpx.URL, policy: TargetPolicy) -> Address:
    """``resolve_now`` without blocking the event loop."""
    literal = _literal(url.host)
    if literal is not None:
        return check_addresses(url, [literal], policy)
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(url.host, url.port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise TargetRefused(f"the host {url.host} does not resolve") from None
    return check_addresses(url, _addresses(list(infos)), policy)
