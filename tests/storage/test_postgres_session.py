"""What each PostgreSQL session of fleetlink runs with."""

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
