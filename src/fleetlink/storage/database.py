"""Engines: SQLite (WAL) by default, PostgreSQL when the URL says so."""

import sqlite3
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from fleetlink.storage.inline_sqlite import InlineEngine, InlineWriteEngine

WRITE_OPTION = "fleetlink_write"
# Connections kept open to a SQLite file: more than a server has requests in flight.
SQLITE_POOL = 32
# Readers on the event loop's thread finish a statement before another request runs, so a
# few stay open: one per unit of work that awaits something else while it reads (more are
# opened when needed, and closed when given back).
SQLITE_READ_POOL = 8
# How long a writer waits for another's write lock (SQLite's busy handler) before it gives up.
SQLITE_BUSY_TIMEOUT_MS = 10000
# Inline writers (brief units of work) go one at a time behind the store's writer lock: one
# connection stays open (more are opened when needed, and closed when given back).
SQLITE_INLINE_WRITE_POOL = 1
# How long a new connection keeps trying to switch a file to WAL while another does the same.
_WAL_SWITCH_ATTEMPTS = 40


def _switch_to_wal(cursor: Any) -> None:
    """Put the file in WAL mode, waiting out another connection that is switching it too.

    Two connections that open a new file at once and both ask for WAL deadlock on its lock,
    and SQLite answers the loser "database is locked" at once, without the busy timeout:
    servers starting together on a fresh database would fail at random. Once the file is
    in WAL mode the PRAGMA only reads the mode, so this loop runs once on every later open.
    """
    for attempt in range(_WAL_SWITCH_ATTEMPTS):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == _WAL_SWITCH_ATTEMPTS - 1:
                raise
            time.sleep(0.005 * (attempt + 1))


def set_up_sqlite(dbapi_connection: Any) -> None:
    """What every connection to a SQLite file gets, whichever thread runs its statements."""
    # Take over BEGIN from the driver so that writers can ask for IMMEDIATE below.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        set_up_sqlite(dbapi_connection)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A writer takes the write lock up front: upgrading a read transaction later
        # fails at once with "database is locked" when another writer got there first.
        # A reader opens none: each of its statements reads a consistent snapshot of its
        # own, and every statement sent costs a hand-off to the driver's thread.
        if conn.get_execution_options().get(WRITE_OPTION, False):
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_read_engine(url: str) -> InlineEngine | None:
    """For a SQLite file, an engine whose connections read on the event loop's thread.

    Units of work that only read use it (fleetlink.storage.inline_sqlite says why); None
    for PostgreSQL, whose driver is asynchronous already, and for an in-memory database,
    which another connection could not see.
    """
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return InlineEngine(parsed.database, SQLITE_READ_POOL)


def create_write_engine(url: str) -> InlineWriteEngine | None:
    """For a SQLite file, an engine whose connections write on the event loop's thread.

    For brief writers (ingestion's batches); fleetlink.storage.inline_sqlite says how the
    lock and checkpoints are waited for off the loop. None where create_read_engine is.
    """
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return InlineWriteEngine(parsed.database, SQLITE_INLINE_WRITE_POOL, set_up_sqlite)


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Create the async engine for url, tuned for its backend."""
    if url.startswith("sqlite"):
        # Each pooled connection is a driver thread; a pool that overflows under load opens
        # and closes threads (and repeats the PRAGMAs) on every request past its size.
        in_memory = ":memory:" in url or url.rstrip("/").endswith("sqlite+aiosqlite:")
        sized: dict[str, Any] = {} if in_memory else {"pool_size": SQLITE_POOL, "max_overflow": 0}
        # The pool's rollback on return is one more hand-off per unit of work, and redundant:
        # a connection leaves a unit of work (or a `with engine.connect()`) rolled back.
        sized["pool_reset_on_return"] = None
        engine = create_async_engine(url, echo=echo, **sized)
        _tune_sqlite(engine)
        return engine
    # Every statement here is short (indexed, LIMITed): PostgreSQL's JIT, which it turns on
    # from a plan's total cost and not its LIMIT, only adds its compile time to each (about
    # 300 ms to a webhook claim over a deep queue, bench/README.md).
    return create_async_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        connect_args={"server_settings": {"jit": "off"}}
        if url.startswith("postgresql+asyncpg")
        else {},
    )
