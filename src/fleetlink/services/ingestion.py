"""Ingest a batch so that one message that cannot be stored costs only itself.

Everything a vehicle sends is checked where it enters, so a commit should never fail for
what a message holds. If one does anyway, the batch is split in halves until the message
that fails on its own is found; every other message is stored, and the one that failed is
handed back with its error, for the caller to set aside. A store that cannot be reached is
not a message's fault: that raises Unavailable, and the caller retries the whole batch.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import structlog

from fleetlink.domain.errors import Unavailable
from fleetlink.domain.text import scrubbed
from fleetlink.services.context import ServiceContext
from fleetlink.services.telemetry import Arrival, IngestResult, ingest

log = structlog.get_logger(__name__)
MAX_ERROR_LENGTH = 2000


@dataclass
class Isolated:
    """What a batch did, and the error of each message (by its index) that was not stored."""

    result: IngestResult = field(default_factory=IngestResult)
    failed: dict[int, str] = field(default_factory=dict)


def _merge(into: IngestResult, part: IngestResult) -> None:
    into.applied += part.applied
    into.duplicates += part.duplicates
    into.unknown_vehicle += part.unknown_vehicle
    into.commands_settled += part.commands_settled
    into.trips_finished += part.trips_finished
    into.charging_sessions += part.charging_sessions
    into.notifications.extend(part.notifications)
    into.online.extend(part.online)


def _describe(exc: BaseException) -> str:
    """The error and what caused it: the domain's word, then the database's own."""
    chain: list[str] = []
    cause: BaseException | None = exc
    while cause is not None and len(chain) < 4:
        chain.append(f"{type(cause).__name__}: {cause}")
        cause = cause.__cause__
    return scrubbed("; caused by ".join(chain), MAX_ERROR_LENGTH)


async def _reachable(ctx: ServiceContext) -> bool:
    try:
        await ctx.store.ping()
    except Exception:
        return False
    return True


async def ingest_isolating(ctx: ServiceContext, batch: Sequence[Arrival]) -> Isolated:
    """Store what can be stored; raise Unavailable if the store cannot be reached."""
    isolated = Isolated()
    with ctx.ingest_load.busy():
        await _isolate(ctx, batch, 0, isolated)
    return isolated


async def _isolate(
    ctx: ServiceContext, batch: Sequence[Arrival], offset: int, into: Isolated
) -> None:
    # One message is tried twice: another server may have raced it to a first insert.
    for attempt in range(2 if len(batch) == 1 else 1):
        try:
            _merge(into.result, await ingest(ctx, batch))
            return
        except Unavailable:
            raise
        except Exception as exc:
            # A failure that a working store returns for this batch is the batch's own; one
            # while the store is away says nothing about the messages.
            if not await _reachable(ctx):
                raise Unavailable("the database cannot be reached at the moment") from exc
            if len(batch) > 1:
                log.warning("ingest.batch_failed", messages=len(batch), error=_describe(exc)[:200])
            elif attempt == 1:
                log.error("ingest.message_failed", vin=batch[0].report.vin, exc_info=exc)
                into.failed[offset] = _describe(exc)
                return
    half = len(batch) // 2
    await _isolate(ctx, batch[:half], offset, into)
    await _isolate(ctx, batch[half:], offset + half, into)
