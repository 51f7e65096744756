"""Before a batch leaves, it waits for the messages still arriving, and no longer."""

import asyncio
import time
from typing import Any

from fleetlink.telematics.link import TAKE_IN_S, TelematicsLink


async def _arrive(queue: "asyncio.Queue[Any]", count: int | None) -> None:
    """A message per turn of the loop, as the reader takes them in under load."""
    sent = 0
    while count is None or sent < count:
        await asyncio.sleep(0)
        queue.put_nowait(sent)
        sent += 1


def _within(seconds: float) -> float:
    """The loop's time seconds from now: a batch's deadline."""
    return asyncio.get_running_loop().time() + seconds


async def test_a_batch_waits_for_the_messages_still_arriving() -> None:
    queue: asyncio.Queue[Any] = asyncio.Queue()
    arriving = asyncio.create_task(_arrive(queue, 40))

    await TelematicsLink._take_in(queue, 500, _within(1))

    assert queue.qsize() == 40
    await arriving


async def test_with_nothing_arriving_it_leaves_after_one_pause() -> None:
    queue: asyncio.Queue[Any] = asyncio.Queue()
    started = time.monotonic()

    await TelematicsLink._take_in(queue, 500, _within(1))

    assert time.monotonic() - started < TAKE_IN_S + 0.1


async def test_it_leaves_once_the_batch_is_full() -> None:
    queue: asyncio.Queue[Any] = asyncio.Queue()
    arriving = asyncio.create_task(_arrive(queue, None))

    # Messages never stop coming: it leaves anyway, once there are enough for a batch.
    await asyncio.wait_for(TelematicsLink._take_in(queue, 30, _within(1)), 1)
    arriving.cancel()

    assert queue.qsize() >= 30


async def test_a_steady_trickle_holds_a_batch_back_no_longer_than_its_window() -> None:
    queue: asyncio.Queue[Any] = asyncio.Queue()
    arriving = asyncio.create_task(_arrive(queue, None))
    started = time.monotonic()

    await TelematicsLink._take_in(queue, 10**9, _within(0.05))
    arriving.cancel()

    assert time.monotonic() - started < 0.05 + TAKE_IN_S + 0.1
