"""Fleets for the API tests: a registered OAuth client and its own client-credentials token."""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta

import httpx
import pytest
import pytest_asyncio
from redis.asyncio import Redis
from redis.exceptions import RedisError

from fleetlink.auth.scopes import ALL_SCOPES
from fleetlink.bootstrap import Container
from fleetlink.domain.oauth import Scope
from fleetlink.ratelimit import BucketStore, Limiter, MemoryBucketStore, Rate, RedisBucketStore
from fleetlink.services.clients import create_client
from fleetlink.services.context import ClearancePolicy
from tests.conftest import REDIS_RUN_PREFIX, REDIS_URL, service_unavailable


@dataclass
class Fleet:
    """An OAuth client acting as a fleet operator, with a client-credentials token."""

    client_id: str
    secret: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


FleetFactory = Callable[..., Awaitable[Fleet]]


async def new_fleet(
    container: Container,
    client: httpx.AsyncClient,
    name: str = "fleet",
    scopes: frozenset[Scope] = ALL_SCOPES,
) -> Fleet:
    """Register a client in container's store and get its token from the server client talks to."""
    registered, secret = await create_client(container.services, name, scopes=scopes)
    response = await client.post(
        "/v1/access_token",
        data={
            "grant_type": "client_credentials",
            "client_id": registered.client_id,
            "client_secret": secret,
        },
    )
    assert response.status_code == 200, response.text
    return Fleet(registered.client_id, secret, response.json()["access_token"])


@pytest.fixture
def make_fleet(container: Container) -> FleetFactory:
    """Register clients and get their tokens through the real token endpoint."""

    async def make(
        client: httpx.AsyncClient, name: str = "fleet", scopes: frozenset[Scope] = ALL_SCOPES
    ) -> Fleet:
        return await new_fleet(container, client, name, scopes)

    return make


def with_clearance(container: Container, *, auto_approve: bool, delay_s: float = 10) -> Container:
    """The container with a clearance policy of the test's choosing."""
    policy = ClearancePolicy(auto_approve=auto_approve, delay=timedelta(seconds=delay_s))
    return replace(container, services=replace(container.services, clearance=policy))


@pytest_asyncio.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def limited(request: pytest.FixtureRequest, clocked: Container) -> AsyncIterator[Container]:
    """The clocked container with its rate limits in memory, or in the test Redis.

    Both go by the test's clock (Redis too, instead of its own TIME), so that buckets
    refill only when the test moves it.
    """
    store: BucketStore
    if request.param == "memory":
        store, prefix = MemoryBucketStore(), "fleetlink:ratelimit:"
    else:
        redis = Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        try:
            await redis.ping()
        except (RedisError, OSError) as exc:
            await redis.aclose()
            service_unavailable(f"Redis is not reachable at {REDIS_URL}: {exc}")
        # A prefix of this test's own; its buckets expire on their own once full again.
        store = RedisBucketStore(redis, use_caller_clock=True)
        prefix = f"{REDIS_RUN_PREFIX}{uuid.uuid4().hex[:8]}:"
    limiter = Limiter(store, client=Rate(600, 100), vehicle=Rate(600, 100), prefix=prefix)
    yield replace(clocked, limiter=limiter)
    await limiter.close()
