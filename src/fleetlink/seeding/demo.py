"""The demo fleet's life: its history on first start, then the same vehicles live on."""

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from fleetlink.domain.catalog import CATALOG
from fleetlink.domain.state import VehicleState
from fleetlink.domain.vehicle import Vehicle
from fleetlink.seeding.backfill import BackfillResult, backfill
from fleetlink.seeding.lifeworker import backfill_in_worker
from fleetlink.seeding.registration import DemoFleet, ensure_demo_fleet
from fleetlink.seeding.servicehistory import record_service_history
from fleetlink.services.context import ServiceContext
from fleetlink.services.devices import replace_device_credentials
from fleetlink.services.vehicles import latest_states
from fleetlink.simulator.fleet import simulate_generated
from fleetlink.simulator.fleetgen import generate_fleet
from fleetlink.simulator.metros import METROS, Metro
from fleetlink.simulator.model import SimVehicle
from fleetlink.simulator.pasthistory import past_visits
from fleetlink.simulator.routes import distance_km


def _nearest_metro(state: VehicleState | None) -> Metro:
    if state is None or state.position is None:
        return METROS[0]
    here = (state.position.latitude, state.position.longitude)
    return min(METROS, key=lambda m: distance_km(here, (m.latitude, m.longitude)))


def resume(
    vehicles: Sequence[Vehicle], states: dict[str, VehicleState], seed: int, now: datetime
) -> list[SimVehicle]:
    """Models for registered vehicles, picking up where their last report left them."""
    specs = {(m.make, m.model): m for m in CATALOG}
    sims = []
    for vehicle in vehicles:
        spec = specs.get((vehicle.make, vehicle.model))
        if spec is None:
            continue  # not a model the simulator knows
        state = states.get(vehicle.vin)
        plugged = state is not None and bool(state.plugged_in)
        sim = SimVehicle(vehicle.vin, spec, _nearest_metro(state), seed, now, plugged=plugged)
        if state is not None:
            sim.odometer_km = state.odometer_km or 0.0
            sim.soc_pct = state.battery_soc_pct if state.battery_soc_pct is not None else 60.0
            sim.fuel_pct = state.fuel_level_pct if state.fuel_level_pct is not None else 60.0
            sim.body.locked = state.doors_locked
            if state.position is not None:
                sim.position = (state.position.latitude, state.position.longitude)
        sims.append(sim)
    return sims


async def prepare_demo(
    ctx: ServiceContext,
    *,
    seed: int,
    count: int,
    history_days: float,
    progress: Callable[[datetime], None] = lambda _at: None,
    worker: bool = False,
) -> tuple[DemoFleet, list[SimVehicle], BackfillResult | None]:
    """Make sure the demo fleet exists; on its first start, record its past service visits
    and live its last history_days.

    With worker, the vehicles live their history in a second process while this one
    ingests (fleetlink.seeding.lifeworker).
    """
    now = ctx.clock()
    start = now - timedelta(days=history_days)
    fleet = await ensure_demo_fleet(ctx, seed=seed, count=count, generated_at=start)
    if fleet.created and history_days > 0:
        generated = generate_fleet(seed, count, start)
        # The years before the lived days: their visits to the dealer.
        await record_service_history(ctx, generated, seed, start)
        sims = simulate_generated(generated, seed, start)
        for sim, car in zip(sims, generated, strict=True):
            # The next visit falls due counting from the last one.
            visits = past_visits(car, seed, start)
            if visits:
                sim.km_since_service = max(0.0, sim.odometer_km - visits[-1].odometer_km)
        if worker:
            lived, sims = await backfill_in_worker(ctx, sims, now, progress=progress)
        else:
            lived = await backfill(ctx, sims, now, progress=progress)
        return fleet, sims, lived
    states = await latest_states(ctx, fleet.account)
    return fleet, resume(fleet.vehicles, states, seed, now), None


async def hand_credentials(ctx: ServiceContext, vehicles: Sequence[SimVehicle]) -> dict[str, str]:
    """Fresh device credentials for simulated vehicles, by VIN, kept only in memory.

    The store holds digests only, so a simulator that starts again needs new secrets: any
    earlier one stops working at once. A revoked vehicle stays revoked.
    """
    return await replace_device_credentials(ctx, [vehicle.vin for vehicle in vehicles])
