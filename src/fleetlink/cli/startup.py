"""Settings that cannot work, each said in one line that names the setting and what is wrong.

An operator who mistypes FLEETLINK_DATABASE_URL needs that name and the reason, not a
traceback through the driver: invalid values (`invalid_settings`) and a store that cannot be
opened or reached (`reach_database`) are both reported so, before anything else starts.
"""

import asyncio
import sqlite3
from collections.abc import Mapping
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

DATABASE_URL = "FLEETLINK_DATABASE_URL"
_SHOWN_INPUT = 60  # characters of a refused value to quote back


class SettingProblem(Exception):
    """A setting that cannot work; its str() is the one line to print."""


def invalid_settings(exc: ValidationError, options: Mapping[str, str] | None = None) -> list[str]:
    """One line per invalid value, named by its variable (or by options' name for its field)."""
    lines = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        name = (options or {}).get(field) or f"FLEETLINK_{field.upper()}"
        message = error["msg"].removeprefix("Value error, ")
        # Our own checks say what is wrong; pydantic's (ranges, types) need the value. A URL
        # is never quoted back: it may hold a password.
        if error["type"] != "value_error" and not field.endswith("_url"):
            shown = repr(error["input"])
            if len(shown) > _SHOWN_INPUT:
                shown = shown[: _SHOWN_INPUT - 1] + "…"
            message = f"{message[:1].lower()}{message[1:]} (got {shown})"
        lines.append(f"{name}: {message}")
    return lines


async def reach_database(engine: AsyncEngine) -> None:
    """Open one connection; SettingProblem naming FLEETLINK_DATABASE_URL if that fails."""
    try:
        if engine.url.get_backend_name() == "sqlite":
            # With the standard library first: after a failed connect, aiosqlite's worker
            # thread outlives the event loop and prints a traceback of its own.
            await asyncio.to_thread(_open_sqlite, engine.url)
        async with engine.connect():
            return
    except (OSError, sqlite3.Error, SQLAlchemyError) as exc:  # socket errors are OSErrors
        raise SettingProblem(f"{DATABASE_URL}: {_why(engine.url, exc)}") from exc


def _open_sqlite(url: URL) -> None:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        sqlite3.connect(database).close()


def _why(url: URL, exc: Exception) -> str:
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        if not path.parent.is_dir():
            return f"the directory {path.parent} of the SQLite database {path} does not exist"
        return f"cannot open the SQLite database {path} ({_first_line(exc)})"
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc) or type(exc).__name__
        return f"cannot reach the database at {where} ({reason})"
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        return f"PostgreSQL at {where} refused the connection: {_first_line(exc.orig)}"
    return f"cannot connect to PostgreSQL at {where}: {_first_line(exc)}"


def _first_line(exc: BaseException) -> str:
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
