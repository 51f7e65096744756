"""Seeding speed: `python -m bench.seed`.

Lives the demo fleet's history the way `fleetlink seed` and a first `serve --demo` do
(prepare_demo: the same vehicle models, the same ingestion), into a fresh SQLite file and,
when reachable, a PostgreSQL database of its own; by default twice, with the models inline
and in a worker process, so the two compare in one run. Prints the machine, its load when
each run began (the machine may be shared), and per run: messages, trips, wall seconds,
CPU seconds (this process and the worker) and messages per wall second.
See bench/README.md."""

import argparse
import asyncio
import os
import platform
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.common import fleetlink_revision, postgres_database, server_version, until_stopped
from fleetlink.bootstrap import build
from fleetlink.logging import configure_logging
from fleetlink.seeding.demo import prepare_demo
from fleetlink.settings import Settings

console = Console()


@dataclass(frozen=True, slots=True)
class Options:
    vehicles: int
    days: float
    seed: int
    backends: tuple[str, ...]
    modes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Run:
    backend: str
    mode: str
    messages: int
    trips: int
    wall_s: float
    cpu_s: float
    load: str


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _cpu_s() -> float:
    """CPU seconds of this process and of its finished children (the worker's)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


async def _seed(url: str, options: Options, mode: str) -> Run:
    container = build(Settings(database_url=url))
    try:
        await container.start()
        backend = await server_version(container.store.engine)
        load = _load()
        wall, cpu = time.perf_counter(), _cpu_s()
        _, _, lived = await prepare_demo(
            container.services,
            seed=options.seed,
            count=options.vehicles,
            history_days=options.days,
            worker=mode == "worker",
        )
        wall, cpu = time.perf_counter() - wall, _cpu_s() - cpu
    finally:
        await container.close()
    assert lived is not None, "a fresh database lives its history"
    return Run(backend, mode, lived.messages, lived.trips, wall, cpu, load)


def _machine_table(options: Options) -> Table:
    table = Table(title="Machine", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("Platform", platform.platform())
    table.add_row("Processor", platform.processor() or platform.machine())
    table.add_row("CPUs", str(os.cpu_count()))
    table.add_row("Python", f"{platform.python_implementation()} {platform.python_version()}")
    table.add_row("fleetlink", fleetlink_revision())
    table.add_row("History", f"{options.vehicles} vehicles × {options.days:g} days")
    return table


def _results_table(runs: list[Run], options: Options) -> Table:
    table = Table(title="Seeding (prepare_demo, as `fleetlink seed`)")
    columns = ("Store", "models", "load at start", "messages", "trips", "wall s", "CPU s", "msg/s")
    for column in columns:
        table.add_column(column, justify="left" if column in columns[:2] else "right")
    for run in runs:
        table.add_row(
            run.backend,
            "in a worker" if run.mode == "worker" else "inline",
            run.load,
            f"{run.messages:,}",
            f"{run.trips:,}",
            f"{run.wall_s:.1f}",
            f"{run.cpu_s:.1f}",
            f"{run.messages / run.wall_s:,.0f}",
        )
    return table


async def main(options: Options) -> None:
    configure_logging("warning")
    console.print(_machine_table(options))
    runs = []
    if "sqlite" in options.backends:
        with tempfile.TemporaryDirectory(prefix="fleetlink-bench-") as tmp:
            for mode in options.modes:
                sqlite_url = f"sqlite+aiosqlite:///{Path(tmp) / f'seed-{mode}.db'}"
                runs.append(await _seed(sqlite_url, options, mode))
    if "postgresql" in options.backends:
        for mode in options.modes:
            async with postgres_database(console) as postgres_url:
                if postgres_url is not None:
                    runs.append(await _seed(postgres_url, options, mode))
    console.print(_results_table(runs, options))


def _parse(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.seed", description=__doc__)
    parser.add_argument("--vehicles", type=int, default=25)
    parser.add_argument("--days", type=float, default=365)
    parser.add_argument("--seed", type=int, default=2026, help="the fleet's seed (the demo's)")
    parser.add_argument(
        "--backend", choices=("sqlite", "postgresql", "all"), default="sqlite", help="store"
    )
    parser.add_argument(
        "--models",
        choices=("inline", "worker", "both"),
        default="both",
        help="where the vehicle models run: in this process, in a worker, or both for a ratio",
    )
    args = parser.parse_args(argv)
    backends = ("sqlite", "postgresql") if args.backend == "all" else (args.backend,)
    modes = ("inline", "worker") if args.models == "both" else (args.models,)
    return Options(args.vehicles, args.days, args.seed, backends, modes)


if __name__ == "__main__":
    asyncio.run(until_stopped(main(_parse(sys.argv[1:]))))
