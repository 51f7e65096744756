"""Shared fixtures: real databases (SQLite always, PostgreSQL when reachable), Redis key
spaces, the app over real ASGI, owners with fleets, and contract validation of every response."""

import compileall
import os
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
import pytest_asyncio
import structlog
from argon2 import PasswordHasher, profiles
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine

import fleetlink
from fleetlink.app import create_app
from fleetlink.auth import passwords
from fleetlink.auth.tokens import TOYOTA_AUDIENCE
from fleetlink.bootstrap import Container, build
from fleetlink.domain.accounts import Account
from fleetlink.domain.state import VehicleState
from fleetlink.domain.vehicle import Vehicle
from fleetlink.seeding.registration import as_new_vehicle
from fleetlink.services.accounts import create_account
from fleetlink.services.vehicles import register_vehicles
from fleetlink.settings import Settings
from fleetlink.simulator.fleetgen import generate_fleet
from fleetlink.storage.tables import metadata
from fleetlink.storage.uow import Store
from fleetlink.telematics.payload import TimeWindow
from tests.contract import ContractValidator

IN_CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_URL = os.environ.get(
    "FLEETLINK_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("FLEETLINK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# Every key a test writes starts with this run's id, so parallel runs never share a key.
REDIS_RUN_PREFIX = f"fleetlink-test:{uuid.uuid4().hex[:12]}:"
CONTRACTS = ContractValidator()
# Tests of ordering, trips and history play with vehicle times far from now; they decode with
# a window that takes them all (the window itself is tested in tests/telematics).
ANY_TIME = TimeWindow(ahead=timedelta(days=400), behind=timedelta(days=400))
# The password make_owner gives every owner it creates.
OWNER_PASSWORD = "correct horse battery"
# Argon2id with argon2-cffi's parameters for tests. At the production ones a hash takes
# 0.1 s and more than a core, for each of the thousands of accounts that tests create and
# sign in to; tests/auth (where hashing is tested) and every server and CLI process that a
# test starts keep them.
CHEAP_HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)


def _plain_tracebacks() -> None:
    """Render logged exceptions as the app does (fleetlink.logging), without rich.

    Nothing configures structlog in this process, and its default renderer draws an
    exception with rich, every frame's local variables highlighted: about 3 s of CPU for
    each exception a test has logged. The rest of the default configuration stays, so that
    structlog.testing.capture_logs works as it did.
    """
    processors = list(structlog.get_config()["processors"])
    assert isinstance(processors[-1], structlog.dev.ConsoleRenderer), processors
    processors[-1] = structlog.dev.ConsoleRenderer(
        exception_formatter=structlog.dev.plain_traceback
    )
    structlog.configure(processors=processors)


_plain_tracebacks()


# Modules whose tests must all run in one pytest-xdist worker, and why. (xdist_group marks
# would say so from the tests, but pytest-xdist 3.8 cannot read them under pytest 9.2.)
XDIST_GROUPS = {
    # They play the demo fleet's vehicles (the same VINs in every server) on the machine's
    # one Mosquitto: two at once would hear each other's commands and messages.
    "tests/telematics/test_link.py": "shared-mosquitto",
    # A session-scoped server per backend serves all the module's runs: one worker, one server.
    "tests/api/toyota/test_schemathesis.py": "toyota-schemathesis",
    "tests/api/highmobility/test_schemathesis.py": "highmobility-schemathesis",
    "tests/api/operator/test_schemathesis.py": "operator-schemathesis",
    # One demo server (three days of history) and one Chromium serve the module's tests.
    "tests/web/test_pages.py": "web-browser",
}


def pytest_configure(config: pytest.Config) -> None:
    if sys.dont_write_bytecode and not hasattr(config, "workerinput"):
        # PYTHONDONTWRITEBYTECODE is set: every `fleetlink` process a test starts (a hundred
        # and more) would compile the whole package anew, a quarter of a second each. The
        # dependencies were compiled when installed; compile the package once, here.
        compileall.compile_dir(Path(fleetlink.__file__).parent, quiet=1)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto` (pyproject's addopts): a worker more than there are cores.

    Many tests spend much of their time waiting (for a server or a CLI process to start, a
    broker, a timeout), and a third worker fills that time on two cores: the suite took
    318 s with two workers, 275 s with three and 318 s with four on a quiet 2-core machine.
    PYTEST_XDIST_AUTO_NUM_WORKERS, when set, decides instead.
    """
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (cores or 1) + 1


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """Under `--dist loadgroup` (pyproject's addopts), each test is a unit of work of its
    own but for XDIST_GROUPS' modules, each one unit; the largest units are handed out first."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling  # type: ignore[import-untyped]

    class Groups(LoadGroupScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            group = XDIST_GROUPS.get(nodeid.split("::", 1)[0])
            return group if group is not None else super()._split_scope(nodeid)

    return Groups(config, log)


def service_unavailable(reason: str) -> None:
    """Skip a test whose service is missing, except under CI, where that is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the service must be running)", pytrace=False)
    pytest.skip(reason)


def listened_engines(store: Store) -> list[Any]:
    """The store's engines a statement listener must be put on to hear each statement once.

    An engine made with execution_options (PostgreSQL's reads, in autocommit) shares its
    parent's pool and its events: a listener on both would hear its statements twice.
    """
    found: dict[int, Any] = {}
    for engine in (store.engine, store.read_engine, store.brief_write_engine):
        found.setdefault(id(engine.sync_engine.pool), engine.sync_engine)
    return list(found.values())


class Clock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


class Databases:
    """Makes fresh, empty databases of one backend; PostgreSQL ones are dropped at the end."""

    def __init__(self, backend: str, tmp: pytest.TempPathFactory) -> None:
        self.backend = backend
        self._tmp = tmp
        self._made: list[str] = []

    async def new(self) -> str:
        if self.backend == "sqlite":
            return f"sqlite+aiosqlite:///{self._tmp.mktemp('sqlite') / 'fleetlink.db'}"
        admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        name = f"fleetlink_test_{uuid.uuid4().hex[:12]}"
        try:
            async with admin.connect() as conn:
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
        except (OSError, SQLAlchemyError) as exc:
            service_unavailable(f"PostgreSQL is not reachable at {POSTGRES_URL}: {exc}")
        finally:
            await admin.dispose()
        self._made.append(name)
        return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)

    async def drop_all(self) -> None:
        if not self._made:
            return
        admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        try:
            async with admin.connect() as conn:
                for name in self._made:
                    await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            await admin.dispose()


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash passwords in this process with CHEAP_HASHER (tests/auth's conftest opts out)."""
    monkeypatch.setattr(passwords, "_hasher", CHEAP_HASHER)


@pytest_asyncio.fixture(
    scope="session",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
async def databases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Databases]:
    """Each test that touches the store runs once per backend."""
    made = Databases(request.param, tmp_path_factory)
    yield made
    await made.drop_all()


@pytest_asyncio.fixture(scope="session")
async def database_url(databases: Databases) -> str:
    """The session's database of the backend under test."""
    return await databases.new()


@pytest_asyncio.fixture(scope="session")
async def _started(database_url: str) -> AsyncIterator[Container]:
    container = build(Settings(database_url=database_url))
    await container.start()
    yield container
    await container.close()


@pytest_asyncio.fixture
async def container(_started: Container) -> Container:
    """A started container over an emptied store (the signing key is kept)."""
    async with _started.store.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            if table.name != "signing_keys":
                await conn.execute(table.delete())
    return _started


@pytest_asyncio.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix of this test's own on the test Redis; its keys are deleted afterwards."""
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        await client.aclose()
        service_unavailable(f"Redis is not reachable at {REDIS_URL}: {exc}")
    prefix = f"{REDIS_RUN_PREFIX}{uuid.uuid4().hex[:8]}:"
    try:
        yield prefix
    finally:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=1000)]
        if keys:
            await client.delete(*keys)
        await client.aclose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def clocked(container: Container, clock: Clock) -> Container:
    """The container with a clock the test moves."""
    return replace(container, services=replace(container.services, clock=clock))


async def _validate(response: httpx.Response) -> None:
    await response.aread()
    CONTRACTS.check(
        response.request.method,
        response.request.url.path,
        response.status_code,
        response.headers.get("content-type", ""),
        response.content,
        response.headers,
    )


class ClientFactory(Protocol):
    """make_client's signature: a client of the app, calling from address."""

    def __call__(
        self, container: Container, *, address: str = "127.0.0.1"
    ) -> Awaitable[httpx.AsyncClient]: ...


@pytest_asyncio.fixture
async def make_client() -> AsyncIterator[ClientFactory]:
    """Build clients over the real ASGI app; every response is checked against its contract."""
    clients: list[httpx.AsyncClient] = []

    async def make(container: Container, *, address: str = "127.0.0.1") -> httpx.AsyncClient:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(
                app=create_app(container=container), client=(address, 123)
            ),
            base_url="http://fleetlink.test",
            event_hooks={"response": [_validate]},
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest_asyncio.fixture
async def client(container: Container, make_client: ClientFactory) -> httpx.AsyncClient:
    return await make_client(container)


@dataclass
class Owner:
    """An account with a token and a fleet."""

    account: Account
    token: str
    vehicles: list[Vehicle]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def vehicle(self, powertrain: str) -> Vehicle:
        return next(v for v in self.vehicles if v.powertrain.value == powertrain)


OwnerFactory = Callable[..., Awaitable[Owner]]


@pytest.fixture
def make_owner(container: Container) -> OwnerFactory:
    """Create owners, each with a generated fleet whose VINs no other owner shares."""
    serials = iter(range(1, 90_000, 500))

    async def make(email: str | None = None, *, count: int = 4, seed: int = 7) -> Owner:
        address = email or f"owner-{uuid.uuid4().hex[:8]}@example.com"
        account = await create_account(container.services, address, OWNER_PASSWORD)
        now = container.services.clock()
        fleet = generate_fleet(seed, count, now, first_serial=next(serials))
        vehicles = await register_vehicles(
            container.services, account, [as_new_vehicle(v) for v in fleet]
        )
        token = await container.tokens.issue(account.guid, TOYOTA_AUDIENCE, timedelta(hours=1), now)
        return Owner(account, token, vehicles)

    return make


@pytest.fixture
def repo_root() -> Iterator[Path]:
    yield Path(__file__).resolve().parent.parent


async def put_state(container: Container, vehicle: Vehicle, state: VehicleState) -> None:
    """Store a state as if the vehicle had just reported it, all at once (stamped)."""
    async with container.store.writing() as uow:
        await uow.states.put_many({vehicle.id: state.stamped()})
        await uow.commit()
