"""The store's signing key: made once, whichever process starts first."""

from datetime import datetime

from fleetlink.auth.keys import new_key
from fleetlink.domain.errors import Conflict
from fleetlink.domain.records import StoredKey
from fleetlink.storage.uow import Store


async def ensure_signing_key(store: Store, now: datetime) -> StoredKey:
    """Return the current key, creating the first one if there is none.

    Processes that start together race to insert generation 1; the unique
    constraint lets exactly one win, and the others read the winner's key.
    """
    async with store.reading() as uow:
        current = await uow.keys.current()
    if current is not None:
        return current
    candidate = new_key(1, now)
    try:
        async with store.writing() as uow:
            await uow.keys.add(candidate)
            await uow.commit()
        return candidate
    except Conflict:
        async with store.reading() as uow:
            winner = await uow.keys.current()
        if winner is None:
            raise
        return winner
