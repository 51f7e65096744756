"""UTCDateTime: a time read back is the aware UTC time that was stored, on either backend."""

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from fleetlink.storage.types import UTCDateTime

_metadata = MetaData()
_times = Table(
    "times_under_test",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime(), nullable=True),
)


async def test_times_come_back_aware_and_equal(engine: AsyncEngine) -> None:
    stored = [
        datetime(2026, 12, 7, 11, 24, 3, 123456, tzinfo=UTC),
        datetime(2028, 2, 29, 23, 59, 59, tzinfo=UTC),  # no microseconds, a leap day
        datetime(2026, 3, 29, 2, 30, tzinfo=timezone(timedelta(hours=2))),  # stored as UTC
        datetime(1, 1, 1, tzinfo=UTC),
        None,
    ]
    async with engine.begin() as conn:
        await conn.run_sync(_metadata.create_all)
        await conn.execute(insert(_times), [{"id": i, "at": at} for i, at in enumerate(stored)])
        read = (await conn.execute(select(_times.c.at).order_by(_times.c.id))).scalars().all()
    assert read == stored
    for at in read[:-1]:
        assert at is not None and at.tzinfo is UTC


async def test_text_written_by_hand_is_read_as_the_same_instant(engine: AsyncEngine) -> None:
    # A row written outside fleetlink (a migration, a shell) may hold a time with its own
    # offset or without fractions: it is read as the same instant, in UTC.
    async with engine.begin() as conn:
        await conn.run_sync(_metadata.create_all)
        await conn.execute(
            text(
                "INSERT INTO times_under_test (id, at) VALUES (1, '2026-12-07T13:24:03+02:00'),"
                " (2, '2026-12-07 11:24:03')"
            )
        )
        read = (await conn.execute(select(_times.c.at).order_by(_times.c.id))).scalars().all()
    assert read == [datetime(2026, 12, 7, 11, 24, 3, tzinfo=UTC)] * 2
    assert all(at is not None and at.tzinfo is UTC for at in read)
