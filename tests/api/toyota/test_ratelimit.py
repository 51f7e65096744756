"""Rate limits on the Toyota API: 429 in the contract's Error shape, with Retry-After and
the RateLimit headers; one account's burst leaves others alone; a vehicle's budget is per VIN."""

from dataclasses import replace
from datetime import timedelta

import httpx
import pytest

from fleetlink.bootstrap import Container
from fleetlink.domain.ratelimit import Rate
from fleetlink.ratelimit import Limiter, MemoryBucketStore, RedisBucketStore
from tests.conftest import REDIS_URL, ClientFactory, Clock, OwnerFactory
from tests.live import free_port

BASE = "/connected/v1/vehicles"


async def _client(
    clocked: Container, make_client: ClientFactory, *, client: Rate, vehicle: Rate
) -> httpx.AsyncClient:
    limiter = Limiter(MemoryBucketStore(), client=client, vehicle=vehicle)
    return await make_client(replace(clocked, limiter=limiter))


async def test_a_burst_gets_429_with_a_retry_after_that_works(
    clocked: Container, clock: Clock, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    client = await _client(
        clocked, make_client, client=Rate(per_minute=3, burst=3), vehicle=Rate(600, 100)
    )

    allowed = [await client.get(BASE, headers=owner.headers) for _ in range(3)]
    refused = await client.get(BASE, headers=owner.headers)
    clock.advance(timedelta(seconds=int(refused.headers["retry-after"])))
    after_waiting = await client.get(BASE, headers=owner.headers)

    assert [r.status_code for r in allowed] == [200, 200, 200]
    assert [r.headers["ratelimit-remaining"] for r in allowed] == ["2", "1", "0"]
    assert all(r.headers["ratelimit-limit"] == "3" for r in allowed)
    assert "retry-after" not in allowed[0].headers
    assert refused.status_code == 429
    assert refused.json()["code"] == "TOO_MANY_REQUESTS"
    assert set(refused.json()) == {"code", "message"}
    assert refused.headers["retry-after"] == "20"  # 3 a minute: a token every 20 s
    assert refused.headers["ratelimit-limit"] == "3"
    assert refused.headers["ratelimit-remaining"] == "0"
    assert refused.headers["ratelimit-reset"] == "60"  # all three back in a minute
    assert after_waiting.status_code == 200


async def test_one_accounts_burst_leaves_another_account_alone(
    clocked: Container, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    greedy, other = await make_owner(count=1), await make_owner(count=1, seed=8)
    client = await _client(clocked, make_client, client=Rate(2, 2), vehicle=Rate(600, 100))
    for _ in range(3):
        await client.get(BASE, headers=greedy.headers)

    assert (await client.get(BASE, headers=greedy.headers)).status_code == 429
    response = await client.get(BASE, headers=other.headers)
    assert response.status_code == 200
    assert response.headers["ratelimit-remaining"] == "1"


async def test_a_vehicle_limit_is_per_vin(
    clocked: Container, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=2)
    busy, quiet = (v.vin for v in owner.vehicles)
    client = await _client(clocked, make_client, client=Rate(600, 100), vehicle=Rate(6, 2))

    spent = [await client.get(f"{BASE}/{busy}", headers=owner.headers) for _ in range(2)]
    # Another spelling of the same VIN is the same vehicle, and the same bucket.
    refused = await client.get(f"{BASE}/{busy.lower()}", headers=owner.headers)
    other_vin = await client.get(f"{BASE}/{quiet}", headers=owner.headers)
    no_vin = await client.get(BASE, headers=owner.headers)

    assert [r.status_code for r in spent] == [200, 200]
    assert spent[-1].headers["ratelimit-limit"] == "2"  # the tighter, vehicle's, budget
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "10"
    assert refused.json()["code"] == "TOO_MANY_REQUESTS"
    assert other_vin.status_code == 200
    assert no_vin.status_code == 200


async def test_requests_that_fail_authentication_carry_no_rate_limit_headers(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(BASE)

    assert response.status_code == 401
    assert "ratelimit-limit" not in response.headers


async def test_an_unreachable_redis_never_turns_a_request_into_an_error(
    clocked: Container, make_client: ClientFactory, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(count=1)
    gone = RedisBucketStore.from_url(f"redis://127.0.0.1:{free_port()}/0")
    limiter = Limiter(gone, client=Rate(600, 100), vehicle=Rate(600, 100))
    client = await make_client(replace(clocked, limiter=limiter))

    response = await client.get(f"{BASE}/{owner.vehicles[0].vin}", headers=owner.headers)
    await limiter.close()

    assert response.status_code == 200
    assert response.headers["ratelimit-remaining"] == "99"  # from this process's buckets


@pytest.mark.parametrize("path", ["/healthz", "/.well-known/jwks.json"])
async def test_endpoints_outside_the_apis_are_not_limited(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)

    assert response.status_code == 200
    assert "ratelimit-limit" not in response.headers


@pytest.mark.redis
async def test_two_servers_on_one_redis_share_an_accounts_limit(
    container: Container, make_client: ClientFactory, make_owner: OwnerFactory, redis_prefix: str
) -> None:
    owner = await make_owner(count=1)
    limiters = [
        Limiter(
            RedisBucketStore.from_url(REDIS_URL),
            client=Rate(per_minute=1, burst=3),
            vehicle=Rate(600, 100),
            prefix=redis_prefix,
        )
        for _ in range(2)
    ]
    servers = [await make_client(replace(container, limiter=limiter)) for limiter in limiters]

    answers = [await servers[i % 2].get(BASE, headers=owner.headers) for i in range(5)]
    for limiter in limiters:
        await limiter.close()

    assert [r.status_code for r in answers] == [200, 200, 200, 429, 429]
    assert answers[3].headers["retry-after"] == "60"
