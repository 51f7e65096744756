"""Dead letters: set uplink messages aside, let operators read, replay and purge them."""

from collections.abc import Sequence
from datetime import datetime

from fleetlink.domain.deadletters import DeadLetter
from fleetlink.domain.errors import NotFound
from fleetlink.services.context import ServiceContext


class DeadLetterNotFound(NotFound):
    """No dead letter has this id."""

    def __init__(self, letter_id: str) -> None:
        super().__init__(f"no dead letter {letter_id!r}")


async def set_aside(ctx: ServiceContext, letters: Sequence[DeadLetter]) -> None:
    """Store the letters, in one transaction."""
    if not letters:
        return
    async with ctx.store.writing() as uow:
        await uow.dead_letters.add_many(letters)
        await uow.commit()


async def newest(
    ctx: ServiceContext, limit: int = 50, *, reason: str | None = None, vin: str | None = None
) -> list[DeadLetter]:
    """The newest letters, optionally of one reason or vehicle."""
    async with ctx.store.reading() as uow:
        return await uow.dead_letters.newest(limit, reason=reason, vin=vin)


async def counts(ctx: ServiceContext) -> dict[str, int]:
    """How many letters each reason holds."""
    async with ctx.store.reading() as uow:
        return await uow.dead_letters.counts_by_reason()


async def letters(ctx: ServiceContext, ids: Sequence[str]) -> list[DeadLetter]:
    """The letters of these ids, oldest first; DeadLetterNotFound names one that is missing."""
    async with ctx.store.reading() as uow:
        found = await uow.dead_letters.get_many(ids)
    missing = set(ids) - {d.id for d in found}
    if missing:
        raise DeadLetterNotFound(sorted(missing)[0])
    return found


async def settle_replay(
    ctx: ServiceContext, stored: Sequence[str], failures: Sequence[tuple[str, str, str]]
) -> None:
    """After a replay: delete the letters now stored, note why the others still fail."""
    async with ctx.store.writing() as uow:
        if stored:
            await uow.dead_letters.delete(ids=stored)
        await uow.dead_letters.record_failures(failures)
        await uow.commit()


async def purge(
    ctx: ServiceContext,
    *,
    ids: Sequence[str] | None = None,
    reason: str | None = None,
    received_before: datetime | None = None,
) -> int:
    """Delete the letters matching every filter given; how many went."""
    async with ctx.store.writing() as uow:
        gone = await uow.dead_letters.delete(
            ids=ids, reason=reason, received_before=received_before
        )
        await uow.commit()
    return gone
