"""The signing key is made once, in the store, even when servers start together."""

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from fleetlink.auth.keys import ALGORITHM
from fleetlink.services.signing_keys import ensure_signing_key
from fleetlink.storage.database import create_engine
from fleetlink.storage.migrate import upgrade
from fleetlink.storage.tables import signing_keys
from fleetlink.storage.uow import Store

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def _key_count(store: Store) -> int:
    async with store.engine.connect() as conn:
        count: int = (
            await conn.execute(select(func.count()).select_from(signing_keys))
        ).scalar_one()
    return count


async def test_the_first_call_creates_a_key_of_the_first_generation(engine: AsyncEngine) -> None:
    await upgrade(engine)
    store = Store(engine)

    key = await ensure_signing_key(store, NOW)

    assert key.generation == 1
    assert key.algorithm == ALGORITHM
    assert key.created_at == NOW
    assert key.public_jwk["kid"] == key.kid
    assert "d" not in key.public_jwk
    assert key.private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert await _key_count(store) == 1


async def test_ensuring_the_key_twice_returns_the_same_key(engine: AsyncEngine) -> None:
    await upgrade(engine)
    store = Store(engine)

    first = await ensure_signing_key(store, NOW)
    second = await ensure_signing_key(store, NOW)

    assert second == first
    assert await _key_count(store) == 1


async def test_the_key_is_read_back_from_the_store_by_another_process(
    engine: AsyncEngine, fresh_url: str
) -> None:
    await upgrade(engine)
    created = await ensure_signing_key(Store(engine), NOW)
    other = create_engine(fresh_url)
    try:
        assert await ensure_signing_key(Store(other), NOW) == created
    finally:
        await other.dispose()


async def test_servers_racing_for_the_first_key_agree_on_one(engine: AsyncEngine) -> None:
    await upgrade(engine)
    store = Store(engine)

    keys = await asyncio.gather(*(ensure_signing_key(store, NOW) for _ in range(5)))

    assert len({k.kid for k in keys}) == 1
    assert await _key_count(store) == 1
    async with store.reading() as uow:
        current = await uow.keys.current()
    assert current is not None and current.kid == keys[0].kid


async def test_separate_processes_racing_for_the_first_key_agree_on_one(
    engine: AsyncEngine, fresh_url: str
) -> None:
    await upgrade(engine)
    engines = [create_engine(fresh_url) for _ in range(5)]
    try:
        keys = await asyncio.gather(*(ensure_signing_key(Store(e), NOW) for e in engines))
    finally:
        for e in engines:
            await e.dispose()

    assert len({k.kid for k in keys}) == 1
    assert await _key_count(Store(engine)) == 1
