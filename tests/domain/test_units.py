"""Conversions used at the façades' edges, where SI meets miles and °F."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fleetlink.domain.units import (
    KM_PER_MILE,
    celsius_to_fahrenheit,
    fahrenheit_to_celsius,
    km_to_miles,
    kmh_to_mph,
    miles_to_km,
)

finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)


def test_a_mile_is_exactly_1_609344_km() -> None:
    assert KM_PER_MILE == 1.609344
    assert miles_to_km(1.0) == 1.609344
    assert km_to_miles(1.609344) == 1.0


@pytest.mark.parametrize(("km", "miles"), [(0.0, 0.0), (100.0, 62.137119), (42.195, 26.218757)])
def test_kilometres_convert_to_miles(km: float, miles: float) -> None:
    assert km_to_miles(km) == pytest.approx(miles, abs=1e-6)


@pytest.mark.parametrize(("kmh", "mph"), [(0.0, 0.0), (100.0, 62.137119), (120.0, 74.564543)])
def test_kmh_convert_to_mph(kmh: float, mph: float) -> None:
    assert kmh_to_mph(kmh) == pytest.approx(mph, abs=1e-6)


@pytest.mark.parametrize(
    ("celsius", "fahrenheit"),
    [(0.0, 32.0), (100.0, 212.0), (-40.0, -40.0), (37.0, 98.6), (22.0, 71.6), (15.5, 59.9)],
)
def test_celsius_and_fahrenheit_convert_both_ways(celsius: float, fahrenheit: float) -> None:
    assert celsius_to_fahrenheit(celsius) == pytest.approx(fahrenheit)
    assert fahrenheit_to_celsius(fahrenheit) == pytest.approx(celsius)


@given(finite)
def test_km_to_miles_and_back_is_the_identity(km: float) -> None:
    assert miles_to_km(km_to_miles(km)) == pytest.approx(km, rel=1e-12, abs=1e-9)


@given(finite)
def test_celsius_to_fahrenheit_and_back_is_the_identity(celsius: float) -> None:
    assert fahrenheit_to_celsius(celsius_to_fahrenheit(celsius)) == pytest.approx(
        celsius, rel=1e-12, abs=1e-9
    )


@given(finite)
def test_speed_converts_like_distance(kmh: float) -> None:
    assert kmh_to_mph(kmh) == km_to_miles(kmh)
