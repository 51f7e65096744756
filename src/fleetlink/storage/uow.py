"""The unit of work: one transaction, the repositories that share it, commit or roll back."""

import asyncio
from collections.abc import Callable
from contextlib import suppress
from types import TracebackType
from typing import Generic, Self, TypeVar, overload

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from fleetlink.domain.errors import Conflict, Unavailable
from fleetlink.storage.database import WRITE_OPTION
from fleetlink.storage.inline_sqlite import InlineEngine, InlineWriteEngine
from fleetlink.storage.outage import Outage, unreachable
from fleetlink.storage.repositories.accounts import AccountRepository
from fleetlink.storage.repositories.charging import (
    ChargeProgressRepository,
    ChargingSessionRepository,
)
from fleetlink.storage.repositories.clients import ClientRepository
from fleetlink.storage.repositories.codes import CodeRepository
from fleetlink.storage.repositories.commands import CommandRepository
from fleetlink.storage.repositories.dead_letters import DeadLetterRepository
from fleetlink.storage.repositories.deliveries import DeliveryRepository
from fleetlink.storage.repositories.devices import DeviceCredentialRepository
from fleetlink.storage.repositories.erasure import ErasureRepository
from fleetlink.storage.repositories.events import EventRepository
from fleetlink.storage.repositories.fleet import FleetRepository
from fleetlink.storage.repositories.fleet_reads import FleetReadRepository
from fleetlink.storage.repositories.grants import GrantRepository
from fleetlink.storage.repositories.keys import SigningKeyRepository
from fleetlink.storage.repositories.messages import MessageRepository
from fleetlink.storage.repositories.notifications import (
    NotificationRepository,
    ServiceRecordRepository,
)
from fleetlink.storage.repositories.operators import OperatorRepository
from fleetlink.storage.repositories.owner_history import OwnerHistoryRepository
from fleetlink.storage.repositories.password_links import PasswordLinkRepository
from fleetlink.storage.repositories.refresh_tokens import RefreshTokenRepository
from fleetlink.storage.repositories.registry import RegistryRepository
from fleetlink.storage.repositories.state import VehicleStateRepository
from fleetlink.storage.repositories.trip_progress import TripProgressRepository
from fleetlink.storage.repositories.trips import TripRepository
from fleetlink.storage.repositories.vehicles import VehicleRepository
from fleetlink.storage.repositories.webhooks import SubscriptionRepository

_R = TypeVar("_R")


class _Repository(Generic[_R]):
    """A repository of the unit of work, made on first use over its connection.

    A read uses one or two of the two dozen, and every request opens a unit of work: making
    all of them each time cost more than some of the reads.
    """

    def __init__(self, make: Callable[[AsyncConnection], _R]) -> None:
        self._make = make
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, uow: None, owner: type) -> Self: ...
    @overload
    def __get__(self, uow: "UnitOfWork", owner: type) -> _R: ...
    def __get__(self, uow: "UnitOfWork | None", owner: type) -> "Self | _R":
        if uow is None:
            return self
        assert uow._conn is not None, "a repository outside the unit of work"
        repository = self._make(uow._conn)
        # Kept in the instance, which Python looks in before this (non-data) descriptor.
        uow.__dict__[self._name] = repository
        return repository


class UnitOfWork:
    """One transaction. Leaving the block without commit() rolls it back."""

    accounts = _Repository(AccountRepository)
    keys = _Repository(SigningKeyRepository)
    vehicles = _Repository(VehicleRepository)
    states = _Repository(VehicleStateRepository)
    commands = _Repository(CommandRepository)
    trips = _Repository(TripRepository)
    trip_progress = _Repository(TripProgressRepository)
    charging_sessions = _Repository(ChargingSessionRepository)
    charge_progress = _Repository(ChargeProgressRepository)
    notifications = _Repository(NotificationRepository)
    service_records = _Repository(ServiceRecordRepository)
    messages = _Repository(MessageRepository)
    dead_letters = _Repository(DeadLetterRepository)
    clients = _Repository(ClientRepository)
    grants = _Repository(GrantRepository)
    codes = _Repository(CodeRepository)
    refresh_tokens = _Repository(RefreshTokenRepository)
    fleet = _Repository(FleetRepository)
    operators = _Repository(OperatorRepository)
    password_links = _Repository(PasswordLinkRepository)
    registry = _Repository(RegistryRepository)
    owner_history = _Repository(OwnerHistoryRepository)
    devices = _Repository(DeviceCredentialRepository)
    events = _Repository(EventRepository)
    webhooks = _Repository(SubscriptionRepository)
    deliveries = _Repository(DeliveryRepository)
    erasure = _Repository(ErasureRepository)
    fleet_reads = _Repository(FleetReadRepository)

    def __init__(
        self,
        engine: AsyncEngine | InlineEngine | InlineWriteEngine,
        *,
        write: bool,
        outage: Outage | None = None,
        writer_lock: asyncio.Lock | None = None,
    ) -> None:
        self._engine = engine
        self._write = write
        self._outage = outage or Outage()
        self._conn: AsyncConnection | None = None
        self._writer_lock = writer_lock

    async def __aenter__(self) -> Self:
        if self._writer_lock is not None:
            await self._writer_lock.acquire()
        try:
            return await self._open()
        except BaseException:
            if self._writer_lock is not None:
                self._writer_lock.release()
            raise

    async def _open(self) -> Self:
        try:
            conn = await self._engine.connect()
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            # Whatever stops a connection (refused, a database renamed or not accepting
            # connections, a SQLite file that cannot be opened) is the store being away.
            raise self._outage.failed(exc) from exc
        try:
            if self._write:
                conn = await conn.execution_options(**{WRITE_OPTION: True})
            await conn.begin()
        except BaseException as exc:
            with suppress(Exception):
                await conn.close()
            if unreachable(exc):
                raise self._outage.failed(exc) from exc
            raise
        self._conn = conn
        return self

    async def commit(self) -> None:
        """Make the transaction's writes durable."""
        assert self._conn is not None, "commit() outside the unit of work"
        try:
            await self._conn.commit()
        except IntegrityError as exc:
            raise Conflict("the change clashes with data stored meanwhile") from exc
        except Exception as exc:
            if unreachable(exc):
                raise self._outage.failed(exc) from exc
            raise

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self._close(exc)
        finally:
            if self._writer_lock is not None:
                self._writer_lock.release()

    async def _close(self, exc: BaseException | None) -> None:
        assert self._conn is not None
        # A failure to reach the database (commit() already turned its own into Unavailable)
        # is an outage: the rollback or close that follows it may fail too, and is moot.
        lost = exc if exc is not None and unreachable(exc) else None
        try:
            try:
                if self._conn.in_transaction():
                    await self._conn.rollback()
            finally:
                await self._conn.close()
        except Exception as cleanup:
            if lost is None and not unreachable(cleanup) and not isinstance(exc, Unavailable):
                raise
            lost = lost or cleanup
        finally:
            self._conn = None
        if isinstance(exc, Unavailable):
            return
        if lost is not None:
            raise self._outage.failed(lost) from lost
        self._outage.answered()
        if isinstance(exc, IntegrityError):
            # Services speak the domain's language: a unique key that another writer
            # took first (two servers creating the demo fleet at once) is a Conflict.
            raise Conflict("the change clashes with data stored meanwhile") from exc


def _autocommitting(engine: AsyncEngine) -> AsyncEngine:
    """On PostgreSQL, the engine whose reads run without BEGIN and ROLLBACK around them.

    At PostgreSQL's READ COMMITTED every statement sees a snapshot of its own, inside a
    transaction or not, so a unit of work that only reads loses nothing without one; a hot
    read is one statement, and the transaction cost two round trips more than it did.
    """
    if engine.dialect.name != "postgresql":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


class Store:
    """The entry to the store: hands out units of work over one engine."""

    def __init__(
        self,
        engine: AsyncEngine,
        read_engine: InlineEngine | None = None,
        brief_write_engine: InlineWriteEngine | None = None,
    ) -> None:
        self.engine = engine
        # Where units of work that only read go (SQLite: on the event loop's thread).
        self.read_engine: AsyncEngine | InlineEngine = read_engine or _autocommitting(engine)
        # Where brief writers go (SQLite: on the event loop's thread, waits off it).
        self.brief_write_engine: AsyncEngine | InlineWriteEngine = brief_write_engine or engine
        # Shared by its units of work, so that an outage is logged once per process.
        self.outage = Outage()
        # SQLite has one writer at a time: writers of this process queue here, in order,
        # rather than in SQLite's busy handler, which polls with sleeps of up to 100 ms
        # and serves no one first.
        self._writer_lock = asyncio.Lock() if engine.dialect.name == "sqlite" else None

    def reading(self) -> UnitOfWork:
        """A unit of work that only reads."""
        return UnitOfWork(self.read_engine, write=False, outage=self.outage)

    def writing(self, *, brief: bool = False) -> UnitOfWork:
        """A unit of work that writes (on SQLite it takes the write lock up front).

        brief: its statements are few and each quick (indexed), and it awaits nothing else
        while it holds the lock, so on SQLite it runs them on the event loop's thread
        (storage/inline_sqlite.py). A bulk delete is not brief: it would stall the loop.
        Both kinds queue on one writer lock, so neither ever waits for the other in SQLite.
        """
        return UnitOfWork(
            self.brief_write_engine if brief else self.engine,
            write=True,
            outage=self.outage,
            writer_lock=self._writer_lock,
        )

    async def ping(self) -> None:
        """Raise Unavailable if the database cannot answer."""
        async with self.reading() as uow:
            await uow.keys.current()

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()
        if self.brief_write_engine is not self.engine:
            await self.brief_write_engine.dispose()
