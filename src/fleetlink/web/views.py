"""Domain values as the web app's pages read them: SI units, ISO times, plain JSON.

The browser converts units (km/°C or miles/°F, the person's choice); nothing here depends on it.
"""

from datetime import datetime
from itertools import pairwise
from math import asin, cos, radians, sin, sqrt
from typing import Any

from fleetlink.domain.charging import ChargingPage, ChargingSession
from fleetlink.domain.commands import Command
from fleetlink.domain.driving import DrivingTotals
from fleetlink.domain.notifications import NotificationPage, ServiceRecord
from fleetlink.domain.state import ChargingStatus, VehicleState, newest
from fleetlink.domain.statistics import MonthStatistics
from fleetlink.domain.trips import RoutePoint, Trip
from fleetlink.domain.vehicle import ConnectionState, Vehicle

EARTH_RADIUS_KM = 6371.0088
# Below this a vehicle that says it moves is parked in all but name (GPS jitter).
MOVING_KMH = 1.0
# Charging sessions listed at a time (about two months of a daily charger).
SESSIONS_PAGE = 50


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def activity(vehicle: Vehicle, state: VehicleState | None) -> str:
    """One word for the map's colour: offline, asleep, charging, driving or parked."""
    if vehicle.connection is ConnectionState.OFFLINE:
        return "offline"
    if vehicle.connection is ConnectionState.ASLEEP:
        return "asleep"
    if state is None:
        return "parked"
    if state.charging_status is ChargingStatus.CHARGING:
        return "charging"
    if not state.is_parked or (state.ignition_on and (state.speed_kmh or 0.0) > MOVING_KMH):
        return "driving"
    return "parked"


def vehicle_summary(vehicle: Vehicle, state: VehicleState | None) -> dict[str, Any]:
    """What the fleet map shows of a vehicle."""
    position = state.position if state is not None else None
    return {
        "vin": vehicle.vin,
        "name": vehicle.alias or f"{vehicle.year} {vehicle.make} {vehicle.model}",
        "model": f"{vehicle.make} {vehicle.model}",
        "powertrain": str(vehicle.powertrain),
        "activity": activity(vehicle, state),
        "position": None
        if position is None
        else {"lat": position.latitude, "lon": position.longitude, "at": _iso(position.at)},
        "reportedAt": _iso(state.reported_at) if state is not None else None,
        "socPct": state.battery_soc_pct if state is not None else None,
        "fuelPct": state.fuel_level_pct if state is not None else None,
        "locked": state.doors_locked
        if state is not None and state.times.locks is not None
        else None,
    }


def vehicle_detail(vehicle: Vehicle, state: VehicleState | None) -> dict[str, Any]:
    """Everything the vehicle page shows, each part with the vehicle's time for it."""
    summary = vehicle_summary(vehicle, state)
    summary.update(
        year=vehicle.year,
        color=vehicle.color,
        licensePlate=vehicle.license_plate,
        connection=str(vehicle.connection),
        lastConnectedAt=_iso(vehicle.last_connected_at),
        climateTargetC=vehicle.climate.target_c,
        state=None if state is None else _state(state),
    )
    return summary


def _state(state: VehicleState) -> dict[str, Any]:
    doors = state.doors
    windows = state.windows
    # Each part's time is the vehicle's own time of the newest value it shows (docs/telematics.md).
    t = state.times

    def at(*groups: datetime | None) -> str | None:
        return _iso(newest(*groups) or state.reported_at)

    # A group the unit never reported is None: the state's defaults (locked, closed, off,
    # parked) are no reading of the car, as in both APIs.
    return {
        "status": {
            "at": at(t.doors, t.windows, t.locks, t.ignition, t.motion),
            "locked": state.doors_locked if t.locks is not None else None,
            "ignitionOn": state.ignition_on if t.ignition is not None else None,
            "parked": state.is_parked if t.motion is not None else None,
            "doorsOpen": None
            if t.doors is None
            else [
                name
                for name, is_open in (
                    ("front left", doors.front_left_open),
                    ("front right", doors.front_right_open),
                    ("rear left", doors.rear_left_open),
                    ("rear right", doors.rear_right_open),
                    ("trunk", doors.trunk_open),
                )
                if is_open
            ],
            "windowsOpen": None
            if t.windows is None
            else [
                f"{name} {position!s}"
                for name, position in (
                    ("front left", windows.front_left),
                    ("front right", windows.front_right),
                    ("rear left", windows.rear_left),
                    ("rear right", windows.rear_right),
                )
                if str(position) != "closed"
            ],
            "odometerKm": state.odometer_km,
            "speedKmh": state.speed_kmh,
        },
        "energy": {
            "at": at(t.battery, t.fuel),
            "socPct": state.battery_soc_pct,
            "batteryRangeKm": state.battery_range_km,
            "fuelPct": state.fuel_level_pct,
            "fuelRangeKm": state.fuel_range_km,
            "totalRangeKm": state.total_range_km,
        },
        "charging": {
            "at": at(t.charging),
            "status": None if state.charging_status is None else str(state.charging_status),
            "pluggedIn": state.plugged_in,
            "completeAt": _iso(state.charge_complete_at),
            "limitPct": state.charge_limit_pct,
        },
        "climate": {
            "at": at(t.climate),
            "running": state.climate_running,
            "cabinC": state.cabin_temperature_c,
        },
        "health": {
            "at": at(t.health),
            "overall": str(state.overall_health),
            "oil": None if state.oil_level is None else str(state.oil_level),
            "maintenanceDue": state.maintenance_due,
            "warnings": [
                {"name": w.name, "severity": str(w.severity), "description": w.description}
                for w in state.warning_lights
            ],
        },
        "position": None
        if state.position is None
        else {
            "at": _iso(state.position.at),
            "lat": state.position.latitude,
            "lon": state.position.longitude,
        },
    }


def command(cmd: Command) -> dict[str, Any]:
    """A command's life as the vehicle page follows it."""
    return {
        "id": cmd.id,
        "kind": str(cmd.kind),
        "status": str(cmd.status),
        "createdAt": _iso(cmd.created_at),
        "updatedAt": _iso(cmd.updated_at),
        "expiresAt": _iso(cmd.expires_at),
        "reason": cmd.reason,
    }


def _km_between(a: RoutePoint, b: RoutePoint) -> float:
    """Great-circle distance (haversine)."""
    lat1, lat2 = radians(a.latitude), radians(b.latitude)
    dlat, dlon = lat2 - lat1, radians(b.longitude - a.longitude)
    h = sin(dlat / 2) ** 2 + cos(lat1) * cos(lat2) * sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * asin(min(1.0, sqrt(h)))


def route_speeds(route: tuple[RoutePoint, ...], cap_kmh: float) -> list[float]:
    """Speed at each point of a route, from the distance and time since the one before.

    Routes keep positions and times, not speeds; a jump in a fix cannot exceed the trip's
    recorded top speed, so the estimate is capped by it.
    """
    speeds = [0.0]
    for before, here in pairwise(route):
        seconds = (here.at - before.at).total_seconds()
        kmh = _km_between(before, here) / seconds * 3600.0 if seconds > 0 else speeds[-1]
        speeds.append(round(min(kmh, cap_kmh), 1))
    return speeds


def trip(item: Trip, *, with_route: bool) -> dict[str, Any]:
    """A trip as the trips page lists it, and with its route and speeds when opened."""
    out: dict[str, Any] = {
        "id": item.id,
        "startAt": _iso(item.start.at),
        "endAt": _iso(item.end.at),
        "durationS": item.duration.total_seconds(),
        "distanceKm": item.distance_km,
        "maxSpeedKmh": item.max_speed_kmh,
        "averageSpeedKmh": item.average_speed_kmh,
        "startAddress": item.start_address,
        "endAddress": item.end_address,
        "start": {"lat": item.start.latitude, "lon": item.start.longitude},
        "end": {"lat": item.end.latitude, "lon": item.end.longitude},
    }
    if with_route:
        route = item.route or (item.start, item.end)
        out["route"] = {
            "t": [p.at.timestamp() for p in route],
            "lat": [p.latitude for p in route],
            "lon": [p.longitude for p in route],
            "speedKmh": route_speeds(route, max(item.max_speed_kmh, 1.0)),
        }
    return out


def registered(vehicle: Vehicle, owner_email: str | None) -> dict[str, Any]:
    """A row of the operator's fleet table."""
    return {
        "vin": vehicle.vin,
        "make": vehicle.make,
        "model": vehicle.model,
        "year": vehicle.year,
        "powertrain": str(vehicle.powertrain),
        "connection": str(vehicle.connection),
        "lastSeenAt": _iso(vehicle.last_connected_at),
        "owner": owner_email,
    }


def notifications(page: NotificationPage) -> dict[str, Any]:
    """The vehicle's notifications, newest first, with the unread count."""
    return {
        "unread": page.unread_count,
        "total": page.total,
        "notifications": [
            {
                "id": n.id,
                "type": str(n.type),
                "severity": str(n.severity),
                "title": n.title,
                "message": n.message,
                "createdAt": _iso(n.created_at),
                "read": n.is_read,
            }
            for n in page.notifications
        ],
    }


def service_records(records: list[ServiceRecord]) -> dict[str, Any]:
    """The vehicle's service visits, newest first."""
    return {
        "records": [
            {
                "id": r.id,
                "date": r.service_date.isoformat(),
                "category": r.category,
                "description": r.description,
                "odometerKm": r.odometer_km,
                "dealer": r.dealer_name,
            }
            for r in records
        ]
    }


def totals(month: str, found: DrivingTotals, figures: MonthStatistics) -> dict[str, Any]:
    """A month's driving and energy, as the trips page sums it up; None where unknown."""
    return {
        "month": month,
        "trips": found.trips,
        "distanceKm": found.distance_km,
        "drivingS": found.driving_time.total_seconds(),
        "averageSpeedKmh": found.average_speed_kmh,
        "longestKm": found.longest_km,
        "maxSpeedKmh": found.max_speed_kmh,
        "chargingSessions": figures.charging_sessions,
        "energyChargedKwh": figures.energy_charged_kwh,
        "energyUsedKwh": figures.energy_used_kwh,
        "kwhPer100Km": figures.kwh_per_100km,
        "energyLostParkedKwh": figures.energy_lost_parked_kwh,
        "fuelUsedL": figures.fuel_used_l,
        "litresPer100Km": figures.l_per_100km,
    }


def charging_session(
    item: ChargingSession, *, with_curve: bool, place_name: str | None = None
) -> dict[str, Any]:
    """A charging session as the charging page lists it, and with its curve when opened."""
    place = None
    if item.latitude is not None and item.longitude is not None:
        place = {"lat": item.latitude, "lon": item.longitude, "name": place_name}
    out: dict[str, Any] = {
        "id": item.id,
        "startAt": _iso(item.started_at),
        "endAt": _iso(item.ended_at),
        "durationS": item.duration.total_seconds(),
        "place": place,
        "socFromPct": item.soc_from_pct,
        "socToPct": item.soc_to_pct,
        "energyKwh": item.energy_added_kwh,
        "peakKw": item.peak_power_kw,
        "meanKw": item.mean_power_kw,
        "current": str(item.current),
    }
    if with_curve:
        # Columns, as uPlot draws them: times in seconds, then one series per axis.
        out["curve"] = {
            "t": [p.at.timestamp() for p in item.curve],
            "socPct": [p.soc_pct for p in item.curve],
            "powerKw": [p.power_kw for p in item.curve],
        }
    return out


def charging_sessions(
    page: ChargingPage, offset: int, names: dict[str, str | None]
) -> dict[str, Any]:
    """A page of a vehicle's sessions, newest first, without curves, their places named."""
    return {
        "total": page.total,
        "offset": offset,
        "sessions": [
            charging_session(s, with_curve=False, place_name=names.get(s.id)) for s in page.sessions
        ],
    }
