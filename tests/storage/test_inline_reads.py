"""SQLite reads on the event loop's thread (storage/inline_sqlite.py): what they rely on."""

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import OperationalError

from fleetlink.domain.accounts import Account
from fleetlink.storage.database import SQLITE_READ_POOL, create_engine, create_read_engine
from fleetlink.storage.inline_sqlite import InlineEngine
from fleetlink.storage.migrate import upgrade
from fleetlink.storage.tables import accounts
from fleetlink.storage.uow import Store


async def _store(tmp_path: Path) -> Store:
    url = f"sqlite+aiosqlite:///{tmp_path / 'inline.db'}"
    engine = create_engine(url)
    await upgrade(engine)
    reader = create_read_engine(url)
    assert isinstance(reader, InlineEngine)
    return Store(engine, reader)


async def _add_account(store: Store, email: str) -> Account:
    async with store.writing() as uow:
        account = await uow.accounts.add(
            Account(0, str(uuid.uuid4()), email, "not a real hash", datetime.now(UTC))
        )
        await uow.commit()
    return account


async def test_a_reader_sees_what_a_writer_committed(tmp_path: Path) -> None:
    store = await _store(tmp_path)
    try:
        added = await _add_account(store, "first@example.com")
        async with store.reading() as uow:
            found = await uow.accounts.by_guid(added.guid)
        assert found is not None and found.email == "first@example.com"
    finally:
        await store.dispose()


async def test_a_reader_cannot_write(tmp_path: Path) -> None:
    # A write on the event loop's thread would take SQLite's write lock there: it fails loudly.
    store = await _store(tmp_path)
    try:
        async with store.reading() as uow:
            conn = uow.accounts._conn
            with pytest.raises(OperationalError, match="readonly"):
                await conn.execute(
                    insert(accounts).values(
                        guid="g",
                        email="x@example.com",
                        password_hash="h",
                        created_at=datetime.now(UTC),
                    )
                )
        async with store.reading() as uow:
            count = (await uow.accounts._conn.execute(select(accounts.c.id))).all()
        assert count == []
    finally:
        await store.dispose()


async def test_readers_holding_connections_past_the_pool_never_block_the_loop(
    tmp_path: Path,
) -> None:
    # A unit of work may await something else while it holds its connection. Past the pool's
    # connections a new one must be opened, not waited for: the wait would block the only
    # thread that could give one back.
    store = await _store(tmp_path)
    try:
        added = await _add_account(store, "many@example.com")
        release = asyncio.Event()
        opened = 0

        async def hold() -> str | None:
            nonlocal opened
            async with store.reading() as uow:
                opened += 1
                await release.wait()
                found = await uow.accounts.by_guid(added.guid)
            return None if found is None else found.email

        holders = [asyncio.create_task(hold()) for _ in range(SQLITE_READ_POOL * 3)]
        for _ in range(100):
            if opened == len(holders):
                break
            await asyncio.sleep(0.01)
        assert opened == len(holders)
        release.set()
        emails = await asyncio.wait_for(asyncio.gather(*holders), timeout=10)
        assert emails == ["many@example.com"] * len(holders)
    finally:
        await store.dispose()
