"""Several connections opening a new SQLite file at the same moment all get a WAL database."""

import asyncio
from pathlib import Path

from sqlalchemy import text

from fleetlink.storage.database import create_engine

FILES = 200
ENGINES_PER_FILE = 3


async def _open_and_write(url: str, n: int) -> str:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE IF NOT EXISTS opened (n INTEGER)"))
            await conn.execute(text("INSERT INTO opened VALUES (:n)"), {"n": n})
            mode: str = (await conn.execute(text("PRAGMA journal_mode"))).scalar_one()
        return mode
    finally:
        await engine.dispose()


async def test_connections_racing_to_open_a_new_file_all_succeed(tmp_path: Path) -> None:
    # Two connections switching one new file to WAL at once deadlock on its lock, and SQLite
    # tells the loser "database is locked" without waiting: servers starting together on a
    # fresh database failed that way at random. Before the retry, one of the first hundred
    # files here failed in every run; now all open.
    for i in range(FILES):
        url = f"sqlite+aiosqlite:///{tmp_path / f'new-{i}.db'}"
        outcomes = await asyncio.gather(
            *(_open_and_write(url, n) for n in range(ENGINES_PER_FILE)), return_exceptions=True
        )

        assert outcomes == ["wal"] * ENGINES_PER_FILE, f"file {i}: {outcomes}"
        check = create_engine(url)
        async with check.connect() as conn:
            rows = (await conn.execute(text("SELECT count(*) FROM opened"))).scalar_one()
        await check.dispose()
        assert rows == ENGINES_PER_FILE
