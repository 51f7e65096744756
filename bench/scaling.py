"""`fleetlink serve --workers 1` beside `--workers 2` on the status read, for bench.http_reads.

Both servers run on the store bench.http_reads prepared, with Redis for the rate limits (as
`--workers 2` needs them shared), unpinned: a second worker needs the second core, which wrk
shares. wrk reads the status of the VINs in turn from each, in interleaved rounds (ABBA, so
a drift in the machine's load falls on both alike), and the bench reads around each run the
server's CPU (the parent and its workers), wrk's, and the whole machine's. See
bench/README.md, "Workers".
"""

import os
import statistics
import uuid
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx
from redis.asyncio import Redis
from redis.exceptions import RedisError
from rich.console import Console
from rich.table import Table

from bench.common import free_port
from bench.procs import (
    BenchError,
    Driver,
    Fleet,
    Sample,
    Server,
    figure_column,
    fleetlink_argv,
    fleetlink_env,
    lua,
    mib,
    spawn,
    spread,
    stop,
    wait_until_answering,
)

API = "/connected/v1"
START_TIMEOUT_S = 90.0
REDIS_URL = os.environ.get("FLEETLINK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
COUNTS = (1, 2)


@dataclass(frozen=True, slots=True)
class Store:
    """A store bench.http_reads prepared, and how to read it."""

    backend: str  # "SQLite", "PostgreSQL"
    url: str
    fleet: Fleet


@dataclass
class Scaling:
    """One store's figures: samples per worker count, in round order."""

    backend: str
    samples: dict[int, list[Sample]] = field(default_factory=dict)
    rss: dict[int, tuple[int, int] | None] = field(default_factory=dict)  # bytes, processes
    errors: int = 0


async def redis_reachable(url: str) -> str | None:
    """None if Redis answers PING at url, else why not."""
    client = Redis.from_url(url, socket_connect_timeout=3)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        return f"Redis not reachable at {url} ({exc})"
    finally:
        await client.aclose()
    return None


async def _forget_prefix(url: str, prefix: str) -> None:
    """Delete the rate-limit buckets the servers left under prefix."""
    client = Redis.from_url(url, socket_connect_timeout=3)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=1000)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def _start(store: Store, workers: int, redis_url: str, prefix: str, workdir: Path) -> Server:
    port = free_port()
    env = fleetlink_env(
        store.url,
        {
            "FLEETLINK_REDIS_URL": redis_url,
            "FLEETLINK_RATE_LIMIT_REDIS_PREFIX": prefix,
            # Its own MQTT session name, so two servers never take each other's over.
            "FLEETLINK_MQTT_CLIENT_ID": f"fleetlink-bench-{uuid.uuid4().hex[:8]}",
        },
    )
    argv = fleetlink_argv(port, "--workers", str(workers))
    name = f"fleetlink {store.backend} --workers {workers}"
    return await spawn(name, argv, env, workdir, store.fleet, port)


async def measure(
    driver: Driver,
    store: Store,
    *,
    redis_url: str,
    rounds: int,
    seconds: int,
    warmup: int,
    status: Console,
) -> Scaling:
    """Both worker counts on store, interleaved; the servers are stopped before it returns.
    wrk is not pinned, whatever driver says: the second worker needs the second CPU."""
    driver = replace(driver, cpu=None)
    workdir = driver.workdir
    prefix = f"fleetlink-bench:{uuid.uuid4().hex[:8]}:"
    result = Scaling(store.backend)
    async with AsyncExitStack() as stack:
        stack.push_async_callback(_forget_prefix, redis_url, prefix)
        servers: dict[int, Server] = {}
        with status.status(f"[bold]{store.backend}[/]: starting --workers 1 and --workers 2…"):
            for count in COUNTS:
                server = await _start(store, count, redis_url, prefix, workdir)
                stack.push_async_callback(stop, server)
                servers[count] = server
            for server in servers.values():
                await wait_until_answering(server, "/healthz", {}, START_TIMEOUT_S)
        auth = f"Bearer {store.fleet.owner_token}"
        requests = [(f"{API}/vehicles/{vin}/status", auth) for vin in store.fleet.vins]
        script = workdir / f"scaling-{store.backend}.lua"
        script.write_text(lua(requests))
        for server in servers.values():
            await _check_every(server, requests)

        async def run(count: int, length: int) -> Sample:
            return await driver.run(servers[count], script, length)

        if warmup > 0:
            for count in COUNTS:
                with status.status(f"warm-up: {servers[count].name}…"):
                    await run(count, warmup)
        result.samples = {count: [] for count in COUNTS}
        for round_no in range(1, rounds + 1):
            order = COUNTS if round_no % 2 else tuple(reversed(COUNTS))
            for count in order:
                with status.status(f"workers, round {round_no}/{rounds}: {servers[count].name}…"):
                    result.samples[count].append(await run(count, seconds))
        result.rss = {count: server.rss() for count, server in servers.items()}
        result.errors = sum(s.errors for samples in result.samples.values() for s in samples)
    return result


async def _check_every(server: Server, requests: Sequence[tuple[str, str]]) -> None:
    """Each worker may answer differently: ask every path a few times, all must be 200."""
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        for path, auth in [*requests, *requests]:
            response = await client.get(path, headers={"Authorization": auth})
            if response.status_code != 200:
                raise BenchError(
                    f"{server.name}: GET {path} answered {response.status_code}: "
                    f"{response.text[:300]}"
                )


def _ratios(a: Sequence[Sample], b: Sequence[Sample], of: str) -> list[float]:
    """of(b) ÷ of(a) round by round (a round's two runs saw the same machine)."""
    out = []
    for x, y in zip(a, b, strict=False):
        num, den = getattr(y, of), getattr(x, of)
        if num is not None and den:
            out.append(num / den)
    return out


def table(result: Scaling) -> Table:
    cpus = os.cpu_count() or 1
    out = Table(
        title=f"fleetlink serve --workers 1 and 2, {result.backend}: the status read, "
        f"unpinned on {cpus} CPUs beside wrk",
        caption="median of the rounds, under it the lowest–highest round. cores: CPU seconds "
        "÷ wall seconds (server: the parent and its workers; others: every other process on "
        "the machine, the database and Redis included)",
    )
    out.add_column("Server", no_wrap=True)
    for name in (
        "req/s",
        "CPU ms/req",
        "server cores",
        "wrk cores",
        "others' cores",
        "p50 ms",
        "p99 ms",
        "RSS after",
    ):
        figure_column(out, name)
    for count, samples in result.samples.items():
        rss = result.rss.get(count)
        errors = sum(s.errors for s in samples)
        out.add_row(
            f"--workers {count}" + (f"\n[red]{errors:,} failed[/]" if errors else ""),
            spread([s.rate for s in samples], lambda x: f"{x:,.0f}"),
            spread([s.cpu_us / 1000 for s in samples if s.cpu_us], lambda x: f"{x:.2f}"),
            spread([s.core for s in samples if s.core is not None], lambda x: f"{x:.2f}"),
            spread([s.wrk_core for s in samples], lambda x: f"{x:.2f}"),
            spread([s.others_core for s in samples], lambda x: f"{x:.2f}"),
            spread([s.p50_ms for s in samples], lambda x: f"{x:,.1f}"),
            spread([s.p99_ms for s in samples], lambda x: f"{x:,.1f}"),
            "—" if rss is None else f"{mib(rss[0])}\n[dim]{rss[1]} processes[/]",
        )
    one, two = result.samples.get(1, []), result.samples.get(2, [])
    if one and two:
        out.add_section()
        out.add_row(
            "2 ÷ 1",
            spread(_ratios(one, two, "rate"), lambda x: f"{x:.2f}", "×"),
            spread(_ratios(one, two, "cpu_us"), lambda x: f"{x:.2f}", "×"),
            spread(_ratios(one, two, "core"), lambda x: f"{x:.2f}", "×"),
            "",
            "",
            "",
            "",
            "",
        )
    return out


def verdict(result: Scaling) -> str:
    """What the ratio can and cannot mean on this machine, in figures."""
    one, two = result.samples.get(1, []), result.samples.get(2, [])
    if not one or not two:
        return ""
    cpus = os.cpu_count() or 1
    core1 = statistics.median(s.core or 0.0 for s in one)
    wrk2 = statistics.median(s.wrk_core for s in two)
    others2 = statistics.median(s.others_core for s in two)
    left = max(cpus - wrk2 - others2, 0.0)
    ratio = statistics.median(_ratios(one, two, "rate"))
    cpu_ratio = statistics.median(_ratios(one, two, "cpu_us"))
    core_ratio = statistics.median(_ratios(one, two, "core"))
    return (
        f"[bold]{result.backend}: workers 2 ÷ 1 = ×{ratio:.2f} in req/s[/], that is "
        f"×{core_ratio:.2f} "
        f"the server's cores ÷ ×{cpu_ratio:.2f} its CPU per request. One worker used "
        f"{core1:.2f} of a core (it cannot use more than 1). While two served, wrk took "
        f"{wrk2:.2f} cores and other processes {others2:.2f}, leaving the server {left:.2f} of "
        f"the {cpus} CPUs; ×1.8 at one worker's CPU per request needs {1.8 * core1:.2f}. "
        "With the load generator and other work on the same machine, req/s ÷ req/s says "
        "how much of the CPU left over the workers turned into requests, not how fleetlink "
        "scales on dedicated cores: read it with the CPU per request (flat means a second "
        "worker costs nothing extra) and the cores columns."
    )
