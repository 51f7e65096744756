"""Commands in the store: the outbox a dispatcher reads and the record users poll."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from fleetlink.domain.commands import Command, CommandKind, CommandStatus
from fleetlink.domain.vehicle import ConnectionState
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

    async def get_many(
        self, command_ids: Sequence[str], *, lock: bool = False
    ) -> dict[str, Command]:
        """Several commands by id, in one query; locked until commit if asked."""
        if not command_ids:
            return {}
        stmt = _SELECT.where(commands.c.id.in_(list(command_ids)))
        if lock:
            # Settling a command races with marking it sent: hold it so neither is lost.
            stmt = stmt.with_for_update(of=commands)
        return {row.id: _command(row) for row in await self._conn.execute(stmt)}

    async def open_ones(self, now: datetime, limit: int = 1000) -> list[Command]:
        """Pending commands not yet expired of vehicles last seen reachable, oldest first."""
        stmt = (
            _SELECT.where(
                commands.c.status == CommandStatus.PENDING.value,
                commands.c.expires_at > now,
                vehicles.c.connection != ConnectionState.OFFLINE.value,
            )
            .order_by(commands.c.created_at)
            .limit(limit)
        )
        return [_command(row) for row in await self._conn.execute(stmt)]

    async def open_of(self, vehicle_id: int) -> list[Command]:
        """The vehicle's commands not yet answered (expired or not), locked until commit."""
        stmt = _SELECT.where(
            commands.c.vehicle_id == vehicle_id,
            commands.c.status.in_([CommandStatus.PENDING.value, CommandStatus.SENT.value]),
        ).with_for_update(of=commands)
        return [_command(row) for row in await self._conn.execute(stmt)]

    async def overdue(self, now: datetime, limit: int) -> list[Command]:
        """Unanswered commands past their deadline, oldest deadline first, locked until commit.

        Rows another server's sweep holds are skipped, so two sweeps take different ones.
        """
        stmt = (
            _SELECT.where(
                commands.c.status.in_([CommandStatus.PENDING.value, CommandStatus.SENT.value]),
                commands.c.expires_at <= now,
            )
            .order_by(commands.c.expires_at)
            .limit(limit)
            .with_for_update(of=commands, skip_locked=True)
        )
        return [_command(row) for row in await self._conn.execute(stmt)]

    async def owed_to(self, vins: Sequence[str], now: datetime) -> list[Command]:
        """Commands of these vehicles not yet answered nor expired, oldest first."""
        if not vins:
            return []
        stmt = _SELECT.where(
            vehicles.c.vin.in_(list(vins)),
            commands.c.status.in_([CommandStatus.PENDING.value, CommandStatus.SENT.value]),
            commands.c.expires_at > now,
        ).order_by(commands.c.created_at)
        return [_command(row) for row in await self._conn.execute(stmt)]

    async def save_many(self, changed: Sequence[tuple[Command, CommandStatus]]) -> None:
        """Write several status changes, each only if the command still has its expected status."""
        if not changed:
            return
        stmt = (
            update(commands)
            .where(commands.c.id == bindparam("cid"), commands.c.status == bindparam("expected"))
            .values(
                status=bindparam("new_status"),
                return_code=bindparam("code"),
                reason=bindparam("why"),
                updated_at=bindparam("at"),
            )
        )
        await self._conn.execute(
            stmt,
            [
                {
                    "cid": c.id,
                    "expected": expected.value,
                    "new_status": c.status.value,
                    "code": c.return_code,
                    "why": c.reason,
                    "at": c.updated_at,
                }
                for c, expected in changed
            ],
        )

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
