"""SQLite reads on the event loop's own thread, through SQLAlchemy's synchronous engine.

aiosqlite runs each call on a thread of its own, so every statement pays several hand-offs
between threads (a cursor, the statement, the fetch, the close), and each hand-off costs
more CPU than the indexed read it carries (bench/profile_reads.py). SQLAlchemy's asyncio
layer adds a greenlet switch to every call besides. A read of a few rows on a WAL database
takes tens of microseconds and never waits for a writer, so the units of work that only read
run their statements right where they are, on a plain sqlite3 connection under SQLAlchemy's
synchronous engine: InlineConnection gives it the face of an AsyncConnection whose
coroutines finish at once.

The readers are query-only (`PRAGMA query_only`): a write through one fails loudly instead
of taking the write lock on the event loop's thread.

The pool never makes the loop wait: a unit of work may hold its connection across an await
while other requests read, so past the connections kept open a new one is opened (a few
tens of microseconds) and closed when given back, instead of blocking the only thread that
could give one back.

Brief writers (ingestion's batches: a dozen indexed statements) run inline too, through
InlineWriteEngine; other writers keep aiosqlite. What a writer can wait for is kept off the
loop:

- **The write lock.** Writers of this process queue on the store's asyncio lock before
  they take a connection, so the lock is only ever held by another process (a second
  server, `--workers`, the CLI). BEGIN IMMEDIATE is tried inline with no busy timeout; if
  another process holds the lock, the same BEGIN waits in a worker thread with the busy
  timeout the connection was set up with, exactly as long as an aiosqlite writer would,
  and fails the same way (SQLITE_BUSY: the store's Unavailable). The loop never sleeps in
  SQLite's busy handler. Once BEGIN IMMEDIATE holds the lock, nothing else in a WAL
  transaction waits for one.
- **Checkpoints.** SQLite runs an automatic checkpoint inside the commit that takes the WAL
  past its threshold, copying pages and calling fsync: on this connection that would be the
  loop's thread. So `PRAGMA wal_autocheckpoint=0` here, and the commit that ends enough
  writes runs a PASSIVE checkpoint (it never waits for a lock) in a worker thread and
  awaits it, as SQLite's would run inside the commit: still under the store's writer lock,
  so that it finishes and the next write starts the WAL over. Keeping the automatic
  checkpoint on the aiosqlite writers alone would not do: when ingestion is most of the
  writing, the WAL would grow without bound (as it does with a checkpoint running beside
  the writers rather than between them).
- **Connecting.** A new connection (its PRAGMAs may wait for another's switch of a new
  file to WAL) is opened in a worker thread; the one kept open is taken at once.
"""

import asyncio
import sqlite3
from collections.abc import Callable
from typing import Any, cast

import structlog
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Dialect, Engine, Result
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import QueuePool

log = structlog.get_logger(__name__)

# A read that meets a lock (a checkpoint resetting the WAL) waits this long, on the loop.
READ_BUSY_TIMEOUT_MS = 1000
# The inline writers' commit that ends this many of them, or this many rows changed, runs a
# checkpoint off the loop: about SQLite's own threshold of 1,000 pages for ingestion.
CHECKPOINT_AFTER_COMMITS = 64
CHECKPOINT_AFTER_ROWS = 2000
_BEGIN_WRITING = "BEGIN IMMEDIATE"


def _pooled(connect: Callable[[], sqlite3.Connection], pool_size: int, **options: Any) -> Engine:
    """A synchronous engine over connect's connections that never makes the loop wait.

    Past pool_size connections kept open, a new one is opened, and closed when given back.
    """
    return create_engine(
        "sqlite://",
        creator=connect,
        poolclass=QueuePool,
        pool_size=pool_size,
        max_overflow=-1,
        **options,
    )


class InlineConnection:
    """The part of AsyncConnection the repositories use, over a synchronous Connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    @property
    def dialect(self) -> Dialect:
        return self._connection.dialect

    async def execute(
        self,
        statement: Any,
        parameters: Any = None,
        *,
        execution_options: Any = None,
    ) -> Result[Any]:
        return self._connection.execute(statement, parameters, execution_options=execution_options)

    async def scalar(
        self,
        statement: Any,
        parameters: Any = None,
        *,
        execution_options: Any = None,
    ) -> Any:
        return self._connection.scalar(statement, parameters, execution_options=execution_options)

    async def begin(self) -> None:
        """Nothing to send: a reader's statements each read a snapshot of their own."""

    def in_transaction(self) -> bool:
        return self._connection.in_transaction()

    async def rollback(self) -> None:
        self._connection.rollback()

    async def commit(self) -> None:
        self._connection.commit()

    async def close(self) -> None:
        self._connection.close()


class InlineEngine:
    """Hands out InlineConnections to one SQLite file; what Store needs of an engine."""

    def __init__(self, path: str, pool_size: int) -> None:
        def connect() -> sqlite3.Connection:
            # check_same_thread is off only because the pool may close a connection from the
            # garbage collector's thread; every statement runs on the event loop's thread.
            connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            connection.execute(f"PRAGMA busy_timeout={READ_BUSY_TIMEOUT_MS}")
            connection.execute("PRAGMA query_only=ON")
            return connection

        # Nothing to roll back when given back: a reader opens no transaction.
        self.sync_engine = _pooled(connect, pool_size, pool_reset_on_return=None)

    @property
    def dialect(self) -> Dialect:
        return self.sync_engine.dialect

    async def connect(self) -> AsyncConnection:
        # Typed as what the repositories take: InlineConnection has every method they call,
        # and the suite runs each of them on SQLite through it.
        return cast(AsyncConnection, InlineConnection(self.sync_engine.connect()))

    async def dispose(self) -> None:
        self.sync_engine.dispose()


class _Checkpoints:
    """When the writers to one file have written enough for a checkpoint."""

    def __init__(self) -> None:
        self._commits = 0
        self._rows = 0

    def due(self, rows: int) -> bool:
        """Count a commit of rows changed; whether a checkpoint is due after it."""
        self._commits += 1
        self._rows += rows
        if self._commits < CHECKPOINT_AFTER_COMMITS and self._rows < CHECKPOINT_AFTER_ROWS:
            return False
        self._commits = self._rows = 0
        return True


class InlineWriteConnection(InlineConnection):
    """An InlineConnection that writes; what it waits for, it waits for off the loop."""

    def __init__(self, connection: Connection, checkpoints: _Checkpoints) -> None:
        super().__init__(connection)
        self._raw = cast(sqlite3.Connection, connection.connection.driver_connection)
        self._checkpoints = checkpoints
        # A call lent to a worker thread, while it runs or after its caller left.
        self._lent: asyncio.Future[None] | None = None

    async def execution_options(self, **_: Any) -> "InlineWriteConnection":
        """Every unit of work here writes (WRITE_OPTION): begin() takes the lock."""
        return self

    async def _lend(self, function: Callable[[], None]) -> None:
        """Run function on the connection in a worker thread, the loop going on meanwhile."""
        lent = self._lent = asyncio.ensure_future(asyncio.to_thread(function))
        try:
            await asyncio.shield(lent)
        except asyncio.CancelledError:
            # The thread goes on, and may yet take the lock for no one: let go of it then.
            lent.add_done_callback(self._let_go)
            raise
        except BaseException:
            self._lent = None
            raise
        self._lent = None

    def _let_go(self, _: object) -> None:
        self._lent = None
        if not self._connection.closed:
            self._connection.rollback()

    async def _settled(self) -> None:
        lent = self._lent
        if lent is not None:
            # A call whose caller was cancelled: its thread still has the connection.
            await asyncio.wait([lent])

    async def begin(self) -> None:
        """BEGIN IMMEDIATE: at once if the lock is free, else waiting in a worker thread."""
        await self._settled()
        try:
            self._connection.exec_driver_sql(_BEGIN_WRITING)
            return
        except OperationalError as error:
            code = getattr(error.orig, "sqlite_errorcode", None)
            if code is None or code & 0xFF != sqlite3.SQLITE_BUSY:
                raise
            self._connection.rollback()
        # Another process writes: wait for it as long as any writer would, off the loop.
        await self._lend(self._begin_waiting)

    def _begin_waiting(self) -> None:
        self._raw.execute(f"PRAGMA busy_timeout={self._engine_waiting_ms()}")
        try:
            self._connection.exec_driver_sql(_BEGIN_WRITING)
        finally:
            self._raw.execute("PRAGMA busy_timeout=0")

    def _engine_waiting_ms(self) -> int:
        waiting: int = self._connection.connection.info["waiting_ms"]
        return waiting

    async def execute(self, statement: Any, *args: Any, **kwargs: Any) -> Result[Any]:
        await self._settled()
        return await super().execute(statement, *args, **kwargs)

    async def scalar(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        await self._settled()
        return await super().scalar(statement, *args, **kwargs)

    async def rollback(self) -> None:
        await self._settled()
        self._connection.rollback()

    async def commit(self) -> None:
        before = self._raw.total_changes
        rows = before - self._connection.connection.info.get("changes", 0)
        self._connection.commit()
        self._connection.connection.info["changes"] = before
        if self._checkpoints.due(rows):
            # As SQLite's own automatic checkpoint does, in the commit that makes it due,
            # while this process's writer lock is still held: no writer of ours appends to
            # the WAL meanwhile, so the checkpoint can finish and the next write restart
            # the WAL from its beginning. One that runs beside the writers never finishes
            # under sustained ingestion, and the WAL grows without bound.
            await self._lend(self._checkpoint)

    def _checkpoint(self) -> None:
        try:
            # PASSIVE: copies what no reader still needs, waits for no one.
            self._raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as error:
            # The commit stands; the next checkpoint catches up.
            log.warning("store.checkpoint_failed", error=str(error))

    async def close(self) -> None:
        lent = self._lent
        if lent is not None and not lent.done():
            # Closing under the thread's feet is not safe; close when it is done.
            lent.add_done_callback(lambda _: self._connection.close())
            return
        self._connection.close()


class InlineWriteEngine:
    """Hands out InlineWriteConnections to one SQLite file, set up by set_up."""

    def __init__(
        self, path: str, pool_size: int, set_up: Callable[[sqlite3.Connection], None]
    ) -> None:
        def connect() -> sqlite3.Connection:
            # check_same_thread is off: opened in a worker thread, used on the loop's, and
            # lent to a worker thread only while a call waits there, never to two at once.
            connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            try:
                set_up(connection)
                connection.execute("PRAGMA wal_autocheckpoint=0")
            except BaseException:
                connection.close()
                raise
            return connection

        # Rolled back when given back, a no-op unless a unit of work left a transaction open.
        self.sync_engine = _pooled(connect, pool_size)

        @event.listens_for(self.sync_engine, "connect")
        def _on_connect(dbapi_connection: sqlite3.Connection, record: Any) -> None:
            # The busy timeout set up is how long a BEGIN waits off the loop; on it, none.
            (record.info["waiting_ms"],) = dbapi_connection.execute(
                "PRAGMA busy_timeout"
            ).fetchone()
            dbapi_connection.execute("PRAGMA busy_timeout=0")
            record.info["changes"] = dbapi_connection.total_changes

        self._checkpoints = _Checkpoints()

    @property
    def dialect(self) -> Dialect:
        return self.sync_engine.dialect

    async def connect(self) -> AsyncConnection:
        pool = cast(QueuePool, self.sync_engine.pool)
        if pool.checkedin():
            connection = self.sync_engine.connect()
        else:
            connection = await asyncio.to_thread(self.sync_engine.connect)
        # Typed as what the repositories take, as InlineEngine's connections are.
        return cast(AsyncConnection, InlineWriteConnection(connection, self._checkpoints))

    async def dispose(self) -> None:
        self.sync_engine.dispose()
