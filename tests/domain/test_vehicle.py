"""Aliases and climate presets are checked in the domain."""

import math

import pytest

from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.vehicle import (
    MAX_CLIMATE_TARGET_C,
    MIN_CLIMATE_TARGET_C,
    ClimateMode,
    ClimateSettings,
    ConnectionState,
    Powertrain,
    Vehicle,
    validate_alias,
)


@pytest.mark.parametrize("alias", ["A", "Family car", "x" * 64, "Prius 🚗", " spaced "])
def test_an_alias_of_1_to_64_printable_characters_is_kept_as_given(alias: str) -> None:
    assert validate_alias(alias) == alias


def test_an_alias_too_long_is_refused_with_its_length() -> None:
    with pytest.raises(InvalidInput, match="at most 64 characters long, got 65"):
        validate_alias("x" * 65)


@pytest.mark.parametrize("alias", ["line\nbreak", "tab\there", "bell\x07", "nul\x00", "nbsp\u00a0"])
def test_an_alias_with_control_characters_is_refused(alias: str) -> None:
    with pytest.raises(InvalidInput, match="printable"):
        validate_alias(alias)


@pytest.mark.parametrize("alias", ["", " ", " " * 65])
def test_an_empty_or_blank_alias_clears_the_nickname(alias: str) -> None:
    # The contract's alias is any string; an owner's app clears a nickname by sending "".
    assert validate_alias(alias) is None


def test_the_default_climate_preset_is_22_degrees_fan_3_auto() -> None:
    assert ClimateSettings() == ClimateSettings(22.0, 3, ClimateMode.AUTO)


@pytest.mark.parametrize("target_c", [MIN_CLIMATE_TARGET_C, MAX_CLIMATE_TARGET_C])
def test_a_climate_target_at_the_bounds_is_accepted(target_c: float) -> None:
    assert ClimateSettings(target_c=target_c).target_c == target_c


@pytest.mark.parametrize("target_c", [15.5, 29.5, math.nan, math.inf])
def test_a_climate_target_outside_60_to_85_fahrenheit_is_refused(target_c: float) -> None:
    with pytest.raises(InvalidInput, match=r"temperature must be between 15\.6 and 29\.4 °C"):
        ClimateSettings(target_c=target_c)


@pytest.mark.parametrize("fan_speed", [1, 5])
def test_a_fan_speed_at_the_bounds_is_accepted(fan_speed: int) -> None:
    assert ClimateSettings(fan_speed=fan_speed).fan_speed == fan_speed


@pytest.mark.parametrize("fan_speed", [0, 6, -1])
def test_a_fan_speed_outside_1_to_5_is_refused(fan_speed: int) -> None:
    with pytest.raises(InvalidInput, match=f"fanSpeed must be between 1 and 5, got {fan_speed}"):
        ClimateSettings(fan_speed=fan_speed)


@pytest.mark.parametrize(
    ("connection", "connected"),
    [
        (ConnectionState.ONLINE, True),
        (ConnectionState.ASLEEP, True),
        (ConnectionState.OFFLINE, False),
    ],
)
def test_only_an_offline_modem_counts_as_disconnected(
    connection: ConnectionState, connected: bool
) -> None:
    vehicle = Vehicle(
        id=1,
        vin="JTMAAAAA0PJ000001",
        owner_id=1,
        owner_guid="g",
        make="Toyota",
        model="bZ4X",
        year=2025,
        powertrain=Powertrain.BEV,
        connection=connection,
    )

    assert vehicle.is_connected is connected
