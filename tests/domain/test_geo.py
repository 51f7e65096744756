"""Great-circle distances and Douglas–Peucker simplification, on routes with known answers."""

import itertools
import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.geo import (
    EARTH_RADIUS_M,
    distance_m,
    haversine_m,
    route_length_km,
    simplify,
)
from fleetlink.domain.trips import RoutePoint

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
M_PER_DEGREE = math.pi / 180 * EARTH_RADIUS_M


def point(lat: float, lon: float, second: int = 0) -> RoutePoint:
    return RoutePoint(lat, lon, T0 + timedelta(seconds=second))


def test_a_degree_along_the_equator_is_111_2_km() -> None:
    assert haversine_m(0, 0, 0, 1) == pytest.approx(111_195.08, abs=0.01)


def test_paris_to_london_is_343_6_km_as_the_crow_flies() -> None:
    assert haversine_m(48.8566, 2.3522, 51.5074, -0.1278) / 1000 == pytest.approx(343.6, abs=0.1)


def test_the_distance_across_the_antimeridian_is_the_short_way_round() -> None:
    assert haversine_m(0, 179.9, 0, -179.9) == pytest.approx(0.2 * M_PER_DEGREE)


def test_a_route_is_as_long_as_its_legs() -> None:
    route = [point(35.0 + i * 0.001, 137.0, i) for i in range(11)]

    assert route_length_km(route) == pytest.approx(0.01 * M_PER_DEGREE / 1000)
    assert route_length_km(route[:1]) == 0.0


def test_points_on_a_straight_line_simplify_to_its_two_ends() -> None:
    line = [point(35.0 + i * 0.001, 137.0 + i * 0.001, i) for i in range(100)]

    assert simplify(line, 500, tolerance_m=1.0) == (line[0], line[-1])


def test_the_corner_of_an_l_shaped_route_is_kept() -> None:
    up = [point(35.0 + i * 0.001, 137.0, i) for i in range(50)]
    across = [point(35.049, 137.0 + i * 0.001, 50 + i) for i in range(1, 50)]

    assert simplify(up + across, 500, tolerance_m=1.0) == (up[0], up[-1], across[-1])


def test_a_round_trip_keeps_its_far_end() -> None:
    out = [point(35.0 + i * 0.001, 137.0, i) for i in range(20)]
    back = [point(35.0 + i * 0.001, 137.0, 40 - i) for i in range(19, -1, -1)]

    simplified = simplify(out + back, 500, tolerance_m=1.0)

    assert simplified[0] == out[0] and simplified[-1] == back[-1]
    assert out[-1] in simplified


def test_the_bound_keeps_what_bends_the_route_most() -> None:
    # A straight road with one 1 km detour, and a wiggle of a few metres everywhere else.
    route = [point(35.0 + i * 0.0001, 137.0 + (0.00003 if i % 2 else 0.0), i) for i in range(1000)]
    route[500] = point(35.05, 137.01, 500)

    simplified = simplify(route, 3, tolerance_m=1.0)

    assert simplified == (route[0], route[500], route[-1])


def test_simplifying_is_pointless_below_two_points() -> None:
    with pytest.raises(InvalidInput):
        simplify([point(0, 0), point(1, 1), point(2, 0)], 1)


routes = st.lists(
    st.tuples(
        st.floats(min_value=-60, max_value=60, allow_nan=False),
        st.floats(min_value=-180, max_value=180, allow_nan=False),
    ),
    min_size=0,
    max_size=200,
)


@given(routes, st.integers(min_value=2, max_value=50))
def test_a_simplified_route_is_bounded_keeps_its_ends_and_only_its_own_points(
    coordinates: list[tuple[float, float]], bound: int
) -> None:
    route = [point(lat, lon, i) for i, (lat, lon) in enumerate(coordinates)]

    simplified = simplify(route, bound, tolerance_m=5.0)

    assert len(simplified) <= max(bound, min(len(route), 2))
    if route:
        assert simplified[0] == route[0] and simplified[-1] == route[-1]
    positions = iter(route)
    assert all(any(p == q for q in positions) for p in simplified), "in the original order"


@given(
    st.lists(
        st.tuples(
            st.floats(min_value=-0.05, max_value=0.05), st.floats(min_value=-0.05, max_value=0.05)
        ),
        min_size=3,
        max_size=80,
    )
)
def test_without_a_bound_every_dropped_point_lies_within_the_tolerance(
    offsets: list[tuple[float, float]],
) -> None:
    route = [point(35.0 + dlat, 137.0 + dlon, i) for i, (dlat, dlon) in enumerate(offsets)]

    simplified = simplify(route, len(route), tolerance_m=20.0)

    kept = [route.index(p) for p in simplified]
    for first, last in itertools.pairwise(kept):
        for dropped in route[first + 1 : last]:
            # The code measures on a local projection; this measures on the sphere.
            assert _distance_to_arc_m(dropped, route[first], route[last]) <= 20.0 * 1.005


def _unit(p: RoutePoint) -> tuple[float, float, float]:
    lat, lon = math.radians(p.latitude), math.radians(p.longitude)
    return (math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat))


def _cross(u: tuple[float, ...], v: tuple[float, ...]) -> tuple[float, float, float]:
    return (u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0])


def _dot(u: tuple[float, ...], v: tuple[float, ...]) -> float:
    return sum(x * y for x, y in zip(u, v, strict=True))


def _distance_to_arc_m(p: RoutePoint, a: RoutePoint, b: RoutePoint) -> float:
    """The distance from p to the great-circle arc from a to b, by vector geometry."""
    ends = min(distance_m(p, a), distance_m(p, b))
    normal = _cross(_unit(a), _unit(b))
    size = math.sqrt(_dot(normal, normal))
    if size < 1e-15:
        return ends
    normal = (normal[0] / size, normal[1] / size, normal[2] / size)
    u = _unit(p)
    off = _dot(u, normal)
    foot = (u[0] - off * normal[0], u[1] - off * normal[1], u[2] - off * normal[2])
    between = (
        _dot(_cross(_unit(a), foot), normal) >= 0 and _dot(_cross(foot, _unit(b)), normal) >= 0
    )
    return math.asin(min(1.0, abs(off))) * EARTH_RADIUS_M if between else ends
