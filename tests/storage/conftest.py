"""Storage fixtures: a database no migration has touched, on the backend under test."""

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from fleetlink.storage.database import create_engine


@pytest_asyncio.fixture
async def fresh_url(database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """A new, empty database: a file for SQLite, a database created and dropped for PostgreSQL."""
    if database_url.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    name = f"fleetlink_fresh_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(database_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest_asyncio.fixture
async def engine(fresh_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine over the fresh database, disposed after the test."""
    created = create_engine(fresh_url)
    yield created
    await created.dispose()
