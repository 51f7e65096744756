"""fleetlink vehicles: register, list, show, assign and remove the deployment's vehicles."""

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Column, Table

from fleetlink.bootstrap import Container
from fleetlink.cli.common import app, out, run_in, settings_of
from fleetlink.domain.listing import MAX_LIMIT, Page, VehicleFilter
from fleetlink.domain.operators import OwnershipPeriod
from fleetlink.domain.registration import VehicleDetails
from fleetlink.domain.vehicle import ConnectionState, Powertrain, Vehicle
from fleetlink.services import registry
from fleetlink.services.devices import IssuedCredential, issue_device_credential

vehicles_app = typer.Typer(no_args_is_help=True, help="The deployment's vehicles.")
app.add_typer(vehicles_app, name="vehicles")

Text = Annotated[str | None, typer.Option()]
When = Annotated[datetime | None, typer.Option(help="UTC unless it has an offset.")]


def _utc(at: datetime | None) -> datetime | None:
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


def _when(at: datetime | None) -> str:
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M:%S}Z" if at is not None else ""


def _print_vehicle(v: Vehicle) -> None:
    rows = [
        ("vin", v.vin),
        ("make", v.make),
        ("model", v.model),
        ("year", str(v.year)),
        ("powertrain", v.powertrain.value),
        ("color", v.color or ""),
        ("trim", v.trim or ""),
        ("licence plate", v.license_plate or ""),
        ("owner", v.owner_guid or "(none)"),
        ("connection", v.connection.value),
        ("last seen", _when(v.last_connected_at)),
    ]
    for name, value in rows:
        out.print(f"{name:>14}: {value}", highlight=False)


@vehicles_app.command("add")
def vehicles_add(
    ctx: typer.Context,
    vin: str,
    owner: Annotated[str | None, typer.Option(help="The owner's email or id.")] = None,
    make: Annotated[str | None, typer.Option(help="When the VIN's maker is unknown.")] = None,
    model: Annotated[str | None, typer.Option(help="When the VIN's pattern is unknown.")] = None,
    year: Annotated[int | None, typer.Option(help="Model year, if not the VIN's.")] = None,
    powertrain: Annotated[Powertrain | None, typer.Option()] = None,
    color: Text = None,
    trim: Text = None,
    plate: Annotated[str | None, typer.Option(help="Licence plate.")] = None,
) -> None:
    """Register a vehicle and issue its unit's credential (shown once).

    What its VIN does not say must be given.
    """
    details = VehicleDetails(make, model, year, powertrain, color, trim, plate)

    async def work(container: Container) -> tuple[Vehicle, IssuedCredential]:
        vehicle = await registry.register_vehicle(container.services, vin, details, owner)
        return vehicle, await issue_device_credential(container.services, vehicle.vin)

    vehicle, issued = run_in(settings_of(ctx), work)
    _print_vehicle(vehicle)
    out.print(
        f"[bold]device credential[/bold] (shown this once): username {issued.vin}, "
        f"password [bold]{issued.secret}[/bold]",
        highlight=False,
    )


@vehicles_app.command("list")
def vehicles_list(
    ctx: typer.Context,
    owner: Annotated[str | None, typer.Option(help="The owner's email or id.")] = None,
    make: Text = None,
    powertrain: Annotated[Powertrain | None, typer.Option()] = None,
    connection: Annotated[ConnectionState | None, typer.Option()] = None,
    seen_before: When = None,
    seen_after: When = None,
    limit: Annotated[int, typer.Option(min=1, max=MAX_LIMIT, help="At most this many.")] = 50,
    cursor: Annotated[str | None, typer.Option(help="The next-page cursor printed before.")] = None,
) -> None:
    """Vehicles in VIN order, filtered."""
    where = VehicleFilter(owner, make, powertrain, connection, _utc(seen_before), _utc(seen_after))

    async def work(container: Container) -> Page[Vehicle]:
        return await registry.list_fleet(container.services, where, cursor, limit)

    page = run_in(settings_of(ctx), work)
    table = Table("make", "model", "year", "powertrain", "plate", "owner", "last seen")
    # A VIN is what an operator copies from the list: never cut or wrapped, whatever the width.
    table.columns.insert(0, Column("vin", no_wrap=True, min_width=17))
    for v in page.items:
        table.add_row(
            v.vin,
            v.make,
            v.model,
            str(v.year),
            v.powertrain.value,
            v.license_plate or "",
            v.owner_guid or "",
            _when(v.last_connected_at),
        )
    out.print(table)
    if page.next_cursor:
        out.print(f"more: --cursor {page.next_cursor}", highlight=False)


@vehicles_app.command("show")
def vehicles_show(ctx: typer.Context, vin: str) -> None:
    """A vehicle and every owner it has had."""

    async def work(container: Container) -> tuple[Vehicle, list[OwnershipPeriod]]:
        vehicle = await registry.get_registered(container.services, vin)
        _, periods = await registry.ownership_history(container.services, vin)
        return vehicle, periods

    vehicle, periods = run_in(settings_of(ctx), work)
    _print_vehicle(vehicle)
    for p in periods:
        until = _when(p.to_at) or "now"
        out.print(
            f"{'owned by':>14}: {p.owner_email} {_when(p.from_at)} → {until}", highlight=False
        )


def _assign(ctx: typer.Context, vin: str, owner: str) -> None:
    async def work(container: Container) -> Vehicle:
        return await registry.assign_owner(container.services, vin, owner)

    _print_vehicle(run_in(settings_of(ctx), work))


@vehicles_app.command("assign")
def vehicles_assign(ctx: typer.Context, vin: str, owner: str) -> None:
    """Give a vehicle to an owner (by email or id); `transfer` is the same for a sold car."""
    _assign(ctx, vin, owner)


@vehicles_app.command("transfer")
def vehicles_transfer(ctx: typer.Context, vin: str, owner: str) -> None:
    """Transfer a sold vehicle to its new owner (by email or id), at once.

    The previous owner loses it, their apps' grants of it and fleets' clearances end, and
    the new owner sees nothing recorded before (docs/operators.md).
    """
    _assign(ctx, vin, owner)


@vehicles_app.command("remove")
def vehicles_remove(
    ctx: typer.Context,
    vin: str,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Deregister a vehicle and delete everything recorded about it."""
    if not yes:
        typer.confirm(f"Remove {vin} and everything recorded about it?", abort=True)

    async def work(container: Container) -> str:
        return await registry.deregister_vehicle(container.services, vin)

    out.print(f"removed {run_in(settings_of(ctx), work)}", highlight=False)
