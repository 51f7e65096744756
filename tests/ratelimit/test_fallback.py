"""When Redis is away, limits fall back to this process's memory: no request fails for it."""

import asyncio
import time

from prometheus_client import REGISTRY
from structlog.testing import capture_logs

from fleetlink.bootstrap import build_limiter
from fleetlink.domain.ratelimit import Rate
from fleetlink.ratelimit import Limiter, MemoryBucketStore, RedisBucketStore
from fleetlink.settings import Settings
from tests.conftest import Clock
from tests.live import free_port


def _fallbacks() -> float:
    return REGISTRY.get_sample_value("fleetlink_ratelimit_fallbacks_total") or 0.0


async def test_an_unreachable_redis_is_replaced_by_memory_buckets(clock: Clock) -> None:
    # Nothing listens on a fresh free port: a Redis that went away.
    store = RedisBucketStore.from_url(f"redis://127.0.0.1:{free_port()}/0")
    limiter = Limiter(store, client=Rate(per_minute=60, burst=2), vehicle=Rate(60, 2))
    before = _fallbacks()

    with capture_logs() as logs:
        verdicts = [await limiter.check("c1", None, clock()) for _ in range(3)]
    await limiter.close()

    assert [v.allowed for v in verdicts] == [True, True, False]  # still limited, locally
    assert _fallbacks() - before == 3
    warnings = [e for e in logs if e["event"] == "ratelimit.store_unreachable"]
    assert len(warnings) == 1  # once per outage, not once per request


async def test_a_redis_that_stops_answering_holds_a_check_up_only_until_its_timeout(
    clock: Clock,
) -> None:
    # A server that accepts connections and never answers, like a Redis that hangs.
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    store = RedisBucketStore.from_url(f"redis://127.0.0.1:{port}/0", timeout_s=0.1)
    limiter = Limiter(store, client=Rate(per_minute=60, burst=2), vehicle=Rate(60, 2))

    started = time.perf_counter()
    verdict = await limiter.check("c1", "JTDKARFU0J3000001", clock())
    waited = time.perf_counter() - started
    await limiter.close()
    server.close()

    assert verdict.allowed
    assert waited < 1.0  # one attempt and one retry of 0.1 s, not redis-py's ten with backoff


def test_settings_choose_the_store_the_rates_and_the_prefix() -> None:
    local = build_limiter(Settings(redis_url=None))
    shared = build_limiter(
        Settings(
            redis_url="redis://127.0.0.1:6379/0",
            rate_limit_client_per_minute=30,
            rate_limit_client_burst=5,
            rate_limit_redis_prefix="tenant-a:",
        )
    )

    assert isinstance(local.store, MemoryBucketStore)
    assert isinstance(shared.store, RedisBucketStore)
    assert (shared.client, shared.prefix) == (Rate(30, 5), "tenant-a:")
    assert local.vehicle == Rate(120, 30)
