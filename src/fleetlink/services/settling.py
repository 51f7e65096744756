"""The platform's own settling: what happens by the clock alone, told when it happens.

A command nobody answers expires at its deadline, and a clearance the platform settles
on its own (a sandbox's approval, an unknown VIN's error) is due at its `settle_at`.
Readers record both when they look (services/commands.py, services/fleet.py), but an app
waiting for `command.settled` or `fleet.clearance_changed` should not depend on someone
reading: this sweep, run by the primary process under the supervisor (app.py), records
them in batches, each batch in one transaction with its events. Conditional writes and
skipped locks make it safe beside readers and beside another server's sweep.
"""

import asyncio
import uuid
from dataclasses import dataclass

import structlog

from fleetlink.domain.events import command_settled
from fleetlink.services.context import ServiceContext
from fleetlink.services.fleet import settle_due

log = structlog.get_logger(__name__)
BATCH = 500
# How often the sweep looks: a command's expiry is told at most this long after its deadline.
INTERVAL_S = 2.0


@dataclass(frozen=True, slots=True)
class Settled:
    """What one pass recorded."""

    commands: int = 0
    clearances: int = 0


async def expire_overdue_commands(ctx: ServiceContext, batch: int = BATCH) -> int:
    """Record one batch of commands past their deadline as expired, with their events."""
    now = ctx.clock()
    async with ctx.store.writing() as uow:
        overdue = await uow.commands.overdue(now, batch)
        if not overdue:
            return 0
        expired = [(c.settled(now), c.status) for c in overdue]
        # Locked since the read (PostgreSQL) or under the write lock (SQLite): each still
        # has the status it was read with, so every conditional write goes through.
        await uow.commands.save_many(expired)
        await uow.events.add_many([command_settled(str(uuid.uuid4()), c) for c, _ in expired], now)
        await uow.commit()
    for command, was in expired:
        log.info(
            "command.expired",
            vin=command.vin,
            command_id=command.id,
            command=command.kind,
            was=was,
        )
    return len(expired)


async def settle_overdue(ctx: ServiceContext, batch: int = BATCH) -> Settled:
    """Record everything overdue now, a batch per transaction, until nothing is left."""
    commands = clearances = 0
    while (n := await expire_overdue_commands(ctx, batch)) > 0:
        commands += n
        if n < batch:
            break
    while (n := await settle_due(ctx, limit=batch)) > 0:
        clearances += n
        if n < batch:
            break
    return Settled(commands, clearances)


async def run(ctx: ServiceContext, interval_s: float = INTERVAL_S) -> None:
    """Settle what is overdue, for ever; a failed pass is logged and the next one tries again."""
    while True:
        try:
            done = await settle_overdue(ctx)
            if done.commands or done.clearances:
                log.info("settling.swept", commands=done.commands, clearances=done.clearances)
        except Exception:
            log.exception("settling.failed")
        await asyncio.sleep(interval_s)
