"""The Redis limiter against the real Redis: the same arithmetic as the domain's, atomic,
shared by independent processes, and its idle buckets expire."""

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import pytest_asyncio
from redis.asyncio import Redis

from fleetlink.domain.ratelimit import Rate
from fleetlink.ratelimit import Limiter, MemoryBucketStore, RedisBucketStore
from tests.conftest import REDIS_URL

pytestmark = pytest.mark.redis
NOW = 1_750_000_000 * 1_000_000
SLOW = Rate(per_minute=1, burst=4)  # no token comes back while a test runs


@pytest_asyncio.fixture
async def redis(redis_prefix: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()


async def test_the_script_computes_what_the_domain_computes(
    redis: Redis, redis_prefix: str
) -> None:
    # The caller's clock replays one random history through Lua and through Python.
    in_redis = RedisBucketStore(redis, use_caller_clock=True)
    in_memory = MemoryBucketStore()
    rates = [Rate(per_minute=90, burst=3), Rate(per_minute=7, burst=2)]
    keys = [f"{redis_prefix}a", f"{redis_prefix}b", f"{redis_prefix}c"]
    rng = random.Random(2026)
    now = NOW

    for _ in range(300):
        now += rng.choice([0, 0, 1, 150_000, 666_667, 9_000_000])
        picked = rng.sample(keys, rng.randint(1, 2))
        buckets = [(key, rates[keys.index(key) % 2]) for key in picked]

        expected = await in_memory.acquire(buckets, now)
        assert await in_redis.acquire(buckets, now) == expected


async def test_two_processes_share_one_limit(redis_prefix: str) -> None:
    # Two limiters with pools of their own, as two server processes have.
    first, second = (
        Limiter(
            RedisBucketStore.from_url(REDIS_URL), client=SLOW, vehicle=SLOW, prefix=redis_prefix
        )
        for _ in range(2)
    )
    try:
        verdicts = [
            await limiter.check("fleet-1", None, datetime.now(UTC))
            for limiter in (first, second, first, second, first, second)
        ]
    finally:
        await first.close()
        await second.close()

    assert [v.allowed for v in verdicts] == [True] * 4 + [False] * 2
    assert [v.remaining for v in verdicts[:4]] == [3, 2, 1, 0]


async def test_concurrent_checks_never_spend_more_than_the_burst(redis_prefix: str) -> None:
    stores = [RedisBucketStore.from_url(REDIS_URL) for _ in range(2)]
    try:
        verdicts = await asyncio.gather(
            *(stores[i % 2].acquire([(f"{redis_prefix}hot", SLOW)], 0) for i in range(40))
        )
    finally:
        for store in stores:
            await store.close()

    assert sum(v.allowed for v in verdicts) == SLOW.burst


async def test_the_server_clock_sets_retry_after(redis: Redis, redis_prefix: str) -> None:
    store = RedisBucketStore(redis)
    bucket = [(f"{redis_prefix}one", Rate(per_minute=1, burst=1))]

    await store.acquire(bucket, 0)  # the caller's clock is ignored: Redis's TIME counts
    refused = await store.acquire(bucket, 0)

    assert not refused.allowed
    assert 59_000_000 < refused.retry_after_us <= 60_000_000
    assert refused.retry_after_seconds == 60


async def test_a_bucket_expires_when_it_would_be_full_again(
    redis: Redis, redis_prefix: str
) -> None:
    store = RedisBucketStore(redis)
    key = f"{redis_prefix}ttl"

    verdict = await store.acquire([(key, Rate(per_minute=2, burst=3))], 0)
    ttl_ms = await redis.pttl(key)

    assert verdict.reset_us == 30_000_000
    assert 29_000 < ttl_ms <= 30_000


async def test_a_refused_request_writes_nothing(redis: Redis, redis_prefix: str) -> None:
    store = RedisBucketStore(redis, use_caller_clock=True)
    roomy, full = f"{redis_prefix}roomy", f"{redis_prefix}full"
    await store.acquire([(full, Rate(per_minute=1, burst=1))], NOW)

    refused = await store.acquire([(roomy, SLOW), (full, Rate(per_minute=1, burst=1))], NOW)

    assert not refused.allowed
    assert await redis.exists(roomy) == 0
