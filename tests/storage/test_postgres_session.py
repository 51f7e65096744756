"""What each PostgreSQL session of fleetlink runs with."""

import asyncio

import pytest
from sqlalchemy import text

from fleetlink.bootstrap import Container


async def test_postgresql_sessions_run_without_jit(container: Container) -> None:
    # JIT turns on from a plan's total cost, not its LIMIT: a webhook claim over a deep
    # queue paid 300 ms of compiling for 1 ms of work.
    if container.store.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no JIT")
    async with container.store.engine.connect() as conn:
        assert (await conn.execute(text("SHOW jit"))).scalar_one() == "off"


async def test_a_postgresql_read_holds_no_transaction_open(container: Container) -> None:
    # At READ COMMITTED each statement takes its own snapshot anyway: a BEGIN and a
    # ROLLBACK around a read are two round trips that buy nothing.
    if container.store.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite reads run on the event loop's thread")
    async with container.store.reading() as uow:
        conn = uow.keys._conn
        first = (await conn.execute(text("SELECT now()"))).scalar_one()
        await asyncio.sleep(0.01)
        second = (await conn.execute(text("SELECT now()"))).scalar_one()
    # now() is the start of the transaction: two statements in one would see one time.
    assert second > first
    async with container.store.writing() as uow:
        conn = uow.keys._conn
        first = (await conn.execute(text("SELECT now()"))).scalar_one()
        await asyncio.sleep(0.01)
        assert (await conn.execute(text("SELECT now()"))).scalar_one() == first
