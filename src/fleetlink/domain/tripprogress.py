"""What trip detection keeps of each vehicle between batches, for the store to hold."""

from dataclasses import dataclass
from datetime import datetime

from fleetlink.domain.trips import RoutePoint


@dataclass(frozen=True, slots=True)
class OpenTrip:
    """A trip under way: when it started and what it has gathered so far."""

    started_at: datetime
    # The route so far in encode_route's form, with its length and last point: a batch
    # appends to it without decoding it.
    route: str = ""
    route_points: int = 0
    route_end: RoutePoint | None = None
    start_odometer_km: float | None = None
    odometer_km: float | None = None  # the latest the vehicle reported during the trip
    gps_km: float = 0.0  # along the route
    max_speed_kmh: float | None = None  # the fastest the vehicle reported
    derived_max_speed_kmh: float = 0.0  # the fastest between two route points
    stopped_at: datetime | None = None  # since when it has stood still, if it has
    start_soc_pct: float | None = None
    start_fuel_pct: float | None = None


@dataclass(frozen=True, slots=True)
class TripProgress:
    """What detection knows of one vehicle between batches."""

    vehicle_id: int
    seen_at: datetime | None = None  # the newest report detection took
    reports_ignition: bool = False
    ignition_on: bool = False
    position: RoutePoint | None = None  # the latest fix
    anchor: tuple[float, float] | None = None  # where it last settled (lat, lon)
    odometer_km: float | None = None
    trip: OpenTrip | None = None
    soc_pct: float | None = None  # the latest battery charge and fuel level reported
    fuel_pct: float | None = None
