"""Backfill with the vehicles living in a second process.

The worker runs the models and hands over what they send as JSON bytes, as a broker would
deliver them; this process decodes and ingests with the same code as ever. The two halves
cost about the same, so on two cores a history takes roughly as long as ingesting it
alone (`python -m bench.seed`). A worker is spawned, not forked: this process has threads
(the SQLite driver's) that a fork would copy in whatever state they were.
"""

import asyncio
import multiprocessing
import os
import queue as queues
from collections.abc import Callable, Sequence
from datetime import datetime
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from typing import Any

from fleetlink.seeding.backfill import BackfillResult, dropped, ingest_day
from fleetlink.services.context import ServiceContext
from fleetlink.services.telemetry import Arrival
from fleetlink.simulator.history import Wired, bulk_allocation, live_into
from fleetlink.simulator.model import SimVehicle
from fleetlink.telematics.codec import decode_message
from fleetlink.telematics.payload import MalformedMessage

# Days the worker may run ahead of ingestion: enough to keep both busy, little memory.
AHEAD_DAYS = 4
POLL_S = 0.5
# How long a worker that has handed everything over may take to exit.
STOP_S = 10.0


class BackfillFailed(RuntimeError):
    """The worker living the vehicles stopped before it was done."""


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity, where the platform tells)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _next(items: "Queue[Any]", worker: BaseProcess) -> Any:
    while True:
        try:
            return items.get(timeout=POLL_S)
        except queues.Empty:
            if worker.is_alive():
                continue
        # It may have put its last item and exited between the wait and the check.
        try:
            return items.get(timeout=POLL_S)
        except queues.Empty:
            raise BackfillFailed(
                f"the backfill worker exited with code {worker.exitcode}"
            ) from None


def _arrivals(wired: Sequence[Wired], result: BackfillResult) -> list[Arrival]:
    arrivals = []
    for name, channel, payload, when in wired:
        try:
            decoded = decode_message(name, payload, when)
        except MalformedMessage as exc:
            dropped(name, exc, result)
            continue
        arrivals.append(Arrival(decoded.report, channel, decoded.body, when))
    return arrivals


async def backfill_in_worker(
    ctx: ServiceContext,
    vehicles: Sequence[SimVehicle],
    until: datetime,
    *,
    progress: Callable[[datetime], None] = lambda _at: None,
) -> tuple[BackfillResult, list[SimVehicle]]:
    """As backfill(), with the models in a worker; returns the vehicles where they ended."""
    spawn = multiprocessing.get_context("spawn")
    items: Queue[Any] = spawn.Queue(maxsize=AHEAD_DAYS)
    worker = spawn.Process(
        target=live_into,
        args=(list(vehicles), until, items),
        name="fleetlink-backfill",
        # Ended with this process when it exits normally; killed, the worker notices on
        # its own at its next handover (history._put).
        daemon=True,
    )
    worker.start()
    result = BackfillResult()
    try:
        with bulk_allocation():
            while True:
                item = await asyncio.to_thread(_next, items, worker)
                if item[0] == "failed":
                    raise BackfillFailed(f"the backfill worker failed:\n{item[1]}")
                if item[0] == "done":
                    lived: list[SimVehicle] = item[1]
                    await asyncio.to_thread(worker.join, STOP_S)
                    return result, lived
                _, at, wired = item
                await ingest_day(ctx, _arrivals(wired, result), result)
                progress(at)
    finally:
        if worker.is_alive():
            worker.terminate()
        await asyncio.to_thread(worker.join)
        items.close()
