"""What the store keeps only for a while, and the hourly sweep that deletes the rest."""

from dataclasses import dataclass
from datetime import timedelta

from fleetlink.services.context import ServiceContext

# Expired codes and refresh tokens stay this long, so a replay soon after expiry still
# finds its grant (and a reused code still revokes it).
EXPIRED_KEPT = timedelta(days=1)
# Old events go in batches, each its own transaction, so the sweep never holds the
# outbox (which every ingestion batch writes) for long.
EVENT_BATCH = 1000


@dataclass(frozen=True, slots=True)
class Swept:
    """What one sweep deleted."""

    messages: int
    codes: int
    refresh_tokens: int
    dead_letters: int = 0
    events: int = 0
    deliveries: int = 0
    attempts: int = 0

    @property
    def anything(self) -> bool:
        return any(
            (
                self.messages,
                self.codes,
                self.refresh_tokens,
                self.dead_letters,
                self.events,
                self.deliveries,
                self.attempts,
            )
        )


async def sweep(ctx: ServiceContext, event_batch: int = EVENT_BATCH) -> Swept:
    """Delete raw messages, dead letters and events past their retention, and long-expired
    codes; an event is kept while a webhook delivery of it is still pending."""
    now = ctx.clock()
    async with ctx.store.writing() as uow:
        messages = await uow.messages.delete_received_before(now - ctx.message_retention)
        codes = await uow.codes.delete_expired_before(now - EXPIRED_KEPT)
        tokens = await uow.refresh_tokens.delete_expired_before(now - EXPIRED_KEPT)
        letters = await uow.dead_letters.delete(received_before=now - ctx.dead_letter_retention)
        await uow.commit()
    events = deliveries = attempts = 0
    while True:
        async with ctx.store.writing() as uow:
            e, d, a = await uow.events.delete_recorded_before(
                now - ctx.event_retention, event_batch
            )
            await uow.commit()
        events, deliveries, attempts = events + e, deliveries + d, attempts + a
        if e < event_batch:
            break
    return Swept(messages, codes, tokens, letters, events, deliveries, attempts)
