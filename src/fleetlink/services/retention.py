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

    @property
    def anything(self) -> bool:
        return bool(self.messages or self.codes or self.refresh_tokens)


async def sweep(ctx: ServiceContext) -> Swept:
    """Delete raw messages past the retention, and codes and refresh tokens long expired."""
    now = ctx.clock()
    async with ctx.store.writing() as uow:
        messages = await uow.messages.delete_received_before(now - ctx.message_retention)
        codes, tokens = await uow.oauth.delete_expired_before(now - EXPIRED_KEPT)
        await uow.commit()
    return Swept(messages, codes, tokens)
