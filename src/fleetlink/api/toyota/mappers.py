"""Domain values to the Toyota contract's shapes: the only place miles and °F appear."""

from fleetlink.api.toyota import schemas as s
from fleetlink.domain.commands import Command
from fleetlink.domain.notifications import Notification, ServiceRecord
from fleetlink.domain.state import VehicleState, newest
from fleetlink.domain.trips import RoutePoint, Trip, TripPage
from fleetlink.domain.units import celsius_to_fahrenheit, km_to_miles, kmh_to_mph
from fleetlink.domain.vehicle import ClimateSettings, Vehicle


def _miles(km: float | None) -> float | None:
    return None if km is None else round(km_to_miles(km), 1)


def _fahrenheit(celsius: float) -> float:
    return round(celsius_to_fahrenheit(celsius), 1)


def _pct(value: float | None) -> int | None:
    return None if value is None else round(value)


def connected_vehicle(v: Vehicle) -> s.ConnectedVehicle:
    return s.ConnectedVehicle(
        vin=v.vin,
        alias=v.alias,
        make=v.make,
        model=v.model,
        year=v.year,
        color=v.color,
        trim=v.trim,
        guid=v.owner_guid or "",  # reached through its owner, so it always has one
        isConnected=v.is_connected,
        lastConnectedAt=v.last_connected_at,
    )


def _open(flag: bool) -> str:
    return "open" if flag else "closed"


def vehicle_status(v: Vehicle, st: VehicleState | None) -> s.VehicleStatus:
    if st is None:
        return s.VehicleStatus(vin=v.vin)
    # A group the unit has never reported (a real unit may send any subset of the signals) is
    # left out: the state's defaults (locked, closed, off) are no reading of the car.
    reported = st.times
    return s.VehicleStatus(
        vin=v.vin,
        ignition=("on" if st.ignition_on else "off") if reported.ignition else None,
        doorsLocked=st.doors_locked if reported.locks else None,
        doorStatus=s.DoorStatus(
            frontLeft=_open(st.doors.front_left_open),
            frontRight=_open(st.doors.front_right_open),
            rearLeft=_open(st.doors.rear_left_open),
            rearRight=_open(st.doors.rear_right_open),
            trunk=_open(st.doors.trunk_open),
        )
        if reported.doors
        else None,
        windowStatus=s.WindowStatus(
            frontLeft=st.windows.front_left.value, frontRight=st.windows.front_right.value
        )
        if reported.windows
        else None,
        lastUpdatedAt=newest(st.times.doors, st.times.windows, st.times.locks, st.times.ignition),
    )


def vehicle_health(v: Vehicle, st: VehicleState | None) -> s.VehicleHealth:
    if st is None:
        return s.VehicleHealth(vin=v.vin)
    return s.VehicleHealth(
        vin=v.vin,
        overallStatus=st.overall_health.value,
        oilQuantity=st.oil_level.value if st.oil_level and v.powertrain.has_engine_oil else None,
        warningLights=[
            s.WarningLightOut(name=w.name, severity=w.severity.value, description=w.description)
            for w in st.warning_lights
        ],
        maintenanceRequired=st.maintenance_due,
        lastReportedAt=st.times.health,
    )


def vehicle_position(v: Vehicle, st: VehicleState | None) -> s.VehiclePosition:
    if st is None or st.position is None:
        return s.VehiclePosition(vin=v.vin)
    return s.VehiclePosition(
        vin=v.vin,
        latitude=st.position.latitude,
        longitude=st.position.longitude,
        isParked=st.is_parked if st.times.motion else None,
        timestamp=st.position.at,
    )


def electric_status(v: Vehicle, st: VehicleState | None) -> s.ElectricStatus:
    if st is None:
        return s.ElectricStatus(vin=v.vin)
    p = v.powertrain
    out = s.ElectricStatus(vin=v.vin)
    times = []
    if p.has_traction_battery:
        out.batteryLevel = _pct(st.battery_soc_pct)
        times.append(st.times.battery)
    if p.is_pluggable:
        times.append(st.times.charging)
        out.batteryRange = _miles(st.battery_range_km)
        out.chargingStatus = st.charging_status.value if st.charging_status else None
        out.pluggedIn = st.plugged_in
        out.estimatedChargeCompleteTime = st.charge_complete_at
    if p.has_fuel_tank:
        out.fuelLevel = _pct(st.fuel_level_pct)
        out.fuelRange = _miles(st.fuel_range_km)
        times.append(st.times.fuel)
    if p.is_pluggable and p.has_fuel_tank:
        out.totalRange = _miles(st.total_range_km)
    # The newest of the values shown, each as old as the vehicle's report of it.
    out.lastUpdatedAt = newest(*times)
    return out


def climate_status(v: Vehicle, st: VehicleState | None) -> s.ClimateStatus:
    running = bool(st and st.climate_running)
    return s.ClimateStatus(
        vin=v.vin,
        isRunning=running,
        temperature=_fahrenheit(v.climate.target_c),
        fanSpeed=v.climate.fan_speed,
        mode=v.climate.mode.value if running else "off",
        lastUpdatedAt=st.times.climate if st else None,
    )


def climate_settings(c: ClimateSettings) -> s.ClimateSettingsOut:
    return s.ClimateSettingsOut(
        temperature=_fahrenheit(c.target_c), fanSpeed=c.fan_speed, mode=c.mode.value
    )


def refresh_status(c: Command) -> s.RefreshStatus:
    return s.RefreshStatus(
        requestId=c.id, status=c.status.value, returnCode=c.return_code, timestamp=c.created_at
    )


def command_state(c: Command) -> s.CommandState:
    return s.CommandState(
        requestId=c.id,
        vin=c.vin,
        command=c.kind.value,
        status=c.status.value,
        returnCode=c.return_code,
        reason=c.reason,
        createdAt=c.created_at,
        updatedAt=c.updated_at,
        expiresAt=c.expires_at,
    )


def _coordinates(p: RoutePoint) -> s.Coordinates:
    return {"latitude": p.latitude, "longitude": p.longitude, "timestamp": p.at}


def _trip_summary(t: Trip) -> s.TripSummary:
    return {
        "distanceMiles": round(km_to_miles(t.distance_km), 2),
        "durationMinutes": round(t.duration.total_seconds() / 60),
        "averageSpeedMph": round(kmh_to_mph(t.average_speed_kmh), 1),
        "maxSpeedMph": round(kmh_to_mph(t.max_speed_kmh), 1),
    }


def _trip_addresses(t: Trip) -> s.TripAddresses:
    out: s.TripAddresses = {}
    if t.start_address is not None:
        out["startAddress"] = t.start_address
    if t.end_address is not None:
        out["endAddress"] = t.end_address
    return out


def _trip_route(t: Trip) -> s.TripRoute:
    return {
        "route": [
            {"latitude": latitude, "longitude": longitude, "timestamp": at}
            for latitude, longitude, at in t.route
        ]
    }


def trip(t: Trip, vin: str, *, include_summary: bool, include_route: bool) -> s.TripHistory:
    # Keys in the contract's order: the answer is written as the dict holds them.
    return {
        "id": t.id,
        "vin": vin,
        "startTime": t.start.at,
        "endTime": t.end.at,
        **(_trip_summary(t) if include_summary else s.TripSummary()),
        **_trip_addresses(t),
        "startCoordinates": _coordinates(t.start),
        "endCoordinates": _coordinates(t.end),
        **(_trip_route(t) if include_route else s.TripRoute()),
    }


def trip_list(
    page: TripPage, vin: str, *, limit: int, offset: int, include_summary: bool, include_route: bool
) -> s.TripHistoryList:
    return {
        "data": [
            trip(t, vin, include_summary=include_summary, include_route=include_route)
            for t in page.trips
        ],
        "total": page.total,
        "limit": limit,
        "offset": offset,
    }


def notification(n: Notification) -> s.NotificationOut:
    return s.NotificationOut(
        id=n.id,
        type=n.type.value,
        title=n.title,
        message=n.message,
        isRead=n.is_read,
        severity=n.severity.value,
        createdAt=n.created_at,
    )


def service_record(r: ServiceRecord, vin: str) -> s.ServiceHistory:
    return s.ServiceHistory(
        id=r.id,
        vin=vin,
        category=r.category,
        description=r.description,
        serviceDate=r.service_date,
        mileage=None if r.odometer_km is None else round(km_to_miles(r.odometer_km)),
        dealerCode=r.dealer_code,
        dealerName=r.dealer_name,
    )
