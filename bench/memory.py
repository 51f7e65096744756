"""Resident size of fleetlink servers, for bench.http_reads: after the read rounds, with
10,000 registered vehicles before and after reading their status, and over a soak.

Sizes are VmRSS from /proc/<pid>/status, summed over the server's process and every process
under it. See bench/README.md, "Memory".
"""

import asyncio
import sqlite3
import statistics
import time
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

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
    pinned,
    spawn,
    stop,
    wait_until_answering,
)

API = "/connected/v1"
START_TIMEOUT_S = 300.0
SETTLE_S = 5.0


@dataclass(frozen=True, slots=True)
class Sizes:
    """A server's resident size at named moments, in bytes, and its process count."""

    name: str
    moments: tuple[tuple[str, int, int], ...]  # (moment, bytes, processes)


@dataclass
class Big:
    """The server with many vehicles."""

    vehicles: int
    start_seconds: float
    before: tuple[int, int] | None
    after: tuple[int, int] | None
    load: Sample | None
    note: str = ""


@dataclass
class Soak:
    """RSS samples under a steady load."""

    name: str
    seconds: int
    samples: list[tuple[float, int]] = field(default_factory=list)  # (s since start, bytes)
    load: Sample | None = None

    def slope(self, points: Sequence[tuple[float, int]]) -> float | None:
        """Least-squares growth, in bytes a minute."""
        if len(points) < 2:
            return None
        xs = [t for t, _ in points]
        ys = [float(b) for _, b in points]
        if max(xs) == min(xs):
            return None
        return statistics.linear_regression(xs, ys).slope * 60


def _token(log: Path) -> str:
    lines = log.read_text(errors="replace").splitlines()
    for i, line in enumerate(lines[:-1]):
        if "access token" in line:
            return lines[i + 1].strip()
    raise BenchError(f"fleetlink serve --demo printed no access token:\n{lines[-12:]}")


async def many_vehicles(
    driver: Driver, *, vehicles: int, seconds: int, server_cpu: int | None, status: Console
) -> Big:
    """`fleetlink serve --demo` with `vehicles` demo vehicles (no history, no simulator) on a
    SQLite file of its own: its size settled after start-up, then after `seconds` of status
    reads across every one of its VINs."""
    workdir = driver.workdir
    database = workdir / f"many-{vehicles}.db"
    port = free_port()
    env = fleetlink_env(
        f"sqlite+aiosqlite:///{database}",
        {
            "FLEETLINK_DEMO_VEHICLES": str(vehicles),
            "FLEETLINK_DEMO_HISTORY_DAYS": "0",
            "FLEETLINK_DEMO_SIMULATE": "false",
        },
    )
    argv = [*pinned(server_cpu), *fleetlink_argv(port, "--demo")]
    async with AsyncExitStack() as stack:
        started = time.perf_counter()
        with status.status(f"starting fleetlink serve --demo with {vehicles:,} vehicles…"):
            server = await spawn(
                f"fleetlink {vehicles} vehicles", argv, env, workdir, Fleet((), "", ""), port
            )
            stack.push_async_callback(stop, server)
            await wait_until_answering(server, "/healthz", {}, START_TIMEOUT_S)
        start_seconds = time.perf_counter() - started
        token = _token(server.log)
        with sqlite3.connect(database) as conn:
            vins = [row[0] for row in conn.execute("SELECT vin FROM vehicles ORDER BY vin")]
        if len(vins) < vehicles:
            raise BenchError(f"{server.name}: {len(vins)} vehicles in its store")
        await asyncio.sleep(SETTLE_S)
        before = server.rss()
        script = workdir / f"many-{vehicles}.lua"
        script.write_text(
            lua([(f"{API}/vehicles/{vin}/status", f"Bearer {token}") for vin in vins])
        )
        with status.status(f"{server.name}: {seconds} s of status reads over every VIN…"):
            load = await driver.run(server, script, seconds)
        after = server.rss()
    return Big(vehicles, start_seconds, before, after, load)


async def soak(
    driver: Driver,
    server: Server,
    requests: Sequence[tuple[str, str]],
    *,
    seconds: int,
    interval: float,
    status: Console,
) -> Soak:
    """wrk for `seconds` over requests in turn; the server's RSS at the start and every
    interval seconds, and once wrk has finished."""
    result = Soak(server.name, seconds)
    script = driver.workdir / f"soak-{server.port}.lua"
    script.write_text(lua(requests))
    started = time.perf_counter()
    load = asyncio.create_task(driver.run(server, script, seconds))
    try:
        with status.status(f"soak: {server.name}, {seconds} s…") as shown:
            while not load.done():
                now = time.perf_counter() - started
                rss = server.rss()
                if rss is not None:
                    result.samples.append((now, rss[0]))
                    shown.update(f"soak: {server.name}, {now:.0f}/{seconds} s, {mib(rss[0])}")
                await asyncio.wait({load}, timeout=interval)
        result.load = load.result()
        rss = server.rss()
        if rss is not None:
            result.samples.append((time.perf_counter() - started, rss[0]))
    finally:
        if not load.done():
            load.cancel()
            await asyncio.gather(load, return_exceptions=True)
    return result


# Printing


def sizes_table(sizes: Sequence[Sizes]) -> Table:
    out = Table(
        title="Resident size (VmRSS, summed over each server's processes)",
        caption="pages two processes share (a worker's copy of the interpreter) count in each",
    )
    out.add_column("Server", no_wrap=True)
    out.add_column("When")
    figure_column(out, "processes")
    figure_column(out, "RSS")
    for entry in sizes:
        for i, (moment, size, processes) in enumerate(entry.moments):
            out.add_row(entry.name if i == 0 else "", moment, str(processes), mib(size))
    return out


def big_sizes(big: Big) -> Sizes:
    moments = []
    if big.before is not None:
        moments.append(
            (f"settled {SETTLE_S:g} s after start-up ({big.start_seconds:.0f} s)", *big.before)
        )
    if big.after is not None and big.load is not None:
        moments.append(
            (
                f"after {big.load.requests:,} status reads over "
                f"{min(big.load.requests, big.vehicles):,} of its VINs in turn "
                f"({big.load.rate:,.0f} req/s, {big.load.errors:,} failed)",
                *big.after,
            )
        )
    return Sizes(f"fleetlink, {big.vehicles:,} vehicles", tuple(moments))


def soak_table(result: Soak, interval: float) -> Table:
    load = result.load
    out = Table(
        title=f"Soak: {result.name}, {result.seconds} s of mixed reads, RSS every {interval:g} s",
        show_header=False,
        caption="slope: least-squares fit of RSS against time; the second half's leaves out "
        "the warm-up (caches filling, first allocations)",
    )
    out.add_column(style="bold")
    out.add_column(justify="right")
    out.add_column(style="dim")
    sizes = [b for _, b in result.samples]
    if not sizes:
        out.add_row("RSS", "—", "no sample")
        return out
    if load is not None:
        out.add_row(
            "Load",
            f"{load.rate:,.0f} req/s",
            f"{load.requests:,} requests, {load.errors:,} failed, p99 {load.p99_ms:,.1f} ms",
        )
    out.add_row("First", mib(sizes[0]), "as the load began")
    out.add_row("Last", mib(sizes[-1]), f"after {result.samples[-1][0]:.0f} s")
    out.add_row("Max", mib(max(sizes)), f"{len(sizes)} samples")
    out.add_row("Last − first", mib(sizes[-1] - sizes[0]), "")
    half = [p for p in result.samples if p[0] >= result.seconds / 2]
    for label, points in (("Slope", result.samples), ("Slope, second half", half)):
        slope = result.slope(points)
        out.add_row(label, "—" if slope is None else f"{mib(slope)}/min", f"{len(points)} samples")
    out.add_row(
        "Samples",
        "",
        " ".join(f"{t:.0f}s:{b / 2**20:.0f}" for t, b in result.samples),
    )
    return out
