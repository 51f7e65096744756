"""Trip detection: reports in, the vehicle's progress and any finished trips out.

Two ways to tell a trip, as Traccar does:

- a unit that reports ignition (`Vehicle.LowVoltageSystemState`, or ignition events) is on
  a trip from ignition on to ignition off;
- a unit that never does is on a trip from the first sample that shows motion until it has
  stood still for `TripRules.parked_after`, and the trip ends where and when it stopped.

Either way, a gap without data longer than `TripRules.gap_after` ends the trip at the last
sample before the gap, and a trip short in both distance and duration is dropped. Motion is
the unit's own `Vehicle.IsMoving`, else its speed, else leaving a circle around where it
last settled (so GPS jitter at rest is no motion).

Nothing is kept between calls: what detection needs lives in TripProgress, which the caller
stores, so any server can carry on where another left off.
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import NamedTuple

from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.geo import distance_m, haversine_m, simplify
from fleetlink.domain.reports import EventKind, EventReport, StateReport
from fleetlink.domain.tripprogress import OpenTrip, TripProgress
from fleetlink.domain.trips import RoutePoint, Trip, decode_route, encode_route


@dataclass(frozen=True, slots=True)
class TripRules:
    """The thresholds of detection; defaults are Traccar's where it has one.

    Not in the settings yet: ServiceContext carries one, so a deployment can tune it there.
    """

    # Reported speeds drift 1–2 km/h at rest; walking pace is not driving.
    moving_speed_kmh: float = 3.0
    # Consumer GPS wanders tens of metres at rest: leaving this circle is motion, and a
    # trip shorter than it went nowhere.
    still_radius_m: float = 50.0
    parked_after: timedelta = timedelta(minutes=5)  # Traccar minimalParkingDuration
    gap_after: timedelta = timedelta(hours=1)  # Traccar minimalNoDataDuration
    min_distance_km: float = 0.5  # Traccar minimalTripDistance
    min_duration: timedelta = timedelta(minutes=5)  # Traccar minimalTripDuration
    route_spacing_m: float = 10.0  # closer fixes add nothing to a route but bytes
    max_route_points: int = 500
    route_tolerance_m: float = 5.0
    # The route of a trip under way is thinned to half this when it grows past it, so a
    # long trip costs each batch a bounded amount of work and storage.
    open_route_limit: int = 2000

    def __post_init__(self) -> None:
        if self.max_route_points < 2 or self.open_route_limit < 4:
            raise InvalidInput("a route keeps at least 2 points, and 4 while under way")


DEFAULT_RULES = TripRules()


@dataclass(frozen=True, slots=True)
class Detection:
    """What a run of detection gives back."""

    progress: TripProgress
    trips: tuple[Trip, ...] = ()
    discarded: int = 0


class _Sample(NamedTuple):
    at: datetime
    fix: RoutePoint | None = None
    ignition: bool | None = None
    speed_kmh: float | None = None
    is_moving: bool | None = None
    odometer_km: float | None = None
    soc_pct: float | None = None
    fuel_pct: float | None = None


_IGNITION = {EventKind.IGNITION_ON: True, EventKind.IGNITION_OFF: False}


def _sample(r: StateReport | EventReport) -> _Sample:
    if isinstance(r, EventReport):
        return _Sample(r.at, ignition=_IGNITION.get(r.kind))
    fix = None
    if r.latitude is not None and r.longitude is not None:
        fix = RoutePoint(r.latitude, r.longitude, r.at)
    return _Sample(
        r.at,
        fix,
        r.ignition_on,
        r.speed_kmh,
        r.is_moving,
        r.odometer_km,
        r.battery_soc_pct,
        r.fuel_level_pct,
    )


class _Tracker:
    """One vehicle's detection, mutable while a batch runs through it."""

    def __init__(self, p: TripProgress, rules: TripRules) -> None:
        self.rules = rules
        self.vehicle_id = p.vehicle_id
        self.seen_at = p.seen_at
        self.reports_ignition = p.reports_ignition
        self.ignition_on = p.ignition_on
        self.position = p.position
        self.anchor = p.anchor
        self.odometer_km = p.odometer_km
        self.trip = p.trip
        self.soc_pct = p.soc_pct
        self.fuel_pct = p.fuel_pct
        self.pending: list[RoutePoint] = []  # route points of the open trip not yet encoded
        self.finished: list[Trip] = []
        self.discarded = 0

    def progress(self) -> TripProgress:
        if self.trip is not None and self.pending:
            self.trip = self._encoded(self.trip, self.pending)
        return TripProgress(
            self.vehicle_id,
            self.seen_at,
            self.reports_ignition,
            self.ignition_on,
            self.position,
            self.anchor,
            self.odometer_km,
            self.trip,
            self.soc_pct,
            self.fuel_pct,
        )

    def step(self, s: _Sample) -> None:
        if self.seen_at is not None and s.at < self.seen_at:
            return  # late: history keeps it, but the trips have moved past it
        self._end_if_over(s.at)
        moving = self._moving(s)
        if s.ignition is not None:
            self.reports_ignition = True
        ignition = self.ignition_on if s.ignition is None else s.ignition
        if self.trip is None and (ignition if self.reports_ignition else moving):
            self._open(s)
        self._record(s, moving)
        if self.reports_ignition and s.ignition is False and self.trip is not None:
            self._close(s.at)
        self.ignition_on = ignition
        self.seen_at = s.at

    def _end_if_over(self, at: datetime) -> None:
        trip = self.trip
        if trip is None or self.seen_at is None:
            return
        if at - self.seen_at > self.rules.gap_after:
            self._close(trip.stopped_at or self.seen_at)
        elif (
            not self.reports_ignition
            and trip.stopped_at is not None
            and at - trip.stopped_at >= self.rules.parked_after
        ):
            self._close(trip.stopped_at)

    def _moving(self, s: _Sample) -> bool | None:
        if s.is_moving is not None:
            return s.is_moving
        if s.speed_kmh is not None:
            return s.speed_kmh > self.rules.moving_speed_kmh
        if s.fix is None or self.anchor is None:
            return None
        return self._left_anchor(s.fix)

    def _left_anchor(self, fix: RoutePoint) -> bool:
        assert self.anchor is not None
        lat, lon = self.anchor
        return haversine_m(lat, lon, fix.latitude, fix.longitude) > self.rules.still_radius_m

    def _open(self, s: _Sample) -> None:
        # A vehicle sets off from where it was last seen: the first sample that shows
        # motion is already on its way.
        origin = self.position or s.fix
        odometer = self.odometer_km if self.odometer_km is not None else s.odometer_km
        soc = self.soc_pct if self.soc_pct is not None else s.soc_pct
        fuel = self.fuel_pct if self.fuel_pct is not None else s.fuel_pct
        self.trip = OpenTrip(
            s.at, start_odometer_km=odometer, start_soc_pct=soc, start_fuel_pct=fuel
        )
        self.pending = (
            [] if origin is None else [RoutePoint(origin.latitude, origin.longitude, s.at)]
        )

    def _record(self, s: _Sample, moving: bool | None) -> None:
        if s.odometer_km is not None:
            self.odometer_km = s.odometer_km
        if s.soc_pct is not None:
            self.soc_pct = s.soc_pct
        if s.fuel_pct is not None:
            self.fuel_pct = s.fuel_pct
        if self.trip is not None:
            self.trip = self._recorded(self.trip, s, moving)
        if s.fix is not None:
            self.position = s.fix
            if self.anchor is None or self._left_anchor(s.fix):
                self.anchor = (s.fix.latitude, s.fix.longitude)

    def _recorded(self, trip: OpenTrip, s: _Sample, moving: bool | None) -> OpenTrip:
        odometer, speed = s.odometer_km, s.speed_kmh
        if odometer is None and speed is None and moving is None and s.fix is None:
            return trip  # a door or a lamp: nothing for the trip (a quarter of all reports)
        stopped_at = trip.stopped_at
        if moving is not None:
            stopped_at = None if moving else stopped_at or s.at
        start_km = odometer if trip.start_odometer_km is None else trip.start_odometer_km
        top = trip.max_speed_kmh if speed is None else max(trip.max_speed_kmh or 0.0, speed)
        gps_km, derived_top, fix = trip.gps_km, trip.derived_max_speed_kmh, None
        # Standing still, a fix adds only GPS noise to the route.
        if s.fix is not None and stopped_at is None:
            last = self.pending[-1] if self.pending else trip.route_end
            fix = s.fix
            if last is not None:
                metres = distance_m(last, s.fix)
                seconds = (s.fix.at - last.at).total_seconds()
                if metres < self.rules.route_spacing_m:
                    fix = None
                else:
                    gps_km += metres / 1000.0
                    if seconds > 0:
                        derived_top = max(derived_top, metres / seconds * 3.6)
        # Built whole rather than with replace(), which costs twice as much: ingestion runs
        # this for every sample of every trip.
        trip = OpenTrip(
            started_at=trip.started_at,
            route=trip.route,
            route_points=trip.route_points,
            route_end=trip.route_end,
            start_odometer_km=start_km,
            odometer_km=trip.odometer_km if odometer is None else odometer,
            gps_km=gps_km,
            max_speed_kmh=top,
            derived_max_speed_kmh=derived_top,
            stopped_at=stopped_at,
            start_soc_pct=trip.start_soc_pct,
            start_fuel_pct=trip.start_fuel_pct,
        )
        if fix is None:
            return trip
        self.pending.append(fix)
        limit = self.rules.open_route_limit
        if trip.route_points + len(self.pending) > limit:
            kept = simplify(self._route(trip), limit // 2, self.rules.route_tolerance_m)
            trip = self._encoded(replace(trip, route="", route_points=0, route_end=None), kept)
        return trip

    def _route(self, trip: OpenTrip) -> list[RoutePoint]:
        return [*decode_route(trip.route), *self.pending]

    def _encoded(self, trip: OpenTrip, points: Sequence[RoutePoint]) -> OpenTrip:
        """The trip with points appended to its encoded route, and nothing left pending."""
        self.pending = []
        if not points:
            return trip
        return replace(
            trip,
            route=trip.route + encode_route(points, after=trip.route_end),
            route_points=trip.route_points + len(points),
            route_end=points[-1],
        )

    def _close(self, end_at: datetime) -> None:
        assert self.trip is not None
        trip, route = self.trip, self._route(self.trip)
        self.trip, self.pending = None, []
        trip_or_none = _finish(self.vehicle_id, trip, route, self.position, end_at, self.rules)
        if trip_or_none is not None:
            trip_or_none = replace(
                trip_or_none,
                soc_from_pct=trip.start_soc_pct,
                soc_to_pct=self.soc_pct,
                fuel_from_pct=trip.start_fuel_pct,
                fuel_to_pct=self.fuel_pct,
            )
        if trip_or_none is None:
            self.discarded += 1
        else:
            self.finished.append(trip_or_none)


def _finish(
    vehicle_id: int,
    trip: OpenTrip,
    route: list[RoutePoint],
    where: RoutePoint | None,
    end_at: datetime,
    rules: TripRules,
) -> Trip | None:
    """The finished trip, or None when it is too short to count or has no place."""
    if where is None:
        return None  # the vehicle never said where it was
    end = RoutePoint(where.latitude, where.longitude, end_at)
    route = route or [RoutePoint(where.latitude, where.longitude, trip.started_at)]
    gps_km = trip.gps_km + distance_m(route[-1], end) / 1000.0
    route = [*route, end]
    start = RoutePoint(route[0].latitude, route[0].longitude, trip.started_at)
    distance_km = gps_km
    start_km, end_km = trip.start_odometer_km, trip.odometer_km
    if start_km is not None and end_km is not None and end_km >= start_km:
        distance_km = end_km - start_km  # the car's own count beats GPS
    duration = end_at - trip.started_at
    if distance_km * 1000.0 < rules.still_radius_m:
        return None  # it never went anywhere
    if distance_km < rules.min_distance_km and duration < rules.min_duration:
        return None
    hours = duration.total_seconds() / 3600.0
    average = distance_km / hours if hours > 0 else 0.0
    fastest = trip.max_speed_kmh
    if fastest is None:
        fastest = trip.derived_max_speed_kmh
    return Trip(
        id=str(uuid.uuid4()),
        vehicle_id=vehicle_id,
        start=start,
        end=end,
        distance_km=distance_km,
        # The peak can be no slower than the average: sparse samples can miss it.
        max_speed_kmh=max(fastest, average),
        route=simplify(route, rules.max_route_points, rules.route_tolerance_m),
    )


def detect(
    progress: TripProgress,
    reports: Iterable[StateReport | EventReport],
    rules: TripRules = DEFAULT_RULES,
) -> Detection:
    """Run one vehicle's reports through detection, in the vehicle's time order.

    Reports older than the newest one the progress has taken are ignored. At one instant,
    samples come before events: a unit reporting its last odometer with ignition off means
    that odometer to count in the trip the event ends.
    """
    tracker = _Tracker(progress, rules)
    for report in sorted(reports, key=lambda r: (r.at, isinstance(r, EventReport))):
        tracker.step(_sample(report))
    return Detection(tracker.progress(), tuple(tracker.finished), tracker.discarded)
