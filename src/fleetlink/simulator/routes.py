"""Road-like routes: staircase paths with jittered corners, not straight lines."""

import bisect
import itertools
import math
import random
from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class Route:
    """A path with its legs measured once, so a tick along it costs a search, not a survey."""

    points: tuple[Point, ...]
    # How far along the path each point lies, in km: 0.0 first, the length last.
    marks: tuple[float, ...]

    @classmethod
    def through(cls, points: list[Point]) -> "Route":
        marks = [0.0]
        for a, b in itertools.pairwise(points):
            marks.append(marks[-1] + distance_km(a, b))
        return cls(tuple(points), tuple(marks))

    @property
    def length_km(self) -> float:
        return self.marks[-1]

    def at(self, km: float) -> Point:
        """The point km along the path (its end beyond its length)."""
        if km >= self.marks[-1]:
            return self.points[-1]
        # The first leg that ends at or beyond km; zero-length legs are skipped by bisect.
        i = max(1, bisect.bisect_left(self.marks, km))
        a, b = self.points[i - 1], self.points[i]
        leg = self.marks[i] - self.marks[i - 1]
        share = (km - self.marks[i - 1]) / leg if leg > 0 else 1.0
        return (a[0] + (b[0] - a[0]) * share, a[1] + (b[1] - a[1]) * share)
