"""Sending one webhook: signed in its subscription's format, a timeout, no redirects, a
bounded read."""

import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Protocol
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.events import Event
from fleetlink.domain.webhooks import WebhookFormat
from fleetlink.services.context import utc_now
from fleetlink.services.webhook_payloads import request_of
from fleetlink.services.webhook_urls import (
    WebhookPolicy,
    check_shape,
    literal_address,
    refuse_private,
)

MAX_ERROR = 500
# How long a name's checked addresses are reused before it is resolved (and checked) again.
DNS_CACHE_S = 10
USER_AGENT = "fleetlink-webhooks"


@dataclass(frozen=True, slots=True)
class Sent:
    """What a receiver answered, or why there was no answer."""

    status_code: int | None
    latency_ms: float
    retry_after: timedelta | None = None
    error: str | None = None


class Sender(Protocol):
    """Sends a signed event to an endpoint (tests may plug in their own)."""

    async def send(self, url: str, secrets: list[str], event: Event, fmt: WebhookFormat) -> Sent:
        """POST the event to url in the format fmt, signed with the secrets."""
        ...


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A Retry-After header's delay (seconds or an HTTP date), if it has a valid one."""
    if not value:
        return None
    if value.strip().isdigit():
        return timedelta(seconds=int(value.strip()))
    try:
        return max(parsedate_to_datetime(value) - now, timedelta(0))
    except (TypeError, ValueError):
        return None


class _PublicOnly(AbstractResolver):
    """Resolves as aiohttp would, and lets through public addresses only.

    The connection is made to what this returns, so the check and the connection see the
    same addresses. aiohttp skips the resolver for an IP literal: send checks those itself.
    """

    def __init__(self) -> None:
        self._inner = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        try:
            refuse_private(host, {r["host"] for r in results})
        except InvalidInput as exc:
            raise _Refused(exc.message) from None
        return results

    async def close(self) -> None:
        await self._inner.close()


class _Refused(OSError):
    """A destination the policy does not allow (raised inside aiohttp's connector)."""


class HttpSender:
    """Sends over one aiohttp session; redirects are answers, not followed.

    aiohttp rather than httpx: httpcore's pool scans every connection for every queued
    request (encode/httpcore#1035), which took most of the delivery loop's CPU with a few
    hundred endpoints, and its default cap of 100 connections let dead endpoints, each
    holding a connection until its timeout, stall live ones. Here the pool has no cap of
    its own: the delivery loop bounds what is in flight to each endpoint.
    """

    def __init__(self, policy: WebhookPolicy) -> None:
        self._policy = policy
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        # Made on first use: a session belongs to the event loop it was made on.
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=0,
                resolver=None if self._policy.allow_private else _PublicOnly(),
                ttl_dns_cache=DNS_CACHE_S,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=self._policy.timeout.total_seconds()),
                auto_decompress=False,
                skip_auto_headers=("User-Agent",),
                headers={"User-Agent": USER_AGENT},
            )
        return self._session

    async def send(self, url: str, secrets: list[str], event: Event, fmt: WebhookFormat) -> Sent:
        """POST one event; a failure to connect or a timeout is an answer too (no status).

        Signed at the wall clock's time, not the services' clock: receivers check the
        timestamp against theirs (Standard Webhooks allows five minutes) to refuse replays.
        """
        now = utc_now()
        began = time.perf_counter()

        def took() -> float:
            return (time.perf_counter() - began) * 1000

        try:
            check_shape(url, self._policy)
            host = urlsplit(url).hostname or ""
            if not self._policy.allow_private and literal_address(host):
                refuse_private(host, {host})
        except InvalidInput as exc:
            return Sent(None, took(), error=exc.message[:MAX_ERROR])
        body, headers = request_of(fmt, secrets, event, now)
        try:
            async with self._client().post(
                url, data=body, headers=headers, allow_redirects=False
            ) as response:
                # Read only what is kept; the rest, if any, goes with the connection.
                await response.content.read(self._policy.max_response_bytes)
                wait = (
                    retry_after(response.headers.get("retry-after"), now)
                    if response.status in (429, 503)
                    else None
                )
                return Sent(response.status, took(), wait)
        except aiohttp.ClientConnectorError as exc:
            refused = exc.os_error if isinstance(exc.os_error, _Refused) else None
            reason = str(refused) if refused else f"{type(exc).__name__}: {exc}"
            return Sent(None, took(), error=reason[:MAX_ERROR])
        except TimeoutError:
            timeout = self._policy.timeout.total_seconds()
            return Sent(None, took(), error=f"no answer within {timeout:g} s")
        except aiohttp.ClientError as exc:
            return Sent(None, took(), error=f"{type(exc).__name__}: {exc}"[:MAX_ERROR])

    async def close(self) -> None:
        """Close the pooled connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None
