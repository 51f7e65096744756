"""Trips, trip queries, and the compact route encoding."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.trips import (
    MAX_TRIPS_PAGE,
    RoutePoint,
    Trip,
    TripQuery,
    decode_route,
    encode_route,
)

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)

points = st.builds(
    RoutePoint,
    latitude=st.floats(min_value=-90, max_value=90, allow_nan=False),
    longitude=st.floats(min_value=-180, max_value=180, allow_nan=False),
    at=st.datetimes(
        min_value=datetime(1970, 1, 2),
        max_value=datetime(2100, 1, 1),
        timezones=st.just(UTC),
    ),
)


@given(st.lists(points, max_size=60))
def test_a_route_survives_encoding_to_1e5_degree_and_whole_seconds(
    route: list[RoutePoint],
) -> None:
    decoded = decode_route(encode_route(route))

    assert len(decoded) == len(route)
    for before, after in zip(route, decoded, strict=True):
        assert after.latitude == pytest.approx(before.latitude, abs=0.5e-5 + 1e-12)
        assert after.longitude == pytest.approx(before.longitude, abs=0.5e-5 + 1e-12)
        assert after.at == before.at.replace(microsecond=0)
        assert after.at.tzinfo is UTC


@given(st.lists(points, max_size=30))
def test_encoding_a_decoded_route_gives_the_same_string(route: list[RoutePoint]) -> None:
    encoded = encode_route(route)

    assert encode_route(decode_route(encoded)) == encoded


@given(st.lists(points, min_size=1, max_size=30), st.lists(points, max_size=30))
def test_an_encoded_route_extends_from_its_last_point_without_decoding(
    head: list[RoutePoint], tail: list[RoutePoint]
) -> None:
    extended = encode_route(head) + encode_route(tail, after=head[-1])

    assert extended == encode_route(head + tail)


def test_negative_coordinates_come_back_exactly_at_5_decimals() -> None:
    route = (
        RoutePoint(-33.86882, 151.20929, T0),
        RoutePoint(-34.60372, -58.38159, T0 + timedelta(seconds=61)),
        RoutePoint(40.71278, -74.00597, T0 + timedelta(hours=3, seconds=1)),
    )

    assert decode_route(encode_route(route)) == route


def test_a_route_is_encoded_with_a_known_string() -> None:
    # Google's documented polyline example, with time deltas of 0 interleaved.
    route = [
        RoutePoint(38.5, -120.2, datetime.fromtimestamp(0, UTC)),
        RoutePoint(40.7, -120.95, datetime.fromtimestamp(0, UTC)),
        RoutePoint(43.252, -126.453, datetime.fromtimestamp(0, UTC)),
    ]

    assert encode_route(route) == "_p~iF~ps|U?_ulLnnqC?_mqNvxq`@?"


def test_the_empty_route_encodes_to_the_empty_string() -> None:
    assert encode_route(()) == ""
    assert decode_route("") == ()


def test_a_route_missing_its_last_value_is_refused_as_corrupt() -> None:
    # At epoch 0 the time delta encodes as the single character "?": drop it.
    encoded = encode_route([RoutePoint(1.0, 2.0, datetime.fromtimestamp(0, UTC))])
    assert encoded.endswith("?")

    with pytest.raises(InvalidInput, match="corrupt"):
        decode_route(encoded[:-1])


def test_a_route_cut_in_the_middle_of_a_value_is_refused_as_corrupt() -> None:
    encoded = encode_route([RoutePoint(-33.86882, 151.20929, T0)])

    with pytest.raises(InvalidInput, match="corrupt"):
        decode_route(encoded[:-1])


def test_a_query_of_one_day_with_defaults_is_valid() -> None:
    query = TripQuery(date(2026, 3, 1), date(2026, 3, 1))

    assert (query.limit, query.offset, query.include_route) == (MAX_TRIPS_PAGE, 0, False)


def test_a_query_from_after_to_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"fromDate \(2026-03-02\) must not be after toDate"):
        TripQuery(date(2026, 3, 2), date(2026, 3, 1))


@pytest.mark.parametrize("limit", [0, MAX_TRIPS_PAGE + 1, -5])
def test_a_query_limit_outside_1_to_50_is_refused(limit: int) -> None:
    with pytest.raises(InvalidInput, match=f"between 1 and 50, got {limit}"):
        TripQuery(date(2026, 3, 1), date(2026, 3, 2), limit=limit)


@pytest.mark.parametrize("limit", [1, MAX_TRIPS_PAGE])
def test_a_query_limit_at_the_bounds_is_accepted(limit: int) -> None:
    assert TripQuery(date(2026, 3, 1), date(2026, 3, 2), limit=limit).limit == limit


def test_a_negative_offset_is_refused() -> None:
    with pytest.raises(InvalidInput, match="offset must be between 0 and 2147483647, got -1"):
        TripQuery(date(2026, 3, 1), date(2026, 3, 2), offset=-1)


def _trip(minutes: float, distance_km: float, max_speed_kmh: float = 90.0) -> Trip:
    return Trip(
        id="t1",
        vehicle_id=1,
        start=RoutePoint(33.0, -96.7, T0),
        end=RoutePoint(33.1, -96.8, T0 + timedelta(minutes=minutes)),
        distance_km=distance_km,
        max_speed_kmh=max_speed_kmh,
    )


def test_a_trip_knows_its_duration_and_average_speed() -> None:
    trip = _trip(minutes=30, distance_km=25.0)

    assert trip.duration == timedelta(minutes=30)
    assert trip.average_speed_kmh == pytest.approx(50.0)


def test_a_trip_of_no_duration_has_an_average_speed_of_zero() -> None:
    trip = _trip(minutes=0, distance_km=0.0)

    assert trip.duration == timedelta(0)
    assert trip.average_speed_kmh == 0.0


def test_a_trip_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(InvalidInput, match="cannot end before it starts"):
        _trip(minutes=-1, distance_km=1.0)


@pytest.mark.parametrize(("distance_km", "max_speed_kmh"), [(-0.1, 50.0), (5.0, -1.0)])
def test_a_trip_with_negative_distance_or_speed_is_refused(
    distance_km: float, max_speed_kmh: float
) -> None:
    with pytest.raises(InvalidInput, match="cannot be negative"):
        _trip(minutes=10, distance_km=distance_km, max_speed_kmh=max_speed_kmh)


@pytest.mark.parametrize(
    ("encoded", "why"),
    [
        ("??_", "ends in the middle of a value"),
        ("?? ", "ends in the middle of a value"),  # a character no encoder writes
        ("????", "points are not whole"),
    ],
)
def test_a_corrupt_route_is_refused_with_the_reason(encoded: str, why: str) -> None:
    with pytest.raises(InvalidInput, match=why):
        decode_route(encoded)
