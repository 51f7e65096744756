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
"""

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


# Password guessing at the owner panel: a few tries a minute per account. Not per network
# address: behind a reverse proxy every owner would share the proxy's.
SIGN_IN_PER_EMAIL = Rate(per_minute=6, burst=5)


async def enforce_sign_in(request: Request, email: str) -> None:
    """Spend a sign-in attempt for this email address; RateLimited if none is left."""
    container = get_container(request)
    limiter = container.limiter
    bucket = limiter.key("sign-in", f"email:{email.strip().lower()}")
    verdict = await limiter.spend([(bucket, SIGN_IN_PER_EMAIL)], container.services.clock())
    setattr(request.state, STATE_KEY, verdict)
    if not verdict.allowed:
        raise RateLimited(
            f"too many sign-in attempts: retry in {verdict.retry_after_seconds} s",
            limit=verdict.limit,
            retry_after=verdict.retry_after_seconds,
            reset=verdict.reset_seconds,
        )


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
