"""Bulk import speed: `python -m bench.import_vehicles`.

Writes a fleet file of --rows (10,000) generated vehicles (valid VINs from
fleetlink.simulator.fleetgen, five to an owner, so a fifth as many owners are created) and
imports it as `fleetlink vehicles import` does: read and checked whole, then stored in
chunks of 500 with their owners, password links and device credentials. It does so into a
fresh SQLite file and, when reachable, a PostgreSQL database of its own, then imports the
same file again (every row unchanged). Prints the machine and, per store, rows per second
for each run. See bench/README.md.
"""

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.common import (
    fleetlink_revision,
    load_average,
    machine_table,
    postgres_database,
    server_version,
    until_stopped,
)
from fleetlink.bootstrap import build
from fleetlink.domain.vehicle_import import read_import
from fleetlink.logging import configure_logging
from fleetlink.services.vehicle_import import import_vehicles
from fleetlink.settings import Settings
from fleetlink.simulator.fleetgen import generate_fleet

console = Console()
VEHICLES_PER_OWNER = 5


@dataclass(frozen=True, slots=True)
class Run:
    store: str
    run: str
    created: int
    unchanged: int
    problems: int
    owners: int
    wall_s: float


def fleet_file(rows: int, seed: int) -> str:
    """A header and rows generated vehicles, five to an owner."""
    fleet = generate_fleet(seed, rows, datetime.now(UTC))
    lines = ["vin,brand,model,year,powertrain,plate,owner email"]
    for n, v in enumerate(fleet):
        owner = f"owner-{n // VEHICLES_PER_OWNER:05d}@example.com"
        lines.append(
            f"{v.vin},{v.spec.make},{v.spec.model},{v.year},{v.spec.powertrain.value},"
            f"FL-{n:05d},{owner}"
        )
    return "\n".join(lines) + "\n"


async def _import(url: str, text: str) -> list[Run]:
    container = build(Settings(database_url=url))
    runs = []
    try:
        await container.start()
        store = await server_version(container.store.engine)
        for name in ("first", "again"):
            started = time.perf_counter()
            read = read_import(text, container.services.clock())
            report = await import_vehicles(container.services, read)
            wall = time.perf_counter() - started
            runs.append(
                Run(
                    store,
                    name,
                    len(report.created),
                    len(report.unchanged),
                    len(report.problems),
                    len(report.owners),
                    wall,
                )
            )
    finally:
        await container.close()
    return runs


def _results(runs: list[Run], rows: int) -> Table:
    table = Table(title=f"Importing {rows:,} rows (read, check, store, credentials)")
    for column in (
        "store",
        "run",
        "created",
        "unchanged",
        "left out",
        "owners",
        "wall s",
        "rows/s",
    ):
        table.add_column(column, justify="left" if column in ("store", "run") else "right")
    for r in runs:
        table.add_row(
            r.store,
            r.run,
            f"{r.created:,}",
            f"{r.unchanged:,}",
            f"{r.problems:,}",
            f"{r.owners:,}",
            f"{r.wall_s:.1f}",
            f"{rows / r.wall_s:,.0f}",
        )
    return table


async def main(rows: int, seed: int, backends: tuple[str, ...]) -> None:
    configure_logging("warning")
    machine = machine_table()
    machine.add_row("fleetlink", fleetlink_revision())
    machine.add_row("Load average", load_average())
    console.print(machine)
    text = fleet_file(rows, seed)
    runs: list[Run] = []
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory(prefix="fleetlink-bench-") as tmp:
            runs += await _import(f"sqlite+aiosqlite:///{Path(tmp) / 'import.db'}", text)
    if "postgresql" in backends:
        async with postgres_database(console) as url:
            if url is not None:
                runs += await _import(url, text)
    console.print(_results(runs, rows))


def _parse(argv: list[str]) -> tuple[int, int, tuple[str, ...]]:
    parser = argparse.ArgumentParser(prog="python -m bench.import_vehicles", description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000, help="vehicles in the file")
    parser.add_argument("--seed", type=int, default=4242, help="the generated fleet's seed")
    parser.add_argument(
        "--backend", choices=("sqlite", "postgresql", "all"), default="all", help="store"
    )
    args = parser.parse_args(argv)
    backends = ("sqlite", "postgresql") if args.backend == "all" else (args.backend,)
    return args.rows, args.seed, backends


if __name__ == "__main__":
    asyncio.run(until_stopped(main(*_parse(sys.argv[1:]))))
