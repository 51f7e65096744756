"""Migrations build exactly the schema the code expects, on SQLite and PostgreSQL alike."""

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from fleetlink.domain.state import GROUPS, SignalTimes, VehicleState
from fleetlink.storage.database import create_engine
from fleetlink.storage.migrate import alembic_config, current_revision, upgrade
from fleetlink.storage.repositories.state import VehicleStateRepository, _row
from fleetlink.storage.tables import metadata, vehicle_state, vehicles

# The newest migration the code ships; upgrade() must reach it.
HEAD = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def _schema_diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    diff: list[Any] = compare_metadata(context, metadata)
    return diff


def _table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_a_fresh_database_has_no_revision(engine: AsyncEngine) -> None:
    assert await current_revision(engine) is None


async def test_upgrade_builds_exactly_the_tables_the_code_describes(engine: AsyncEngine) -> None:
    await upgrade(engine)

    async with engine.connect() as conn:
        diff = await conn.run_sync(_schema_diff)
        tables = await conn.run_sync(_table_names)
    assert diff == []
    assert tables == set(metadata.tables) | {"alembic_version"}


async def test_upgrade_leaves_the_database_at_the_head_revision(engine: AsyncEngine) -> None:
    await upgrade(engine)

    assert await current_revision(engine) == HEAD


async def test_upgrading_twice_changes_nothing(engine: AsyncEngine) -> None:
    await upgrade(engine)
    await upgrade(engine)

    async with engine.connect() as conn:
        diff = await conn.run_sync(_schema_diff)
        versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
    assert diff == []
    assert [tuple(v) for v in versions] == [(HEAD,)]


async def test_upgrade_keeps_the_data_already_stored(engine: AsyncEngine) -> None:
    await upgrade(engine)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO accounts (guid, email, password_hash, created_at) "
                "VALUES ('g-1', 'kept@example.com', 'h', CURRENT_TIMESTAMP)"
            )
        )

    await upgrade(engine)

    async with engine.connect() as conn:
        emails = (await conn.execute(text("SELECT email FROM accounts"))).scalars().all()
    assert emails == ["kept@example.com"]


async def test_servers_starting_together_all_upgrade_without_error(fresh_url: str) -> None:
    engines = [create_engine(fresh_url) for _ in range(3)]
    try:
        # Every upgrade runs to its end, so none is left holding a connection.
        outcomes = await asyncio.gather(*(upgrade(e) for e in engines), return_exceptions=True)

        assert [o for o in outcomes if o is not None] == []
        assert [await current_revision(e) for e in engines] == [HEAD] * 3
        async with engines[0].connect() as conn:
            assert await conn.run_sync(_schema_diff) == []
    finally:
        for e in engines:
            await e.dispose()


async def test_sqlite_runs_in_wal_mode_with_foreign_keys_on(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'wal.db'}")
    try:
        await upgrade(engine)

        async with engine.connect() as conn:
            journal = (await conn.execute(text("PRAGMA journal_mode"))).scalar_one()
            foreign_keys = (await conn.execute(text("PRAGMA foreign_keys"))).scalar_one()
        assert journal == "wal"
        assert foreign_keys == 1
        assert (tmp_path / "wal.db-wal").exists()
    finally:
        await engine.dispose()


async def test_freshness_gives_every_group_of_a_stored_state_its_one_time(
    engine: AsyncEngine,
) -> None:
    reported = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)
    fixed = datetime(2026, 3, 14, 9, 20, tzinfo=UTC)
    await upgrade(engine, "0012_webhook_format")
    async with engine.begin() as conn:
        inserted = (
            await conn.execute(
                vehicles.insert().values(
                    vin="JTMAAAAA7PJ000001",
                    make="Toyota",
                    model="bZ4X",
                    year=2024,
                    powertrain="bev",
                    connection="online",
                    climate_target_c=21.0,
                    climate_fan_speed=3,
                    climate_mode="auto",
                    created_at=reported,
                    brand="toyota",
                )
            )
        ).inserted_primary_key
        assert inserted is not None
        vehicle_id = inserted[0]
        # A state as 0012 stored it: one time for everything, and the position's own.
        row = _row(vehicle_id, VehicleState(reported, battery_soc_pct=61.0))
        for group in GROUPS:
            del row[f"{group}_at"]
        row.update(latitude=35.0, longitude=137.0, position_at=fixed)
        await conn.execute(vehicle_state.insert().values(row))

    await upgrade(engine)

    async with engine.connect() as conn:
        states = await VehicleStateRepository(conn).get_many([vehicle_id])
        diff = await conn.run_sync(_schema_diff)
    state = states[vehicle_id]
    assert diff == []
    assert state.times == SignalTimes(*([reported] * len(GROUPS)))
    assert (state.battery_soc_pct, state.reported_at) == (61.0, reported)
    # The position kept the time it had of its own.
    assert state.position is not None and state.position.at == fixed
