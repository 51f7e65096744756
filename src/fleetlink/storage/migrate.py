"""Apply Alembic migrations from code: at server start-up and from `fleetlink db upgrade`."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from fleetlink.storage.database import WRITE_OPTION

_MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant will do: it only has to be the same in every fleetlink process.
_MIGRATION_LOCK_ID = 0x666C6E6B


def alembic_config(url: str) -> Config:
    """An Alembic configuration pointing at fleetlink's migrations."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _upgrade(connection: Connection, config: Config, revision: str) -> None:
    if connection.dialect.name == "postgresql":
        # Several servers may start at once: one migrates, the others wait, then find nothing to do.
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
    if revision == "head" and _at_head(connection, config):
        return
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _at_head(connection: Connection, config: Config) -> bool:
    """Tell whether the schema is at head already, asking the table, not Alembic.

    Every CLI command and server start brings the schema up to date; Alembic's migration
    context logs two lines each time even when there is nothing to do, which turned each of
    the CLI's one-line errors into three.
    """
    if not inspect(connection).has_table("alembic_version"):
        return False
    current = set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    return current == set(ScriptDirectory.from_config(config).get_heads())


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema up to revision."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    async with engine.connect() as plain:
        # On SQLite, take the write lock up front so a second server starting at the
        # same moment waits for this one instead of failing with "database is locked".
        conn = await plain.execution_options(**{WRITE_OPTION: True})
        async with conn.begin():
            await conn.run_sync(_upgrade, config, revision)


def _current(connection: Connection, config: Config) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at, or None before the first migration."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    async with engine.connect() as conn:
        return await conn.run_sync(_current, config)
