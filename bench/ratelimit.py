"""Rate-limit checks per second, in memory and in Redis: `python -m bench.ratelimit`.

Times `Limiter.check` as a request does it (a client bucket and a vehicle bucket), with the
limits set high enough that every check is allowed and writes. Two key patterns: one hot
client on one VIN, and 10,000 clients on VINs of their own in turn. Redis runs at the
machine's server (`FLEETLINK_TEST_REDIS_URL`, default `redis://127.0.0.1:6379/0`) under a key
prefix of the bench's own, deleted at the end; without Redis it says so and goes on.
"""

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import redis.asyncio as aioredis
from redis.exceptions import RedisError
from rich.console import Console
from rich.table import Table

from bench.common import machine_table, until_stopped
from fleetlink.domain.ratelimit import Rate
from fleetlink.ratelimit import BucketStore, Limiter, MemoryBucketStore, RedisBucketStore

REDIS_URL = os.environ.get("FLEETLINK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SPREAD = 10_000  # clients in the spread pattern
ROOMY = Rate(per_minute=10**9, burst=10**9)  # every check allowed: the bench times the write path

console = Console()


@dataclass(frozen=True, slots=True)
class Options:
    """How many checks, how many at once."""

    checks: int
    concurrency: int
    backends: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Result:
    """One scenario's latencies, in seconds, and its wall time."""

    name: str
    latencies: tuple[float, ...]
    wall_seconds: float

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.wall_seconds

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies, n=100)[p - 1] * 1e6


def _hot(i: int) -> tuple[str, str]:
    return "client-hot", "JTDKARFU0J3000001"


def _spread(i: int) -> tuple[str, str]:
    n = i % SPREAD
    return f"client-{n}", f"VIN{n:014d}"


async def _time(
    name: str, limiter: Limiter, keys: Callable[[int], tuple[str, str]], options: Options
) -> Result:
    latencies: list[float] = []
    counter = iter(range(options.checks))

    async def worker() -> None:
        for i in counter:
            client, vin = keys(i)
            started = time.perf_counter()
            await limiter.check(client, vin, datetime.now(UTC))
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(options.concurrency)))
    return Result(name, tuple(latencies), time.perf_counter() - started)


async def _bench(store: BucketStore, prefix: str, options: Options) -> list[Result]:
    limiter = Limiter(store, client=ROOMY, vehicle=ROOMY, prefix=prefix)
    await _time("warm-up", limiter, _spread, Options(200, 1, options.backends))
    return [
        await _time("one client, one VIN", limiter, _hot, options),
        await _time(f"{SPREAD:,} clients × VIN", limiter, _spread, options),
    ]


async def _redis_results(options: Options) -> tuple[str, list[Result]] | None:
    probe = aioredis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        version = (await probe.info("server"))["redis_version"]
    except (RedisError, OSError) as exc:
        await probe.aclose()
        console.print(f"[yellow]Redis skipped: not reachable at {REDIS_URL} ({exc})")
        return None
    prefix = f"fleetlink-bench:{uuid.uuid4().hex[:12]}:"
    store = RedisBucketStore.from_url(REDIS_URL)
    try:
        return f"Redis {version}", await _bench(store, prefix, options)
    finally:
        await store.close()
        keys = [key async for key in probe.scan_iter(match=f"{prefix}*", count=1000)]
        for start in range(0, len(keys), 1000):
            await probe.delete(*keys[start : start + 1000])
        await probe.aclose()


def _table(title: str, results: list[Result]) -> Table:
    table = Table(title=title)
    table.add_column("Keys", no_wrap=True)
    table.add_column("checks/s", justify="right")
    table.add_column("p50 µs", justify="right")
    table.add_column("p99 µs", justify="right")
    for result in results:
        table.add_row(
            result.name,
            f"{result.per_second:,.0f}",
            f"{result.percentile(50):,.0f}",
            f"{result.percentile(99):,.0f}",
        )
    return table


async def main(options: Options) -> None:
    machine = machine_table()
    machine.add_row("Checks", f"{options.checks:,} per scenario, {options.concurrency} at once")
    console.print(machine)
    if "memory" in options.backends:
        console.print(_table("memory", await _bench(MemoryBucketStore(), "", options)))
    if "redis" in options.backends:
        found = await _redis_results(options)
        if found is not None:
            console.print(_table(*found))


def _parse(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.ratelimit", description=__doc__)
    parser.add_argument("--checks", type=int, default=20_000, help="timed checks per scenario")
    parser.add_argument("--concurrency", type=int, default=16, help="checks in flight at once")
    parser.add_argument("--backend", choices=["memory", "redis", "all"], default="all")
    args = parser.parse_args(argv)
    if args.checks < 2 or args.concurrency < 1:
        parser.error("--checks must be at least 2 and --concurrency at least 1")
    backends = ("memory", "redis") if args.backend == "all" else (args.backend,)
    return Options(checks=args.checks, concurrency=args.concurrency, backends=backends)


if __name__ == "__main__":
    asyncio.run(until_stopped(main(_parse(sys.argv[1:]))))
