"""The store tells a database it cannot reach (Unavailable) from a statement it refused."""

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from structlog.testing import capture_logs

from fleetlink.domain.errors import Unavailable
from fleetlink.storage.database import create_engine
from fleetlink.storage.migrate import upgrade
from fleetlink.storage.uow import Store
from tests.live import free_port


async def test_a_postgresql_nobody_listens_for_is_unavailable() -> None:
    store = Store(create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/test"))

    with pytest.raises(Unavailable) as raised:
        await store.ping()
    await store.dispose()

    assert isinstance(raised.value.__cause__, ConnectionRefusedError)
    assert "127.0.0.1" not in raised.value.message  # the caller learns nothing of the setup


async def test_a_sqlite_file_that_cannot_be_opened_is_unavailable(tmp_path: Path) -> None:
    store = Store(create_engine(f"sqlite+aiosqlite:///{tmp_path / 'gone' / 'fleetlink.db'}"))

    with pytest.raises(Unavailable) as raised:
        await store.ping()
    await store.dispose()

    assert "unable to open database file" in str(raised.value.__cause__)


async def test_a_statement_the_database_refuses_is_not_an_outage(engine: AsyncEngine) -> None:
    # No migration ran: the table a ping reads does not exist, the same on every try.
    store = Store(engine)

    with capture_logs() as logs, pytest.raises(DBAPIError) as raised:
        await store.ping()

    assert not isinstance(raised.value, Unavailable)
    assert not store.outage.ongoing
    assert not [e for e in logs if e["event"].startswith("store.")]


async def test_an_outage_is_logged_when_it_starts_and_when_it_ends(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    directory.mkdir()
    store = Store(create_engine(f"sqlite+aiosqlite:///{directory / 'fleetlink.db'}"))
    await upgrade(store.engine)
    await store.dispose()

    with capture_logs() as logs:
        directory.rename(tmp_path / "away")
        for _ in range(3):
            with pytest.raises(Unavailable):
                await store.ping()
        (tmp_path / "away").rename(directory)
        await store.ping()
        await store.ping()
    await store.dispose()

    events = [(e["log_level"], e["event"]) for e in logs]
    assert events == [("warning", "store.unreachable"), ("info", "store.back")]


async def test_a_connection_cut_in_the_middle_of_a_unit_of_work_is_unavailable(
    engine: AsyncEngine, fresh_url: str
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: a SQLite database has no connection to cut")
    await upgrade(engine)
    store = Store(engine)
    admin = create_async_engine(fresh_url, isolation_level="AUTOCOMMIT")

    with pytest.raises(Unavailable) as raised:
        async with store.reading() as uow:
            async with admin.connect() as conn:
                await conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
            await uow.keys.current()
    await admin.dispose()

    assert isinstance(raised.value.__cause__, DBAPIError)
    await store.ping()  # a fresh connection: no restart needed
    assert not store.outage.ongoing
