"""Brief writers on SQLite run on the event loop's thread, and never make it wait.

What storage/inline_sqlite.py relies on: the write is durable and seen by other
connections; the connection is set up as every other; another process's write lock is
waited for off the loop, and one held too long is the store's Unavailable, not a hang;
writers of one process take turns; checkpoints run off the loop.
"""

import asyncio
import sqlite3
import sys
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import text

from fleetlink.domain.errors import Unavailable
from fleetlink.domain.records import StoredKey
from fleetlink.storage import database, inline_sqlite
from fleetlink.storage.database import create_engine, create_read_engine, create_write_engine
from fleetlink.storage.migrate import upgrade
from fleetlink.storage.uow import Store

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

# Another process that takes the write lock, says so, and keeps it until its stdin closes.
_HOLDER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
connection.rollback()
"""


def _key(kid: str) -> StoredKey:
    # Each generation once: the kid's number is the key's.
    return StoredKey(kid, int(kid[1:]) + 1, "ES256", "pem", {"kid": kid}, NOW)


async def _write(store: Store, kid: str, *, brief: bool = True) -> None:
    async with store.writing(brief=brief) as uow:
        await uow.keys.add(_key(kid))
        await uow.commit()


def _kids(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT kid FROM signing_keys ORDER BY kid")]


class _Ticker:
    """Counts the loop's turns every 10 ms: a loop blocked by a busy wait counts none."""

    def __init__(self) -> None:
        self.ticks = 0
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(0.01)
            self.ticks += 1

    def stop(self) -> None:
        self._task.cancel()


@pytest_asyncio.fixture
async def path(tmp_path: Path) -> AsyncIterator[Path]:
    file = tmp_path / "fleetlink.db"
    engine = create_engine(f"sqlite+aiosqlite:///{file}")
    await upgrade(engine)
    await engine.dispose()
    yield file


@pytest_asyncio.fixture
async def store(path: Path) -> AsyncIterator[Store]:
    url = f"sqlite+aiosqlite:///{path}"
    created = Store(create_engine(url), create_read_engine(url), create_write_engine(url))
    yield created
    await created.dispose()


class _Holder:
    """A process of its own holding the file's write lock."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process

    @classmethod
    async def start(cls, path: Path) -> "_Holder":
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _HOLDER,
            str(path),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert process.stdout is not None
        assert await process.stdout.readline() == b"locked\n"
        return cls(process)

    async def release(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        await self._process.wait()


async def test_a_brief_write_is_durable_and_seen_by_other_connections(
    store: Store, path: Path
) -> None:
    await _write(store, "k1")

    assert _kids(path) == ["k1"]  # another connection, right after the commit
    async with store.reading() as uow:
        assert [k.kid for k in await uow.keys.all()] == ["k1"]
    await store.dispose()
    assert _kids(path) == ["k1"]


async def test_the_inline_writer_is_set_up_as_every_connection_to_the_file(store: Store) -> None:
    async with store.writing(brief=True) as uow:
        pragmas = {
            name: await uow.keys._conn.scalar(text(f"PRAGMA {name}"))
            for name in ("journal_mode", "synchronous", "foreign_keys", "wal_autocheckpoint")
        }
    # WAL, synchronous=NORMAL, foreign keys on; its commits never checkpoint on the loop.
    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 1,
        "foreign_keys": 1,
        "wal_autocheckpoint": 0,
    }


async def test_another_process_s_lock_is_waited_for_off_the_loop(store: Store, path: Path) -> None:
    holder = await _Holder.start(path)
    ticker = _Ticker()
    writing = asyncio.create_task(_write(store, "k1"))
    await asyncio.sleep(0.3)
    assert not writing.done()
    assert ticker.ticks >= 10  # the loop went on meanwhile

    await holder.release()
    await asyncio.wait_for(writing, 5)
    ticker.stop()

    assert _kids(path) == ["k1"]


async def test_a_lock_held_past_the_busy_timeout_is_unavailable_not_a_hang(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 300)
    url = f"sqlite+aiosqlite:///{path}"
    store = Store(create_engine(url), create_read_engine(url), create_write_engine(url))
    holder = await _Holder.start(path)
    ticker = _Ticker()
    try:
        with pytest.raises(Unavailable):
            await asyncio.wait_for(_write(store, "k1"), 5)
        assert ticker.ticks >= 10
        outage_during = store.outage.ongoing
    finally:
        ticker.stop()
        await holder.release()

    await _write(store, "k2")  # the connection is none the worse, the outage over
    assert outage_during
    assert not store.outage.ongoing
    assert _kids(path) == ["k2"]
    await store.dispose()


async def test_a_writer_cancelled_while_it_waits_does_not_keep_the_lock(
    store: Store, path: Path
) -> None:
    holder = await _Holder.start(path)
    writing = asyncio.create_task(_write(store, "k1"))
    await asyncio.sleep(0.1)
    writing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await writing
    await holder.release()  # the abandoned BEGIN now takes the lock, and lets go of it

    def take_lock() -> None:
        connection = sqlite3.connect(path, isolation_level=None, timeout=2)
        connection.execute("BEGIN IMMEDIATE")
        connection.rollback()
        connection.close()

    await asyncio.to_thread(take_lock)
    await _write(store, "k2")
    assert _kids(path) == ["k2"]


async def test_writers_of_one_process_take_turns(store: Store, path: Path) -> None:
    order: list[str] = []

    async def hold(name: str, brief: bool) -> None:
        async with store.writing(brief=brief) as uow:
            order.append(f"{name} in")
            await uow.keys.add(_key(name))
            await asyncio.sleep(0.02)  # another writer gets the loop meanwhile
            await uow.commit()
            order.append(f"{name} out")

    names = [(f"k{i:02}", i % 2 == 0) for i in range(20)]
    await asyncio.wait_for(asyncio.gather(*(hold(n, b) for n, b in names)), 10)

    assert order == [f"{n} {step}" for n, _ in names for step in ("in", "out")]
    assert _kids(path) == [n for n, _ in names]


async def test_checkpoints_run_off_the_loop_and_keep_the_wal_small(
    store: Store, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inline_sqlite, "CHECKPOINT_AFTER_COMMITS", 8)
    ran: list[int] = []
    original = inline_sqlite.InlineWriteConnection._checkpoint

    def checkpoint(self: inline_sqlite.InlineWriteConnection) -> None:
        ran.append(threading.get_ident())
        original(self)

    monkeypatch.setattr(inline_sqlite.InlineWriteConnection, "_checkpoint", checkpoint)

    # Back to back, as under sustained ingestion: no pause for a checkpoint to slip into.
    for i in range(400):
        await _write(store, f"k{i}")

    assert len(ran) == 400 // 8
    assert threading.get_ident() not in ran
    # Each commit appends a few pages; without checkpoints that finish, 400 take 5 MB.
    assert path.with_name(path.name + "-wal").stat().st_size < 1_000_000
