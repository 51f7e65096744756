"""Temperatures that drift toward a goal: the cabin's, and the engine oil's."""

from datetime import timedelta
from typing import TYPE_CHECKING

from fleetlink.simulator import plans, readings

if TYPE_CHECKING:
    from fleetlink.simulator.model import SimVehicle

CABIN_SETTLES_S = 600.0  # about ten minutes to reach the weather or the climate's target
# An engine's oil warms to about 100 °C in some ten minutes and cools over most of an hour.
OIL_RUNNING_C, OIL_WARM_S, OIL_COOL_S = 100.0, 600.0, 2400.0


def _toward(current: float, goal: float, dt: timedelta, pace_s: float) -> float:
    return current + (goal - current) * min(1.0, dt.total_seconds() / pace_s)


def cabin(current: float, goal: float, dt: timedelta) -> float:
    """The cabin's temperature after dt, drifting toward the climate's target or the weather."""
    return _toward(current, goal, dt, CABIN_SETTLES_S)


def engine_oil(current: float, running: bool, outside: float, dt: timedelta) -> float:
    """The oil's temperature after dt: warming while the engine turns, else cooling."""
    if running:
        return _toward(current, OIL_RUNNING_C, dt, OIL_WARM_S)
    return _toward(current, outside, dt, OIL_COOL_S)


def settle(v: "SimVehicle", dt: timedelta) -> None:
    """Let the vehicle's cabin and engine oil drift for dt toward where they are going."""
    outside = plans.outside_c(v.metro, v.now)
    goal = v.climate_target_c if v.climate_on else outside
    v.cabin_c = cabin(v.cabin_c, goal, dt)
    if v.spec.powertrain.has_engine_oil:
        v.oil_temp_c = engine_oil(v.oil_temp_c, readings.engine_running(v), outside, dt)
