"""Distances on the Earth and route simplification (Douglas–Peucker), in pure Python."""

import heapq
import itertools
import math
from collections.abc import Sequence

from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.trips import RoutePoint

EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance between two WGS 84 points, in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, h)))


def distance_m(a: RoutePoint, b: RoutePoint) -> float:
    """The great-circle distance between two route points, in metres."""
    return haversine_m(a.latitude, a.longitude, b.latitude, b.longitude)


def route_length_km(points: Sequence[RoutePoint]) -> float:
    """The length of a route along its points, in kilometres."""
    return sum(distance_m(a, b) for a, b in itertools.pairwise(points)) / 1000.0


def _project(points: Sequence[RoutePoint]) -> list[tuple[float, float]]:
    # A local equirectangular projection: metres, accurate to well under 1 % over the span
    # of a trip. Longitudes are unwrapped around the first point, so a route crossing the
    # antimeridian stays in one piece.
    lat0 = math.radians(sum(p.latitude for p in points) / len(points))
    scale = math.radians(1) * EARTH_RADIUS_M
    lon0 = points[0].longitude
    return [
        (
            (((p.longitude - lon0 + 540.0) % 360.0) - 180.0) * scale * math.cos(lat0),
            p.latitude * scale,
        )
        for p in points
    ]


def _segment_distance(
    p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]
) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    t = (
        0.0
        if length2 == 0
        else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2))
    )
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


def simplify(
    points: Sequence[RoutePoint], max_points: int, tolerance_m: float = 0.0
) -> tuple[RoutePoint, ...]:
    """Douglas–Peucker, bounded: at most max_points, the first and last always kept.

    Segments are split farthest point first, so with enough room the result is exactly
    Douglas–Peucker at tolerance_m, and when max_points binds, what is kept is what
    bends the route most.
    """
    if max_points < 2:
        raise InvalidInput(f"a simplified route keeps at least 2 points, not {max_points}")
    n = len(points)
    if n <= 2:
        return tuple(points)
    xy = _project(points)
    keep = [False] * n
    keep[0] = keep[-1] = True
    kept = 2
    # A max-heap of segments still to split: (-farthest distance, first, last, farthest).
    heap: list[tuple[float, int, int, int]] = []

    def consider(first: int, last: int) -> None:
        if last - first < 2:
            return
        far, far_at = -1.0, first
        for i in range(first + 1, last):
            d = _segment_distance(xy[i], xy[first], xy[last])
            if d > far:
                far, far_at = d, i
        if far > tolerance_m:
            heapq.heappush(heap, (-far, first, last, far_at))

    consider(0, n - 1)
    while heap and kept < max_points:
        _, first, last, far_at = heapq.heappop(heap)
        keep[far_at] = True
        kept += 1
        consider(first, far_at)
        consider(far_at, last)
    return tuple(p for p, k in zip(points, keep, strict=True) if k)
