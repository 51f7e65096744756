"""A vehicle's driving summed over a period (a month, on the trips page): pure arithmetic."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from fleetlink.domain.trips import Trip


@dataclass(frozen=True, slots=True)
class DrivingTotals:
    """How much a vehicle drove: trips, distance, time at the wheel, speeds."""

    trips: int
    distance_km: float
    driving_time: timedelta
    longest_km: float
    max_speed_kmh: float

    @property
    def average_speed_kmh(self) -> float:
        """Distance over time driven; zero when it did not drive."""
        hours = self.driving_time.total_seconds() / 3600.0
        return self.distance_km / hours if hours > 0 else 0.0


def driving_totals(trips: Iterable[Trip]) -> DrivingTotals:
    """Sum trips into one total."""
    count, distance, time, longest, fastest = 0, 0.0, timedelta(), 0.0, 0.0
    for trip in trips:
        count += 1
        distance += trip.distance_km
        time += trip.duration
        longest = max(longest, trip.distance_km)
        fastest = max(fastest, trip.max_speed_kmh)
    return DrivingTotals(count, distance, time, longest, fastest)
