"""The demo fleet: an account and a generated fleet, made once on an empty store."""

import secrets
from dataclasses import dataclass
from datetime import datetime

from fleetlink.domain.accounts import Account
from fleetlink.domain.errors import Conflict, NotFound
from fleetlink.domain.vehicle import ConnectionState, Vehicle
from fleetlink.services.accounts import create_account, find_account
from fleetlink.services.context import ServiceContext
from fleetlink.services.vehicles import NewVehicle, list_vehicles, register_vehicles
from fleetlink.simulator.fleetgen import FleetVehicle, generate_fleet

DEMO_EMAIL = "demo@example.com"


@dataclass(frozen=True, slots=True)
class DemoFleet:
    """The demo account; password is set only on the run that created it."""

    account: Account
    password: str | None
    vehicles: list[Vehicle]
    created: bool = False


def as_new_vehicle(generated: FleetVehicle) -> NewVehicle:
    spec = generated.spec
    vehicle = Vehicle(
        id=0,
        vin=generated.vin,
        owner_id=0,
        owner_guid="",
        make=spec.make,
        model=spec.model,
        year=generated.year,
        powertrain=spec.powertrain,
        color=generated.color,
        trim=generated.trim,
        connection=ConnectionState.OFFLINE,
        last_connected_at=generated.state.reported_at,
    )
    return NewVehicle(vehicle, generated.state)


async def ensure_demo_fleet(
    ctx: ServiceContext, *, seed: int, count: int, generated_at: datetime | None = None
) -> DemoFleet:
    """Create the demo account and its fleet unless they exist; safe to run from many processes.

    generated_at is when the fleet's starting state is stamped (now by default); a
    demo that backfills history starts its fleet that far back.
    """
    password: str | None = None
    try:
        account = await find_account(ctx, DEMO_EMAIL)
    except NotFound:
        password = secrets.token_urlsafe(12)
        try:
            account = await create_account(ctx, DEMO_EMAIL, password)
        except Conflict:
            password = None
            account = await find_account(ctx, DEMO_EMAIL)
    vehicles = await list_vehicles(ctx, account)
    created = False
    if not vehicles:
        at = generated_at or ctx.clock()
        fleet = [as_new_vehicle(v) for v in generate_fleet(seed, count, at)]
        # Another process may have registered the same fleet a moment ago.
        try:
            await register_vehicles(ctx, account, fleet)
            created = True
        except Conflict:
            pass
        vehicles = await list_vehicles(ctx, account)
    return DemoFleet(account, password, vehicles, created)
