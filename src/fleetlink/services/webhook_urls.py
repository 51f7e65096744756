"""Where webhooks may be sent: HTTPS to public addresses, unless settings allow more.

A URL is checked when it is registered, and its addresses again on every connection:
the sender resolves names through `refuse_private` (webhook_sender.py) and connects only
to the addresses it let through, so a name that changes what it resolves to (DNS
rebinding) cannot lead a send to an address that registration would have refused.
"""

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from fleetlink.domain.errors import InvalidInput

MAX_URL_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class WebhookPolicy:
    """How webhooks are sent (settings.py builds it)."""

    # Plain HTTP endpoints, for local development and tests.
    allow_http: bool = False
    # Endpoints on loopback, private or link-local addresses, likewise.
    allow_private: bool = False
    timeout: timedelta = timedelta(seconds=15)
    # Requests in flight to one endpoint at once, per server process.
    per_endpoint: int = 4
    # How much of a receiver's answer is read (and kept with the attempt).
    max_response_bytes: int = 4096
    # How long the previous secret still signs after a rotation.
    rotation_grace: timedelta = timedelta(hours=24)
    # What the retry schedule's delays are multiplied by: 1, except in tests and demos that
    # cannot wait three days (FLEETLINK_WEBHOOKS_RETRY_SCALE, at most 1).
    retry_scale: float = 1.0


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_shape(url: str, policy: WebhookPolicy) -> str:
    """The URL, if its form is acceptable (scheme, host, no credentials)."""
    if len(url) > MAX_URL_LENGTH or any(c.isspace() or ord(c) < 32 for c in url):
        raise InvalidInput("url is too long or holds spaces or control characters")
    parts = urlsplit(url)
    allowed = ("https", "http") if policy.allow_http else ("https",)
    if parts.scheme not in allowed:
        raise InvalidInput("url must be https://" + (" or http://" if policy.allow_http else ""))
    if not parts.hostname or parts.username or parts.password:
        raise InvalidInput("url must name a host, without user or password")
    try:
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError:
        raise InvalidInput("url has an invalid port") from None
    return url


def refuse_private(host: str, addresses: set[str]) -> None:
    """Raise InvalidInput unless host resolved to addresses, every one of them public."""
    refused = sorted(a for a in addresses if not _public(a))
    if refused or not addresses:
        raise InvalidInput(
            f"url's host {host!r} resolves to loopback, private or link-local addresses "
            f"({', '.join(refused)}); only public addresses are allowed"
        )


def literal_address(host: str) -> bool:
    """Whether host is an IP address rather than a name."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


async def check_destination(url: str, policy: WebhookPolicy) -> None:
    """Raise InvalidInput unless every address the URL's host resolves to may be sent to."""
    check_shape(url, policy)
    if policy.allow_private:
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise InvalidInput(f"url's host {host!r} does not resolve: {exc}") from None
    refuse_private(host, {str(info[4][0]) for info in infos})
