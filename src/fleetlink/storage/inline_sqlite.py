"""SQLite reads on the event loop's own thread: what aiosqlite's API looks like, run inline.

aiosqlite runs each call on a thread of its own, so every statement pays several hand-offs
between threads (a cursor, the statement, the fetch, the close, the rollback), and each
hand-off costs more CPU than the indexed read it carries (bench/profile_reads.py). A read
of a few rows on a WAL database takes tens of microseconds and never waits for a writer,
so the units of work that only read run their statements right where they are: this
module gives SQLAlchemy's aiosqlite dialect a connection whose coroutines finish at once.

The connections are query-only (`PRAGMA query_only`): a write through one fails loudly
instead of taking the write lock on the event loop's thread. Writers keep aiosqlite.
"""

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any

# A read that meets a lock (a checkpoint resetting the WAL) waits this long, on the loop.
READ_BUSY_TIMEOUT_MS = 1000


class _Cursor:
    """An aiosqlite-shaped cursor whose calls run at once."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    # aiosqlite's cursor() is also an async context manager; SQLAlchemy enters it.
    async def __aenter__(self) -> "_Cursor":
        return self

    async def __aexit__(self, *_: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> "_Cursor":
        self._cursor.execute(sql, () if parameters is None else parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> "_Cursor":
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class _AtOnce:
    """Stands in for aiosqlite's queue of calls: runs each call as it is put."""

    def put_nowait(self, item: tuple["asyncio.Future[Any]", Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as exc:
            future.set_exception(exc)


class InlineConnection:
    """An aiosqlite-shaped connection over sqlite3, for the thread that made it."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._connection: sqlite3.Connection | None = connection
        self._tx = _AtOnce()

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> _Cursor:
        return _Cursor(self._conn.cursor())

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    def stop(self) -> None:
        """Close at once (SQLAlchemy's terminate)."""
        if self._connection is not None:
            self._connection = None
            self._conn.close()


def inline_reader(path: str) -> Callable[[], Any]:
    """An async_creator for create_async_engine: query-only connections to the file."""

    async def connect() -> InlineConnection:
        # check_same_thread is off only because the pool may close a connection from the
        # garbage collector's thread; every statement runs on the event loop's thread.
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        connection.execute(f"PRAGMA busy_timeout={READ_BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA query_only=ON")
        return InlineConnection(connection)

    return connect
