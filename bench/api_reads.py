"""Read throughput and latency of both APIs over real ASGI: `python -m bench.api_reads`.

Builds a container on a temporary SQLite file (and on a PostgreSQL database of its own when
one is reachable), fills it with the demo fleet and its trip history, then times the reads
an owner's app makes most on the Toyota API (the vehicle list, a status, a page of trips
with and without routes) and a fleet's on the High Mobility API (its fleet list and a
vehicle's data, every vehicle of the fleet cleared).
"""

import argparse
import asyncio
import gc
import math
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from bench.common import machine_table, postgres_database, server_version
from fleetlink.app import create_app
from fleetlink.auth.tokens import TOYOTA_AUDIENCE
from fleetlink.bootstrap import Container, build
from fleetlink.domain.brands import decode_vin
from fleetlink.domain.trips import RoutePoint, Trip
from fleetlink.domain.vehicle import Vehicle
from fleetlink.logging import configure_logging
from fleetlink.seeding.registration import ensure_demo_fleet
from fleetlink.services.clients import create_client
from fleetlink.services.history import record_history
from fleetlink.settings import Settings
from fleetlink.simulator.metros import METROS

BASE_URL = "http://fleetlink.bench"
API = "/connected/v1"
HISTORY_DAYS = 250  # trips spread over this many days before now
QUERY_DAYS = 30  # the trips page asks for the last month
_DEGREES_PER_KM = 1 / 111.0

console = Console()


@dataclass(frozen=True, slots=True)
class Options:
    """What to build and how hard to read."""

    vehicles: int
    trips_per_vehicle: int
    route_points: int
    requests: int
    warmup: int
    concurrency: int
    seed: int
    backends: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Dataset:
    """What was loaded and how long it took."""

    vehicles: int
    trips: int
    route_points: int
    seconds: float


@dataclass(frozen=True, slots=True)
class Result:
    """One scenario's timings, in seconds."""

    name: str
    latencies: tuple[float, ...]
    wall_seconds: float
    response_bytes: int

    @property
    def requests_per_second(self) -> float:
        return len(self.latencies) / self.wall_seconds

    def percentile(self, p: int) -> float:
        """The p-th percentile latency in milliseconds."""
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1] * 1000


@dataclass(frozen=True, slots=True)
class Run:
    """A backend's dataset and results."""

    backend: str
    server: str
    dataset: Dataset
    results: tuple[Result, ...]


def _trips_for(
    rng: random.Random, vehicle: Vehicle, count: int, points: int, now: datetime
) -> list[Trip]:
    """count finished trips of vehicle spread over the history, each with a route of points."""
    metro = rng.choice(METROS)
    spacing = timedelta(days=HISTORY_DAYS) / count
    trips: list[Trip] = []
    for i in range(count):
        start_at = (now - spacing * (i + 1) + rng.random() * spacing * 0.5).replace(microsecond=0)
        minutes = rng.randint(8, 75)
        speed_kmh = rng.uniform(25, 85)
        lat = metro.latitude + rng.uniform(-15, 15) * _DEGREES_PER_KM
        lon = metro.longitude + rng.uniform(-15, 15) * _DEGREES_PER_KM
        heading = rng.uniform(0, 2 * math.pi)
        step_km = speed_kmh * minutes / 60 / max(points - 1, 1)
        step = timedelta(minutes=minutes) / max(points - 1, 1)
        route: list[RoutePoint] = []
        for j in range(points):
            route.append(
                RoutePoint(
                    round(lat, 5), round(lon, 5), (start_at + step * j).replace(microsecond=0)
                )
            )
            heading += rng.gauss(0, 0.25)
            lat += math.cos(heading) * step_km * _DEGREES_PER_KM
            lon += math.sin(heading) * step_km * _DEGREES_PER_KM
        trips.append(
            Trip(
                id=str(uuid.uuid4()),
                vehicle_id=vehicle.id,
                start=route[0],
                end=route[-1],
                distance_km=round(speed_kmh * minutes / 60, 2),
                max_speed_kmh=round(speed_kmh * rng.uniform(1.2, 1.6), 1),
                route=tuple(route),
                start_address=f"{rng.randint(1, 9999)} Main St, {metro.name}",
                end_address=f"{rng.randint(1, 9999)} Oak Ave, {metro.name}",
            )
        )
    return trips


async def _load(container: Container, options: Options) -> tuple[list[Vehicle], str, Dataset]:
    """Register the demo fleet, record its trips in batches, and issue the owner a token."""
    started = time.perf_counter()
    ctx = container.services
    demo = await ensure_demo_fleet(ctx, seed=options.seed, count=options.vehicles)
    now = ctx.clock()
    rng = random.Random(options.seed)
    for vehicle in demo.vehicles:
        trips = _trips_for(rng, vehicle, options.trips_per_vehicle, options.route_points, now)
        await record_history(ctx, trips=trips)
    token = await container.tokens.issue(
        demo.account.guid, TOYOTA_AUDIENCE, timedelta(hours=1), now
    )
    dataset = Dataset(
        vehicles=len(demo.vehicles),
        trips=len(demo.vehicles) * options.trips_per_vehicle,
        route_points=options.route_points,
        seconds=time.perf_counter() - started,
    )
    return demo.vehicles, token, dataset


async def _fleet_token(container: Container, client: httpx.AsyncClient, vins: list[str]) -> str:
    """A fleet client's token, with every vin registered and cleared (the sandbox's way)."""
    registered, secret = await create_client(container.services, "bench fleet")
    response = await client.post(
        "/v1/access_token",
        data={
            "grant_type": "client_credentials",
            "client_id": registered.client_id,
            "client_secret": secret,
        },
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    for vin in vins:
        decoded = decode_vin(vin)
        (
            await client.post(
                "/v1/fleet/vehicles",
                json={"vin": vin, "brand": decoded.brand},
                headers={"Authorization": f"Bearer {token}"},
            )
        ).raise_for_status()
    return token


async def _measure(
    client: httpx.AsyncClient,
    name: str,
    path_for: Callable[[int], str],
    options: Options,
    headers: dict[str, str],
) -> Result:
    """Send warm-up requests, then time options.requests requests from concurrent workers."""
    client.headers.update(headers)
    for i in range(options.warmup):
        (await client.get(path_for(i))).raise_for_status()
    latencies: list[float] = []
    sizes: list[int] = []
    counter = iter(range(options.requests))

    async def worker() -> None:
        for i in counter:
            started = time.perf_counter()
            response = await client.get(path_for(i))
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"{name}: {response.status_code} {response.text[:300]}")
            sizes.append(len(response.content))

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(options.concurrency)))
    wall = time.perf_counter() - started
    return Result(name, tuple(latencies), wall, int(statistics.mean(sizes)))


async def _bench(backend: str, url: str, options: Options) -> Run:
    # A sandbox that clears a fleet's vehicles at once, so the fleet reads are all 200s, and
    # limits no run reaches: the bench measures serving, not refusing.
    unlimited = 1_000_000_000
    container = build(
        Settings(
            database_url=url,
            clearance_auto_approve=True,
            clearance_delay_seconds=0,
            rate_limit_client_per_minute=unlimited,
            rate_limit_client_burst=unlimited,
            rate_limit_vehicle_per_minute=unlimited,
            rate_limit_vehicle_burst=unlimited,
        )
    )
    await container.start()
    try:
        server = await server_version(container.store.engine)
        with console.status(f"[bold]{backend}[/]: loading the fleet and its trips…"):
            vehicles, token, dataset = await _load(container, options)
        # As `fleetlink serve` does once started (cli/serve.py): what start-up made is left
        # out of every full collection. Without it, a page of 10,000 route points made the
        # collector walk the imports' objects every few pages: p99 124 ms against p50 21.
        gc.collect()
        gc.freeze()
        vins = [v.vin for v in vehicles]
        today = datetime.now(UTC).date()
        window = f"fromDate={today - timedelta(days=QUERY_DAYS)}&toDate={today}&limit=50"
        owner = {"Authorization": f"Bearer {token}"}
        scenarios: list[tuple[str, Callable[[int], str], bool]] = [
            ("GET /vehicles", lambda i: f"{API}/vehicles", False),
            (
                "GET …/{vin}/status",
                lambda i: f"{API}/vehicles/{vins[i % len(vins)]}/status",
                False,
            ),
            (
                "GET …/{vin}/trips",
                lambda i: f"{API}/vehicles/{vins[i % len(vins)]}/trips?{window}",
                False,
            ),
            (
                "GET …/trips +includeRoute",
                lambda i: f"{API}/vehicles/{vins[i % len(vins)]}/trips?{window}&includeRoute=true",
                False,
            ),
            ("GET /v1/fleet/vehicles", lambda i: "/v1/fleet/vehicles", True),
            (
                "GET /v1/vehicle-data/…/{vin}",
                lambda i: f"/v1/vehicle-data/autoapi-13/{vins[i % len(vins)]}",
                True,
            ),
        ]
        results: list[Result] = []
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(container=container)),
            base_url=BASE_URL,
        ) as client:
            fleet = {"Authorization": f"Bearer {await _fleet_token(container, client, vins)}"}
            for name, path_for, as_fleet in scenarios:
                with console.status(f"[bold]{backend}[/]: {name}…"):
                    headers = fleet if as_fleet else owner
                    results.append(await _measure(client, name, path_for, options, headers))
        return Run(backend, server, dataset, tuple(results))
    finally:
        gc.unfreeze()
        await container.close()


def _machine_table(options: Options) -> Table:
    table = machine_table()
    table.add_row(
        "Load",
        f"{options.vehicles} vehicles × {options.trips_per_vehicle} trips × "
        f"{options.route_points} route points",
    )
    table.add_row(
        "Requests",
        f"{options.requests} per scenario after {options.warmup} warm-up, "
        f"{options.concurrency} concurrent",
    )
    return table


def _results_table(run: Run) -> Table:
    data = run.dataset
    table = Table(
        title=f"{run.backend} ({run.server})",
        caption=f"loaded {data.trips:,} trips with {data.route_points}-point routes "
        f"for {data.vehicles} vehicles in {data.seconds:.1f} s",
    )
    table.add_column("Request", no_wrap=True)
    table.add_column("req/s", justify="right")
    table.add_column("p50 ms", justify="right")
    table.add_column("p95 ms", justify="right")
    table.add_column("p99 ms", justify="right")
    table.add_column("body", justify="right")
    for result in run.results:
        table.add_row(
            result.name,
            f"{result.requests_per_second:,.0f}",
            f"{result.percentile(50):.1f}",
            f"{result.percentile(95):.1f}",
            f"{result.percentile(99):.1f}",
            _size(result.response_bytes),
        )
    return table


def _size(n: int) -> str:
    return f"{n / 1024:.1f} KiB" if n >= 1024 else f"{n} B"


async def main(options: Options) -> None:
    configure_logging("warning")
    console.print(_machine_table(options))
    if "sqlite" in options.backends:
        with tempfile.TemporaryDirectory(prefix="fleetlink-bench-") as tmp:
            sqlite_url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            console.print(_results_table(await _bench("SQLite", sqlite_url, options)))
    if "postgresql" in options.backends:
        async with postgres_database(console) as postgres_url:
            if postgres_url is not None:
                console.print(_results_table(await _bench("PostgreSQL", postgres_url, options)))


def _parse(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.api_reads", description=__doc__)
    parser.add_argument("--vehicles", type=int, default=25)
    parser.add_argument("--trips-per-vehicle", type=int, default=500)
    parser.add_argument("--route-points", type=int, default=200)
    parser.add_argument("--requests", type=int, default=500, help="timed requests per scenario")
    parser.add_argument("--warmup", type=int, default=25)
    parser.add_argument("--concurrency", type=int, default=1, help="requests in flight at once")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--backend", choices=["sqlite", "postgresql", "all"], default="all", help="what to run on"
    )
    args = parser.parse_args(argv)
    for name in ("vehicles", "trips_per_vehicle", "route_points", "requests", "concurrency"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.requests < 2:
        parser.error("--requests must be at least 2 to take percentiles")
    backends = ("sqlite", "postgresql") if args.backend == "all" else (args.backend,)
    return Options(
        vehicles=args.vehicles,
        trips_per_vehicle=args.trips_per_vehicle,
        route_points=args.route_points,
        requests=args.requests,
        warmup=args.warmup,
        concurrency=args.concurrency,
        seed=args.seed,
        backends=backends,
    )


if __name__ == "__main__":
    asyncio.run(main(_parse(sys.argv[1:])))
