"""Commands: store what a user asks of a vehicle, hand it to the dispatchers, report how it went."""

import uuid
from collections.abc import Sequence

import structlog

from fleetlink.domain.accounts import Account
from fleetlink.domain.commands import Command, CommandKind, CommandRequest, CommandStatus
from fleetlink.domain.errors import CommandNotFound
from fleetlink.domain.events import command_settled
from fleetlink.services.context import ServiceContext
from fleetlink.services.ownership import owned_vehicle

log = structlog.get_logger(__name__)


async def send_command(
    ctx: ServiceContext, account: Account, vin: str, request: CommandRequest
) -> Command:
    """Store a pending command for the caller's vehicle and start its delivery."""
    async with ctx.store.writing() as uow:
        vehicle = await owned_vehicle(uow, account, vin)
        if request.kind is CommandKind.CLIMATE_START and "target_c" not in request.params:
            # The vehicle starts with the user's preset unless told otherwise.
            request = CommandRequest(request.kind, {"target_c": vehicle.climate.target_c})
        command = Command.new(
            id=str(uuid.uuid4()),
            vehicle_id=vehicle.id,
            vin=vehicle.vin,
            request=request,
            now=ctx.clock(),
            timeout=ctx.command_timeout,
        )
        await uow.commands.add(command)
        await uow.commit()
    log.info("command.stored", vin=command.vin, command_id=command.id, command=command.kind)
    if not vehicle.is_connected and not await _came_online(ctx, account, vin):
        # A vehicle away would never receive it: it goes out when the vehicle says online.
        return command
    for dispatcher in ctx.dispatchers:
        try:
            await dispatcher.dispatch(command)
        except Exception:
            # The command is safe in the store; delivery is retried from there or it expires.
            log.exception("command.dispatch_failed", vin=command.vin, command_id=command.id)
    return command


async def _came_online(ctx: ServiceContext, account: Account, vin: str) -> bool:
    """Whether the vehicle is reachable now, after the command was committed.

    Its online message may have been stored (and the commands it was owed read) between
    the first look and the commit; then the command would wait for the next online.
    """
    async with ctx.store.reading() as uow:
        return (await owned_vehicle(uow, account, vin)).is_connected


async def get_command(ctx: ServiceContext, account: Account, vin: str, request_id: str) -> Command:
    """The command as it stands now; one past its deadline is recorded as expired."""
    try:
        canonical = str(uuid.UUID(request_id))
    except ValueError as exc:
        raise CommandNotFound(request_id) from exc
    async with ctx.store.reading() as uow:
        vehicle = await owned_vehicle(uow, account, vin)
        command = await uow.commands.get(vehicle.id, canonical)
    # A command of the vehicle's previous owner is unknown to its present one.
    if command is None or not vehicle.owners_record(command.created_at):
        raise CommandNotFound(request_id)
    settled = command.settled(ctx.clock())
    if settled is command:
        return command
    # Only a command that has just run out of time needs a write.
    async with ctx.store.writing() as uow:
        if await uow.commands.save(settled, expected=command.status):
            # Told only by whoever wrote the expiry: the conditional save lets one through.
            await uow.events.add_many([command_settled(str(uuid.uuid4()), settled)], ctx.clock())
            await uow.commit()
            return settled
        # Another process (or the vehicle's answer) settled it first: report what it wrote.
        return await uow.commands.get(vehicle.id, canonical) or settled


async def mark_sent(ctx: ServiceContext, command: Command) -> None:
    """Record that a command was handed to the broker."""
    async with ctx.store.writing() as uow:
        await uow.commands.save(command.mark_sent(ctx.clock()), expected=CommandStatus.PENDING)
        await uow.commit()


async def open_commands(ctx: ServiceContext) -> list[Command]:
    """Commands not yet sent to vehicles last seen reachable (pending and not expired)."""
    async with ctx.store.reading() as uow:
        return await uow.commands.open_ones(ctx.clock())


async def commands_owed(ctx: ServiceContext, vins: Sequence[str]) -> list[Command]:
    """Commands of these vehicles that they have not answered yet, and that have not expired."""
    async with ctx.store.reading() as uow:
        return await uow.commands.owed_to(vins, ctx.clock())
