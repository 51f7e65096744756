"""A vehicle's state sums up its health in one word; its powertrain decides what applies."""

from datetime import UTC, datetime

import pytest

from fleetlink.domain.state import (
    OilLevel,
    OverallHealth,
    Severity,
    VehicleState,
    WarningLight,
)
from fleetlink.domain.vehicle import Powertrain

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TIRES = WarningLight("tire_pressure", Severity.WARNING, "Low tire pressure")
BRAKES = WarningLight("brake_system", Severity.CRITICAL, "Brake system fault")
WASHER = WarningLight("washer_fluid", Severity.INFO, "Washer fluid low")


def test_a_state_with_nothing_wrong_is_good() -> None:
    assert VehicleState(AT, oil_level=OilLevel.OK).overall_health is OverallHealth.GOOD
    assert VehicleState(AT).overall_health is OverallHealth.GOOD


@pytest.mark.parametrize(
    "state",
    [
        VehicleState(AT, warning_lights=(TIRES,)),
        VehicleState(AT, warning_lights=(WASHER,)),
        VehicleState(AT, oil_level=OilLevel.LOW),
        VehicleState(AT, maintenance_due=True),
        VehicleState(AT, oil_level=OilLevel.LOW, maintenance_due=True, warning_lights=(TIRES,)),
    ],
    ids=["warning-light", "info-light", "low-oil", "maintenance-due", "all-three"],
)
def test_a_lit_light_low_oil_or_maintenance_due_is_a_warning(state: VehicleState) -> None:
    assert state.overall_health is OverallHealth.WARNING


@pytest.mark.parametrize(
    "state",
    [
        VehicleState(AT, warning_lights=(BRAKES,)),
        VehicleState(AT, warning_lights=(TIRES, BRAKES)),
        VehicleState(AT, oil_level=OilLevel.CRITICALLY_LOW),
        VehicleState(AT, oil_level=OilLevel.CRITICALLY_LOW, maintenance_due=True),
    ],
    ids=["critical-light", "critical-among-warnings", "critically-low-oil", "oil-and-maintenance"],
)
def test_a_critical_light_or_critically_low_oil_is_critical(state: VehicleState) -> None:
    assert state.overall_health is OverallHealth.CRITICAL


def test_total_range_adds_electric_and_fuel_range() -> None:
    state = VehicleState(AT, battery_range_km=60.5, fuel_range_km=700.0)

    assert state.total_range_km == pytest.approx(760.5)


@pytest.mark.parametrize(
    ("battery_range_km", "fuel_range_km"), [(60.0, None), (None, 700.0), (None, None)]
)
def test_total_range_is_unknown_unless_both_ranges_are_known(
    battery_range_km: float | None, fuel_range_km: float | None
) -> None:
    state = VehicleState(AT, battery_range_km=battery_range_km, fuel_range_km=fuel_range_km)

    assert state.total_range_km is None


def test_a_zero_range_still_counts_towards_the_total() -> None:
    assert VehicleState(AT, battery_range_km=0.0, fuel_range_km=0.0).total_range_km == 0.0


@pytest.mark.parametrize(
    ("powertrain", "fuel_tank", "traction_battery", "pluggable", "engine_oil"),
    [
        (Powertrain.ICE, True, False, False, True),
        (Powertrain.HYBRID, True, True, False, True),
        (Powertrain.PHEV, True, True, True, True),
        (Powertrain.BEV, False, True, True, False),
    ],
)
def test_a_powertrain_decides_which_energy_stores_apply(
    powertrain: Powertrain,
    fuel_tank: bool,
    traction_battery: bool,
    pluggable: bool,
    engine_oil: bool,
) -> None:
    assert powertrain.has_fuel_tank is fuel_tank
    assert powertrain.has_traction_battery is traction_battery
    assert powertrain.is_pluggable is pluggable
    assert powertrain.has_engine_oil is engine_oil
