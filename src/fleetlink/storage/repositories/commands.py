"""Commands in the store: the outbox a dispatcher reads and the record users poll."""

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from fleetlink.domain.commands import Command, CommandKind, CommandStatus
from fleetlink.storage.tables import commands, vehicles

_SELECT = select(commands, vehicles.c.vin).join(vehicles, vehicles.c.id == commands.c.vehicle_id)


def _command(row: Any) -> Command:
    return Command(
        id=row.id,
        vehicle_id=row.vehicle_id,
        vin=row.vin,
        kind=CommandKind(row.kind),
        params=dict(row.params),
        status=CommandStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        expires_at=row.expires_at,
        return_code=row.return_code,
        reason=row.reason,
    )


class CommandRepository:
    """Reads and writes commands."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, command: Command) -> None:
        """Store a new command."""
        await self._conn.execute(
            insert(commands).values(
                id=command.id,
                vehicle_id=command.vehicle_id,
                kind=command.kind.value,
                params=command.params,
                status=command.status.value,
                return_code=command.return_code,
                reason=command.reason,
                created_at=command.created_at,
                updated_at=command.updated_at,
                expires_at=command.expires_at,
            )
        )

    async def get(self, vehicle_id: int, command_id: str) -> Command | None:
        """A command of this vehicle, by its request id."""
        stmt = _SELECT.where(commands.c.id == command_id, commands.c.vehicle_id == vehicle_id)
        row = (await self._conn.execute(stmt)).first()
        return _command(row) if row else None

    async def save(self, command: Command, expected: CommandStatus) -> bool:
        """Write the command's new status if it still has the expected one.

        Returns False when another process moved it first: the caller re-reads.
        """
        result = await self._conn.execute(
            update(commands)
            .where(commands.c.id == command.id, commands.c.status == expected.value)
            .values(
                status=command.status.value,
                return_code=command.return_code,
                reason=command.reason,
                updated_at=command.updated_at,
            )
        )
        return result.rowcount == 1
