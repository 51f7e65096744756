"""What the store keeps only for a while, and the hourly sweep that deletes the rest."""

from dataclasses import dataclass
from datetime import timedelta

from fleetlink.services.context import ServiceContext

# Expired codes and refresh tokens stay this long, so a replay soon after expiry still
# finds its grant (and a reused code still revokes it).
EXPIRED_KEPT = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Swept:
    """What one sweep deleted."""

    messages: int
    codes: int
    refresh_tokens: int
    dead_letters: int = 0

    @property
    def anything(self) -> bool:
        return bool(self.messages or self.codes or self.refresh_tokens or self.dead_letters)


async def sweep(ctx: ServiceContext) -> Swept:
    """Delete raw messages and dead letters past their retention, and long-expired codes."""
    now = ctx.clock()
    async with ctx.store.writing() as uow:
        messages = await uow.messages.delete_received_before(now - ctx.message_retention)
        codes = await uow.codes.delete_expired_before(now - EXPIRED_KEPT)
        tokens = await uow.refresh_tokens.delete_expired_before(now - EXPIRED_KEPT)
        letters = await uow.dead_letters.delete(received_before=now - ctx.dead_letter_retention)
        await uow.commit()
    return Swept(messages, codes, tokens, letters)
