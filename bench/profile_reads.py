"""Where a status read's time goes: `python -m bench.profile_reads`.

Builds a container on a temporary SQLite file with the demo fleet, sends `--requests` Toyota
status reads (or, with `--read list`, vehicle lists) through the real ASGI app under cProfile,
and prints the CPU time per request without the profiler, the time per request (with
the profiler's overhead), the hand-offs to SQLite's driver thread per request (aiosqlite puts
one call on its queue for each), and the functions that took the most time. Compare two
commits by running it on each, on the same machine, one after the other.
"""

import argparse
import asyncio
import cProfile
import pstats
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx

from fleetlink.app import create_app
from fleetlink.auth.tokens import TOYOTA_AUDIENCE
from fleetlink.bootstrap import build
from fleetlink.logging import configure_logging
from fleetlink.seeding.registration import ensure_demo_fleet
from fleetlink.settings import Settings

UNLIMITED = 1_000_000_000
_HAND_OFF = "'put_nowait' of '_queue.SimpleQueue'"  # aiosqlite's queue of calls for its thread


_READS = {"status": "/connected/v1/vehicles/{vin}/status", "list": "/connected/v1/vehicles"}


async def _profile(read: str, requests: int, top: int, sort: str) -> None:
    path = _READS[read].format
    configure_logging("warning")
    with tempfile.TemporaryDirectory() as folder:
        container = build(
            Settings(
                database_url=f"sqlite+aiosqlite:///{Path(folder) / 'profile.db'}",
                rate_limit_client_per_minute=UNLIMITED,
                rate_limit_client_burst=UNLIMITED,
                rate_limit_vehicle_per_minute=UNLIMITED,
                rate_limit_vehicle_burst=UNLIMITED,
            )
        )
        await container.start()
        try:
            demo = await ensure_demo_fleet(container.services, seed=7, count=25)
            now = container.services.clock()
            token = await container.tokens.issue(
                demo.account.guid, TOYOTA_AUDIENCE, timedelta(hours=1), now
            )
            vins = [v.vin for v in demo.vehicles]
            headers = {"Authorization": f"Bearer {token}"}
            transport = httpx.ASGITransport(app=create_app(container=container))
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                for i in range(50):  # warm-up: caches, pool, compiled statements
                    await client.get(path(vin=vins[i % 25]), headers=headers)
                cpu = time.process_time()
                for i in range(requests):
                    await client.get(path(vin=vins[i % 25]), headers=headers)
                cpu = time.process_time() - cpu
                profiler = cProfile.Profile()
                started = time.perf_counter()
                profiler.enable()
                for i in range(requests):
                    response = await client.get(path(vin=vins[i % 25]), headers=headers)
                    if response.status_code != 200:
                        raise SystemExit(f"{read} read answered {response.status_code}")
                profiler.disable()
                elapsed = time.perf_counter() - started
        finally:
            await container.close()
    stats = pstats.Stats(profiler)
    hand_offs = sum(
        calls
        for (_, _, name), (calls, *_rest) in stats.stats.items()  # type: ignore[attr-defined]
        if _HAND_OFF in name
    )
    print(
        f"{requests} {read} reads: {cpu / requests * 1e6:,.0f} µs of CPU each through the ASGI"
        f" app and httpx, {elapsed / requests * 1000:.2f} ms each under cProfile"
    )
    print(f"hand-offs to the SQLite thread: {hand_offs / requests:.1f} per request")
    stats.sort_stats(sort).print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--read", choices=sorted(_READS), default="status")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--sort", choices=("tottime", "cumulative"), default="tottime")
    parser.add_argument("--top", type=int, default=25, help="functions to list")
    options = parser.parse_args()
    asyncio.run(_profile(options.read, options.requests, options.top, options.sort))


if __name__ == "__main__":
    main()
