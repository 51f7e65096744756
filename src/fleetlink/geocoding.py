"""Offline reverse geocoding with GeoNames' cities (the optional `geo` extra)."""

import asyncio
from collections.abc import Sequence
from typing import Any

import structlog

log = structlog.get_logger(__name__)
# Farther than this from any town with 1,000 people, a place has no useful name.
MAX_DISTANCE_DEGREES = 0.5


class OfflineGeocoder:
    """Names points after the nearest town; loads its index on first use, off the event loop."""

    def __init__(self, module: Any) -> None:
        self._module = module

    def _lookup(self, points: Sequence[tuple[float, float]]) -> list[str | None]:
        names: list[str | None] = []
        for point, place in zip(points, self._module.search(points), strict=True):
            near = (
                abs(place["latitude"] - point[0]) <= MAX_DISTANCE_DEGREES
                and abs(place["longitude"] - point[1]) <= MAX_DISTANCE_DEGREES
            )
            parts = [place.get("city"), place.get("state"), place.get("country")]
            names.append(", ".join(p for p in parts if p) if near else None)
        return names

    async def places(self, points: Sequence[tuple[float, float]]) -> list[str | None]:
        """Name every point, in order."""
        if not points:
            return []
        return await asyncio.to_thread(self._lookup, list(points))


def offline_geocoder() -> OfflineGeocoder | None:
    """The geocoder if the `geo` extra is installed, else None (addresses are left out)."""
    try:
        import reverse_geocode
    except ImportError:
        log.info("geocoding.unavailable", hint="pip install 'fleetlink[geo]' for trip addresses")
        return None
    return OfflineGeocoder(reverse_geocode)
