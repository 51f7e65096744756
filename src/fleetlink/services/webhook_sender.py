"""Sending one webhook: signed in its subscription's format, a timeout, no redirects, a
bounded read."""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Protocol

import httpx

from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.events import Event
from fleetlink.domain.webhooks import WebhookFormat
from fleetlink.services.context import utc_now
from fleetlink.services.webhook_payloads import request_of
from fleetlink.services.webhook_urls import WebhookPolicy, check_destination

MAX_ERROR = 500


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


class HttpSender:
    """Sends with one shared httpx client; redirects are answers, not followed."""

    def __init__(self, policy: WebhookPolicy) -> None:
        self._policy = policy
        self._client = httpx.AsyncClient(
            timeout=policy.timeout.total_seconds(), follow_redirects=False
        )

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
            await check_destination(url, self._policy)
        except InvalidInput as exc:
            return Sent(None, took(), error=exc.message[:MAX_ERROR])
        body, headers = request_of(fmt, secrets, event, now)
        try:
            async with self._client.stream("POST", url, content=body, headers=headers) as response:
                read = 0
                async for chunk in response.aiter_raw():
                    read += len(chunk)
                    if read >= self._policy.max_response_bytes:
                        break
                wait = (
                    retry_after(response.headers.get("retry-after"), now)
                    if response.status_code in (429, 503)
                    else None
                )
                return Sent(response.status_code, took(), wait)
        except httpx.HTTPError as exc:
            return Sent(None, took(), error=f"{type(exc).__name__}: {exc}"[:MAX_ERROR])

    async def close(self) -> None:
        """Close the pooled connections."""
        await self._client.aclose()
