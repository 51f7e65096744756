"""SQLite reads on the event loop's own thread, through SQLAlchemy's synchronous engine.

aiosqlite runs each call on a thread of its own, so every statement pays several hand-offs
between threads (a cursor, the statement, the fetch, the close), and each hand-off costs
more CPU than the indexed read it carries (bench/profile_reads.py). SQLAlchemy's asyncio
layer adds a greenlet switch to every call besides. A read of a few rows on a WAL database
takes tens of microseconds and never waits for a writer, so the units of work that only read
run their statements right where they are, on a plain sqlite3 connection under SQLAlchemy's
synchronous engine: InlineConnection gives it the face of an AsyncConnection whose
coroutines finish at once.

The connections are query-only (`PRAGMA query_only`): a write through one fails loudly
instead of taking the write lock on the event loop's thread. Writers keep aiosqlite.

The pool never makes the loop wait: a unit of work may hold its connection across an await
while other requests read, so past the connections kept open a new one is opened (a few
tens of microseconds) and closed when given back, instead of blocking the only thread that
could give one back.
"""

import sqlite3
from typing import Any, cast

from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Dialect, Engine, Result
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import QueuePool

# A read that meets a lock (a checkpoint resetting the WAL) waits this long, on the loop.
READ_BUSY_TIMEOUT_MS = 1000


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

        self.sync_engine: Engine = create_engine(
            "sqlite://",
            creator=connect,
            poolclass=QueuePool,
            pool_size=pool_size,
            max_overflow=-1,
            pool_reset_on_return=None,
        )

    @property
    def dialect(self) -> Dialect:
        return self.sync_engine.dialect

    async def connect(self) -> AsyncConnection:
        # Typed as what the repositories take: InlineConnection has every method they call,
        # and the suite runs each of them on SQLite through it.
        return cast(AsyncConnection, InlineConnection(self.sync_engine.connect()))

    async def dispose(self) -> None:
        self.sync_engine.dispose()
