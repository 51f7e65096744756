"""Rate limits over HTTP, for both façades: `enforce` and the headers it leaves behind.

A façade calls `enforce` once per request, after it knows who the caller is::

    from fleetlink.api.ratelimit import enforce

    await enforce(request, f"hm:client:{client_id}", vin)  # vin=None where no vehicle

`client_key` names the caller's budget; prefix it with the API (`toyota:account:…`,
`hm:client:…`) so that one API's callers never share a bucket with the other's. `vin` is
the vehicle the request is about (path or body), or None; it spends from the caller's
bucket for that vehicle too. Over either limit, `enforce` raises `RateLimited`, which the
façade's error translator turns into a 429 in its own error shape (Toyota `{code,
message}`, High Mobility `{errors: [...]}`); nothing else is needed there.

`enforce` keeps its verdict in the request's state, and `RateLimitHeaders` (installed once,
on the root app in `fleetlink.app`, so every mounted façade has it) adds the
`RateLimit-Limit` / `RateLimit-Remaining` / `RateLimit-Reset` headers (IETF httpapi
ratelimit-headers draft) to whatever answer follows, success or error, and `Retry-After`
to a 429.

Doors where a caller proves who it is (the owner panel's sign-in, the token endpoint) limit
failed proofs instead: `refuse_guessing` before the secret is checked, `count_failure`
after it was wrong (see `Guessing`).
"""

import hashlib
import ipaddress
from dataclasses import dataclass

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fleetlink.api.dependencies import get_container
from fleetlink.domain.errors import RateLimited
from fleetlink.domain.ratelimit import Rate, Verdict

STATE_KEY = "ratelimit"


async def enforce(request: Request, client_key: str, vin: str | None) -> None:
    """Spend one token of the caller's budget (and its budget for vin); RateLimited if empty."""
    container = get_container(request)
    verdict = await container.limiter.check(client_key, vin, container.services.clock())
    # request.state is the scope's "state" dict, which the root app's middleware sees too.
    setattr(request.state, STATE_KEY, verdict)
    if not verdict.allowed:
        raise RateLimited(
            f"rate limit exceeded: retry in {verdict.retry_after_seconds} s",
            limit=verdict.limit,
            retry_after=verdict.retry_after_seconds,
            reset=verdict.reset_seconds,
        )


@dataclass(frozen=True, slots=True)
class Guessing:
    """A limit on failed proofs of identity (a password, a client secret) at one door.

    Failures are counted per client address and per address and subject (the account or the
    client id), so a guesser's address runs out of tries while the subject, from any other
    address, still gets in: a limit per subject alone would let anyone lock its owner out.
    Only failures count; once a budget is spent, a try is refused before any secret is
    checked, so a flood of guesses costs no password hashing either. Behind a reverse
    proxy, the address is the one the proxy forwards (uvicorn's FORWARDED_ALLOW_IPS). The
    rates are the settings' `rate_limit_failed_auth_*`.
    """

    door: str
    refusal: str

    def buckets(self, request: Request, subject: str) -> list[tuple[str, Rate]]:
        """The address's bucket and the address-and-subject one, in one cluster slot."""
        container = get_container(request)
        settings = container.settings
        per_address = Rate(
            per_minute=settings.rate_limit_failed_auth_address_per_minute,
            burst=settings.rate_limit_failed_auth_address_burst,
        )
        per_subject = Rate(
            per_minute=settings.rate_limit_failed_auth_subject_per_minute,
            burst=settings.rate_limit_failed_auth_subject_burst,
        )
        tag = f"{self.door}:{client_address(request)}"
        # Hashed: a bucket's key holds no email address, and is short whatever was sent.
        digest = hashlib.sha256(subject.strip().lower().encode()).hexdigest()[:32]
        return [
            (container.limiter.key(tag, "address"), per_address),
            (container.limiter.key(tag, f"subject:{digest}"), per_subject),
        ]


SIGN_IN = Guessing("sign-in", refusal="too many failed sign-in attempts")
TOKEN_CLIENT_AUTH = Guessing("hm-token", refusal="too many failed client authentications")


def client_address(request: Request) -> str:
    """Who is guessing: the client's IP address, or its /64 for IPv6 (one host's share)."""
    host = request.client.host if request.client is not None else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            # An IPv4 client of a dual-stack listener (::ffff:a.b.c.d) is that IPv4 client,
            # not one of the whole internet's in ::/64.
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


async def refuse_guessing(request: Request, door: Guessing, subject: str) -> None:
    """RateLimited if this address, or this address for this subject, has no tries left."""
    container = get_container(request)
    verdict = await container.limiter.peek(
        door.buckets(request, subject), container.services.clock()
    )
    if not verdict.allowed:
        setattr(request.state, STATE_KEY, verdict)
        raise RateLimited(
            f"{door.refusal}: retry in {verdict.retry_after_seconds} s",
            limit=verdict.limit,
            retry_after=verdict.retry_after_seconds,
            reset=verdict.reset_seconds,
        )


async def count_failure(request: Request, door: Guessing, subject: str) -> None:
    """Spend one of this address's tries, and one of its tries at this subject."""
    container = get_container(request)
    verdict = await container.limiter.spend(
        door.buckets(request, subject), container.services.clock()
    )
    setattr(request.state, STATE_KEY, verdict)


def headers(verdict: Verdict, status: int) -> list[tuple[bytes, bytes]]:
    """The RateLimit-* headers of a verdict, and Retry-After when the answer is a 429."""
    values = [
        (b"ratelimit-limit", verdict.limit),
        (b"ratelimit-remaining", verdict.remaining),
        (b"ratelimit-reset", verdict.reset_seconds),
    ]
    if status == 429 and not verdict.allowed:
        values.append((b"retry-after", verdict.retry_after_seconds))
    return [(name, str(value).encode()) for name, value in values]


class RateLimitHeaders:
    """Add the headers of the request's rate-limit verdict, if `enforce` left one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            verdict = scope.get("state", {}).get(STATE_KEY)
            if message["type"] == "http.response.start" and isinstance(verdict, Verdict):
                extra = headers(verdict, message["status"])
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
