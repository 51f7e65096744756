"""The unit of work: one transaction, the repositories that share it, commit or roll back."""

from types import TracebackType
from typing import Self

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from fleetlink.domain.errors import Conflict
from fleetlink.storage.database import WRITE_OPTION
from fleetlink.storage.repositories.accounts import AccountRepository
from fleetlink.storage.repositories.commands import CommandRepository
from fleetlink.storage.repositories.fleet import FleetRepository
from fleetlink.storage.repositories.keys import SigningKeyRepository
from fleetlink.storage.repositories.messages import MessageRepository
from fleetlink.storage.repositories.notifications import (
    NotificationRepository,
    ServiceRecordRepository,
)
from fleetlink.storage.repositories.oauth import OAuthRepository
from fleetlink.storage.repositories.state import VehicleStateRepository
from fleetlink.storage.repositories.trip_progress import TripProgressRepository
from fleetlink.storage.repositories.trips import TripRepository
from fleetlink.storage.repositories.vehicles import VehicleRepository


class UnitOfWork:
    """One transaction. Leaving the block without commit() rolls it back."""

    accounts: AccountRepository
    keys: SigningKeyRepository
    vehicles: VehicleRepository
    states: VehicleStateRepository
    commands: CommandRepository
    trips: TripRepository
    trip_progress: TripProgressRepository
    notifications: NotificationRepository
    service_records: ServiceRecordRepository
    messages: MessageRepository
    oauth: OAuthRepository
    fleet: FleetRepository

    def __init__(self, engine: AsyncEngine, *, write: bool) -> None:
        self._engine = engine
        self._write = write
        self._conn: AsyncConnection | None = None

    async def __aenter__(self) -> Self:
        conn = await self._engine.connect()
        if self._write:
            conn = await conn.execution_options(**{WRITE_OPTION: True})
        await conn.begin()
        self._conn = conn
        self.accounts = AccountRepository(conn)
        self.keys = SigningKeyRepository(conn)
        self.vehicles = VehicleRepository(conn)
        self.states = VehicleStateRepository(conn)
        self.commands = CommandRepository(conn)
        self.trips = TripRepository(conn)
        self.trip_progress = TripProgressRepository(conn)
        self.notifications = NotificationRepository(conn)
        self.service_records = ServiceRecordRepository(conn)
        self.messages = MessageRepository(conn)
        self.oauth = OAuthRepository(conn)
        self.fleet = FleetRepository(conn)
        return self

    async def commit(self) -> None:
        """Make the transaction's writes durable."""
        assert self._conn is not None, "commit() outside the unit of work"
        try:
            await self._conn.commit()
        except IntegrityError as exc:
            raise Conflict("the change clashes with data stored meanwhile") from exc

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._conn is not None
        try:
            if self._conn.in_transaction():
                await self._conn.rollback()
        finally:
            await self._conn.close()
            self._conn = None
        if isinstance(exc, IntegrityError):
            # Services speak the domain's language: a unique key that another writer
            # took first (two servers creating the demo fleet at once) is a Conflict.
            raise Conflict("the change clashes with data stored meanwhile") from exc


class Store:
    """The entry to the store: hands out units of work over one engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def reading(self) -> UnitOfWork:
        """A unit of work that only reads."""
        return UnitOfWork(self.engine, write=False)

    def writing(self) -> UnitOfWork:
        """A unit of work that writes (on SQLite it takes the write lock up front)."""
        return UnitOfWork(self.engine, write=True)

    async def ping(self) -> None:
        """Raise if the database cannot answer."""
        async with self.reading() as uow:
            await uow.keys.current()

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
