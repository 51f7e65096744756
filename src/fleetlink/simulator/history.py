"""A fleet's past, lived a day at a time: what each vehicle sent, as it would go on the wire.

Kept free of storage and services: a worker process runs only this (see
fleetlink.seeding.lifeworker).
"""

import gc
import multiprocessing
import queue as queues
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from multiprocessing.queues import Queue
from typing import Any

from fleetlink.simulator.model import DRIVING_TICK, SimVehicle
from fleetlink.telematics.encoding import encode
from fleetlink.telematics.topics import Channel, topic

# A simulated day per round: few, large transactions (about 3,000 messages for 25 vehicles),
# and trip detection's stored progress read and written once a day per vehicle.
STEP = timedelta(days=1)
# History needs fewer samples than a live view: one a minute on the move, still several
# per trip and route corner (the server simplifies routes to fewer points anyway).
BACKFILL_TICK = timedelta(seconds=60)

# (topic, channel, body, received at): one message as a vehicle published it.
Sent = tuple[str, str, dict[str, Any], datetime]
# The same with the body as the JSON bytes a broker would deliver.
Wired = tuple[str, str, bytes, datetime]


# A day of history allocates some 100,000 objects that live until it is stored, so the
# default collector (a pass every 700 allocations, a full one every 100 passes) spends a
# sixth of a backfill walking them: reference counting frees them, the collector finds
# nothing. It still runs, only less often.
BULK_GC_THRESHOLDS = (50_000, 20, 100)


@contextmanager
def bulk_allocation() -> Iterator[None]:
    """Collect garbage less often while a backfill runs; the defaults come back after."""
    before = gc.get_threshold()
    gc.set_threshold(*BULK_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def lived_days(
    vehicles: Sequence[SimVehicle], until: datetime
) -> Iterator[tuple[datetime, list[Sent]]]:
    """Advance every vehicle to until, a day at a time; yield each day's end and messages."""
    for vehicle in vehicles:
        vehicle.tick = BACKFILL_TICK
    try:
        at = min((v.now for v in vehicles), default=until)
        while at < until:
            at = min(at + STEP, until)
            sent: list[Sent] = []
            for vehicle in vehicles:
                name = {c.value: topic(vehicle.vin, c) for c in Channel}
                for message in vehicle.advance(at):
                    channel = message.channel
                    sent.append((name[channel], channel, message.body, vehicle.now))
            yield at, sent
    finally:
        for vehicle in vehicles:
            vehicle.tick = DRIVING_TICK


def live_into(vehicles: list[SimVehicle], until: datetime, queue: "Queue[Any]") -> None:
    """A worker process's whole job: live the vehicles to until, putting each day on queue.

    Puts ("day", end, [Wired…]) per day, then ("done", vehicles) so the caller carries on
    with the vehicles where they stand, or ("failed", traceback) if the models broke.
    """
    try:
        with bulk_allocation():
            for at, sent in lived_days(vehicles, until):
                _put(queue, ("day", at, [(t, c, encode(body), when) for t, c, body, when in sent]))
        _put(queue, ("done", vehicles))
    except BaseException:
        _put(queue, ("failed", traceback.format_exc()))
        raise


def _put(queue: "Queue[Any]", item: object) -> None:
    # The queue is bounded: wait for room, but not for a parent that is gone.
    parent = multiprocessing.parent_process()
    while True:
        try:
            queue.put(item, timeout=1.0)
            return
        except queues.Full:
            if parent is not None and not parent.is_alive():
                # Nobody reads any more: exit without waiting to flush what is queued.
                queue.cancel_join_thread()
                raise SystemExit("the process that started this backfill is gone") from None
