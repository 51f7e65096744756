"""Replaying dead letters: each goes through the uplink's checks again, as it first arrived."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fleetlink.domain.deadletters import DeadLetter
from fleetlink.services import dead_letters
from fleetlink.services.context import ServiceContext
from fleetlink.telematics.intake import Incoming, Intake
from fleetlink.telematics.payload import DEFAULT_WINDOW, TimeWindow

CHUNK = 500


@dataclass
class Replayed:
    """How a replay went: letters now stored (and deleted), and letters that failed again."""

    stored: int = 0
    still_failing: int = 0


async def replay(
    ctx: ServiceContext,
    letters: Sequence[DeadLetter],
    window: TimeWindow = DEFAULT_WINDOW,
    *,
    progress: Callable[[int], None] = lambda _done: None,
) -> Replayed:
    """Ingest the letters again, in chunks; a stored one is deleted, a failing one kept."""
    intake = Intake(ctx, window)
    replayed = Replayed()
    for start in range(0, len(letters), CHUNK):
        chunk = letters[start : start + CHUNK]
        # Judged at the time it first arrived, so its timestamp meets the same window.
        taken = await intake.take([Incoming(d.topic, d.payload, d.received_at) for d in chunk])
        refused = {r.index: r for r in taken.refused}
        failures = [(chunk[i].id, r.reason, r.error) for i, r in refused.items()]
        stored = [d.id for i, d in enumerate(chunk) if i not in refused]
        await dead_letters.settle_replay(ctx, stored, failures)
        replayed.stored += len(stored)
        replayed.still_failing += len(failures)
        progress(start + len(chunk))
    return replayed
