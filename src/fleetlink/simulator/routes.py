"""Road-like routes: staircase paths with jittered corners, not straight lines."""

import itertools
import math
import random

from fleetlink.domain.geo import haversine_m

Point = tuple[float, float]


def distance_km(a: Point, b: Point) -> float:
    """Great-circle distance between two (lat, lon) points."""
    return haversine_m(a[0], a[1], b[0], b[1]) / 1000.0


def offset(origin: Point, north_km: float, east_km: float) -> Point:
    """The point north_km and east_km away from origin."""
    lat = origin[0] + north_km / 111.32
    lon = origin[1] + east_km / (111.32 * max(0.1, math.cos(math.radians(origin[0]))))
    return (lat, lon)


def road_route(rng: random.Random, start: Point, end: Point) -> list[Point]:
    """A path along a street grid: alternating north-south and east-west legs."""
    corners = max(2, min(8, int(distance_km(start, end) / 1.5) + 2))
    points = [start]
    for i in range(1, corners):
        share = i / corners
        lat = start[0] + (end[0] - start[0]) * share + rng.uniform(-0.002, 0.002)
        lon = start[1] + (end[1] - start[1]) * share + rng.uniform(-0.002, 0.002)
        previous = points[-1]
        # Turn a corner: first along the meridian, then along the parallel.
        points.append((lat, previous[1]))
        points.append((lat, lon))
    points.append((end[0], points[-1][1]))
    points.append(end)
    return points


def along(points: list[Point], km: float) -> tuple[Point, bool]:
    """The point km along the path, and whether the path ends there."""
    travelled = 0.0
    for a, b in itertools.pairwise(points):
        leg = distance_km(a, b)
        if travelled + leg >= km and leg > 0:
            share = (km - travelled) / leg
            return (a[0] + (b[0] - a[0]) * share, a[1] + (b[1] - a[1]) * share), False
        travelled += leg
    return points[-1], True


def length_km(points: list[Point]) -> float:
    """Length of a path."""
    return sum(distance_km(a, b) for a, b in itertools.pairwise(points))
