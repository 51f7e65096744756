"""Build simulated vehicles from the seeded fleet generator, starting where they stand."""

from collections.abc import Sequence
from datetime import datetime

from fleetlink.simulator.fleetgen import FleetVehicle
from fleetlink.simulator.model import SimVehicle


def simulate_generated(fleet: Sequence[FleetVehicle], seed: int, now: datetime) -> list[SimVehicle]:
    """One model per generated vehicle, starting from its generated state."""
    vehicles = []
    for generated in fleet:
        state = generated.state
        sim = SimVehicle(
            vin=generated.vin,
            spec=generated.spec,
            metro=generated.metro,
            seed=seed,
            now=now,
            odometer_km=state.odometer_km or 0.0,
            soc_pct=state.battery_soc_pct if state.battery_soc_pct is not None else 60.0,
            fuel_pct=state.fuel_level_pct if state.fuel_level_pct is not None else 60.0,
            plugged=bool(state.plugged_in),
        )
        sim.body.locked = state.doors_locked
        if state.position is not None:
            sim.position = (state.position.latitude, state.position.longitude)
            sim.home = sim.position
        vehicles.append(sim)
    return vehicles
