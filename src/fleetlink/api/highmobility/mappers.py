"""From the shared store's values to High Mobility's wire shapes: km, km/h, °C, whole %."""

from datetime import datetime

from fleetlink.api.highmobility import schemas as s
from fleetlink.domain.brands import Capability, DecodedVin, capabilities_of
from fleetlink.domain.clearance import ClearanceChange, FleetVehicle
from fleetlink.domain.state import ChargingStatus, VehicleState, newest
from fleetlink.domain.vehicle import Vehicle


def _whole(value: float | None) -> int | None:
    return None if value is None else round(value)


def fleet_vehicle(entry: FleetVehicle) -> s.FleetVehicle:
    """A fleet vehicle and its clearance."""
    return s.FleetVehicle(
        vin=entry.vin,
        brand=entry.brand,
        license_plate=entry.license_plate,
        clearance_status=entry.status.value,
        created_at=entry.created_at,
    )


def clearance_event(change: ClearanceChange) -> s.ClearanceEvent:
    """One change of a clearance."""
    return s.ClearanceEvent(
        clearance_status=change.status.value, reason=change.reason, at=change.at
    )


def eligibility(decoded: DecodedVin) -> s.Eligibility:
    """What the platform can do for a VIN."""
    return s.Eligibility(
        vin=decoded.vin,
        brand=decoded.brand,
        eligible=decoded.supported,
        capabilities=[c.value for c in decoded.capabilities] if decoded.supported else [],
        clearance_required=True,
    )


def _doors(state: VehicleState) -> s.Doors | None:
    """Each door's lock and position, each only once the unit has reported it."""
    reported = state.times
    if reported.doors is None and reported.locks is None:
        return None
    lock: s.LockState | None = None
    if reported.locks is not None:
        lock = "locked" if state.doors_locked else "unlocked"
    doors = state.doors
    open_by_location: dict[s.DoorLocation, bool] = {
        "front_left": doors.front_left_open,
        "front_right": doors.front_right_open,
        "rear_left": doors.rear_left_open,
        "rear_right": doors.rear_right_open,
    }
    return s.Doors(
        locks=[
            s.DoorLock(
                location=location,
                lock=lock,
                position=None if reported.doors is None else "open" if is_open else "closed",
            )
            for location, is_open in open_by_location.items()
        ]
    )


def _charging_state(state: VehicleState) -> s.ChargingState | None:
    if state.charging_status is ChargingStatus.CHARGING:
        return "charging"
    if state.charging_status is ChargingStatus.FULLY_CHARGED:
        return "completed"
    if state.plugged_in or state.charging_status is ChargingStatus.PLUGGED_IN:
        return "plugged_in"
    if state.plugged_in is None and state.charging_status is None:
        return None
    return "disconnected"


def _charging(state: VehicleState) -> s.Charging | None:
    if state.battery_soc_pct is None:
        return None
    return s.Charging(
        battery_level=_whole(state.battery_soc_pct),
        estimated_range=_whole(state.battery_range_km),
        charging_state=_charging_state(state),
        charge_limit=_whole(state.charge_limit_pct),
    )


def _diagnostics(state: VehicleState) -> s.Diagnostics | None:
    diagnostics = s.Diagnostics(
        mileage=_whole(state.odometer_km),
        speed=_whole(state.speed_kmh),
        fuel_level=_whole(state.fuel_level_pct),
        engine_rpm=_whole(state.engine_rpm),
        engine_oil_temperature=state.oil_temperature_c,
    )
    return diagnostics if diagnostics.model_dump(exclude_none=True) else None


def _diagnostics_times(state: VehicleState) -> list[datetime | None]:
    """The times of the groups whose values the diagnostics section shows."""
    t = state.times
    shown = [
        (t.motion, (state.odometer_km, state.speed_kmh, state.engine_rpm)),
        (t.fuel, (state.fuel_level_pct,)),
        (t.health, (state.oil_temperature_c,)),
    ]
    return [at for at, values in shown if any(v is not None for v in values)]


def vehicle_data(vehicle: Vehicle, state: VehicleState | None) -> s.VehicleData:
    """The sections this vehicle can report; timestamp is the newest time of what they hold."""
    if state is None:
        return s.VehicleData(vin=vehicle.vin)
    capabilities = capabilities_of(vehicle.powertrain)
    location = state.position
    doors = _doors(state) if Capability.DOORS in capabilities else None
    charging = _charging(state) if Capability.CHARGING in capabilities else None
    diagnostics = _diagnostics(state) if Capability.DIAGNOSTICS in capabilities else None
    if Capability.VEHICLE_LOCATION not in capabilities:
        location = None
    times: list[datetime | None] = []
    if doors is not None:
        times += [state.times.doors, state.times.locks]
    if charging is not None:
        times += [state.times.battery, state.times.charging]
    if diagnostics is not None:
        times += _diagnostics_times(state)
    if location is not None:
        times.append(location.at)
    return s.VehicleData(
        vin=vehicle.vin,
        timestamp=newest(*times),
        doors=doors,
        charging=charging,
        diagnostics=diagnostics,
        vehicle_location=(
            s.VehicleLocation(latitude=location.latitude, longitude=location.longitude)
            if location is not None
            else None
        ),
    )
