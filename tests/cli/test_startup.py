"""Settings that cannot work, run as an operator runs the CLI: one line naming the setting and
what is wrong, a non-zero exit, never a traceback."""

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import POSTGRES_URL, service_unavailable
from tests.live import free_port
from tests.test_cli import Result, fleetlink

# Each command that opens the store; serve on a port of its own, so only the store can fail.
COMMANDS = ["serve", "db upgrade", "token", "clients list"]


def args_of(command: str) -> tuple[str, ...]:
    """The command line of one of COMMANDS."""
    if command == "serve":
        return ("serve", "--no-demo", "--port", str(free_port()))
    if command == "token":
        return ("token", "owner@example.com")
    return tuple(command.split())


def one_line(result: Result) -> str:
    """The only line the command printed, to stderr."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
async def postgres_reachable() -> str:
    """POSTGRES_URL, once a connection to it has worked (else skipped, or failed under CI)."""
    engine = create_async_engine(POSTGRES_URL)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except (OSError, SQLAlchemyError) as exc:
        service_unavailable(f"PostgreSQL is not reachable at {POSTGRES_URL}: {exc}")
    finally:
        await engine.dispose()
    return POSTGRES_URL


@pytest.mark.parametrize("command", COMMANDS)
async def test_a_database_url_that_is_not_one_is_named_in_one_line(command: str) -> None:
    result = await fleetlink("garbage", *args_of(command))

    line = one_line(result)
    assert result.code == 2
    assert "FLEETLINK_DATABASE_URL: not a database URL" in line
    assert "postgresql+asyncpg://" in line, "says what would work"


async def test_an_unsupported_database_driver_is_named_in_one_line() -> None:
    result = await fleetlink("postgresql://postgres@127.0.0.1/test", "db", "upgrade")

    assert result.code == 2
    assert "FLEETLINK_DATABASE_URL: postgresql:// is not supported" in one_line(result)


@pytest.mark.parametrize("command", COMMANDS)
async def test_a_sqlite_file_in_a_missing_directory_is_named_in_one_line(command: str) -> None:
    result = await fleetlink("sqlite+aiosqlite:////nonexistent/dir/x.db", *args_of(command))

    line = one_line(result)
    assert result.code == 1
    assert "FLEETLINK_DATABASE_URL" in line
    assert "the directory /nonexistent/dir" in line and "does not exist" in line


@pytest.mark.parametrize("command", COMMANDS)
async def test_an_unreachable_postgresql_is_named_in_one_line(command: str) -> None:
    url = "postgresql+asyncpg://fleet:s3cret-pw@127.0.0.1:1/fleetlink"

    result = await fleetlink(url, *args_of(command))

    line = one_line(result)
    assert result.code == 1
    assert "FLEETLINK_DATABASE_URL: cannot reach the database at 127.0.0.1:1" in line
    assert "s3cret-pw" not in line


@pytest.mark.postgres
@pytest.mark.parametrize("command", COMMANDS)
async def test_an_unknown_postgresql_role_is_named_in_one_line(
    postgres_reachable: str, command: str
) -> None:
    url = make_url(postgres_reachable).set(username="nosuchrole", password=None)

    result = await fleetlink(url.render_as_string(), *args_of(command))

    line = one_line(result)
    assert result.code == 1
    assert "FLEETLINK_DATABASE_URL: PostgreSQL at" in line
    assert 'role "nosuchrole" does not exist' in line


@pytest.mark.postgres
async def test_a_missing_postgresql_database_is_named_in_one_line(postgres_reachable: str) -> None:
    url = make_url(postgres_reachable).set(database="fleetlink_no_such_database")

    result = await fleetlink(url.render_as_string(hide_password=False), "db", "upgrade")

    assert result.code == 1
    assert 'database "fleetlink_no_such_database" does not exist' in one_line(result)


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("FLEETLINK_PORT", "99999", "less than or equal to 65535 (got '99999')"),
        ("FLEETLINK_MQTT_URL", "garbage", "not a URL of the form mqtt://"),
        ("FLEETLINK_MQTT_URL", "mqtt://broker:99999", "not a valid port"),
        ("FLEETLINK_REDIS_URL", "garbage", "not a URL of the form redis://"),
        ("FLEETLINK_MQTT_LISTEN", "nowhere", "is not host:port"),
        ("FLEETLINK_LOG_LEVEL", "loud", "not a log level"),
    ],
)
async def test_an_invalid_setting_is_one_line_naming_its_variable(
    variable: str, value: str, says: str
) -> None:
    result = await fleetlink("sqlite+aiosqlite:///:memory:", "db", "upgrade", **{variable: value})

    line = one_line(result)
    assert result.code == 2
    assert f"{variable}: " in line and says in line


async def test_every_invalid_setting_gets_its_own_line() -> None:
    result = await fleetlink(
        "sqlite+aiosqlite:///:memory:",
        "db",
        "upgrade",
        FLEETLINK_PORT="eighty",
        FLEETLINK_REDIS_URL="garbage",
    )

    lines = result.stderr.strip().splitlines()
    assert result.code == 2
    assert len(lines) == 2, result.stderr
    assert "FLEETLINK_PORT: " in lines[0] and "FLEETLINK_REDIS_URL: " in lines[1]


async def test_an_invalid_serve_option_is_named_as_the_option() -> None:
    result = await fleetlink("sqlite+aiosqlite:///:memory:", "serve", "--port", "99999")

    assert result.code == 2
    assert "--port: input should be less than or equal to 65535" in one_line(result)


async def test_a_host_this_machine_cannot_listen_on_is_named_in_one_line() -> None:
    result = await fleetlink(
        "sqlite+aiosqlite:///:memory:",
        "serve",
        "--port",
        str(free_port()),
        FLEETLINK_HOST="192.0.2.1",
    )

    assert result.code == 1
    assert "FLEETLINK_HOST: 192.0.2.1 is not an address of this machine" in one_line(result)
