"""A generated fleet is repeatable, valid and plausible: what the demo and the tests stand on."""

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fleetlink.domain.catalog import MODEL_YEAR_CODES
from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.state import ChargingStatus
from fleetlink.domain.vehicle import Powertrain
from fleetlink.domain.vin import normalize_vin
from fleetlink.simulator.fleetgen import FleetVehicle, generate_fleet

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
MAX_SERIAL = 99_999  # VINs carry a five-digit serial


@pytest.fixture(scope="module")
def fleet() -> list[FleetVehicle]:
    return generate_fleet(2026, 25, NOW)


def _km_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def test_the_same_seed_and_now_give_the_same_fleet(fleet: list[FleetVehicle]) -> None:
    assert generate_fleet(2026, 25, NOW) == fleet


def test_another_seed_gives_another_fleet(fleet: list[FleetVehicle]) -> None:
    assert [v.vin for v in generate_fleet(2027, 25, NOW)] != [v.vin for v in fleet]


def test_a_fleet_has_as_many_vehicles_as_asked() -> None:
    assert [len(generate_fleet(1, n, NOW)) for n in (0, 1, 3, 4, 25)] == [0, 1, 3, 4, 25]


def test_every_vin_is_valid_and_canonical(fleet: list[FleetVehicle]) -> None:
    for vehicle in fleet:
        assert normalize_vin(vehicle.vin) == vehicle.vin


def test_every_vin_is_unique(fleet: list[FleetVehicle]) -> None:
    assert len({v.vin for v in fleet}) == len(fleet)


def test_a_vin_encodes_the_models_manufacturer_and_model_year(fleet: list[FleetVehicle]) -> None:
    for vehicle in fleet:
        assert vehicle.vin.startswith(vehicle.spec.wmi + vehicle.spec.vds_prefix)
        assert vehicle.vin[9] == MODEL_YEAR_CODES[vehicle.year]


def test_model_years_are_not_before_the_model_existed(fleet: list[FleetVehicle]) -> None:
    for vehicle in fleet:
        assert vehicle.year >= vehicle.spec.first_year
        assert vehicle.trim in vehicle.spec.trims


def test_twenty_five_vehicles_cover_all_four_powertrains(fleet: list[FleetVehicle]) -> None:
    assert {v.spec.powertrain for v in fleet} == set(Powertrain)


def test_even_four_vehicles_cover_all_four_powertrains() -> None:
    for seed in range(20):
        assert {v.spec.powertrain for v in generate_fleet(seed, 4, NOW)} == set(Powertrain)


def test_fleets_with_disjoint_serial_ranges_never_share_a_vin() -> None:
    first = generate_fleet(7, 25, NOW, first_serial=1)
    second = generate_fleet(7, 25, NOW, first_serial=26)

    assert not {v.vin for v in first} & {v.vin for v in second}


@settings(max_examples=50, deadline=None)
@given(
    seeds=st.tuples(st.integers(0, 2**32), st.integers(0, 2**32)),
    count=st.integers(1, 30),
    starts=st.tuples(st.integers(1, MAX_SERIAL - 59), st.integers(0, MAX_SERIAL)),
)
def test_any_two_disjoint_serial_ranges_never_share_a_vin(
    seeds: tuple[int, int], count: int, starts: tuple[int, int]
) -> None:
    first_start = starts[0]
    # Put the second range anywhere that does not overlap the first and still fits.
    second_start = first_start + count + starts[1] % (MAX_SERIAL - first_start - 2 * count + 2)
    first = generate_fleet(seeds[0], count, NOW, first_serial=first_start)
    second = generate_fleet(seeds[1], count, NOW, first_serial=second_start)

    assert not {v.vin for v in first} & {v.vin for v in second}


def test_the_last_five_digit_serial_still_makes_a_valid_vin() -> None:
    (vehicle,) = generate_fleet(7, 1, NOW, first_serial=MAX_SERIAL)

    assert normalize_vin(vehicle.vin).endswith("99999")


@pytest.mark.parametrize(("first_serial", "count"), [(MAX_SERIAL, 2), (100_000, 1), (-1, 3)])
def test_serials_that_do_not_fit_in_a_vin_are_refused_with_invalid_input(
    first_serial: int, count: int
) -> None:
    with pytest.raises(InvalidInput, match="do not fit a VIN"):
        generate_fleet(7, count, NOW, first_serial=first_serial)


def test_pluggable_vehicles_report_battery_charge_range_and_plug(
    fleet: list[FleetVehicle],
) -> None:
    pluggable = [v for v in fleet if v.spec.powertrain.is_pluggable]
    assert pluggable
    for vehicle in pluggable:
        state = vehicle.state
        assert state.battery_soc_pct is not None
        assert state.battery_range_km is not None
        assert state.plugged_in is not None
        assert state.charging_status is not None


def test_hybrids_report_charge_but_no_electric_range_or_plug(fleet: list[FleetVehicle]) -> None:
    hybrids = [v for v in fleet if v.spec.powertrain is Powertrain.HYBRID]
    assert hybrids
    for vehicle in hybrids:
        assert vehicle.state.battery_soc_pct is not None
        assert vehicle.state.battery_range_km is None
        assert vehicle.state.plugged_in is None
        assert vehicle.state.charging_status is None


def test_combustion_only_vehicles_report_no_battery(fleet: list[FleetVehicle]) -> None:
    ice = [v for v in fleet if v.spec.powertrain is Powertrain.ICE]
    assert ice
    for vehicle in ice:
        assert vehicle.state.battery_soc_pct is None
        assert vehicle.state.battery_range_km is None
        assert vehicle.state.fuel_level_pct is not None
        assert vehicle.state.oil_level is not None


def test_battery_electric_vehicles_report_no_fuel_or_oil(fleet: list[FleetVehicle]) -> None:
    bevs = [v for v in fleet if v.spec.powertrain is Powertrain.BEV]
    assert bevs
    for vehicle in bevs:
        assert vehicle.state.fuel_level_pct is None
        assert vehicle.state.fuel_range_km is None
        assert vehicle.state.oil_level is None
        assert vehicle.state.total_range_km is None


@pytest.mark.parametrize("seed", range(10))
def test_percentages_and_ranges_are_plausible(seed: int) -> None:
    for vehicle in generate_fleet(seed, 25, NOW):
        state = vehicle.state
        for pct in (state.battery_soc_pct, state.fuel_level_pct):
            assert pct is None or 0 <= pct <= 100
        for km in (state.battery_range_km, state.fuel_range_km, state.odometer_km):
            assert km is None or km >= 0
        if state.battery_range_km is not None:
            assert vehicle.spec.electric_range_km is not None
            assert state.battery_range_km <= vehicle.spec.electric_range_km


@pytest.mark.parametrize("seed", range(10))
def test_charging_status_agrees_with_the_plug(seed: int) -> None:
    for vehicle in generate_fleet(seed, 25, NOW):
        state = vehicle.state
        if state.plugged_in is False:
            assert state.charging_status is ChargingStatus.NOT_CHARGING
        if state.charging_status is ChargingStatus.CHARGING:
            assert state.plugged_in is True
            assert state.charge_complete_at is not None
            assert state.charge_complete_at > state.reported_at
        else:
            assert state.charge_complete_at is None


@pytest.mark.parametrize("seed", range(10))
def test_states_were_reported_in_the_past(seed: int) -> None:
    for vehicle in generate_fleet(seed, 25, NOW):
        state = vehicle.state
        assert NOW - timedelta(hours=5) < state.reported_at < NOW
        assert state.reported_at.tzinfo is not None
        assert state.position is not None
        assert state.position.at == state.reported_at


@pytest.mark.parametrize("seed", range(10))
def test_every_vehicle_is_within_20_km_of_its_metro(seed: int) -> None:
    for vehicle in generate_fleet(seed, 25, NOW):
        position = vehicle.state.position
        assert position is not None
        metro = vehicle.metro
        distance = _km_between(
            metro.latitude, metro.longitude, position.latitude, position.longitude
        )
        assert distance <= 20.0, f"{vehicle.vin} is {distance:.1f} km from {metro.name}"
